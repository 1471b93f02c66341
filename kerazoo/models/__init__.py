"""The model families. Importing this package registers every family and every
serializable class (under the package name `kerazoo`)."""

from kerazoo.models.autoencoders import VariationalAutoencoder
from kerazoo.models.rbm import BernoulliRBM, GaussianBernoulliRBM

__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "VariationalAutoencoder"]
