"""Pictures (PNG, matplotlib Agg): sample and reconstruction grids, RBM filters, latent maps,
decoded latent grids and interpolations, the sprite of a latent explorer, recommender charts."""

from kerazoo.viz.grids import filter_grid, image_grid, image_sprite
from kerazoo.viz.latent import interpolate_latents, interpolation_grid, latent_grid, latent_walks
from kerazoo.viz.latent_maps import (
    latent_grid_points,
    latent_hover_grid,
    latent_manifold,
    latent_scatter,
    principal_plane,
)
from kerazoo.viz.recommenders import fold_metric_chart
from kerazoo.viz.reconstructions import reconstruction_grid

__all__ = [
    "filter_grid",
    "fold_metric_chart",
    "image_grid",
    "image_sprite",
    "interpolate_latents",
    "interpolation_grid",
    "latent_grid",
    "latent_grid_points",
    "latent_hover_grid",
    "latent_manifold",
    "latent_scatter",
    "latent_walks",
    "principal_plane",
    "reconstruction_grid",
]
