"""Pictures: latent maps and interpolations (matplotlib, Agg backend)."""

from kerazoo.viz.latent import interpolate_latents, interpolation_grid, latent_grid

__all__ = ["interpolate_latents", "interpolation_grid", "latent_grid"]
