"""Applications of the models: dimensionality reduction next to PCA, denoising, inpainting,
clustering of codes (k-means, N2D), recommending from a user's own ratings."""

from kerazoo.applications.clustering import kmeans_clusters, n2d_clusters

from kerazoo.applications.dimensionality_reduction import (
    compare_with_pca,
    fit_pca,
    knn_accuracy,
    pca_encode,
    pca_reconstruct,
    reduction_metrics,
)
from kerazoo.applications.recommendation import predict_ratings, recommend, training_history
from kerazoo.applications.restoration import (
    block_masks,
    corrupt,
    denoising_report,
    inpaint,
    inpainting_report,
)

__all__ = [
    "block_masks",
    "compare_with_pca",
    "corrupt",
    "denoising_report",
    "fit_pca",
    "inpaint",
    "inpainting_report",
    "kmeans_clusters",
    "knn_accuracy",
    "n2d_clusters",
    "pca_encode",
    "pca_reconstruct",
    "predict_ratings",
    "recommend",
    "reduction_metrics",
    "training_history",
]
