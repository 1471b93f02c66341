"""Metrics as functions of arrays (never of model classes).

Recommender metrics (`kerazoo.metrics.ranking`): `rmse`, `mae`, `precision_at_k`,
`recall_at_k`, `ndcg_at_k`, `ranking_metrics`, `top_k_items`.
"""

from kerazoo.metrics.ranking import (
    mae,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    rmse,
    top_k_items,
)

__all__ = [
    "mae",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "rmse",
    "top_k_items",
]
