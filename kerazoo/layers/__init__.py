"""Custom Keras layers: restricted Boltzmann machines and the stateless samplers of
their Gibbs chains."""

from kerazoo.layers import sampling
from kerazoo.layers.bernoulli_rbm_layer import BernoulliRBMLayer
from kerazoo.layers.gaussian_rbm_layer import GaussianBernoulliRBMLayer

__all__ = ["BernoulliRBMLayer", "GaussianBernoulliRBMLayer", "sampling"]
