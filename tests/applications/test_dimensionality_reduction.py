"""PCA anchor and the side-by-side comparison, on the shipped Fashion-MNIST sample."""

import numpy as np
import pytest

from kerazoo.applications import compare_with_pca, fit_pca, knn_accuracy, pca_encode, pca_reconstruct
from kerazoo.datasets import load_fashion_mnist_sample


@pytest.fixture(scope="module")
def sample():
    x, y = load_fashion_mnist_sample()
    return x[:800], y[:800], x[800:], y[800:]


def test_pca_reconstruction_error_falls_with_components_and_matches_numpy(sample):
    x_train, _, x_test, _ = sample
    fits = {k: fit_pca(x_train, k) for k in (2, 10, 30)}
    errors = [np.mean((pca_reconstruct(fits[k], x_test) - x_test) ** 2) for k in (2, 10, 30)]
    assert errors[0] > errors[1] > errors[2]
    flat = x_train.reshape(800, -1)
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    v = vt[:10]
    exact = (x_test.reshape(200, -1) - mean) @ v.T @ v + mean
    pca = fits[10]
    np.testing.assert_allclose(pca_reconstruct(pca, x_test).reshape(200, -1), exact, atol=2e-3)
    assert pca_encode(pca, x_test).shape == (200, 10)
    clipped = pca_reconstruct(pca, x_test, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_knn_accuracy_on_separable_and_random_codes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 50)
    codes = y[:, None] * 10.0 + rng.normal(size=(200, 2))
    assert knn_accuracy(codes[::2], y[::2], codes[1::2], y[1::2]) == 1.0
    noise = rng.normal(size=(200, 2))
    assert knn_accuracy(noise[::2], y[::2], noise[1::2], y[1::2]) < 0.5


class _PCAModel:
    """A stand-in autoencoder: PCA with 10 components behind encode/reconstruct."""

    code_size = 10

    def __init__(self, x):
        self.pca = fit_pca(x, 10)

    def encode(self, x):
        return pca_encode(self.pca, x)

    def reconstruct(self, x):
        return pca_reconstruct(self.pca, x)


def test_compare_with_pca_puts_both_side_by_side(sample):
    x_train, y_train, x_test, y_test = sample
    out = compare_with_pca(_PCAModel(x_train), x_train, x_test, y_train, y_test)
    assert set(out) == {"model", "pca", "ratio"}
    assert set(out["pca"]) == {"test_mse", "test_psnr", "knn_accuracy"}
    assert out["ratio"] == pytest.approx(1.0, abs=1e-4)  # the same reduction on both sides
    assert 0.5 < out["pca"]["knn_accuracy"] <= 1.0


def test_too_many_components_is_an_error(sample):
    with pytest.raises(ValueError, match=r"n_components.*at most"):
        fit_pca(sample[0][:5], 10)
