"""Clustering models: deep embedded clustering (DEC / IDEC) and IMSAT. The plain pipelines
they are compared with (k-means, N2D) are in `kerazoo.applications`."""

from kerazoo.models.clustering.deep_clustering import DeepClustering, TargetDistributionUpdate
from kerazoo.models.clustering.imsat import IMSAT
from kerazoo.models.clustering.soft_assignment import StudentTAssignment, target_distribution

__all__ = [
    "DeepClustering",
    "IMSAT",
    "StudentTAssignment",
    "TargetDistributionUpdate",
    "target_distribution",
]
