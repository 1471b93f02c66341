"""Image restoration with a denoising autoencoder: denoising and inpainting, scored by PSNR.

- Denoising: corrupt clean test images (e.g. Gaussian noise sigma = 0.3, clipped to
  [0, 1]), restore them (`model.reconstruct`), and compare the PSNR of the noisy and the
  restored images against the clean ones (`denoising_report`).
- Inpainting: hide a square region of each image (set to 0), let the model fill it in,
  and keep the known pixels: x_inpainted = (1 - m) x + m g(f((1 - m) x)), m the mask
  (`inpaint`); `inpainting_report` scores the whole image and the hidden region alone.

`restore` arguments are any function from images to images, so PCA's projection (or
any other method) is scored the same way as an autoencoder.
"""

import numpy as np

from kerazoo.layers.corruption import BlockMaskingCorruption, check_level, get_corruption
from kerazoo.metrics.reconstruction import mse, psnr
from kerazoo.utils.validation import check_images


def corrupt(x, kind="gaussian", level=0.3, seed=0):
    """Corrupted copies of images x (numpy), with a seeded `kerazoo.layers` corruption.

    Args:
        kind: "gaussian", "masking", "salt_and_pepper" or "block_masking".
        level: the corruption level in [0, 1] (standard deviation, rate or block size).
        seed: int, for reproducible corruption.
    """
    x = check_images(x, "x", np.shape(x)[1:])
    layer = get_corruption(kind, check_level(level, "level"), seed=seed)
    return np.asarray(layer(x, training=True), dtype=np.float32)


def block_masks(n, image_shape=(28, 28, 1), size=0.4, seed=0):
    """(n,) + image_shape float masks: 1 on one random square per image (side size * H), else 0."""
    layer = BlockMaskingCorruption(check_level(size, "size"), seed=seed)
    mask = np.asarray(layer.block_mask((n,) + tuple(image_shape[:2])), dtype=np.float32)
    return np.broadcast_to(mask, (n,) + tuple(image_shape)).copy()


def inpaint(restore, x, mask):
    """Fills the masked pixels of x: (1 - m) x + m restore((1 - m) x)."""
    x = np.asarray(x, np.float32)
    mask = np.asarray(mask, np.float32)
    if mask.shape != x.shape:
        raise ValueError(f"`mask` must have the images' shape {x.shape}. Received: {mask.shape}")
    known = x * (1.0 - mask)
    return known + mask * np.asarray(restore(known), np.float32)


def denoising_report(restore, x, sigma=0.3, seed=0, kind="gaussian"):
    """PSNR (dB) of corrupted and restored images against the clean x, and the gain.

    Returns:
        `{"noisy_psnr", "denoised_psnr", "psnr_gain", "noisy_mse", "denoised_mse"}`.
    """
    noisy = corrupt(x, kind, sigma, seed=seed)
    restored = np.clip(np.asarray(restore(noisy), np.float32), 0.0, 1.0)
    out = {
        "noisy_psnr": psnr(x, noisy),
        "denoised_psnr": psnr(x, restored),
        "noisy_mse": mse(x, noisy),
        "denoised_mse": mse(x, restored),
    }
    out["psnr_gain"] = out["denoised_psnr"] - out["noisy_psnr"]
    return out


def inpainting_report(restore, x, size=0.4, seed=0):
    """PSNR of masked and inpainted images against x, and the MSE inside the hidden squares.

    Returns:
        `{"masked_psnr", "inpainted_psnr", "psnr_gain", "hole_mse"}`; `hole_mse` is the
        mean squared error over the hidden pixels only.
    """
    x = check_images(x, "x", np.shape(x)[1:])
    mask = block_masks(len(x), x.shape[1:], size=size, seed=seed)
    masked = x * (1.0 - mask)
    filled = inpaint(restore, x, mask)
    hole = mask > 0
    out = {
        "masked_psnr": psnr(x, masked),
        "inpainted_psnr": psnr(x, filled),
        "hole_mse": float(np.mean((filled[hole] - x[hole]) ** 2)),
    }
    out["psnr_gain"] = out["inpainted_psnr"] - out["masked_psnr"]
    return out
