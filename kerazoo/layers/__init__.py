"""Custom Keras layers: restricted Boltzmann machines and the stateless samplers of their
Gibbs chains, and the VAE's reparameterization."""

from kerazoo.layers import sampling
from kerazoo.layers.bernoulli_rbm_layer import BernoulliRBMLayer
from kerazoo.layers.gaussian_rbm_layer import GaussianBernoulliRBMLayer
from kerazoo.layers.reparameterization import Sampling, gaussian_kl

__all__ = ["BernoulliRBMLayer", "GaussianBernoulliRBMLayer", "Sampling", "gaussian_kl", "sampling"]
