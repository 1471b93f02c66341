"""Stochastic pseudo-log-likelihood of a Bernoulli RBM (scikit-learn's `score_samples`).

The pseudo-log-likelihood of a binary vector `v` is `sum_i log p(v_i | v_{-i})`, and for an
RBM `log p(v_i | v_{-i}) = log sigmoid(F(v with v_i flipped) - F(v))` (Besag 1975; the
free energy `F` sums the hidden units out). Evaluating all `n_visible` terms costs
`n_visible` free energies per row, so, as in scikit-learn's
`BernoulliRBM.score_samples`, one visible index `i` is drawn at random per row and the
term is multiplied by `n_visible`: an unbiased, noisy estimate of the pseudo-log-likelihood.
"""

import numpy as np
from sklearn.utils import check_random_state

from kerazoo.metrics._checks import check_rbm_weights, check_visible
from kerazoo.metrics.likelihood import _bernoulli_free_energy


def bernoulli_rbm_pseudo_log_likelihood(v, kernel, visible_bias, hidden_bias, seed=None):
    """Per-row stochastic pseudo-log-likelihood, as scikit-learn's `score_samples`.

    `n_visible * log sigmoid(F(v~) - F(v))`, where `v~` is `v` with one visible unit per
    row, drawn uniformly, flipped (`1 - v_i`).

    The flipped indices are `check_random_state(seed).randint(0, n_visible, N)`, the very
    draw `sklearn.neural_network.BernoulliRBM(random_state=seed).score_samples` makes: for
    the same weights and the same integer `seed`, the two agree to rounding.

    Args:
        v: visible vectors with values in [0, 1] (binary for a true pseudo-likelihood),
            shape `(N, n_visible)` or `(N, 28, 28, 1)` images.
        kernel, visible_bias, hidden_bias: the RBM's weights (`kernel` is
            `components_.T` of a scikit-learn `BernoulliRBM`).
        seed: None (fresh randomness), an int, or a `numpy.random.RandomState`.

    Returns:
        float64 numpy array of shape `(N,)`, in nats (<= 0).
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    x = check_visible(v, w.shape[0], unit_interval=True)
    try:
        rng = check_random_state(seed)
    except ValueError:
        raise ValueError(
            f"`seed` must be None, an int or a numpy RandomState. Received: seed={seed!r}"
        ) from None
    n, n_visible = x.shape
    rows = np.arange(n)
    cols = rng.randint(0, n_visible, n)
    x_flipped = x.copy()
    x_flipped[rows, cols] = 1.0 - x_flipped[rows, cols]
    fe = _bernoulli_free_energy(x, w, b, c)
    fe_flipped = _bernoulli_free_energy(x_flipped, w, b, c)
    return -n_visible * np.logaddexp(0.0, -(fe_flipped - fe))
