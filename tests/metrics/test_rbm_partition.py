"""Exact and AIS log partition functions of RBMs (kerazoo.metrics.partition).

Exact values are checked against brute-force sums over every joint state; AIS against the
exact value on a small random RBM and on a peaked RBM trained on Fashion-MNIST.
"""

import gzip
import json
import math
import os
from pathlib import Path

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

from kerazoo.metrics import (
    MAX_EXACT_HIDDEN,
    AISResult,
    ais_beta_schedule,
    base_rate_visible_bias,
    bernoulli_rbm_free_energy,
    bernoulli_rbm_log_likelihood,
    bernoulli_rbm_log_partition,
    bernoulli_rbm_log_partition_ais,
    bernoulli_rbm_log_partition_exact,
    gaussian_rbm_log_partition_ais,
    gaussian_rbm_log_partition_exact,
)
from rbm_testing import random_rbm, states



def brute_force_log_z(w, b, c):
    """log sum_{v,h} exp(b.v + c.h + v.W.h) over all 2**(n_visible + n_hidden) joint states."""
    v, h = states(w.shape[0]), states(w.shape[1])
    return logsumexp((v @ b)[:, None] + (h @ c)[None, :] + v @ w @ h.T)



# --- exact ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_visible, n_hidden, seed",
    [
        (8, 5, 0),  # enumerates h (2**5 states)
        (4, 7, 1),  # more hidden than visible: enumerates v
        (11, 11, 2),  # 2**11 hidden states: crosses the low/high split of the enumeration
    ],
)
def test_exact_log_z_matches_brute_force(n_visible, n_hidden, seed):
    w, b, c = random_rbm(n_visible, n_hidden, seed)
    expected = brute_force_log_z(w, b, c)
    got = bernoulli_rbm_log_partition_exact(w, b, c)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-6)
    assert abs(got - expected) < 1e-9


def test_exact_log_z_accepts_tensors_and_variables():
    w, b, c = random_rbm(8, 5, 0)
    expected = brute_force_log_z(w, b, c)
    got = bernoulli_rbm_log_partition_exact(
        keras.Variable(w.astype("float32")), keras.ops.convert_to_tensor(b.astype("float32")),
        c.astype("float32"),
    )
    assert got == pytest.approx(expected, rel=1e-6)


def test_exact_log_z_large_weights_and_many_visible():
    """Inputs far in the softplus tails (|x| up to ~100) and 1,030 visible units (3 product blocks)."""
    w, b, c = random_rbm(1030, 3, 3, scale=3.0)
    b = b * 20.0
    # with 3 hidden units the sum over h is small: logsumexp_h [c.h + sum_i softplus(b_i + (W h)_i)]
    h = states(3)
    expected = logsumexp(h @ c + np.logaddexp(0.0, b[None, :] + h @ w.T).sum(axis=1))
    assert bernoulli_rbm_log_partition_exact(w, b, c) == pytest.approx(expected, rel=1e-12)


def test_exact_log_z_is_the_normaliser_of_the_free_energy():
    """10 visible x 30 hidden: exact enumerates v; log Z = logsumexp_v(-F(v)) over all v."""
    w, b, c = random_rbm(10, 30, 4, scale=0.5)
    v = states(10)
    expected = logsumexp(-bernoulli_rbm_free_energy(v, w, b, c))
    log_z = bernoulli_rbm_log_partition_exact(w, b, c)
    assert log_z == pytest.approx(expected, rel=1e-10)
    # and the per-row log-likelihoods of all states then sum to probability 1
    log_p = [bernoulli_rbm_log_likelihood(v[i : i + 1], w, b, c, log_z) for i in range(len(v))]
    assert math.exp(logsumexp(log_p)) == pytest.approx(1.0, abs=1e-10)


def test_exact_rejects_too_many_hidden_units():
    assert MAX_EXACT_HIDDEN == 24
    w, b, c = np.zeros((784, 25)), np.zeros(784), np.zeros(25)
    with pytest.raises(ValueError, match=r"n_hidden=25.*n_visible=784") as err:
        bernoulli_rbm_log_partition_exact(w, b, c)
    assert "24" in str(err.value)


@pytest.mark.parametrize(
    "shapes, match",
    [
        (((784, 20), (783,), (20,)), r"visible_bias.shape=\(783,\)"),
        (((784, 20), (784,), (21,)), r"hidden_bias.shape=\(21,\)"),
        (((784,), (784,), (20,)), r"kernel.shape=\(784,\)"),
    ],
)
def test_exact_rejects_shape_mismatches(shapes, match):
    w, b, c = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        bernoulli_rbm_log_partition_exact(w, b, c)


