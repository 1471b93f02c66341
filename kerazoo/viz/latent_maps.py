"""Maps of a 2-D code space: the test images' codes by class, and decoded images on a grid."""

from pathlib import Path

import numpy as np

from kerazoo.viz.reconstructions import _figure_module


def latent_scatter(codes, labels, path, class_names=None, title=None, max_points=10000, seed=0):
    """Scatter plot of 2-D codes coloured by class.

    Args:
        codes: (N, 2) codes.
        labels: (N,) integer class ids.
        path: the PNG to write.
        class_names: optional names indexed by class id (the legend).
        max_points: at most this many points are drawn (a seeded random subset).
    Returns:
        The path written.
    """
    codes = np.asarray(codes, np.float32)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"`codes` must have shape (N, 2) for a map. Received: shape={codes.shape}")
    if len(labels) != len(codes):
        raise ValueError(f"`labels` must have one id per code. Received: {len(labels)} for {len(codes)}")
    if len(codes) > max_points:
        keep = np.random.default_rng(seed).choice(len(codes), max_points, replace=False)
        codes, labels = codes[keep], labels[keep]
    plt = _figure_module()
    fig, ax = plt.subplots(figsize=(7, 6))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(labels):
        sel = labels == c
        name = class_names[int(c)] if class_names is not None else str(c)
        ax.scatter(codes[sel, 0], codes[sel, 1], s=2, alpha=0.6, color=cmap(int(c) % 10), label=name)
    ax.legend(markerscale=5, fontsize=8, loc="best")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def latent_manifold(decode, codes, path, n=15, quantiles=(0.02, 0.98), title=None):
    """Decoded images on an n x n grid spanning the 2-D code space (between two quantiles).

    Args:
        decode: a function from codes (M, 2) to images (M, H, W, C).
        codes: (N, 2) codes whose quantiles set the grid's extent (e.g. the test codes).
        path: the PNG to write.
        n: the grid's side.
    Returns:
        The path written.
    """
    codes = np.asarray(codes, np.float32)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"`codes` must have shape (N, 2) for a map. Received: shape={codes.shape}")
    lo = np.quantile(codes, quantiles[0], axis=0)
    hi = np.quantile(codes, quantiles[1], axis=0)
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(hi[1], lo[1], n)  # top row: largest code 2
    grid = np.array([[x, y] for y in ys for x in xs], dtype=np.float32)
    images = np.asarray(decode(grid), np.float32)
    h, w = images.shape[1:3]
    canvas = images[..., 0].reshape(n, n, h, w).transpose(0, 2, 1, 3).reshape(n * h, n * w)
    plt = _figure_module()
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
