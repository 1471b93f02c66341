"""Metrics: functions of arrays, weights and feature functions, never of model classes."""

from kerazoo.metrics.vae_likelihood import (
    bernoulli_log_prob,
    evidence_lower_bound,
    gaussian_kl_divergence,
    gaussian_log_prob,
    importance_sampled_log_likelihood,
)

__all__ = [
    "bernoulli_log_prob",
    "evidence_lower_bound",
    "gaussian_kl_divergence",
    "gaussian_log_prob",
    "importance_sampled_log_likelihood",
]
