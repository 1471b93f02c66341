"""Pictures: reconstructions and latent maps (matplotlib, Agg backend)."""

from kerazoo.viz.latent_maps import latent_manifold, latent_scatter
from kerazoo.viz.reconstructions import reconstruction_grid

__all__ = ["latent_manifold", "latent_scatter", "reconstruction_grid"]
