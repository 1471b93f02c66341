"""RBM layers against brute-force numpy: conditionals, free energies, the CD gradient."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

from kerazoo.layers import BernoulliRBMLayer, GaussianBernoulliRBMLayer, sampling

V, H = 12, 5


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _gradients(fn, tensors):
    """Gradients of the scalar `fn()` with respect to `tensors` (variables or tensors), on the
    active backend."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            for t in tensors:
                if not isinstance(t, keras.Variable):
                    tape.watch(t)
            value = fn(*tensors)
        return [_np(g) for g in tape.gradient(value, tensors)]
    import jax

    def f(values):
        variables = [t for t in tensors if isinstance(t, keras.Variable)]
        mapping = [(v, values[i]) for i, v in enumerate(tensors) if isinstance(v, keras.Variable)]
        args = [values[i] if not isinstance(t, keras.Variable) else t for i, t in enumerate(tensors)]
        assert len(variables) == len(mapping)
        with keras.StatelessScope(state_mapping=mapping):
            return ops.sum(fn(*args))

    values = [t.value if isinstance(t, keras.Variable) else t for t in tensors]
    return [_np(g) for g in jax.grad(f)(values)]


def _all_binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _bernoulli_layer(seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    layer = BernoulliRBMLayer(H)
    layer.build((None, V))
    layer.kernel.assign(rng.normal(0, scale, (V, H)).astype("float32"))
    layer.visible_bias.assign(rng.normal(0, 0.5, V).astype("float32"))
    layer.hidden_bias.assign(rng.normal(0, 0.5, H).astype("float32"))
    return layer, rng


def _weights(layer):
    return (np.asarray(w, np.float64) for w in (layer.kernel, layer.visible_bias, layer.hidden_bias))


def test_bernoulli_conditionals_match_numpy():
    layer, rng = _bernoulli_layer()
    W, b, c = _weights(layer)
    v = (rng.random((7, V)) < 0.4).astype("float32")
    h = (rng.random((7, H)) < 0.4).astype("float32")
    np.testing.assert_allclose(layer(v), _sigmoid(v @ W + c), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.visible_probabilities(h), _sigmoid(h @ W.T + b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.visible_mean(h), _sigmoid(h @ W.T + b), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, V)) == (None, H)


def test_bernoulli_free_energy_is_minus_log_sum_over_hidden_states():
    layer, rng = _bernoulli_layer(seed=1)
    W, b, c = _weights(layer)
    v = (rng.random((6, V)) < 0.5).astype("float32")
    hs = _all_binary(H)
    energy = -(v @ b)[:, None] - (hs @ c)[None, :] - (v @ W) @ hs.T  # (6, 2^H)
    expected = -np.log(np.exp(-energy).sum(axis=1))
    np.testing.assert_allclose(_np(layer.free_energy(v)), expected, rtol=1e-5, atol=1e-4)
    # energy() agrees with the formula for one configuration per row
    np.testing.assert_allclose(layer.energy(v, hs[:6].astype("float32")), energy[np.arange(6), np.arange(6)], rtol=1e-5, atol=1e-4)


def test_cd_surrogate_loss_gradient_is_the_cd_statistics():
    """d/dtheta [mean F(v+) - mean F(v-)] = -(<v h>_+ - <v h>_-), the CD update."""
    layer, rng = _bernoulli_layer(seed=2)
    v_pos = (rng.random((9, V)) < 0.5).astype("float32")
    v_neg = rng.random((9, V)).astype("float32")  # mean-field reconstructions are real
    g_w, g_b, g_c = _gradients(
        lambda *_: ops.mean(layer.free_energy(v_pos)) - ops.mean(layer.free_energy(v_neg)),
        [layer.kernel, layer.visible_bias, layer.hidden_bias],
    )
    W, b, c = _weights(layer)
    h_pos, h_neg = _sigmoid(v_pos @ W + c), _sigmoid(v_neg @ W + c)
    np.testing.assert_allclose(g_w, -(v_pos.T @ h_pos - v_neg.T @ h_neg) / 9, atol=1e-5)
    np.testing.assert_allclose(g_b, -(v_pos.mean(0) - v_neg.mean(0)), atol=1e-5)
    np.testing.assert_allclose(g_c, -(h_pos.mean(0) - h_neg.mean(0)), atol=1e-5)


def test_pseudo_log_likelihood_estimator_is_unbiased():
    """The mean of the one-flip estimate over many draws is the exact PL."""
    layer, rng = _bernoulli_layer(seed=3)
    W, b, c = _weights(layer)
    v = (rng.random(V) < 0.5).astype(np.float64)

    def free_energy(x):
        return -x @ b - np.logaddexp(0, x @ W + c).sum(-1)

    flipped = np.tile(v, (V, 1))
    flipped[np.arange(V), np.arange(V)] = 1 - v
    exact = np.sum(-np.logaddexp(0, -(free_energy(flipped) - free_energy(v))))
    copies = np.tile(v.astype("float32"), (40000, 1))
    estimate = _np(layer.pseudo_log_likelihood(copies, sampling.as_seed(7)))
    assert estimate.shape == (40000,)
    # each draw is V * log p(v_i | v_-i) for a uniform i; the mean converges to the sum
    stderr = estimate.std() / np.sqrt(len(estimate))
    assert abs(estimate.mean() - exact) < 5 * stderr + 1e-3


def test_bernoulli_sampling_frequencies():
    p = ops.convert_to_tensor(np.full((400, 500), 0.3, np.float32))
    draws = _np(sampling.bernoulli(p, sampling.as_seed(0)))
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert abs(draws.mean() - 0.3) < 0.004  # 200k draws: std 0.001
    again = _np(sampling.bernoulli(p, sampling.as_seed(0)))
    other = _np(sampling.bernoulli(p, sampling.fold_seed(sampling.as_seed(0), 1)))
    np.testing.assert_array_equal(draws, again)
    assert np.mean(draws != other) > 0.3  # independent streams differ in ~42% of entries


def test_as_seed_accepts_generators_ints_tensors_and_rejects_the_rest():
    gen = keras.random.SeedGenerator(5)
    first, second = _np(sampling.as_seed(gen)), _np(sampling.as_seed(gen))
    assert first.dtype == np.int32 and first.shape == (2,) and not np.array_equal(first, second)
    np.testing.assert_array_equal(sampling.as_seed(3), [3, 0])
    np.testing.assert_array_equal(sampling.as_seed(ops.convert_to_tensor(4)), [4, 0])
    for bad in (None, 1.5, "x"):
        with pytest.raises(TypeError, match="Received"):
            sampling.as_seed(bad)


@pytest.mark.parametrize("learn_sigma", [False, True])
def test_gaussian_free_energy_and_conditionals(learn_sigma):
    rng = np.random.default_rng(4)
    layer = GaussianBernoulliRBMLayer(H, learn_sigma=learn_sigma)
    layer.build((None, V))
    layer.kernel.assign(rng.normal(0, 0.3, (V, H)).astype("float32"))
    layer.visible_bias.assign(rng.normal(0, 0.5, V).astype("float32"))
    layer.hidden_bias.assign(rng.normal(0, 0.5, H).astype("float32"))
    sigma = np.ones(V)
    if learn_sigma:
        log_sigma = rng.normal(0, 0.3, V)
        layer.log_sigma.assign(log_sigma.astype("float32"))
        sigma = np.exp(log_sigma)
    else:
        assert layer.sigma is None and len(layer.weights) == 3
    W, b, c = _weights(layer)
    v = rng.normal(0, 1, (5, V)).astype("float32")
    hs = _all_binary(H)
    energy = (((v - b) ** 2) / (2 * sigma**2)).sum(1)[:, None] - (hs @ c)[None, :] - ((v / sigma) @ W) @ hs.T
    np.testing.assert_allclose(layer.free_energy(v), -np.log(np.exp(-energy).sum(1)), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(layer(v), _sigmoid((v / sigma) @ W + c), rtol=1e-5, atol=1e-6)
    h = hs[:5].astype("float32")
    mean = b + sigma * (h @ W.T)
    np.testing.assert_allclose(layer.visible_mean(h), mean, rtol=1e-5, atol=1e-5)
    # v ~ N(mean, sigma^2): moments of 20,000 draws for one hidden state
    hh = np.tile(h[1:2], (20000, 1))
    draws = _np(layer.sample_visible(hh, sampling.as_seed(1)))
    np.testing.assert_allclose(draws.mean(0), mean[1], atol=5 * sigma.max() / np.sqrt(20000))
    np.testing.assert_allclose(draws.std(0), sigma, rtol=0.03)
    with pytest.raises(NotImplementedError):
        layer.pseudo_log_likelihood(v, sampling.as_seed(0))


def test_layers_serialize_and_reject_bad_arguments():
    layer = GaussianBernoulliRBMLayer(7, learn_sigma=True, name="g")
    clone = GaussianBernoulliRBMLayer.from_config(layer.get_config())
    assert clone.n_hidden == 7 and clone.learn_sigma and clone.name == "g"
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(BernoulliRBMLayer(3)))
    assert isinstance(restored, BernoulliRBMLayer) and restored.n_hidden == 3
    with pytest.raises(ValueError, match="n_hidden=0"):
        BernoulliRBMLayer(0)
    with pytest.raises(TypeError, match="learn_sigma"):
        GaussianBernoulliRBMLayer(3, learn_sigma="yes")
    layer = BernoulliRBMLayer(3)
    layer(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError):
        layer(np.zeros((2, 5), np.float32))  # built for 4 visible units
    with pytest.raises(ValueError, match="known number of visible units"):
        BernoulliRBMLayer(3).build((None, None))


def test_softplus_sum_from_sigmoid_is_exact_and_stable():
    raw = np.array([[-120.0, -30.0, -1e-3, 0.0, 2.5, 40.0, 150.0]], np.float32)
    logits = ops.convert_to_tensor(raw)
    value = _np(sampling.softplus_sum(logits, ops.sigmoid(logits)))
    (grad,) = _gradients(lambda a: sampling.softplus_sum(a, ops.sigmoid(a)), [logits])
    expected = np.logaddexp(0, raw.astype(np.float64)).sum()
    assert np.isfinite(value).all()
    np.testing.assert_allclose(value[0], expected, rtol=1e-6)
    np.testing.assert_allclose(grad, _np(ops.sigmoid(logits)), rtol=1e-6)
