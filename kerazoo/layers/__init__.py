"""Custom Keras layers and regularizers: corruption noise, sparsity, contraction."""

from kerazoo.layers.corruption import (
    BlockMaskingCorruption,
    GaussianCorruption,
    MaskingCorruption,
    RandomCorruption,
    SaltAndPepperCorruption,
    get_corruption,
)
from kerazoo.layers.regularizers import (
    KLSparsityRegularizer,
    L1SparsityRegularizer,
    SparsityRegularization,
    jacobian_sq_norm_estimate,
    kl_sparsity,
    sigmoid_jacobian_sq_norm,
)

__all__ = [
    "BlockMaskingCorruption",
    "GaussianCorruption",
    "KLSparsityRegularizer",
    "L1SparsityRegularizer",
    "MaskingCorruption",
    "RandomCorruption",
    "SaltAndPepperCorruption",
    "SparsityRegularization",
    "get_corruption",
    "jacobian_sq_norm_estimate",
    "kl_sparsity",
    "sigmoid_jacobian_sq_norm",
]
