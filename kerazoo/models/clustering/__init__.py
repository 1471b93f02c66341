"""Clustering: deep embedded clustering (DEC / IDEC) and the encoder -> k-means and
encoder -> UMAP -> Gaussian mixture (N2D) pipelines it is compared with."""

from kerazoo.models.clustering.deep_clustering import DeepClustering, TargetDistributionUpdate
from kerazoo.models.clustering.pipelines import kmeans_clusters, n2d_clusters
from kerazoo.models.clustering.soft_assignment import StudentTAssignment, target_distribution
from kerazoo.models.clustering import family  # noqa: F401  (registers the family)

__all__ = [
    "DeepClustering",
    "StudentTAssignment",
    "TargetDistributionUpdate",
    "kmeans_clusters",
    "n2d_clusters",
    "target_distribution",
]
