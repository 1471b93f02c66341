"""Partition functions of restricted Boltzmann machines: exact enumeration and AIS.

Weights follow kerazoo's RBM variables: `kernel` `W` (n_visible, n_hidden),
`visible_bias` `b` (n_visible,), `hidden_bias` `c` (n_hidden,); numpy arrays, tensors or
variables. Energies are those of `kerazoo.metrics.likelihood`.

Exact (`bernoulli_rbm_log_partition_exact`, `gaussian_rbm_log_partition_exact`)
    One layer is summed out analytically and the states of the other are enumerated,
    `2**n` of them, in chunks, with the log-sum-exp taken in float64. Bernoulli RBMs
    enumerate the smaller layer (the hidden one in practice)::

        log Z = logsumexp_h [ c.h + sum_i softplus(b_i + (W h)_i) ]

    Gaussian-Bernoulli RBMs integrate the Gaussian visible units and enumerate `h`::

        log Z = n_visible/2 log(2 pi) + sum_i log sigma_i
                + logsumexp_h [ (c + W^T (b / sigma)).h + |W h|^2 / 2 ]

    The enumerated layer may hold at most `MAX_EXACT_HIDDEN` (24) units. The Bernoulli
    cost is `2**n_hidden * n_visible` softplus evaluations (about 3 s for 20 x 784 on 2
    cores, 16 times that for 24 hidden units); the Gaussian one `2**n_hidden * n_hidden`.

Annealed importance sampling (`bernoulli_rbm_log_partition_ais`, and
`gaussian_rbm_log_partition_ais` for Gaussian-Bernoulli RBMs)
    Salakhutdinov & Murray (2008), "On the quantitative analysis of deep belief networks",
    ICML, section 3 and appendix; Neal (2001), "Annealed importance sampling". The chains
    move from a base-rate RBM `A` (no hidden weights or biases, visible biases `b_A`, whose
    `log Z_A = sum_i softplus(b_A_i) + n_hidden log 2` is known) to the target `B`
    through the distributions

        p_k(v) = p*_k(v) / Z_k,   p*_k(v) = exp((1 - beta_k) b_A.v + beta_k b.v)
                           * prod_j (1 + exp(beta_k (c_j + (v W)_j)))

    for `0 = beta_0 < beta_1 < ... < beta_K = 1`. Each chain starts with an exact sample
    of `p_0`; at step `k` it adds `log p*_k(v) - log p*_{k-1}(v)` to its log importance
    weight and then makes one Gibbs sweep `h ~ p_k(h | v)`, `v ~ p_k(v | h)`, which leaves
    `p_k` invariant. The mean importance weight is an unbiased estimate of `Z_B / Z_A`,
    so `log Z` is estimated by `log Z_A + log mean_i exp(log w_i)`; by Jensen's
    inequality this log-estimate is biased low (it underestimates log Z in expectation),
    and the bias grows when there are too few temperatures or chains.

Backends
    The chunked sums and the AIS loops are written once in `keras.ops` and compiled for
    the active Keras backend: by XLA through `tf.function(jit_compile=True)` on
    TensorFlow, by `jax.jit` on JAX (with 64-bit types enabled for the call, so the
    float64 parts stay float64), eagerly elsewhere. Only the random draws are
    backend-specific: stateless ThreeFry keyed by `(seed, step)` on TensorFlow (XLA's CPU
    Philox is several times slower), `jax.random` keys `fold_in(PRNGKey(seed), step)` on
    JAX. The two backends therefore run the same estimator on different draws: their
    estimates agree in distribution, not draw for draw.
"""

import math
from typing import NamedTuple

import keras
import numpy as np
from keras import ops
from scipy.special import logsumexp

from kerazoo.metrics._checks import (
    check_finite,
    check_positive_int,
    check_rbm_weights,
    check_sigma,
    to_numpy,
)

MAX_EXACT_HIDDEN = 24
"""The largest enumerated layer `*_log_partition_exact` accepts: `2**24` states."""

