"""The autoencoder family: deep, sparse, denoising, contractive and variational."""

from kerazoo.models.autoencoders.variational import ImageLikelihood, VariationalAutoencoder
from kerazoo.models.autoencoders import vae_family  # noqa: F401  (registers the "vae" family)

__all__ = ["ImageLikelihood", "VariationalAutoencoder"]
