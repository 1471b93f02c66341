"""Clustering: deep embedded clustering (DEC / IDEC), IMSAT, and the encoder -> k-means
and encoder -> UMAP -> Gaussian mixture (N2D) pipelines they are compared with."""

from kerazoo.models.clustering.deep_clustering import DeepClustering, TargetDistributionUpdate
from kerazoo.models.clustering.imsat import IMSAT
from kerazoo.models.clustering.pipelines import kmeans_clusters, n2d_clusters
from kerazoo.models.clustering.soft_assignment import StudentTAssignment, target_distribution
from kerazoo.models.clustering import family, imsat_family  # noqa: F401  (register the families)

__all__ = [
    "DeepClustering",
    "IMSAT",
    "StudentTAssignment",
    "TargetDistributionUpdate",
    "kmeans_clusters",
    "n2d_clusters",
    "target_distribution",
]