# Salakhutdinov & Murray (2008): beta from 0 to 0.5 in steps of 1e-3, 0.5 to 0.9 in steps
# of 1e-4, 0.9 to 1 in steps of 1e-5: 500 + 4,000 + 10,000 = 14,500 intervals.
_SCHEDULE_KNOTS_T = np.array([0.0, 500.0, 4500.0, 14500.0]) / 14500.0
_SCHEDULE_KNOTS_BETA = np.array([0.0, 0.5, 0.9, 1.0])


class AISResult(NamedTuple):
    """The outcome of an AIS run.

    Attributes:
        log_z: the estimate `log mean_i exp(log_weights_i)` of the log partition
            function, in nats (float64).
        log_z_std: its standard error by the delta method, `std(w) / (sqrt(n) mean(w))`
            with `w = exp(log_weights)` (`std` with ddof=1): the spread of the importance
            weights only; it does not see the (downward) bias of a too-short schedule.
        log_weights: float64 array `(n_chains,)`, the log importance weight of each chain
            including `log Z_A` of the base model, so that each `exp(log_weights_i)` is an
            unbiased estimate of `Z`.
        n_betas: the number of temperature steps `K` (`K + 1` values of beta, 0 and 1
            included).
        n_chains: the number of chains.
    """

    log_z: float
    log_z_std: float
    log_weights: np.ndarray
    n_betas: int
    n_chains: int

    def log_z_bounds(self, n_std=3.0):
        """`(log(mean(w) - n_std * sem), log(mean(w) + n_std * sem))`, sem = std(w)/sqrt(n).

        The interval Salakhutdinov & Murray (2008) report (with `n_std=3`); the lower end is
        `-inf` when `mean(w) <= n_std * sem`.
        """
        lw = np.asarray(self.log_weights, dtype=np.float64)
        shift = lw.max()
        w = np.exp(lw - shift)
        mean = w.mean()
        sem = w.std(ddof=1) / math.sqrt(w.size)
        lower = mean - n_std * sem
        return (
            float(shift + np.log(lower)) if lower > 0 else -math.inf,
            float(shift + np.log(mean + n_std * sem)),
        )


def ais_beta_schedule(n_betas=14500):
    """The AIS inverse temperatures, float64 array of `n_betas + 1` values from 0 to 1.

    For `n_betas=14500` this is the schedule of Salakhutdinov & Murray (2008): steps of
    1e-3 on [0, 0.5], 1e-4 on [0.5, 0.9] and 1e-5 on [0.9, 1]. Other lengths keep its
    shape: `beta_k = g(k / n_betas)` with `g` the piecewise-linear map through
    (0, 0), (500/14500, 0.5), (4500/14500, 0.9), (1, 1), so each of the three segments
    gets the same share of the steps (about 3.4%, 27.6% and 69%) as in the paper.
    """
    n_betas = check_positive_int(n_betas, "n_betas")
    t = np.arange(n_betas + 1, dtype=np.float64) / n_betas
    betas = np.interp(t, _SCHEDULE_KNOTS_T, _SCHEDULE_KNOTS_BETA)
    betas[0], betas[-1] = 0.0, 1.0
    return betas


