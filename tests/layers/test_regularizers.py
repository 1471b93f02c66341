"""Sparsity regularizers and Jacobian penalties against their formulas."""

import keras
import numpy as np
import pytest

from kerazoo.layers import (
    KLSparsityRegularizer,
    L1SparsityRegularizer,
    SparsityRegularization,
    jacobian_sq_norm_estimate,
    kl_sparsity,
    sigmoid_jacobian_sq_norm,
)


def _kl(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def test_kl_sparsity_matches_the_formula_and_vanishes_at_the_target():
    a = np.random.default_rng(0).beta(1, 9, size=(256, 40)).astype("float32")
    expected = _kl(0.05, a.mean(axis=0).astype(np.float64)).sum()
    np.testing.assert_allclose(float(kl_sparsity(a, 0.05)), expected, rtol=1e-4)
    np.testing.assert_allclose(float(KLSparsityRegularizer(0.05, 3.0)(a)), 3 * expected, rtol=1e-4)
    at_target = np.full((8, 5), 0.05, "float32")
    assert abs(float(kl_sparsity(at_target, 0.05))) < 1e-6


def test_kl_sparsity_stays_finite_for_dead_or_saturated_units():
    a = np.zeros((16, 4), "float32")
    a[:, 1] = 1.0
    value = float(kl_sparsity(a, 0.05))
    assert np.isfinite(value) and value > 10


def test_l1_is_the_mean_over_examples_of_the_sum_over_units():
    a = np.random.default_rng(1).normal(size=(32, 10)).astype("float32")
    np.testing.assert_allclose(
        float(L1SparsityRegularizer(0.01)(a)), 0.01 * np.abs(a).sum(axis=1).mean(), rtol=1e-5
    )


@pytest.mark.parametrize("target", [0.0, 1.0, -0.5, 2, "0.05"])
def test_bad_targets_and_weights_are_rejected(target):
    with pytest.raises(ValueError, match=r"target.*\(0, 1\)\. Received: target="):
        KLSparsityRegularizer(target)


def test_negative_weight_is_rejected():
    with pytest.raises(ValueError, match="non-negative number. Received: weight=-1"):
        L1SparsityRegularizer(-1)


def test_sparsity_layer_adds_the_penalty_undivided_by_the_batch_size():
    inputs = keras.Input((6,))
    h = keras.layers.Dense(5, activation="sigmoid")(inputs)
    reg = KLSparsityRegularizer(0.1, 2.0)
    model = keras.Model(inputs, SparsityRegularization(reg)(h))
    x = np.random.default_rng(2).normal(size=(50, 6)).astype("float32")
    out = model(x)
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), float(reg(out)), rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(model.layers[1](x)))


def test_sparsity_layer_serializes_its_regularizer(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, SparsityRegularization(KLSparsityRegularizer(0.07, 0.5))(inputs))
    model.save(tmp_path / "m.keras")
    reg = keras.models.load_model(tmp_path / "m.keras").layers[1].regularizer
    assert isinstance(reg, KLSparsityRegularizer) and reg.get_config() == {"target": 0.07, "weight": 0.5}


def _numeric_jacobian_sq_norms(fn, x, h=1e-5):
    """||d fn(x_n) / d x_n||_F^2 per example by central differences in float64 (numpy)."""
    x = np.asarray(x, np.float64)
    total = np.zeros(len(x))
    for i in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, i] = h
        total += np.sum(((fn(x + step) - fn(x - step)) / (2 * h)) ** 2, axis=1)
    return total


def _gradients(loss_fn, weights):
    """d loss_fn(*weights) / d weights on the active backend (a list of numpy arrays)."""
    if keras.backend.backend() == "jax":
        import jax

        return [np.asarray(g) for g in jax.grad(lambda ws: loss_fn(*ws))(list(weights))]
    import tensorflow as tf

    variables = [tf.Variable(w) for w in weights]
    with tf.GradientTape() as tape:
        loss = loss_fn(*variables)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def test_closed_form_equals_the_exact_jacobian_of_a_sigmoid_layer():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(12, 7))
    b = rng.normal(size=(7,))
    x = rng.normal(size=(9, 12))

    def sigmoid(t):
        return 1 / (1 + np.exp(-(t @ w + b)))

    exact = _numeric_jacobian_sq_norms(sigmoid, x)
    h = keras.ops.convert_to_tensor(sigmoid(x).astype("float32"))
    closed = sigmoid_jacobian_sq_norm(h, keras.ops.convert_to_tensor(w.astype("float32")))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(closed), exact, rtol=1e-5)


def test_random_projection_estimate_is_unbiased_and_differentiable():
    rng = np.random.default_rng(4)
    w1 = (rng.normal(size=(20, 16)) * 0.3).astype("float32")
    w2 = (rng.normal(size=(16, 5)) * 0.3).astype("float32")
    ops = keras.ops

    def fn(t, w1=w1, w2=w2):
        return ops.tanh(ops.matmul(ops.tanh(ops.matmul(t, w1)), w2))

    x = rng.normal(size=(6, 20)).astype("float32")
    exact = _numeric_jacobian_sq_norms(lambda t: np.tanh(np.tanh(t @ w1) @ w2), x)
    codes, est = jacobian_sq_norm_estimate(fn, x, n_projections=3, seed=keras.random.SeedGenerator(0))
    np.testing.assert_allclose(ops.convert_to_numpy(codes), ops.convert_to_numpy(fn(x)), rtol=1e-6)
    assert tuple(est.shape) == (6,)
    # 4000 projections per example: each example repeated 4000 times, one projection each.
    # The relative sd of one projection is at most sqrt(2); of the mean of 4000, 0.022.
    tiled = np.repeat(x, 4000, axis=0)
    _, many = jacobian_sq_norm_estimate(fn, tiled, n_projections=1, seed=keras.random.SeedGenerator(0))
    np.testing.assert_allclose(ops.convert_to_numpy(many).reshape(6, 4000).mean(axis=1), exact, rtol=0.09)

    def loss(a, b):
        _, sq = jacobian_sq_norm_estimate(lambda t: fn(t, a, b), x, n_projections=2, seed=1)
        return ops.mean(sq)

    grads = _gradients(loss, [w1, w2])
    assert all(np.all(np.isfinite(g)) and np.any(g != 0) for g in grads)
