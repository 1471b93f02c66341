"""Free energies and log-likelihoods of Bernoulli and Gaussian-Bernoulli RBMs."""


import keras
import numpy as np
import pytest
from scipy.special import logsumexp

from kerazoo.metrics import (
    MAX_EXACT_HIDDEN,
    bernoulli_rbm_free_energy,
    bernoulli_rbm_log_likelihood,
    bernoulli_rbm_log_partition_ais,
    bernoulli_rbm_log_partition_exact,
    gaussian_rbm_free_energy,
    gaussian_rbm_log_likelihood,
    gaussian_rbm_log_partition_exact,
)
from rbm_testing import random_rbm, states




# --- Bernoulli --------------------------------------------------------------------------


def test_bernoulli_free_energy_is_the_marginal_over_hidden_states():
    w, b, c = random_rbm(6, 4, 0)
    v, h = states(6), states(4)
    energy = -(v @ b)[:, None] - (h @ c)[None, :] - v @ w @ h.T  # E(v, h)
    expected = -logsumexp(-energy, axis=1)
    got = bernoulli_rbm_free_energy(v, w, b, c)
    assert got.shape == (64,) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_bernoulli_free_energy_matches_sklearn():
    from sklearn.neural_network import BernoulliRBM

    w, b, c = random_rbm(30, 7, 1)
    rbm = BernoulliRBM(n_components=7)
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = w.T, b, c
    v = np.random.default_rng(2).random((50, 30))  # grey levels: the formula is the same
    np.testing.assert_allclose(bernoulli_rbm_free_energy(v, w, b, c), rbm._free_energy(v), rtol=1e-12)


def test_bernoulli_free_energy_flattens_images():
    w, b, c = random_rbm(784, 3, 3, scale=0.1)
    x = (np.random.default_rng(4).random((5, 28, 28, 1)) > 0.5).astype("float32")
    np.testing.assert_allclose(
        bernoulli_rbm_free_energy(x, w, b, c), bernoulli_rbm_free_energy(x.reshape(5, 784), w, b, c)
    )


def test_bernoulli_log_likelihood_is_the_mean_log_probability():
    w, b, c = random_rbm(7, 3, 5)
    v = states(7)
    log_z = bernoulli_rbm_log_partition_exact(w, b, c)
    rows = v[[0, 5, 77, 127]]
    expected = np.mean(-bernoulli_rbm_free_energy(rows, w, b, c)) - log_z
    assert bernoulli_rbm_log_likelihood(rows, w, b, c, log_z) == pytest.approx(expected, rel=1e-12)
    # an AISResult may stand in for log Z
    ais = bernoulli_rbm_log_partition_ais(w, b, c, n_chains=10, n_betas=50, seed=0)
    assert bernoulli_rbm_log_likelihood(rows, w, b, c, ais) == pytest.approx(
        np.mean(-bernoulli_rbm_free_energy(rows, w, b, c)) - ais.log_z, rel=1e-12
    )


# --- bad input ----------------------------------------------------------------------------


@pytest.fixture
def weights():
    return random_rbm(784, 20, 6, scale=0.1)


def test_shape_mismatch_between_v_and_kernel(weights):
    with pytest.raises(ValueError, match=r"\(N, 784\).*v.shape=\(3, 783\)"):
        bernoulli_rbm_free_energy(np.zeros((3, 783)), *weights)
    with pytest.raises(ValueError, match=r"v\[None, :\]"):
        bernoulli_rbm_free_energy(np.zeros(784), *weights)
    with pytest.raises(ValueError, match=r"v.shape=\(2, 28, 28, 3\)"):
        bernoulli_rbm_log_likelihood(np.zeros((2, 28, 28, 3)), *weights, 0.0)


def test_nan_and_non_numeric_input(weights):
    v = np.zeros((4, 784))
    v[2, 100] = np.nan
    with pytest.raises(ValueError, match="`v` contains NaN"):
        bernoulli_rbm_free_energy(v, *weights)
    w, b, c = weights
    with pytest.raises(ValueError, match="`kernel` contains NaN"):
        bernoulli_rbm_free_energy(np.zeros((4, 784)), np.full_like(w, np.nan), b, c)
    with pytest.raises(TypeError, match="dtype"):
        bernoulli_rbm_free_energy(np.full((4, 784), "a"), *weights)
    with pytest.raises(ValueError, match="log_z` must be finite"):
        bernoulli_rbm_log_likelihood(np.zeros((4, 784)), *weights, float("nan"))
    with pytest.raises(TypeError, match="log_z"):
        bernoulli_rbm_log_likelihood(np.zeros((4, 784)), *weights, "12")


