"""Corruption, inpainting and the PSNR reports, with exact restorers as references."""

import numpy as np
import pytest

from kerazoo.applications import block_masks, corrupt, denoising_report, inpaint, inpainting_report
from kerazoo.datasets import load_fashion_mnist_sample


@pytest.fixture(scope="module")
def images():
    return load_fashion_mnist_sample()[0][:200]


def test_corrupt_is_seeded_and_in_range(images):
    a = corrupt(images, "gaussian", 0.3, seed=1)
    np.testing.assert_array_equal(a, corrupt(images, "gaussian", 0.3, seed=1))
    assert not np.array_equal(a, corrupt(images, "gaussian", 0.3, seed=2))
    assert a.min() >= 0 and a.max() <= 1 and a.dtype == np.float32
    with pytest.raises(ValueError, match="between 0 and 1"):
        corrupt(images, "gaussian", 1.3)
    with pytest.raises(ValueError, match="must hold values in \\[0, 1\\]"):
        corrupt(images * 255, "gaussian", 0.3)


def test_denoising_report_of_a_perfect_and_an_identity_restorer(images):
    clean = images
    perfect = denoising_report(lambda noisy: clean, clean, sigma=0.3, seed=0)
    identity = denoising_report(lambda noisy: noisy, clean, sigma=0.3, seed=0)
    assert perfect["denoised_psnr"] == pytest.approx(100.0)
    assert identity["psnr_gain"] == pytest.approx(0.0, abs=1e-9)
    # clipped N(0, 0.09) noise: MSE between 0.045 (all pixels at 0 or 1) and 0.09
    assert 0.045 <= identity["noisy_mse"] <= 0.09
    assert 10.4 < identity["noisy_psnr"] < 14.0


def test_inpaint_keeps_known_pixels_and_fills_the_hole(images):
    mask = block_masks(len(images), images.shape[1:], size=0.4, seed=0)
    assert np.all(mask.reshape(len(images), -1).sum(axis=1) == 11 * 11)
    filled = inpaint(lambda x: np.full_like(x, 0.7), images, mask)
    np.testing.assert_array_equal(filled[mask == 0], images[mask == 0])
    np.testing.assert_array_equal(filled[mask == 1], np.float32(0.7))
    with pytest.raises(ValueError, match="mask"):
        inpaint(lambda x: x, images, mask[:, :14])


def test_inpainting_report_of_an_oracle_and_of_zeros(images):
    oracle = inpainting_report(lambda x: images, images, size=0.4, seed=0)
    zeros = inpainting_report(lambda x: np.zeros_like(x), images, size=0.4, seed=0)
    assert oracle["hole_mse"] == 0.0 and oracle["inpainted_psnr"] == pytest.approx(100.0)
    assert zeros["psnr_gain"] == pytest.approx(0.0) and zeros["hole_mse"] > 0
