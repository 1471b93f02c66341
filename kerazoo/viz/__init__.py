"""Pictures (PNG, matplotlib Agg): sample and reconstruction grids, RBM filters, latent maps,
decoded latent grids and interpolations, recommender charts."""

from kerazoo.viz.grids import filter_grid, image_grid
from kerazoo.viz.latent import interpolate_latents, interpolation_grid, latent_grid, latent_walks
from kerazoo.viz.latent_maps import latent_manifold, latent_scatter
from kerazoo.viz.recommenders import fold_metric_chart
from kerazoo.viz.reconstructions import reconstruction_grid

__all__ = [
    "filter_grid",
    "fold_metric_chart",
    "image_grid",
    "interpolate_latents",
    "interpolation_grid",
    "latent_grid",
    "latent_manifold",
    "latent_scatter",
    "latent_walks",
    "reconstruction_grid",
]