def test_log_likelihood_needs_binary_data(weights):
    grey = np.full((2, 784), 0.3)
    with pytest.raises(ValueError, match=r"binary.*v > 0.5"):
        bernoulli_rbm_log_likelihood(grey, *weights, 100.0)
    assert np.isfinite(bernoulli_rbm_free_energy(grey, *weights)).all()  # F itself is defined


def test_accepts_tensors(weights):
    w, b, c = weights
    v = (np.random.default_rng(7).random((6, 784)) > 0.5).astype("float32")
    expected = bernoulli_rbm_free_energy(v, w.astype("float32"), b.astype("float32"), c.astype("float32"))
    got = bernoulli_rbm_free_energy(
        keras.ops.convert_to_tensor(v), keras.Variable(w.astype("float32")),
        keras.ops.convert_to_tensor(b, "float32"), c.astype("float32"),
    )
    np.testing.assert_allclose(got, expected)


# --- Gaussian-Bernoulli -------------------------------------------------------------------


def gaussian_energy(v, h, w, b, c, sigma):
    """E(v, h) = sum (v - b)^2 / (2 sigma^2) - c.h - (v / sigma) W h, for all pairs of rows."""
    quad = (0.5 * ((v - b) / sigma) ** 2).sum(axis=1)
    return quad[:, None] - (h @ c)[None, :] - (v / sigma) @ w @ h.T


@pytest.mark.parametrize("sigma", [None, 0.5, np.array([0.7, 1.3])])
def test_gaussian_free_energy_is_the_marginal_over_hidden_states(sigma):
    w, b, c = random_rbm(2, 5, 8)
    s = np.ones(2) if sigma is None else np.broadcast_to(sigma, (2,))
    v = np.random.default_rng(9).normal(0, 2, (40, 2))
    expected = -logsumexp(-gaussian_energy(v, states(5), w, b, c, s), axis=1)
    np.testing.assert_allclose(gaussian_rbm_free_energy(v, w, b, c, sigma=sigma), expected, rtol=1e-12)


@pytest.mark.parametrize("sigma", [None, np.array([0.7, 1.3])])
def test_gaussian_exact_log_z_matches_numerical_integration(sigma):
    """Z = integral of exp(-F(v)) over R^2, by the trapezoid rule on [-14, 14]^2 (step 0.05)."""
    w, b, c = random_rbm(2, 5, 10, scale=0.6)
    grid = np.arange(-14.0, 14.0 + 1e-9, 0.05)
    v = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    neg_f = -gaussian_rbm_free_energy(v, w, b, c, sigma=sigma)
    expected = logsumexp(neg_f) + 2 * np.log(0.05)  # the integrand vanishes at the edges
    got = gaussian_rbm_log_partition_exact(w, b, c, sigma=sigma)
    assert got == pytest.approx(expected, rel=1e-6)
    # a density: the log-likelihood of a point is -F(v) - log Z
    x = v[:3]
    assert gaussian_rbm_log_likelihood(x, w, b, c, got, sigma=sigma) == pytest.approx(
        np.mean(neg_f[:3]) - got, rel=1e-12
    )


def test_gaussian_exact_log_z_with_many_hidden_units():
    """18 hidden units (crosses the low/high split), 3 visible: against the direct sum over h."""
    w, b, c = random_rbm(3, 18, 11, scale=0.3)
    sigma = np.array([0.5, 1.0, 2.0])
    h = states(18)
    wh = h @ w.T  # (2**18, 3)
    expected = (
        1.5 * np.log(2 * np.pi)
        + np.log(sigma).sum()
        + logsumexp(h @ c + wh @ (b / sigma) + 0.5 * (wh**2).sum(axis=1))
    )
    assert gaussian_rbm_log_partition_exact(w, b, c, sigma=sigma) == pytest.approx(expected, rel=1e-10)


def test_gaussian_bad_input():
    w, b, c = random_rbm(3, 4, 12)
    with pytest.raises(ValueError, match="sigma.*positive"):
        gaussian_rbm_free_energy(np.zeros((2, 3)), w, b, c, sigma=np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"sigma.shape=\(2,\)"):
        gaussian_rbm_log_partition_exact(w, b, c, sigma=np.ones(2))
    with pytest.raises(ValueError, match=f"n_hidden={MAX_EXACT_HIDDEN + 1}"):
        gaussian_rbm_log_partition_exact(np.zeros((3, 25)), b, np.zeros(25))
