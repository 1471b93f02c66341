"""Pictures: sample grids, reconstructions, filters, latent maps, recommender charts."""

from kerazoo.viz.recommenders import fold_metric_chart

__all__ = ["fold_metric_chart"]
