"""Pictures of reconstructions: rows of images (originals, corrupted, restored, PCA, ...).

Drawn with matplotlib's Agg backend (no display needed); every function writes a PNG and
returns its path.
"""

from pathlib import Path

import numpy as np


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
    plt = _figure_module()
    left = 1.3 if labels else 0.1
    fig, axes = plt.subplots(
        len(arrays), n, figsize=(left + cell * n, cell * len(arrays) + (0.4 if title else 0.1)),
        squeeze=False,
    )
    for i, images in enumerate(arrays):
        for j in range(n):
            ax = axes[i][j]
            img = images[j]
            if img.ndim == 3 and img.shape[-1] == 1:
                img = img[..., 0]
            ax.imshow(np.clip(img, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        if labels:
            axes[i][0].set_ylabel(labels[i], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=left / (left + cell * n), right=0.99, wspace=0.05, hspace=0.05,
                        top=0.9 if title else 0.99, bottom=0.01)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
