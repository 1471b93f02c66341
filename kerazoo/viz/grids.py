"""Image grids as PNG files: samples, reconstructions, RBM filters and sprites.

The grid functions draw with matplotlib's non-interactive Agg backend (no display
needed) and write the file atomically, so a crash never leaves half a PNG.
"""

import io
import math
from pathlib import Path

import numpy as np

from kerazoo.utils import atomic_write_bytes, check_images


_TITLE_INCHES = 0.3


def _figure(n_rows, n_cols, tile_inches, title):
    """A figure whose axes (the grid) fill it exactly, with a band on top for the title."""
    from matplotlib.figure import Figure  # Agg canvas, no pyplot state

    grid_height = n_rows * tile_inches
    height = grid_height + (_TITLE_INCHES if title else 0.0)
    fig = Figure(figsize=(n_cols * tile_inches, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, grid_height / height))
    ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=8, y=1.0 - 0.1 * _TITLE_INCHES / height)
    return fig, ax


def _write_png(fig, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _tile(tiles, ncols, pad=1, fill=1.0):
    """(N, h, w) tiles -> one (rows*(h+pad)-pad, cols*(w+pad)-pad) mosaic."""
    n, h, w = tiles.shape
    nrows = math.ceil(n / ncols)
    mosaic = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), fill, np.float32)
    for k in range(n):
        r, c = divmod(k, ncols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = tiles[k]
    return mosaic


def _check_ncols(ncols, n):
    if ncols is None:
        return max(1, math.ceil(math.sqrt(n)))
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive int or None. Received: ncols={ncols!r}")
    return min(ncols, n)


def image_grid(images, path, ncols=None, title=None, tile_inches=0.5):
    """Writes images `(N, 28, 28, 1)` in [0, 1] as a grid PNG (1 = white).

    Args:
        images: float images, shape (N, 28, 28, 1), values in [0, 1] (checked).
        path: where to write the PNG (parent folders are created).
        ncols: columns of the grid; by default about sqrt(N).
        title: optional title above the grid.
        tile_inches: size of one image in the figure, in inches (at 100 dpi).

    Returns:
        The `Path` written.
    """
    images = check_images(images, "images")
    if not len(images):
        raise ValueError("image_grid() needs at least one image. Received: 0 images.")
    ncols = _check_ncols(ncols, len(images))
    mosaic = _tile(images.reshape(images.shape[:3]), ncols, fill=0.5)
    nrows = math.ceil(len(images) / ncols)
    fig, ax = _figure(nrows, ncols, tile_inches, title)
    ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest", aspect="auto")
    return _write_png(fig, path)


def filter_grid(kernel, path, image_shape=(28, 28), n_filters=100, ncols=None, title=None,
                tile_inches=0.5):
    """Writes the receptive fields of an RBM (columns of `kernel`) as a grid PNG.

    Each filter `W[:, j]` is reshaped to `image_shape` and scaled on its own to its
    largest absolute weight (gray = 0, white = positive, black = negative).

    Args:
        kernel: array (n_visible, n_hidden), e.g. `rbm.kernel`; n_visible must equal
            the product of `image_shape`.
        path: where to write the PNG.
        image_shape: (height, width) of one filter.
        n_filters: how many filters to draw (the first ones).
        ncols, title, tile_inches: as in `image_grid`.

    Returns:
        The `Path` written.
    """
    if hasattr(kernel, "numpy") and not isinstance(kernel, np.ndarray):
        kernel = kernel.numpy()
    kernel = np.asarray(kernel, dtype=np.float64)
    image_shape = tuple(image_shape)
    if kernel.ndim != 2 or kernel.shape[0] != int(np.prod(image_shape)):
        raise ValueError(
            f"`kernel` must have shape ({int(np.prod(image_shape))}, n_hidden) for filters of "
            f"shape {image_shape}. Received: shape={kernel.shape}"
        )
    if not np.all(np.isfinite(kernel)):
        raise ValueError("`kernel` contains NaN or infinite values.")
    if isinstance(n_filters, bool) or not isinstance(n_filters, int) or n_filters < 1:
        raise ValueError(f"`n_filters` must be a positive int. Received: n_filters={n_filters!r}")
    filters = kernel[:, :n_filters].T.reshape((-1,) + image_shape[:2])
    scale = np.abs(filters).reshape(len(filters), -1).max(axis=1)
    scale[scale == 0] = 1.0
    tiles = (0.5 + 0.5 * filters / scale[:, None, None]).astype(np.float32)
    ncols = _check_ncols(ncols, len(tiles))
    mosaic = _tile(tiles, ncols, fill=0.5)
    nrows = math.ceil(len(tiles) / ncols)
    fig, ax = _figure(nrows, ncols, tile_inches, title)
    ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest", aspect="auto")
    return _write_png(fig, path)


def image_sprite(images, path, ncols):
    """Writes images `(N, H, W, 1)` in [0, 1] as one pixel-exact PNG mosaic (a web sprite).

    Image k fills pixels `[r*H:(r+1)*H, c*W:(c+1)*W]` with `(r, c) = divmod(k, ncols)`:
    no gaps, no scaling, grey levels rounded to 8 bits (error <= 0.5 / 255), so a page can show image k with
    CSS `background-position` alone (see `kerazoo.viz.latent_hover_grid`).

    Returns:
        The `Path` written.
    """
    from PIL import Image  # Pillow, a dependency of matplotlib

    images = check_images(images, "images", np.shape(images)[1:])
    if images.ndim != 4 or images.shape[-1] != 1 or not len(images):
        raise ValueError(
            f"`images` must be grey images (N, H, W, 1), N >= 1. Received: shape={images.shape}"
        )
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive int. Received: ncols={ncols!r}")
    mosaic = _tile(images[..., 0], ncols, pad=0, fill=1.0)
    buffer = io.BytesIO()
    Image.fromarray(np.round(mosaic * 255).astype(np.uint8), mode="L").save(buffer, format="PNG")
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
