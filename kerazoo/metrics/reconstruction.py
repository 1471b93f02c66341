"""Reconstruction quality: mean squared error and PSNR; the encoder's Jacobian norm.

For images x and reconstructions x^ with N images of P pixels each:

- `mse(x, x^)` = (1 / NP) sum_n sum_p (x_np - x^_np)^2, the mean squared error per pixel
  (`per_image=True`: one value per image, the mean over its pixels);
- `psnr(x, x^)` = mean over images of 10 log10(MAX^2 / MSE_n), the peak signal-to-noise
  ratio in decibels (MAX = 1 for images in [0, 1]), averaged per image as
  `tf.image.psnr` and most denoising papers do; an exact reconstruction's PSNR is
  infinite, so each MSE_n is floored at `eps` (1e-10, i.e. 100 dB).
- `encoder_jacobian_norm(fn, x)`: the Frobenius norm ||d fn(x) / dx||_F of a feature
  function (an encoder), exactly, per image; its mean over a test set measures how much
  the code moves when the input moves (the contractive autoencoder lowers it).

These are functions of arrays (and of a feature function), never of model classes.
"""

import numpy as np
from keras import ops

from kerazoo.utils.backend_ops import batch_jacobian_sq_norms


def _pair(x, y, name_x="x", name_y="y"):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"`{name_x}` and `{name_y}` must have the same shape. Received: {x.shape} and {y.shape}"
        )
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"`{name_x}` must hold at least one image. Received: shape={x.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("Images must be finite: NaN or infinite values received.")
    return x.reshape(len(x), -1), y.reshape(len(y), -1)


def mse(x, x_hat, per_image=False):
    """Mean squared error per pixel: a float, or (N,) per image with `per_image=True`."""
    x, x_hat = _pair(x, x_hat, "x", "x_hat")
    per = np.mean((x - x_hat) ** 2, axis=1)
    return per if per_image else float(np.mean(per))


def psnr(x, x_hat, max_value=1.0, per_image=False, eps=1e-10):
    """Peak signal-to-noise ratio in dB, 10 log10(max_value^2 / MSE_n), averaged over images.

    Args:
        x, x_hat: arrays of the same shape (N, ...), the reference and the estimate.
        max_value: the largest possible pixel value (1.0 for images in [0, 1]).
        per_image: return the (N,) values instead of their mean.
        eps: floor of each image's MSE (an exact copy scores 10 log10(max^2 / eps)).
    """
    if not max_value > 0:
        raise ValueError(f"`max_value` must be positive. Received: max_value={max_value!r}")
    per = np.maximum(mse(x, x_hat, per_image=True), eps)
    values = 10.0 * np.log10(max_value**2 / per)
    return values if per_image else float(np.mean(values))


def encoder_jacobian_norm(fn, x, batch_size=256, per_image=False):
    """The Frobenius norm of the Jacobian of `fn` at each image, exactly: mean (or per image).

    ||J(x_n)||_F = sqrt(sum_ij (d fn(x_n)_i / d x_nj)^2), from the batch Jacobian
    (`kerazoo.utils.backend_ops.batch_jacobian_sq_norms`: one backward pass per output unit,
    vectorized), for a function whose examples are
    independent (inference mode).

    Args:
        fn: a function from an image batch tensor to codes (N, code_size), e.g.
            `model.encode_tensor` or `model.encoder`.
        x: float32 images (N, ...).
        batch_size: images per Jacobian computation.
        per_image: return the (N,) norms instead of their mean.
    """
    x = np.asarray(x, dtype=np.float32)
    norms = []
    for start in range(0, len(x), batch_size):
        sq = batch_jacobian_sq_norms(fn, ops.convert_to_tensor(x[start:start + batch_size]))
        norms.append(np.sqrt(np.asarray(ops.convert_to_numpy(sq), np.float32)))
    norms = np.concatenate(norms) if norms else np.zeros((0,), np.float32)
    return norms if per_image else float(np.mean(norms))
