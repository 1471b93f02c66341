"""The ELBO and the importance-sampled log-likelihood on a linear-Gaussian model, where
log p(x), the true posterior and every KL divergence are known in closed form."""

import keras
import numpy as np
import pytest
from scipy import stats

from kerazoo.metrics import (
    bernoulli_log_prob,
    evidence_lower_bound,
    gaussian_kl_divergence,
    gaussian_log_prob,
    importance_sampled_log_likelihood,
)

# float64 arrays stay float64 on TensorFlow; JAX (without jax_enable_x64) computes in float32.
EXACT_RTOL = 1e-10 if keras.backend.standardize_dtype(
    keras.ops.convert_to_tensor(np.zeros(1)).dtype) == "float64" else 1e-6


class LinearGaussian:
    """p(z) = N(0, I_3), p(x|z) = N(W z + b, s2 I_6), W with orthogonal columns.

    Then p(x) = N(b, W W^T + s2 I) and the posterior p(z|x) = N(m(x), C) with the diagonal
    C = (I + W^T W / s2)^-1 and m(x) = C W^T (x - b) / s2: a diagonal Gaussian encoder can
    represent it exactly.
    """

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.normal(size=(6, 3)))
        self.scales = np.array([2.0, 1.0, 0.5])
        self.w = q * self.scales
        self.b = rng.normal(size=6)
        self.s2 = 0.3
        self.post_var = 1.0 / (1.0 + self.scales**2 / self.s2)

    def sample_x(self, n, seed=1):
        return stats.multivariate_normal(self.b, self.w @ self.w.T + self.s2 * np.eye(6)).rvs(
            n, random_state=seed
        )

    def log_px(self, x):
        return stats.multivariate_normal(self.b, self.w @ self.w.T + self.s2 * np.eye(6)).logpdf(x)

    def posterior(self, x):
        mean = (x - self.b) @ self.w / self.s2 * self.post_var
        return mean, np.tile(np.log(self.post_var), (len(x), 1))

    def log_likelihood(self, xb, z):
        mean = np.asarray(z, dtype=np.float64) @ self.w.T + self.b
        return np.asarray(gaussian_log_prob(xb[:, None, :], mean, np.log(self.s2)))


@pytest.fixture(scope="module")
def model():
    return LinearGaussian()


@pytest.fixture(scope="module")
def x(model):
    return model.sample_x(200)


@pytest.mark.parametrize("n_samples, batch_size", [(1, 20000), (10, 20000), (10, 7), (50, 3)])
def test_exact_posterior_gives_the_exact_log_likelihood(model, x, n_samples, batch_size):
    # With q = p(z|x), every importance weight equals p(x): the estimate is exact for any K
    # and any chunking of images and samples.
    x = x[:20] if batch_size < 100 else x  # small chunks mean many calls
    est = importance_sampled_log_likelihood(
        x, model.posterior, model.log_likelihood, n_samples=n_samples, batch_size=batch_size, seed=0
    )
    assert est.dtype == np.float64 and est.shape == (len(x),)
    np.testing.assert_allclose(est, model.log_px(x), atol=2e-5)


def test_estimate_rises_with_k_towards_log_px_from_a_wrong_posterior(model, x):
    mean, log_var = model.posterior(x)
    q = (mean + 0.3, log_var + np.log(2.0))  # shifted and twice too wide
    truth = model.log_px(x).mean()
    means = [
        importance_sampled_log_likelihood(x, q, model.log_likelihood, n_samples=k, seed=k).mean()
        for k in (1, 10, 1000)
    ]
    assert means[0] < means[1] < means[2]
    assert truth - 0.02 < means[2] < truth + 0.01


def test_elbo_is_log_px_minus_the_posterior_kl(model, x):
    mean, log_var = model.posterior(x)
    q_mean, q_log_var = mean + 0.3, log_var + np.log(2.0)
    elbo = evidence_lower_bound(x, (q_mean, q_log_var), model.log_likelihood, n_samples=4000, seed=2)
    # KL(q || p(z|x)) between two diagonal Gaussians, in closed form.
    var_q, var_p = np.exp(q_log_var), np.exp(log_var)
    kl_post = 0.5 * np.sum(var_q / var_p + (q_mean - mean) ** 2 / var_p - 1 + log_var - q_log_var, axis=1)
    np.testing.assert_allclose(elbo, model.log_px(x) - kl_post, atol=0.25)  # ~6 standard errors
    np.testing.assert_allclose(elbo.mean(), (model.log_px(x) - kl_post).mean(), atol=0.01)
    # At the exact posterior the bound is tight.
    tight = evidence_lower_bound(x, model.posterior, model.log_likelihood, n_samples=4000, seed=3)
    np.testing.assert_allclose(tight.mean(), model.log_px(x).mean(), atol=0.01)