def test_exact_rejects_nan_weights():
    w, b, c = random_rbm(8, 5, 0)
    w[3, 2] = np.nan
    with pytest.raises(ValueError, match="kernel.*NaN"):
        bernoulli_rbm_log_partition_exact(w, b, c)
    with pytest.raises(ValueError, match="hidden_bias.*NaN"):
        bernoulli_rbm_log_partition_exact(random_rbm(8, 5, 0)[0], b, np.full(5, np.inf))


# --- schedule and base rate -----------------------------------------------------------


def test_default_schedule_is_salakhutdinov_murray():
    betas = ais_beta_schedule(14500)
    assert betas.shape == (14501,) and betas.dtype == np.float64
    steps = np.diff(betas)
    np.testing.assert_allclose(steps[:500], 1e-3, rtol=1e-9)
    np.testing.assert_allclose(steps[500:4500], 1e-4, rtol=1e-9)
    np.testing.assert_allclose(steps[4500:], 1e-5, rtol=1e-9)
    assert betas[0] == 0.0 and betas[-1] == 1.0
    assert betas[500] == pytest.approx(0.5) and betas[4500] == pytest.approx(0.9)


@pytest.mark.parametrize("n_betas", [1, 2, 3, 100, 1000])
def test_shorter_schedules_keep_the_shape(n_betas):
    betas = ais_beta_schedule(n_betas)
    assert betas.shape == (n_betas + 1,)
    assert betas[0] == 0.0 and betas[-1] == 1.0
    assert np.all(np.diff(betas) > 0)
    if n_betas == 1000:  # proportional: 3.4% of the steps reach 0.5, 31% reach 0.9
        assert betas[34] < 0.5 < betas[35] and betas[310] < 0.9 < betas[311]
        np.testing.assert_allclose(np.diff(betas)[:34], 0.5 / (1000 * 500 / 14500))
        np.testing.assert_allclose(np.diff(betas)[311:], 0.1 / (1000 * 10000 / 14500))


def test_schedule_rejects_bad_n_betas():
    with pytest.raises(ValueError, match="n_betas=0"):
        ais_beta_schedule(0)


