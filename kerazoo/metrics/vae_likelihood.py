"""Log-likelihood of latent-variable models: the ELBO and its importance-sampled estimate.

For a model p(x, z) = p(z) p(x|z) with a standard normal prior p(z) = N(0, I) and a
Gaussian encoder q(z|x) = N(mu(x), diag(exp(log_var(x)))), the marginal likelihood
p(x) = E_q[p(x, z) / q(z|x)] is estimated by importance sampling with K draws
z_1..z_K ~ q(z|x) (Rezende, Mohamed & Wierstra, 2014, appendix E; Burda, Grosse &
Salakhutdinov, 2016, eq. 8):

    log p(x) ~= log (1/K) sum_k w_k,   log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x).

By Jensen's inequality the expectation of this estimate is a lower bound on log p(x) that
rises with K towards log p(x) (Burda et al., theorem 1); K = 1 is the evidence lower
bound (ELBO), whose usual form uses the KL divergence in closed form:

    ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x).

Everything here is a function of arrays and callables, never of a model class: the
encoder is given as arrays `(mean, log_var)` or as a callable that returns them, and the
decoder as a callable `log_likelihood(x_batch, z)` that returns log p(x|z). The log
weights are combined in float64 (a running log-sum-exp over chunks of samples), and at
most `batch_size` latent samples are decoded at once, so memory stays bounded whatever
the number of images and samples. Values are in nats.

References:
    Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted Autoencoders",
    ICLR 2016, arXiv:1509.00519.
    D. J. Rezende, S. Mohamed and D. Wierstra, "Stochastic Backpropagation and
    Approximate Inference in Deep Generative Models", ICML 2014, arXiv:1401.4082.
"""

import math
import numbers

import numpy as np
from keras import ops
from scipy.special import logsumexp

from kerazoo.utils.validation import check_positive_int

LOG_2PI = math.log(2.0 * math.pi)


def bernoulli_log_prob(x, logits):
    """log p(x|z) of independent Bernoulli pixels, summed over the last (pixel) axis.

    log p(x|z) = sum_i x_i l_i - softplus(l_i) for logits l: exact for any logit (no
    clipping of probabilities). `x` and `logits` broadcast against each other, e.g. x of
    shape `(B, 1, D)` against logits `(B, S, D)` for S samples of z per example.

    Returns:
        A tensor of the broadcast shape without its last axis, in nats.
    """
    logits = ops.convert_to_tensor(logits)
    x = ops.cast(ops.convert_to_tensor(x), logits.dtype)
    return ops.sum(x * logits - ops.softplus(logits), axis=-1)


def gaussian_log_prob(x, mean, log_var):
    """log N(x; mean, diag exp(log_var)), summed over the last (pixel) axis.

    Shapes broadcast as in `bernoulli_log_prob`; `log_var` may be a scalar.

    Returns:
        A tensor of the broadcast shape without its last axis, in nats.
    """
    mean = ops.convert_to_tensor(mean)
    x = ops.cast(ops.convert_to_tensor(x), mean.dtype)
    log_var = ops.cast(ops.convert_to_tensor(log_var), mean.dtype)
    terms = -0.5 * (LOG_2PI + log_var + ops.square(x - mean) * ops.exp(-log_var))
    return ops.sum(terms, axis=-1)


def _standard_normal_log_prob(z):
    """log N(z; 0, I) summed over the last axis, float64."""
    return -0.5 * np.sum(z * z + LOG_2PI, axis=-1)


def _diag_normal_log_prob(z, mean, log_var):
    """log N(z; mean, diag exp(log_var)) summed over the last axis, float64.

    z is (B, S, d); mean and log_var are (B, d).
    """
    scaled = (z - mean[:, None, :]) * np.exp(-0.5 * log_var)[:, None, :]
    return -0.5 * np.sum(scaled * scaled + LOG_2PI + log_var[:, None, :], axis=-1)


def _posterior_arrays(x, posterior):
    """(mean, log_var) as float64 arrays for the images `x`."""
    if callable(posterior):
        out = posterior(x)
    else:
        out = posterior
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError(
            "`posterior` must be a pair (mean, log_var) of arrays, or a callable returning "
            f"one. Received: {type(out).__name__}"
        )
    mean, log_var = (np.asarray(a, dtype=np.float64) for a in out)
    if mean.ndim != 2 or mean.shape != log_var.shape:
        raise ValueError(
            "`posterior` must give mean and log_var of one shape (N, latent_dim). "
            f"Received: mean.shape={mean.shape}, log_var.shape={log_var.shape}"
        )
    if mean.shape[0] != len(x):
        raise ValueError(
            f"`posterior` gave {mean.shape[0]} rows for {len(x)} images."
        )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(log_var))):
        raise ValueError("`posterior` gave non-finite mean or log_var.")
    return mean, log_var


