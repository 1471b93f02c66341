"""Pictures of reconstructions: rows of images (originals, corrupted, restored, PCA, ...).

Drawn with matplotlib's Agg backend (no display needed); every function writes a PNG and
returns its path.
"""

from pathlib import Path

import numpy as np

from kerazoo.viz.grids import _tile


def _figure_module():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def reconstruction_grid(rows, path, labels=None, n=10, title=None, cell=0.9, dpi=100):
    """Writes a grid with one row per image set: e.g. originals, then their reconstructions.

    Args:
        rows: a list of image arrays, each (N, H, W, C) or (N, H, W) in [0, 1], shown in
            the order given; the first `n` images of each are drawn, column j of every row
            being image j (so a column compares an original with its reconstructions).
        path: the PNG to write.
        labels: optional row labels (e.g. ["original", "autoencoder", "PCA-30"]).
        n: the number of columns (images per row).
        title: an optional title.
    Returns:
        The path written (a `Path`).
    """
    if not rows:
        raise ValueError("`rows` must hold at least one array of images. Received: []")
    arrays = [np.asarray(r, dtype=np.float32) for r in rows]
    if labels is not None and len(labels) != len(arrays):
        raise ValueError(
            f"`labels` must name each row: {len(arrays)} rows. Received: {len(labels)} labels"
        )
    n = min([n] + [len(a) for a in arrays])
    if n < 1:
        raise ValueError("Each row must hold at least one image.")
    tiles = [np.clip(a[:n, ..., 0] if a.ndim == 4 and a.shape[-1] == 1 else a[:n], 0.0, 1.0)
             for a in arrays]
    shapes = {t.shape[1:] for t in tiles}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(
            "Every row must hold grey images of one shape, (N, H, W, 1) or (N, H, W). "
            f"Received: shapes {[a.shape for a in arrays]}"
        )
    h = next(iter(shapes))[0]
    # One mosaic in one axes (an axes per image is slow), white lines between images.
    gap = max(1, round(h * 0.05 / 0.9))
    mosaic = _tile(np.concatenate(tiles), n, pad=gap, fill=1.0)
    plt = _figure_module()
    left = 1.3 if labels else 0.1
    top = 0.4 if title else 0.1
    width, height = left + cell * n, cell * len(arrays) + top
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((left / width, 0.05 / height, cell * n / width - 0.05 / width,
                       (height - top - 0.05) / height))
    ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest", aspect="auto")
    ax.set_axis_off()
    for i, label in enumerate(labels or []):
        ax.text(-gap * 2, i * (h + gap) + h / 2, label, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.1 / height, va="top")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