def test_base_rate_bias_is_the_logit_of_smoothed_means():
    v = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0]], dtype=float)
    p = (v.sum(0) + 1.0) / (3 + 2.0)  # [0.8, 0.4, 0.2]
    np.testing.assert_allclose(base_rate_visible_bias(v), np.log(p / (1 - p)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        base_rate_visible_bias(v * 255)


# --- AIS ------------------------------------------------------------------------------


def small_rbm():
    """784 visible x 16 hidden, W ~ N(0, 0.1^2), b ~ N(-1, 0.5^2), c ~ N(0, 0.5^2), seed 0."""
    rng = np.random.default_rng(0)
    return rng.normal(0, 0.1, (784, 16)), rng.normal(-1, 0.5, 784), rng.normal(0, 0.5, 16)


def test_ais_agrees_with_exact_on_a_small_random_rbm():
    w, b, c = small_rbm()
    exact = bernoulli_rbm_log_partition_exact(w, b, c)
    res = bernoulli_rbm_log_partition_ais(w, b, c, n_betas=1000, base_visible_bias=b, seed=0)
    # measured over seeds 0-4: |error| <= 0.05 nats with log_z_std ~0.03
    assert abs(res.log_z - exact) < 0.15
    assert abs(res.log_z - exact) < 5 * res.log_z_std


def test_log_partition_dispatches_by_method_and_size():
    small = random_rbm(12, 8, seed=4)
    exact = bernoulli_rbm_log_partition_exact(*small)
    assert bernoulli_rbm_log_partition(*small) == (pytest.approx(exact), 0.0, None)
    log_z, std, details = bernoulli_rbm_log_partition(*small, method="ais", n_betas=500, seed=1)
    assert isinstance(details, AISResult) and (log_z, std) == (details.log_z, details.log_z_std)
    assert abs(log_z - exact) < max(0.05, 5 * std)
    large = random_rbm(12, MAX_EXACT_HIDDEN + 1, seed=5, scale=0.1)
    assert isinstance(bernoulli_rbm_log_partition(*large, n_betas=200)[2], AISResult)
    with pytest.raises(ValueError, match="Received: method='mcmc'"):
        bernoulli_rbm_log_partition(*small, method="mcmc")


def test_ais_result_fields():
    w, b, c = small_rbm()
    res = bernoulli_rbm_log_partition_ais(w, b, c, n_chains=50, n_betas=200, seed=1)
    assert isinstance(res, AISResult)
    assert res.n_chains == 50 and res.n_betas == 200
    assert res.log_weights.shape == (50,) and res.log_weights.dtype == np.float64
    assert res.log_z == pytest.approx(logsumexp(res.log_weights) - math.log(50), abs=1e-12)
    w_ = np.exp(res.log_weights - res.log_weights.max())
    assert res.log_z_std == pytest.approx(w_.std(ddof=1) / (math.sqrt(50) * w_.mean()))
    lower, upper = res.log_z_bounds()
    assert lower < res.log_z < upper
    assert upper == pytest.approx(res.log_z + math.log1p(3 * res.log_z_std), rel=1e-9)


def test_ais_is_reproducible_and_seeded():
    w, b, c = random_rbm(64, 8, 5, scale=0.3)
    first = bernoulli_rbm_log_partition_ais(w, b, c, n_chains=20, n_betas=300, seed=3)
    again = bernoulli_rbm_log_partition_ais(w, b, c, n_chains=20, n_betas=300, seed=3)
    other = bernoulli_rbm_log_partition_ais(w, b, c, n_chains=20, n_betas=300, seed=4)
    np.testing.assert_array_equal(first.log_weights, again.log_weights)
    assert not np.array_equal(first.log_weights, other.log_weights)
    # the chains are independent: 20 distinct weights
    assert len(np.unique(first.log_weights)) == 20


def test_ais_bad_input():
    w, b, c = small_rbm()
    with pytest.raises(ValueError, match="n_chains"):
        bernoulli_rbm_log_partition_ais(w, b, c, n_chains=1)
    with pytest.raises(ValueError, match="n_betas=0"):
        bernoulli_rbm_log_partition_ais(w, b, c, n_betas=0)
    with pytest.raises(ValueError, match=r"base_visible_bias.shape=\(10,\)"):
        bernoulli_rbm_log_partition_ais(w, b, c, base_visible_bias=np.zeros(10))
    with pytest.raises(ValueError, match=r"hidden_bias.shape=\(15,\)"):
        bernoulli_rbm_log_partition_ais(w, b, c[:15])
    with pytest.raises(ValueError, match="visible_bias.*NaN"):
        bernoulli_rbm_log_partition_ais(w, np.where(b > 0, np.nan, b), c)
    with pytest.raises(TypeError, match="seed"):
        bernoulli_rbm_log_partition_ais(w, b, c, seed=1.5)


def test_gaussian_ais_agrees_with_exact():
    """50 visible x 10 hidden: W ~ N(0, 0.2^2), b ~ N(0, 1), c ~ N(-1, 0.5^2), sigma ~ U(0.5, 1.5).

    Measured over seeds 0-2 with 1,000 temperatures: errors -0.05 to -0.01 nats with the
    base means at b (log_z_std 0.025), -0.12 to 0.00 with the zero base (log_z_std 0.08).
    """
    rng = np.random.default_rng(0)
    w, b = rng.normal(0, 0.2, (50, 10)), rng.normal(0, 1, 50)
    c, sigma = rng.normal(-1, 0.5, 10), rng.uniform(0.5, 1.5, 50)
    exact = gaussian_rbm_log_partition_exact(w, b, c, sigma=sigma)
    res = gaussian_rbm_log_partition_ais(w, b, c, sigma, n_betas=1000, base_visible_bias=b, seed=0)
    assert res.n_chains == 100 and res.log_weights.shape == (100,)
    assert abs(res.log_z - exact) < 0.15
    uniform = gaussian_rbm_log_partition_ais(w, b, c, sigma, n_betas=1000, seed=0)
    assert abs(uniform.log_z - exact) < 0.3
    with pytest.raises(ValueError, match="sigma"):
        gaussian_rbm_log_partition_ais(w, b, c, -sigma)


# --- AIS on a peaked RBM trained on Fashion-MNIST ----------------------------------------


def fashion_mnist_path(name):
    for root in (os.environ.get("KERAZOO_DATA_DIR"), "/usr/share/datasets"):
        if root:
            path = Path(root) / "fashion-mnist" / name
            if path.exists():
                return path
    pytest.skip(
        "Fashion-MNIST not found in $KERAZOO_DATA_DIR/fashion-mnist or "
        "/usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"
    )


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert int.from_bytes(data[:4], "big") == 2051, "not an IDX image file"
    n, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols)


@pytest.fixture(scope="module")
def trained_rbm():
    """sklearn BernoulliRBM, 20 hidden, 5 epochs on the first 10,000 binarized training images."""
    from sklearn.neural_network import BernoulliRBM

    x = (read_idx_images(fashion_mnist_path("train-images-idx3-ubyte.gz"))[:10000] > 127)
    x = x.astype(np.float64)
    rbm = BernoulliRBM(n_components=20, learning_rate=0.05, batch_size=20, n_iter=5, random_state=0)
    rbm.fit(x)
    w, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    return {
        "weights": (w, b, c),
        "exact": bernoulli_rbm_log_partition_exact(w, b, c),
        "base": base_rate_visible_bias(x),
        "x": x,
    }


def test_ais_with_too_few_temperatures_underestimates_log_z(trained_rbm):
    """AIS's log-estimate is biased low (Jensen: E[log Z_hat] <= log Z), the more so the
    fewer temperatures. With 100 temperatures the mean over four seeds lies more than 4
    nats below the exact value (scikit-learn 1.9's RBM here: 3.3 to 8.9 nats per seed, 6.4
    in the mean; the reported spread, about 1 nat, does not reveal the bias), and every
    seed's short run lies below the 1,000-temperature run of the same seed.
    """
    w, b, c = trained_rbm["weights"]
    exact, base = trained_rbm["exact"], trained_rbm["base"]
    short = [
        bernoulli_rbm_log_partition_ais(w, b, c, n_betas=100, base_visible_bias=base, seed=s).log_z
        for s in range(4)
    ]
    assert np.mean(short) < exact - 4.0
    medium = bernoulli_rbm_log_partition_ais(w, b, c, n_betas=1000, base_visible_bias=base, seed=0)
    assert short[0] < medium.log_z < exact
    # a data-based base rate matters on a peaked model: the uniform base is far worse
    uniform = bernoulli_rbm_log_partition_ais(w, b, c, n_betas=1000, seed=0)
    assert uniform.log_z < medium.log_z - 10.0


@pytest.mark.slow
def test_ais_full_schedule_agrees_with_exact_on_a_trained_rbm(trained_rbm):
    """100 chains x 14,500 temperatures: within 1 nat of the exact log Z (measured with
    seeds 0-5: -0.62, -0.24, -0.14, -0.09, +0.50, +0.29 nats, log_z_std 0.3-0.4)."""
    w, b, c = trained_rbm["weights"]
    exact = trained_rbm["exact"]
    res = bernoulli_rbm_log_partition_ais(w, b, c, base_visible_bias=trained_rbm["base"], seed=0)
    assert res.n_betas == 14500 and res.n_chains == 100
    assert abs(res.log_z - exact) < 1.0
    # so the log-likelihood of the training images is off by the same amount
    x = trained_rbm["x"][:1000]
    ll_exact = bernoulli_rbm_log_likelihood(x, w, b, c, exact)
    ll_ais = bernoulli_rbm_log_likelihood(x, w, b, c, res)
    assert ll_ais - ll_exact == pytest.approx(exact - res.log_z, abs=1e-9)


# --- the same estimator on TensorFlow and JAX --------------------------------------------

CROSS_BACKEND_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {tests!r})
from test_rbm_partition import cross_backend_log_weights
print("RESULT " + json.dumps({{k: v.tolist() for k, v in cross_backend_log_weights().items()}}))
"""


def cross_backend_log_weights():
    """AIS log weights (400 chains: 4 seeds x 100) of a Bernoulli and a Gaussian RBM, with
    short schedules (300 temperatures), on the active backend."""
    w, b, c = small_rbm()
    rng = np.random.default_rng(1)
    gw, gb = rng.normal(0, 0.2, (50, 10)), rng.normal(0, 1, 50)
    gc, sigma = rng.normal(-1, 0.5, 10), rng.uniform(0.5, 1.5, 50)
    return {
        "bernoulli": np.concatenate([
            bernoulli_rbm_log_partition_ais(w, b, c, n_betas=300, seed=s).log_weights
            for s in range(4)]),
        "gaussian": np.concatenate([
            gaussian_rbm_log_partition_ais(gw, gb, gc, sigma, n_betas=300, seed=s).log_weights
            for s in range(4)]),
    }


def _pooled(log_w):
    """log mean exp(log_w) and its delta-method standard error."""
    shifted = np.exp(log_w - log_w.max())
    return logsumexp(log_w) - math.log(log_w.size), shifted.std(ddof=1) / (
        math.sqrt(log_w.size) * shifted.mean())


@pytest.mark.skipif(keras.backend.backend() not in ("tensorflow", "jax"),
                    reason="compares the TensorFlow and JAX backends")
def test_ais_agrees_in_distribution_across_backends():
    """TensorFlow and JAX run the same estimator on different draws: their estimates from a
    uniform base and a short schedule (both biased low the same way) agree within four
    standard errors, and the draws are not the same."""
    import subprocess
    import sys

    here = cross_backend_log_weights()
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + env.get(
        "PYTHONPATH", "")
    script = CROSS_BACKEND_SCRIPT.format(tests=str(Path(__file__).resolve().parent))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    there = {k: np.asarray(v) for k, v in json.loads(lines[0][7:]).items()}
    for kind in ("bernoulli", "gaussian"):
        assert here[kind].shape == there[kind].shape == (400,)
        assert not np.allclose(here[kind], there[kind])
        (a, se_a), (b, se_b) = _pooled(here[kind]), _pooled(there[kind])
        assert abs(a - b) < 4 * math.hypot(se_a, se_b) + 1e-3, (kind, a, se_a, b, se_b)
