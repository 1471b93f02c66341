"""The model families. Importing this package registers every family and every
serializable class (under the package name `kerazoo`)."""

from kerazoo.models.autoencoders import (
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from kerazoo.models.rbm import BernoulliRBM, GaussianBernoulliRBM

__all__ = [
    "Autoencoder",
    "BernoulliRBM",
    "ContractiveAutoencoder",
    "DenoisingAutoencoder",
    "GaussianBernoulliRBM",
    "SparseAutoencoder",
    "VariationalAutoencoder",
]
