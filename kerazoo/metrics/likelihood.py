"""Free energies and log-likelihoods of restricted Boltzmann machines.

Functions of arrays and weights, never of model classes: the weights are the RBM's
`kernel` `W` (n_visible, n_hidden), `visible_bias` `b` (n_visible,) and `hidden_bias` `c`
(n_hidden,), as numpy arrays, tensors or variables. Everything is evaluated in float64
and returned as numpy values.

Bernoulli-Bernoulli RBM (binary visible `v`, binary hidden `h`)::

    E(v, h) = -b.v - c.h - v.W.h
    F(v)    = -log sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + (v W)_j)
    log p(v) = -F(v) - log Z

Gaussian-Bernoulli RBM (real `v`, per-visible standard deviation `sigma`, Hinton 2010,
"A Practical Guide to Training RBMs", section 13.2; Krizhevsky 2009)::

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij (v_i / sigma_i) W_ij h_j
    p(h_j = 1 | v) = sigmoid(c_j + sum_i (v_i / sigma_i) W_ij)
    p(v_i | h)     = Normal(b_i + sigma_i sum_j W_ij h_j, sigma_i^2)
    F(v)    = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(c_j + ((v / sigma) W)_j)
    log p(v) = -F(v) - log Z      (a log density)

`sigma=None` means unit variances (the usual choice on standardized data).
"""

import numpy as np

from kerazoo.metrics._checks import (
    check_log_z,
    check_rbm_weights,
    check_sigma,
    check_visible,
)


def softplus(x):
    """`log(1 + exp(x))`, elementwise and stable, in float64."""
    return np.logaddexp(0.0, x)


def _bernoulli_free_energy(v, w, b, c):
    return -(v @ b) - softplus(v @ w + c).sum(axis=1)


def _gaussian_free_energy(v, w, b, c, sigma):
    return (0.5 * ((v - b) / sigma) ** 2).sum(axis=1) - softplus((v / sigma) @ w + c).sum(axis=1)


def bernoulli_rbm_free_energy(v, kernel, visible_bias, hidden_bias):
    """Free energy of a Bernoulli RBM, one value per row.

    `F(v) = -b.v - sum_j softplus(c_j + (v W)_j)`, so that `p(v) = exp(-F(v)) / Z`
    (the hidden units summed out analytically).

    Args:
        v: visible vectors, shape `(N, n_visible)` (or `(N, 28, 28, 1)` images, flattened
            row-major). Values are usually binary; any finite values are accepted (the
            formula is the one scikit-learn's `BernoulliRBM._free_energy` uses).
        kernel: weights `W`, shape `(n_visible, n_hidden)`.
        visible_bias: `b`, shape `(n_visible,)`.
        hidden_bias: `c`, shape `(n_hidden,)`.

    Returns:
        float64 numpy array of shape `(N,)`.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    x = check_visible(v, w.shape[0])
    return _bernoulli_free_energy(x, w, b, c)


def bernoulli_rbm_log_likelihood(v, kernel, visible_bias, hidden_bias, log_z):
    """Mean log-likelihood (nats per row) of binary data under a Bernoulli RBM.

    `mean_n [-F(v_n)] - log Z`, with `log Z` from `bernoulli_rbm_log_partition_exact` or
    `bernoulli_rbm_log_partition_ais` (a float, or the `AISResult` itself).

    Args:
        v: binary visible vectors (0/1), shape `(N, n_visible)` or `(N, 28, 28, 1)`.
            Grey-level data raise a ValueError: binarize first (`x > 0.5`).
        kernel, visible_bias, hidden_bias: the RBM's weights.
        log_z: the log partition function (float or `AISResult`).

    Returns:
        float, the average log-probability of a row, in nats (<= 0 for a true `log Z`).
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    x = check_visible(v, w.shape[0], binary=True)
    log_z = check_log_z(log_z)
    if x.shape[0] == 0:
        raise ValueError("`v` must hold at least one row. Received: v.shape=(0, ...)")
    return float(np.mean(-_bernoulli_free_energy(x, w, b, c)) - log_z)


def gaussian_rbm_free_energy(v, kernel, visible_bias, hidden_bias, sigma=None):
    """Free energy of a Gaussian-Bernoulli RBM, one value per row.

    `F(v) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(c_j + ((v / sigma) W)_j)`
    (energy convention in this module's docstring), so that the density is
    `p(v) = exp(-F(v)) / Z`.

    Args:
        v: real visible vectors, shape `(N, n_visible)` (or `(N, ...)`, flattened).
        kernel, visible_bias, hidden_bias: the RBM's weights.
        sigma: None (unit variances), a positive scalar, or a positive array of shape
            `(n_visible,)`: the visible standard deviations.

    Returns:
        float64 numpy array of shape `(N,)`.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    s = check_sigma(sigma, w.shape[0])
    x = check_visible(v, w.shape[0])
    return _gaussian_free_energy(x, w, b, c, s)


def gaussian_rbm_log_likelihood(v, kernel, visible_bias, hidden_bias, log_z, sigma=None):
    """Mean log-density (nats per row) of real data under a Gaussian-Bernoulli RBM.

    `mean_n [-F(v_n)] - log Z` with `log Z` from `gaussian_rbm_log_partition_exact` (same
    `sigma`). A density: it may be positive, and it changes by `-sum log(scale)` when the
    data are rescaled.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    s = check_sigma(sigma, w.shape[0])
    x = check_visible(v, w.shape[0])
    log_z = check_log_z(log_z)
    if x.shape[0] == 0:
        raise ValueError("`v` must hold at least one row. Received: v.shape=(0, ...)")
    return float(np.mean(-_gaussian_free_energy(x, w, b, c, s)) - log_z)
