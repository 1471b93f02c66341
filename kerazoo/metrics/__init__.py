"""Evaluation metrics: functions of arrays, weights and feature functions, never of models.

RBM likelihood tools (`kerazoo.metrics.likelihood`, `.partition`, `.pseudo_likelihood`):
free energies, exact and AIS log partition functions, log-likelihoods and the stochastic
pseudo-log-likelihood of scikit-learn's `BernoulliRBM.score_samples`.
VAE tools (`kerazoo.metrics.vae_likelihood`): the ELBO terms and the importance-sampled
log-likelihood. Reconstruction (`kerazoo.metrics.reconstruction`): MSE, PSNR, encoder
Jacobian norms. Recommenders (`kerazoo.metrics.ranking`): RMSE, MAE, precision/recall/NDCG@k.
Clustering (`kerazoo.metrics.clustering`): Hungarian-matched accuracy, NMI, ARI.
Generative models (`kerazoo.metrics.generative`): Fréchet distance in a feature space, class
coverage of samples.
"""

from kerazoo.metrics.clustering import (
    adjusted_rand_index,
    cluster_to_class_map,
    clustering_accuracy,
    clustering_metrics,
    contingency_table,
    normalized_mutual_info,
)
from kerazoo.metrics.generative import (
    class_coverage,
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
)
from kerazoo.metrics.likelihood import (
    bernoulli_rbm_free_energy,
    bernoulli_rbm_log_likelihood,
    gaussian_rbm_free_energy,
    gaussian_rbm_log_likelihood,
)
from kerazoo.metrics.partition import (
    MAX_EXACT_HIDDEN,
    AISResult,
    ais_beta_schedule,
    base_rate_visible_bias,
    bernoulli_rbm_log_partition,
    bernoulli_rbm_log_partition_ais,
    bernoulli_rbm_log_partition_exact,
    gaussian_rbm_log_partition_ais,
    gaussian_rbm_log_partition_exact,
)
from kerazoo.metrics.pseudo_likelihood import bernoulli_rbm_pseudo_log_likelihood
from kerazoo.metrics.ranking import (
    mae,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    rmse,
    top_k_items,
)
from kerazoo.metrics.reconstruction import encoder_jacobian_norm, mse, psnr
from kerazoo.metrics.vae_likelihood import (
    bernoulli_log_prob,
    evidence_lower_bound,
    gaussian_kl_divergence,
    gaussian_log_prob,
    importance_sampled_log_likelihood,
)

__all__ = [
    "adjusted_rand_index",
    "cluster_to_class_map",
    "clustering_accuracy",
    "clustering_metrics",
    "contingency_table",
    "normalized_mutual_info",
    "class_coverage",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "gaussian_statistics",
    "AISResult",
    "MAX_EXACT_HIDDEN",
    "ais_beta_schedule",
    "base_rate_visible_bias",
    "bernoulli_rbm_free_energy",
    "bernoulli_rbm_log_likelihood",
    "bernoulli_rbm_log_partition",
    "bernoulli_rbm_log_partition_ais",
    "bernoulli_rbm_log_partition_exact",
    "bernoulli_rbm_pseudo_log_likelihood",
    "gaussian_rbm_free_energy",
    "gaussian_rbm_log_likelihood",
    "gaussian_rbm_log_partition_ais",
    "gaussian_rbm_log_partition_exact",
    "bernoulli_log_prob",
    "encoder_jacobian_norm",
    "mse",
    "psnr",
    "evidence_lower_bound",
    "gaussian_kl_divergence",
    "gaussian_log_prob",
    "importance_sampled_log_likelihood",
    "mae",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "rmse",
    "top_k_items",
]
