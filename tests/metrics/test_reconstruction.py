"""MSE, PSNR and the encoder Jacobian norm against hand-computed values."""

import numpy as np
import pytest
from keras import ops

from kerazoo.metrics import encoder_jacobian_norm, mse, psnr


def test_mse_is_per_pixel_and_per_image():
    x = np.zeros((2, 28, 28, 1), "float32")
    y = x.copy()
    y[0] += 0.1
    y[1, :14] += 0.2  # half the pixels off by 0.2: MSE 0.02
    np.testing.assert_allclose(mse(x, y, per_image=True), [0.01, 0.02], rtol=1e-6)
    np.testing.assert_allclose(mse(x, y), 0.015, rtol=1e-6)


def test_psnr_known_values_and_per_image_average():
    x = np.zeros((2, 4, 4, 1))
    y = x.copy()
    y[0] += 0.1    # MSE 1e-2: 20 dB
    y[1] += 0.01   # MSE 1e-4: 40 dB
    np.testing.assert_allclose(psnr(x, y, per_image=True), [20.0, 40.0], rtol=1e-9)
    assert psnr(x, y) == pytest.approx(30.0)   # the mean of the per-image values
    assert psnr(x * 255, y * 255, max_value=255) == pytest.approx(30.0)
    assert psnr(x, x) == pytest.approx(100.0)  # MSE floored at 1e-10


@pytest.mark.tensorflow_only  # the reference is tf.image.psnr
def test_psnr_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.random((5, 28, 28, 1)).astype("float32")
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1).astype("float32")
    np.testing.assert_allclose(psnr(x, y, per_image=True), tf.image.psnr(x, y, 1.0).numpy(), rtol=1e-4)


def test_bad_arrays_are_rejected():
    with pytest.raises(ValueError, match=r"same shape. Received: \(2, 3\) and \(2, 4\)"):
        mse(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="at least one image"):
        psnr(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="finite"):
        mse(np.full((1, 3), np.nan), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="max_value"):
        psnr(np.zeros((1, 3)), np.zeros((1, 3)), max_value=0)


def test_jacobian_norm_of_a_linear_and_a_nonlinear_encoder():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(784, 3)).astype("float32")
    x = rng.random((10, 28, 28, 1)).astype("float32")

    def linear(t):
        return ops.matmul(ops.reshape(t, (-1, 784)), w)

    np.testing.assert_allclose(encoder_jacobian_norm(linear, x, batch_size=4), np.linalg.norm(w), rtol=1e-4)

    def sig(t):
        return ops.sigmoid(ops.matmul(ops.reshape(t, (-1, 784)), w))

    h = 1 / (1 + np.exp(-(x.reshape(10, 784) @ w)))
    expected = np.sqrt(((h * (1 - h)) ** 2 * (w**2).sum(axis=0)).sum(axis=1))
    np.testing.assert_allclose(encoder_jacobian_norm(sig, x, per_image=True), expected, rtol=1e-3)
