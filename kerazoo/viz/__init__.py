"""Pictures: sample and reconstruction grids, RBM filters (PNG, matplotlib Agg)."""

from kerazoo.viz.grids import filter_grid, image_grid

__all__ = ["filter_grid", "image_grid"]