def base_rate_visible_bias(v, pseudocount=1.0):
    """Visible biases of the base-rate model for AIS: the logit of smoothed pixel means.

    `logit((sum_n v_n + pseudocount) / (N + 2 pseudocount))`, per visible unit: the
    maximum-likelihood factorial Bernoulli model of the (training) data with add-`pseudocount`
    smoothing, so that no bias is infinite. Salakhutdinov & Murray (2008) start AIS from
    this model: the closer the base model is to the target, the lower the variance.

    Args:
        v: training data, shape `(N, n_visible)` (or `(N, ...)`, flattened), values in [0, 1].
        pseudocount: positive smoothing count.

    Returns:
        float64 array `(n_visible,)`.
    """
    x = to_numpy(v, "v")
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(
            f"`v` must be a non-empty batch of shape (N, n_visible). Received: v.shape={x.shape}"
        )
    x = x.reshape(x.shape[0], -1).astype(np.float64)
    check_finite(x, "v")
    if x.min() < 0 or x.max() > 1:
        raise ValueError(
            f"`v` must hold values in [0, 1]. Received: values in [{x.min():g}, {x.max():g}]"
        )
    if not (isinstance(pseudocount, (int, float)) and pseudocount > 0):
        raise ValueError(
            f"`pseudocount` must be a positive number. Received: pseudocount={pseudocount!r}"
        )
    p = (x.sum(axis=0) + pseudocount) / (x.shape[0] + 2.0 * pseudocount)
    return np.log(p) - np.log1p(-p)


# ---------------------------------------------------------------------------------------
# Exact enumeration


def _check_enumerable(n_enumerated, n_visible, n_hidden, what):
    if n_enumerated > MAX_EXACT_HIDDEN:
        raise ValueError(
            f"Exact {what} enumerates 2**n states of the smaller layer and supports at most "
            f"MAX_EXACT_HIDDEN={MAX_EXACT_HIDDEN} units there. Received: n_hidden={n_hidden} "
            f"(n_visible={n_visible}); use bernoulli_rbm_log_partition_ais instead."
        )


def _bits(n_states, n_bits, start=0):
    """(n_states, n_bits) float64 matrix whose row r is the binary expansion of start + r."""
    s = np.arange(start, start + n_states, dtype=np.int64)[:, None]
    return ((s >> np.arange(n_bits, dtype=np.int64)) & 1).astype(np.float64)


_PRODUCT_BLOCK = 512  # factors in (1, 2]: a product of 512 stays below 2**512 in float64


