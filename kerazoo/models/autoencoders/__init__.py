"""The autoencoder family: deep, sparse, denoising, contractive and variational."""

from kerazoo.models.autoencoders.autoencoder import Autoencoder
from kerazoo.models.autoencoders.contractive import ContractiveAutoencoder
from kerazoo.models.autoencoders.denoising import DenoisingAutoencoder
from kerazoo.models.autoencoders.sparse import SparseAutoencoder
from kerazoo.models.autoencoders.variational import ImageLikelihood, VariationalAutoencoder

__all__ = [
    "Autoencoder",
    "ContractiveAutoencoder",
    "DenoisingAutoencoder",
    "ImageLikelihood",
    "SparseAutoencoder",
    "VariationalAutoencoder",
]
