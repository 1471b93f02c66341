"""Applications of the models: dimensionality reduction next to PCA, denoising, inpainting."""

from kerazoo.applications.dimensionality_reduction import (
    compare_with_pca,
    fit_pca,
    knn_accuracy,
    pca_encode,
    pca_reconstruct,
    reduction_metrics,
)
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
    "knn_accuracy",
    "pca_encode",
    "pca_reconstruct",
    "reduction_metrics",
]