def test_kl_divergence_closed_form():
    mean = np.array([[0.0, 0.0], [1.0, -2.0]])
    log_var = np.array([[0.0, 0.0], [np.log(2.0), np.log(0.5)]])
    expected = [0.0, 0.5 * (2.0 + 0.5 + 1.0 + 4.0 - 2.0 - np.log(2.0) - np.log(0.5))]
    np.testing.assert_allclose(gaussian_kl_divergence(mean, log_var), expected, rtol=1e-12)


def test_memory_is_bounded_by_batch_size(model, x):
    seen = []

    def log_likelihood(xb, z):
        seen.append(z.shape[0] * z.shape[1])
        assert z.dtype == np.float32 and len(xb) == z.shape[0]
        return model.log_likelihood(xb, z)

    importance_sampled_log_likelihood(x[:30], model.posterior, log_likelihood, n_samples=1000,
                                      batch_size=2500, seed=0)
    assert max(seen) <= 2500 and sum(seen) == 30 * 1000


def test_seeded_estimates_repeat(model, x):
    q = (model.posterior(x)[0] + 0.5, model.posterior(x)[1])
    a = importance_sampled_log_likelihood(x, q, model.log_likelihood, n_samples=20, seed=9)
    b = importance_sampled_log_likelihood(x, q, model.log_likelihood, n_samples=20, seed=9)
    c = importance_sampled_log_likelihood(x, q, model.log_likelihood, n_samples=20, seed=10)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_bernoulli_log_prob_is_exact_for_extreme_logits():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(4, 50))
    logits[0, :5] = [-100.0, 100.0, -100.0, 100.0, 0.0]
    x = (rng.random((4, 50)) < 0.5).astype("float64")
    x[0, :5] = [0, 1, 1, 0, 1]
    # scipy's logpmf(x, p) with p = sigmoid(l), written through log-sigmoid to stay finite.
    expected = np.sum(np.where(x == 1, -np.logaddexp(0, -logits), -np.logaddexp(0, logits)), axis=1)
    got = np.asarray(bernoulli_log_prob(x, logits))
    np.testing.assert_allclose(got, expected, rtol=EXACT_RTOL)
    assert np.isfinite(got).all() and got[0] < -199
    p = 1 / (1 + np.exp(-logits[1:]))
    np.testing.assert_allclose(got[1:], stats.bernoulli.logpmf(x[1:], p).sum(axis=1), rtol=max(1e-8, EXACT_RTOL))


def test_gaussian_log_prob_matches_scipy():
    rng = np.random.default_rng(1)
    x, mean = rng.random((3, 10)), rng.random((3, 10))
    got = np.asarray(gaussian_log_prob(x, mean, np.log(0.05)))
    np.testing.assert_allclose(got, stats.norm(mean, np.sqrt(0.05)).logpdf(x).sum(axis=1), rtol=EXACT_RTOL)


@pytest.mark.parametrize("n_samples", [0, -5, 2.5, True])
def test_bad_sample_counts(model, x, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        importance_sampled_log_likelihood(x, model.posterior, model.log_likelihood, n_samples=n_samples)


def test_bad_arguments(model, x):
    with pytest.raises(TypeError, match="log_likelihood"):
        importance_sampled_log_likelihood(x, model.posterior, "decoder")
    with pytest.raises(ValueError, match="shape"):
        importance_sampled_log_likelihood(x, (np.zeros((200, 3)), np.zeros((200, 2))), model.log_likelihood)
    with pytest.raises(ValueError, match="rows"):
        importance_sampled_log_likelihood(x, (np.zeros((5, 3)), np.zeros((5, 3))), model.log_likelihood)
    with pytest.raises(ValueError, match=r"\(batch, samples\)"):
        importance_sampled_log_likelihood(x, model.posterior, lambda xb, z: np.zeros(len(xb)), n_samples=4)
    with pytest.raises(ValueError, match="batch_size"):
        evidence_lower_bound(x, model.posterior, model.log_likelihood, batch_size=0)
    with pytest.raises(TypeError, match="seed"):
        importance_sampled_log_likelihood(x, model.posterior, model.log_likelihood, seed="a")
