"""The per-backend operations of `kerazoo.utils.backend_ops` against closed forms."""

import keras
import numpy as np
from keras import ops

from kerazoo.utils.backend_ops import batch_jacobian_sq_norms, inference_function, input_gradient, jvp

RNG = np.random.default_rng(0)
W = RNG.normal(size=(5, 3)).astype("float32")
X = RNG.normal(size=(4, 5)).astype("float32")


def test_jvp_of_a_linear_map_is_the_map_of_the_direction():
    v = RNG.normal(size=X.shape).astype("float32")
    out, tangent = jvp(lambda t: ops.matmul(t, W), ops.convert_to_tensor(X), ops.convert_to_tensor(v))
    np.testing.assert_allclose(ops.convert_to_numpy(out), X @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(tangent), v @ W, rtol=1e-5, atol=1e-6)


def test_input_gradient_and_batch_jacobian_against_closed_forms():
    grad = input_gradient(lambda t: ops.sum(ops.square(t)), ops.convert_to_tensor(X))
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * X, rtol=1e-6)
    # d tanh(x W)_n / d x_n = diag(1 - tanh^2) W^T: ||.||_F^2 = sum_j (1 - h_nj^2)^2 sum_i W_ij^2
    h = np.tanh(X @ W)
    expected = ((1 - h**2) ** 2 * (W**2).sum(axis=0)).sum(axis=1)
    got = batch_jacobian_sq_norms(lambda t: ops.tanh(ops.matmul(t, W)), ops.convert_to_tensor(X))
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=1e-5)


def test_variable_updates_inside_the_transformation_are_kept():
    # Batch normalization in training mode moves its statistics inside the forward-mode
    # pass; on JAX they come back out of the transformation as on TensorFlow.
    layer = keras.layers.BatchNormalization(momentum=0.5)
    layer.build((None, 5))
    _, tangent = jvp(lambda t: layer(t, training=True), ops.convert_to_tensor(X),
                     ops.ones(X.shape), variables=layer.variables)
    np.testing.assert_allclose(ops.convert_to_numpy(layer.moving_mean), 0.5 * X.mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(ops.convert_to_numpy(tangent)))
    grad = input_gradient(lambda t: ops.sum(layer(t, training=True)), ops.convert_to_tensor(X),
                          variables=layer.variables)
    np.testing.assert_allclose(ops.convert_to_numpy(layer.moving_mean), 0.75 * X.mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    # sum over the batch of a batch-normalized unit is constant: zero gradient (up to beta).
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 0.0, atol=1e-4)


def test_inference_function_takes_any_batch_size():
    fn = inference_function(lambda t: ops.matmul(t, W), [((None, 5), "float32")])
    for n in (1, 4):
        np.testing.assert_allclose(ops.convert_to_numpy(fn(X[:n])), X[:n] @ W, rtol=1e-5, atol=1e-6)
    if keras.backend.backend() == "tensorflow":
        assert hasattr(fn, "get_concrete_function")  # traced once, as a tf.function
