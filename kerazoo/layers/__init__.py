"""Custom Keras layers."""

from kerazoo.layers.reparameterization import Sampling, gaussian_kl

__all__ = ["Sampling", "gaussian_kl"]