def _check_args(x, log_likelihood, n_samples, batch_size, seed):
    if not callable(log_likelihood):
        raise TypeError(
            "`log_likelihood` must be a callable (x_batch, z) -> log p(x|z). "
            f"Received: {type(log_likelihood).__name__}"
        )
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    if seed is not None and not isinstance(seed, (numbers.Integral, np.random.Generator)):
        raise TypeError(f"`seed` must be an integer, a numpy Generator or None. Received: {seed!r}")
    if isinstance(seed, bool):
        raise TypeError(f"`seed` must be an integer, a numpy Generator or None. Received: {seed!r}")
    if len(x) == 0:
        raise ValueError("`x` holds no examples.")
    return n_samples, batch_size, np.random.default_rng(seed)


def _log_weight_chunks(x, posterior, log_likelihood, n_samples, batch_size, rng):
    """Yields (image slice, log weights (B, C) float64) over every image and sample chunk."""
    mean, log_var = _posterior_arrays(x, posterior)
    latent_dim = mean.shape[1]
    per_call = min(n_samples, batch_size)              # samples per image per call
    images_per_call = max(1, batch_size // per_call)
    std = np.exp(0.5 * log_var)
    for start in range(0, len(x), images_per_call):
        sl = slice(start, min(start + images_per_call, len(x)))
        xb = x[sl]
        mu, lv, sd = mean[sl], log_var[sl], std[sl]
        for s0 in range(0, n_samples, per_call):
            c = min(per_call, n_samples - s0)
            eps = rng.standard_normal((len(xb), c, latent_dim))
            z32 = (mu[:, None, :] + sd[:, None, :] * eps).astype(np.float32)
            # The decoder sees float32 latents; the prior and posterior densities are
            # taken at those same (rounded) points, in float64.
            z = z32.astype(np.float64)
            log_px_z = np.asarray(log_likelihood(xb, z32), dtype=np.float64)
            if log_px_z.shape != (len(xb), c):
                raise ValueError(
                    "`log_likelihood(x_batch, z)` must return an array of shape "
                    f"(batch, samples) = {(len(xb), c)}. Received: shape={log_px_z.shape}"
                )
            log_w = log_px_z + _standard_normal_log_prob(z) - _diag_normal_log_prob(z, mu, lv)
            yield sl, log_w, log_px_z


def importance_sampled_log_likelihood(
    x, posterior, log_likelihood, n_samples=1000, batch_size=20000, seed=None
):
    """Estimates log p(x) per example by importance sampling from the encoder.

    log p(x) ~= logsumexp_k(log p(x|z_k) + log p(z_k) - log q(z_k|x)) - log K, with
    z_k ~ q(z|x) = N(mean, diag exp(log_var)) and p(z) = N(0, I). The estimate is
    consistent as K grows and, in expectation, a lower bound for finite K (Burda et al.,
    2016); at K = 1000 it is the usual "test log-likelihood" of VAE papers.

    Args:
        x: the examples, an array with the examples on the first axis (images
            `(N, 28, 28, 1)` for kerazoo's models). Only sliced and passed on.
        posterior: `(mean, log_var)` arrays of shape `(N, latent_dim)`, or a callable
            `posterior(x) -> (mean, log_var)`, called once on all of `x`.
        log_likelihood: callable `log_likelihood(x_batch, z) -> log p(x|z)`, with `z` of
            shape `(B, S, latent_dim)` float32 (S samples for each of the B examples) and a
            result of shape `(B, S)`.
        n_samples: K, the importance samples per example (>= 1000 for a reported number).
        batch_size: the most latent samples decoded in one call (bounds memory).
        seed: an integer or a `numpy.random.Generator` for the draws (None: fresh).

    Returns:
        float64 array of shape `(N,)`: the estimates of log p(x), in nats.
    """
    n_samples, batch_size, rng = _check_args(x, log_likelihood, n_samples, batch_size, seed)
    acc = np.full(len(x), -np.inf)
    for sl, log_w, _ in _log_weight_chunks(x, posterior, log_likelihood, n_samples,
                                           batch_size, rng):
        acc[sl] = np.logaddexp(acc[sl], logsumexp(log_w, axis=1))
    return acc - math.log(n_samples)


def evidence_lower_bound(x, posterior, log_likelihood, n_samples=1, batch_size=20000, seed=None):
    """Estimates the ELBO per example: E_q[log p(x|z)] - KL(q(z|x) || N(0, I)).

    The expectation is a Monte Carlo mean over `n_samples` draws of z ~ q(z|x); the KL
    term is exact (closed form). Arguments as in `importance_sampled_log_likelihood`.

    Returns:
        float64 array of shape `(N,)`, in nats.
    """
    n_samples, batch_size, rng = _check_args(x, log_likelihood, n_samples, batch_size, seed)
    mean, log_var = _posterior_arrays(x, posterior)
    expected = np.zeros(len(x))
    for sl, _, log_px_z in _log_weight_chunks(x, (mean, log_var), log_likelihood, n_samples,
                                              batch_size, rng):
        expected[sl] += np.sum(log_px_z, axis=1)
    expected /= n_samples
    return expected - gaussian_kl_divergence(mean, log_var)


def gaussian_kl_divergence(mean, log_var):
    """KL(N(mean, diag exp(log_var)) || N(0, I)) per row, float64, in nats."""
    mean = np.asarray(mean, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    return 0.5 * np.sum(mean * mean + np.exp(log_var) - log_var - 1.0, axis=-1)
