"""Custom Keras layers and regularizers: restricted Boltzmann machines and the stateless
samplers of their Gibbs chains, corruption noise, sparsity and contraction penalties, and the
VAE's reparameterization."""

from kerazoo.layers import sampling
from kerazoo.layers.bernoulli_rbm_layer import BernoulliRBMLayer
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

from kerazoo.layers.gaussian_rbm_layer import GaussianBernoulliRBMLayer
from kerazoo.layers.reparameterization import Sampling, gaussian_kl

__all__ = [
    "BernoulliRBMLayer",
    "BlockMaskingCorruption",
    "gaussian_kl",
    "GaussianBernoulliRBMLayer",
    "GaussianCorruption",
    "get_corruption",
    "jacobian_sq_norm_estimate",
    "kl_sparsity",
    "KLSparsityRegularizer",
    "L1SparsityRegularizer",
    "MaskingCorruption",
    "RandomCorruption",
    "SaltAndPepperCorruption",
    "sampling",
    "Sampling",
    "sigmoid_jacobian_sq_norm",
    "SparsityRegularization",
]
