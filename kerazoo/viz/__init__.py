"""Pictures (PNG, matplotlib Agg): sample and reconstruction grids, RBM filters, latent maps
and interpolations."""

from kerazoo.viz.grids import filter_grid, image_grid
from kerazoo.viz.latent import interpolate_latents, interpolation_grid, latent_grid

__all__ = ["filter_grid", "image_grid", "interpolate_latents", "interpolation_grid", "latent_grid"]