def _jit(fn, static_argnames=(), reduce_retracing=False):
    """`fn` compiled for the active Keras backend (see the module docstring).

    On JAX the call runs with 64-bit types enabled (`jax.enable_x64`), so float64
    inputs and accumulators stay float64 as on TensorFlow; `static_argnames` are the
    arguments that fix shapes (Python ints). Other backends run `fn` eagerly.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True, reduce_retracing=reduce_retracing)
    if backend == "jax":
        import jax

        jitted = jax.jit(fn, static_argnames=static_argnames)

        def run(*args, **kwargs):
            with jax.enable_x64(True):
                return jitted(*args, **kwargs)

        return run
    return fn


_COMPILED = {}


def _compiled(name, fn, static_argnames=(), reduce_retracing=False):
    """One compiled function per name and backend, made on first use."""
    key = (name, keras.backend.backend())
    if key not in _COMPILED:
        _COMPILED[key] = _jit(fn, static_argnames, reduce_retracing)
    return _COMPILED[key]


def _numpy64(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def _tensor(x, dtype):
    """A numpy array as a backend tensor of `dtype` (float64 needs JAX's x64 mode)."""
    if keras.backend.backend() == "jax":
        import jax

        with jax.enable_x64(True):
            return jax.numpy.asarray(np.asarray(x, dtype))
    return ops.convert_to_tensor(np.asarray(x, dtype), dtype=dtype)


def _bernoulli_chunk(low_in, low_lin, high_in, high_lin, block):
    """logsumexp over the low states, for each high state: (B,) float64.

    `sum_i softplus(x_i) = sum_i relu(x_i) + log prod_i (1 + exp(-|x_i|))`: one exp per
    element and one log per block of `block <= _PRODUCT_BLOCK` units (each factor is in (1, 2], so
    the block product cannot overflow); XLA fuses it into a single pass (about 2.5x
    faster than a softplus, to 1e-13).
    """
    x = low_in[None, :, :] + high_in[:, None, :]  # (B, S, n_other), padded with -inf
    shape = ops.shape(x)
    blocks = ops.reshape(1.0 + ops.exp(-ops.abs(x)), (shape[0], shape[1], -1, block))
    val = (
        ops.sum(ops.relu(x), axis=-1)
        + ops.sum(ops.log(ops.prod(blocks, axis=-1)), axis=-1)
        + low_lin[None, :]
        + high_lin[:, None]
    )
    return ops.logsumexp(val, axis=1)


def bernoulli_rbm_log_partition_exact(kernel, visible_bias, hidden_bias):
    """Exact log partition function of a Bernoulli RBM (nats, float64).

    `log Z = log sum_{v,h} exp(b.v + c.h + v.W.h)`: one layer is summed out analytically,
    the `2**n` states of the other (the smaller one, normally the hidden layer) are
    enumerated in chunks; softplus and log-sum-exp run in float64, compiled for the
    active Keras backend.

    Args:
        kernel: `W`, shape `(n_visible, n_hidden)`.
        visible_bias: `b`, shape `(n_visible,)`.
        hidden_bias: `c`, shape `(n_hidden,)`.

    Returns:
        float.

    Raises:
        ValueError: when both layers have more than `MAX_EXACT_HIDDEN` (24) units, on
            shape mismatches or non-finite weights.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    n_visible, n_hidden = w.shape
    if n_hidden <= n_visible:
        m, bias_e, bias_o = w.T, c, b  # enumerate h; (n_hidden, n_visible)
    else:
        m, bias_e, bias_o = w, b, c  # enumerate v; (n_visible, n_hidden)
    n_e, n_o = m.shape
    _check_enumerable(n_e, n_visible, n_hidden, "log Z")

    n_low = min(n_e, 10)
    n_high = n_e - n_low
    low = _bits(2**n_low, n_low)
    low_in = low @ m[:n_low] + bias_o
    block = -(-n_o // -(-n_o // _PRODUCT_BLOCK))  # ceil(n_o / n_blocks) units per block
    n_pad = -n_o % block  # pad the other layer with units of input -inf (factor 1)
    low_in = _tensor(np.pad(low_in, [(0, 0), (0, n_pad)], constant_values=-np.inf), "float64")
    m_high = np.pad(m[n_low:], [(0, 0), (0, n_pad)])
    low_lin = _tensor(low @ bias_e[:n_low], "float64")
    chunk = _compiled(
        "bernoulli_chunk", _bernoulli_chunk, static_argnames=("block",), reduce_retracing=True
    )
    # batches of high states: about 4M float64 elements (32 MB) per graph call
    batch = 2 ** max(0, min(n_high, int(np.log2(max(1, (1 << 22) // (2**n_low * (n_o + n_pad)))))))
    parts = []
    for start in range(0, 2**n_high, batch):
        high = _bits(batch, n_high, start)
        parts.append(
            np.asarray(
                ops.convert_to_numpy(
                    chunk(
                        low_in,
                        low_lin,
                        _tensor(high @ m_high, "float64"),
                        _tensor(high @ bias_e[n_low:], "float64"),
                        block=block,
                    )
                ),
                np.float64,
            )
        )
    return float(logsumexp(np.concatenate(parts)))


def gaussian_rbm_log_partition_exact(kernel, visible_bias, hidden_bias, sigma=None):
    """Exact log partition function of a Gaussian-Bernoulli RBM (nats, float64).

    With the energy `sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij (v_i/sigma_i) W_ij h_j`
    (see `kerazoo.metrics.likelihood`) the Gaussian integral over `v` is analytic::

        log Z = n_visible/2 log(2 pi) + sum_i log sigma_i
                + logsumexp_h [ (c + W^T (b / sigma)).h + |W h|^2 / 2 ]

    and the `2**n_hidden` hidden states are enumerated in float64.

    Args:
        kernel, visible_bias, hidden_bias: the RBM's weights.
        sigma: None (unit variances), a positive scalar or an array `(n_visible,)`.

    Returns:
        float.

    Raises:
        ValueError: `n_hidden > MAX_EXACT_HIDDEN`, shape mismatches, non-finite weights,
            non-positive sigma.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    s = check_sigma(sigma, w.shape[0])
    n_visible, n_hidden = w.shape
    _check_enumerable(n_hidden, n_visible, n_hidden, "Gaussian-RBM log Z (over the hidden layer)")
    lin = c + w.T @ (b / s)
    gram = w.T @ w
    n_low = min(n_hidden, 16)
    low = _bits(2**n_low, n_low)
    # q(h) = lin.h + h^T G h / 2 with h = (low, high):
    #   q_low + q_high + low^T G[low, high] high
    q_low = low @ lin[:n_low] + 0.5 * np.einsum("si,ij,sj->s", low, gram[:n_low, :n_low], low)
    cross = low @ gram[:n_low, n_low:]  # (S, n_high)
    parts = []
    for hi_state in range(2 ** (n_hidden - n_low)):
        high = _bits(1, n_hidden - n_low, hi_state)[0]
        q_high = high @ lin[n_low:] + 0.5 * high @ gram[n_low:, n_low:] @ high
        parts.append(logsumexp(q_low + q_high + cross @ high))
    return float(
        0.5 * n_visible * np.log(2.0 * np.pi) + np.log(s).sum() + logsumexp(np.array(parts))
    )


# ---------------------------------------------------------------------------------------
# Annealed importance sampling


#: The step index of the chains' initial draw (the loop's steps are 1..K).
_INIT_STEP = -1


def _ais_key(seed):
    """The key of an AIS run from an int seed in [0, 2**63): an int64 scalar on TensorFlow
    (paired with the step for the stateless ops), `jax.random.PRNGKey(seed)` on JAX."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        with jax.enable_x64(True):
            return jax.random.PRNGKey(seed)
    if backend == "tensorflow":
        return _tensor(seed, "int64")
    return seed


def _draw(kind, shape, key, step, stream=0):
    """Float32 `uniform` or `normal` draws of `shape` for AIS step `step`, keyed by
    `(key, step)` and, for a second draw in one step, `stream` (see the module docstring)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        pair = tf.stack([key, tf.cast(step, tf.int64) + (int(stream) << 40)])
        fn = tf.random.stateless_uniform if kind == "uniform" else tf.random.stateless_normal
        return fn(shape, seed=pair, alg="threefry")
    if backend == "jax":
        import jax

        key = jax.random.fold_in(key, step % (2**32) if isinstance(step, int) else step)
        if stream:
            key = jax.random.fold_in(key, stream)
        fn = jax.random.uniform if kind == "uniform" else jax.random.normal
        return fn(key, shape, dtype="float32")
    seed = int(key) + 1000003 * int(step) + (int(stream) << 40)
    fn = keras.random.uniform if kind == "uniform" else keras.random.normal
    return fn(shape, seed=seed % (2**31), dtype="float32")


def _hidden_increment(a, beta, dbeta):
    """`softplus(beta_k a) - softplus(beta_{k-1} a)` summed over the hidden units, and
    `p(h = 1 | v)` at `beta_k`.

    Taken as `-log1p(expm1(-dbeta a) sigmoid(beta_k a))`, accurate to a few ulps of the
    (small) difference itself; the differences `dbeta` of float32 betas are exact
    (Sterbenz), so the float32 schedule is followed exactly.
    """
    p_h = ops.sigmoid(beta * a)
    return ops.sum(-ops.log1p(ops.expm1(-dbeta * a) * p_h), axis=1), p_h


def _matvec(m, x):
    return ops.matmul(m, x[:, None])[:, 0]


def _ais_log_weights(kernel, visible_bias, hidden_bias, base_bias, betas, key, n_chains):
    """The AIS loop, compiled into one program; returns (n_chains,) float64.

    kernel (V, H), biases float32; betas float32 (K + 1,); `key` from `_ais_key`.
    Per step: one product v @ W (reused for the weight increment at beta_k and
    beta_{k-1} and for sampling h) and one product h @ W^T for sampling v; one uniform
    draw per step serves both layers.
    """
    n_visible, n_hidden = kernel.shape
    kernel_t = ops.transpose(kernel)  # (H, V): h @ W^T as a plain product (faster under XLA)
    delta_bias = visible_bias - base_bias
    u0 = _draw("uniform", (n_chains, n_visible), key, _INIT_STEP)
    v = ops.cast(u0 < ops.sigmoid(base_bias), "float32")
    log_w = ops.zeros((n_chains,), "float64")
    n_h = n_chains * n_hidden
    n_u = n_chains * (n_hidden + n_visible)

    def body(k, state):
        v, log_w = state
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        a = ops.matmul(v, kernel) + hidden_bias  # (N, H)
        d_hidden, p_h = _hidden_increment(a, beta, dbeta)
        log_w = log_w + ops.cast(d_hidden + dbeta * _matvec(v, delta_bias), "float64")
        u = _draw("uniform", (n_u,), key, k)
        h = ops.cast(ops.reshape(u[:n_h], (n_chains, n_hidden)) < p_h, "float32")
        pre_v = beta * (ops.matmul(h, kernel_t) + visible_bias) + (1.0 - beta) * base_bias
        v = ops.cast(ops.reshape(u[n_h:], (n_chains, n_visible)) < ops.sigmoid(pre_v), "float32")
        return v, log_w

    _, log_w = ops.fori_loop(1, betas.shape[0], body, (v, log_w))
    return log_w


def _ais_arguments(n_visible, n_chains, n_betas, base_visible_bias, seed):
    """Checked (n_chains, n_betas, float32 betas, b_A float64, seed) for an AIS run."""
    n_chains = check_positive_int(n_chains, "n_chains")
    if n_chains < 2:
        raise ValueError(
            "`n_chains` must be at least 2 (the spread of the weights gives log_z_std). "
            f"Received: n_chains={n_chains}"
        )
    n_betas = check_positive_int(n_betas, "n_betas")
    if base_visible_bias is None:
        b_a = np.zeros(n_visible)
    else:
        b_a = to_numpy(base_visible_bias, "base_visible_bias").astype(np.float64)
        if b_a.shape != (n_visible,):
            raise ValueError(
                f"`base_visible_bias` must have shape (n_visible,) = ({n_visible},). "
                f"Received: base_visible_bias.shape={b_a.shape}"
            )
        check_finite(b_a, "base_visible_bias")
    # the chains see float32 parameters: use exactly those for log Z_A
    b_a = b_a.astype(np.float32).astype(np.float64)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
    seed = int(seed) % (2**63)
    betas = ais_beta_schedule(n_betas).astype(np.float32)
    return n_chains, n_betas, betas, b_a, seed


def _ais_result(log_w, n_betas, n_chains, what):
    if not np.all(np.isfinite(log_w)):
        raise FloatingPointError(
            f"AIS produced non-finite log weights: the {what} are too large for float32 "
            "products."
        )
    log_z = float(logsumexp(log_w) - math.log(n_chains))
    shifted = np.exp(log_w - log_w.max())
    log_z_std = float(shifted.std(ddof=1) / (math.sqrt(n_chains) * shifted.mean()))
    return AISResult(log_z, log_z_std, log_w, n_betas, n_chains)


def bernoulli_rbm_log_partition_ais(
    kernel,
    visible_bias,
    hidden_bias,
    *,
    n_chains=100,
    n_betas=14500,
    base_visible_bias=None,
    seed=0,
):
    """Estimates the log partition function of a Bernoulli RBM by AIS.

    Annealed importance sampling from a base-rate model (Salakhutdinov & Murray, 2008;
    see this module's docstring for the maths). The whole run is one compiled loop
    (XLA on TensorFlow and JAX): float32 matrix products, float64 accumulated log weights. A
    784 x 500 RBM with the defaults (100 chains x 14,500 temperatures, about 2.3 TFLOP of
    products) takes about 17 s on 2 idle CPU cores (see benchmarks/ais_cost.py). The
    first call for new shapes or a new `n_betas` compiles the loop (a second or two).

    Args:
        kernel: `W`, shape `(n_visible, n_hidden)`.
        visible_bias: `b`, shape `(n_visible,)`.
        hidden_bias: `c`, shape `(n_hidden,)`.
        n_chains: number of independent AIS runs (>= 2).
        n_betas: number of temperature steps; `ais_beta_schedule(n_betas)` gives the
            inverse temperatures (the paper's schedule for the default 14,500).
        base_visible_bias: visible biases `b_A` of the base-rate model, shape
            `(n_visible,)`; typically `base_rate_visible_bias(x_train)`, the logit of
            smoothed training pixel means. None: zeros, a uniform base distribution (valid,
            but with a much higher variance and downward bias on peaked models).
        seed: int (reproducible: the same seed gives the same result on the same machine)
            or None (fresh randomness).

    Returns:
        `AISResult(log_z, log_z_std, log_weights, n_betas, n_chains)`.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    n_visible, n_hidden = w.shape
    n_chains, n_betas, betas, b_a, seed = _ais_arguments(
        n_visible, n_chains, n_betas, base_visible_bias, seed
    )
    run = _compiled("ais", _ais_log_weights, static_argnames=("n_chains",))
    log_w = _numpy64(
        run(
            _tensor(w, "float32"),
            _tensor(b, "float32"),
            _tensor(c, "float32"),
            _tensor(b_a, "float32"),
            _tensor(betas, "float32"),
            _ais_key(seed),
            n_chains=n_chains,
        )
    )
    log_z_base = float(np.logaddexp(0.0, b_a).sum()) + n_hidden * math.log(2.0)
    return _ais_result(log_w + log_z_base, n_betas, n_chains, "weights")


def bernoulli_rbm_log_partition(
    kernel,
    visible_bias,
    hidden_bias,
    *,
    method="auto",
    n_chains=100,
    n_betas=14500,
    base_visible_bias=None,
    seed=0,
):
    """`log Z` of a Bernoulli RBM by the exact sum or by AIS: `(log_z, log_z_std, details)`.

    `method`: "exact" (`bernoulli_rbm_log_partition_exact`, n_hidden <= 24), "ais"
    (`bernoulli_rbm_log_partition_ais` with `n_chains`, `n_betas`, `base_visible_bias`
    and `seed`) or "auto" (exact when the hidden layer allows it, else AIS).
    `log_z_std` is the AIS spread (0 for the exact sum); `details` the `AISResult`, or
    None.
    """
    if method not in ("auto", "exact", "ais"):
        raise ValueError(f"`method` must be 'auto', 'exact' or 'ais'. Received: method={method!r}")
    if method == "auto":
        method = "exact" if np.shape(kernel)[-1] <= MAX_EXACT_HIDDEN else "ais"
    if method == "exact":
        return float(bernoulli_rbm_log_partition_exact(kernel, visible_bias, hidden_bias)), 0.0, None
    ais = bernoulli_rbm_log_partition_ais(
        kernel, visible_bias, hidden_bias, n_chains=n_chains, n_betas=n_betas,
        base_visible_bias=base_visible_bias, seed=seed,
    )
    return float(ais.log_z), float(ais.log_z_std), ais


def _gaussian_ais_log_weights(kernel, mean, hidden_bias, base_mean, betas, key, n_chains):
    """AIS loop of a Gaussian-Bernoulli RBM in scaled units x = v / sigma; (n_chains,) float64.

    `mean = b / sigma`, `base_mean = b_A / sigma`. The log weight increment at step k is
    `dbeta (x.(mean - base_mean) - |mean|^2/2 + |base_mean|^2/2)` plus the hidden-unit
    softplus difference; the constant part (its sum over the steps is exactly
    `-(|mean|^2 - |base_mean|^2)/2`) is added by the caller in float64.
    """
    n_visible, n_hidden = kernel.shape
    kernel_t = ops.transpose(kernel)
    delta = mean - base_mean
    x = base_mean + _draw("normal", (n_chains, n_visible), key, _INIT_STEP)
    log_w = ops.zeros((n_chains,), "float64")

    def body(k, state):
        x, log_w = state
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        a = ops.matmul(x, kernel) + hidden_bias
        d_hidden, p_h = _hidden_increment(a, beta, dbeta)
        log_w = log_w + ops.cast(d_hidden + dbeta * _matvec(x, delta), "float64")
        u = _draw("uniform", (n_chains, n_hidden), key, k)
        h = ops.cast(u < p_h, "float32")
        noise = _draw("normal", (n_chains, n_visible), key, k, stream=1)
        x = beta * (ops.matmul(h, kernel_t) + mean) + (1.0 - beta) * base_mean + noise
        return x, log_w

    _, log_w = ops.fori_loop(1, betas.shape[0], body, (x, log_w))
    return log_w


def gaussian_rbm_log_partition_ais(
    kernel,
    visible_bias,
    hidden_bias,
    sigma=None,
    *,
    n_chains=100,
    n_betas=14500,
    base_visible_bias=None,
    seed=0,
):
    """Estimates the log partition function of a Gaussian-Bernoulli RBM by AIS.

    Same scheme as `bernoulli_rbm_log_partition_ais`, with the base model
    `N(b_A, diag(sigma^2))` times uniform hidden units (`log Z_A = n_visible/2 log(2 pi) +
    sum log sigma + n_hidden log 2`) and the intermediate energies
    `(1 - beta_k) E_A + beta_k E_B`: the visible units stay Gaussian with variance
    `sigma^2` and mean `(1 - beta) b_A + beta (b + sigma W h)`; `h_j ~ sigmoid(beta (c_j +
    ((v / sigma) W)_j))`. Energy convention of `kerazoo.metrics.likelihood`.

    Args:
        kernel, visible_bias, hidden_bias: the RBM's weights.
        sigma: None (unit variances), a positive scalar or an array `(n_visible,)`.
        n_chains, n_betas, seed: as for `bernoulli_rbm_log_partition_ais`.
        base_visible_bias: the base model's visible means `b_A`, shape `(n_visible,)`,
            typically the training-data mean; None: zeros (the mean of standardized data).

    Returns:
        `AISResult(log_z, log_z_std, log_weights, n_betas, n_chains)`.
    """
    w, b, c = check_rbm_weights(kernel, visible_bias, hidden_bias)
    s = check_sigma(sigma, w.shape[0])
    n_visible, n_hidden = w.shape
    n_chains, n_betas, betas, b_a, seed = _ais_arguments(
        n_visible, n_chains, n_betas, base_visible_bias, seed
    )
    mean = (b / s).astype(np.float32)
    base_mean = (b_a / s).astype(np.float32)
    run = _compiled("gaussian_ais", _gaussian_ais_log_weights, static_argnames=("n_chains",))
    log_w = _numpy64(
        run(
            _tensor(w, "float32"),
            _tensor(mean, "float32"),
            _tensor(c, "float32"),
            _tensor(base_mean, "float32"),
            _tensor(betas, "float32"),
            _ais_key(seed),
            n_chains=n_chains,
        )
    )
    mean64, base64 = mean.astype(np.float64), base_mean.astype(np.float64)
    constant = -0.5 * (mean64 @ mean64 - base64 @ base64)
    log_z_base = (
        0.5 * n_visible * math.log(2.0 * math.pi) + float(np.log(s).sum()) + n_hidden * math.log(2.0)
    )
    return _ais_result(log_w + constant + log_z_base, n_betas, n_chains, "weights or visible means")
