"""Sampling (the reparameterization trick) and the closed-form Gaussian KL divergence."""

import keras
import numpy as np
import pytest
from scipy import stats

from kerazoo.layers import Sampling, gaussian_kl

# float64 arrays stay float64 on TensorFlow; JAX (without jax_enable_x64) computes in float32.
EXACT_RTOL = 1e-10 if keras.backend.standardize_dtype(
    keras.ops.convert_to_tensor(np.zeros(1)).dtype) == "float64" else 1e-6


MEAN = np.array([[0.5, -1.0, 2.0]], dtype="float32")
LOG_VAR = np.array([[0.0, np.log(0.25), np.log(4.0)]], dtype="float32")


def test_draws_have_the_posterior_mean_and_variance():
    n = 40_000
    mean, log_var = np.repeat(MEAN, n, axis=0), np.repeat(LOG_VAR, n, axis=0)
    z = np.asarray(Sampling(seed=3)([mean, log_var]))
    std = np.exp(0.5 * LOG_VAR[0])
    # Standard error of the mean is std / sqrt(n); allow 5 of them.
    np.testing.assert_array_less(np.abs(z.mean(axis=0) - MEAN[0]), 5 * std / np.sqrt(n))
    # The sample variance's standard error is about var * sqrt(2 / n).
    np.testing.assert_allclose(z.var(axis=0), std**2, rtol=5 * np.sqrt(2 / n))
    # Each coordinate is normal: a Kolmogorov-Smirnov test at the 0.1% level.
    for j in range(3):
        assert stats.kstest((z[:, j] - MEAN[0, j]) / std[j], "norm").pvalue > 1e-3


def test_seeded_layers_repeat_and_successive_draws_differ():
    a, b = Sampling(seed=11), Sampling(seed=11)
    za1, zb1 = np.asarray(a([MEAN, LOG_VAR])), np.asarray(b([MEAN, LOG_VAR]))
    np.testing.assert_array_equal(za1, zb1)
    za2 = np.asarray(a([MEAN, LOG_VAR]))
    assert not np.allclose(za1, za2)
    np.testing.assert_array_equal(za2, np.asarray(b([MEAN, LOG_VAR])))


def test_gradients_flow_to_mean_and_log_var():
    layer = Sampling(seed=5)

    def total(mean, log_var):
        z = layer([mean, log_var])
        return keras.ops.sum(z), z

    if keras.backend.backend() == "jax":
        import jax

        (d_mean, d_log_var), z = jax.grad(total, argnums=(0, 1), has_aux=True)(MEAN, LOG_VAR)
    else:
        import tensorflow as tf

        mean, log_var = tf.constant(MEAN), tf.constant(LOG_VAR)
        with tf.GradientTape() as tape:
            tape.watch([mean, log_var])
            _, z = total(mean, log_var)
            summed = tf.reduce_sum(z)
        d_mean, d_log_var = tape.gradient(summed, [mean, log_var])
    z = keras.ops.convert_to_numpy(z)
    np.testing.assert_allclose(np.asarray(d_mean), np.ones_like(MEAN))
    # dz/dlog_var = 0.5 * sigma * eps = 0.5 * (z - mean).
    np.testing.assert_allclose(np.asarray(d_log_var), 0.5 * (z - MEAN), rtol=1e-5, atol=1e-6)


def _kl_general(mean, cov):
    """KL(N(mean, cov) || N(0, I)) by the general multivariate formula."""
    k = len(mean)
    _, logdet = np.linalg.slogdet(cov)
    return 0.5 * (np.trace(cov) + mean @ mean - k - logdet)


def test_kl_matches_the_general_formula_and_monte_carlo():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 4))
    log_var = rng.normal(scale=0.7, size=(5, 4))
    kl = np.asarray(gaussian_kl(mean, log_var))
    expected = [_kl_general(m, np.diag(np.exp(lv))) for m, lv in zip(mean, log_var)]
    np.testing.assert_allclose(kl, expected, rtol=EXACT_RTOL)
    # Monte Carlo: E_q[log q(z) - log p(z)] with 200,000 draws, within 5 standard errors.
    m, lv = mean[0], log_var[0]
    z = m + np.exp(0.5 * lv) * rng.standard_normal((200_000, 4))
    log_ratio = stats.multivariate_normal(m, np.diag(np.exp(lv))).logpdf(z) - stats.multivariate_normal(
        np.zeros(4), np.eye(4)
    ).logpdf(z)
    assert abs(log_ratio.mean() - kl[0]) < 5 * log_ratio.std() / np.sqrt(len(z))


def test_kl_is_zero_at_the_prior():
    np.testing.assert_allclose(np.asarray(gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3)))), 0.0)


def test_add_kl_loss_adds_the_batch_mean_kl():
    layer = Sampling(seed=1, add_kl_loss=True)
    mean = np.array([[1.0, 0.0], [0.0, 2.0]], dtype="float32")
    log_var = np.array([[0.0, np.log(2.0)], [np.log(0.5), 0.0]], dtype="float32")
    layer([mean, log_var])
    expected = np.mean([_kl_general(m, np.diag(np.exp(lv))) for m, lv in zip(mean, log_var)])
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)
    plain = Sampling(seed=1)
    plain([mean, log_var])
    assert plain.losses == []


def test_config_round_trip_and_use_in_a_functional_model(tmp_path):
    mean_in, log_var_in = keras.Input((3,)), keras.Input((3,))
    z = Sampling(seed=7, add_kl_loss=True, name="z")([mean_in, log_var_in])
    model = keras.Model([mean_in, log_var_in], z)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    layer = again.get_layer("z")
    assert (layer.seed, layer.add_kl_loss) == (7, True)
    assert again([MEAN, LOG_VAR]).shape == (1, 3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"seed": "abc"}, TypeError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"add_kl_loss": 1}, TypeError, "add_kl_loss"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Sampling(**kwargs)


def test_bad_call_inputs():
    layer = Sampling(seed=0)
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        layer(MEAN)
    with pytest.raises(ValueError, match="same shape"):
        layer([MEAN, np.zeros((1, 2), "float32")])
