"""Maps of a 2-D code space: the test images' codes by class (with thumbnails), decoded
images on a grid, the principal plane of a larger code space, and the precomputed decoded
grid behind a page's pointer-over latent explorer."""

from pathlib import Path

import numpy as np

from kerazoo.utils.validation import check_positive_int
from kerazoo.viz.reconstructions import _figure_module


def _check_codes(codes):
    codes = np.asarray(codes, np.float32)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"`codes` must have shape (N, 2) for a map. Received: shape={codes.shape}")
    return codes


def _check_limits(limits):
    limits = tuple(float(v) for v in limits)
    if len(limits) != 4 or not (limits[0] < limits[1] and limits[2] < limits[3]):
        raise ValueError(
            "`limits` must be (x_min, x_max, y_min, y_max) with min < max. "
            f"Received: limits={limits!r}"
        )
    return limits


def latent_scatter(codes, labels, path, class_names=None, title=None, max_points=10000, seed=0,
                   thumbnails=None, n_thumbnails=60, limits=None, bare=False, axis_labels=None):
    """Scatter plot of 2-D codes coloured by class, optionally with image thumbnails.

    Args:
        codes: (N, 2) codes.
        labels: (N,) integer class ids.
        path: the PNG to write.
        class_names: optional names indexed by class id (the legend).
        max_points: at most this many points are drawn (a seeded random subset).
        thumbnails: optional images (N, H, W, 1) in [0, 1], one per code: `n_thumbnails`
            of them (a seeded random subset) are drawn at their codes.
        limits: optional (x_min, x_max, y_min, y_max) of the axes.
        bare: the axes fill the whole square picture (no ticks, labels or title), so a
            pixel's position in the PNG maps linearly to `limits`: the map of a latent
            explorer (`latent_hover_grid`).
        axis_labels: the two axis labels (default "code 1", "code 2").
    Returns:
        The path written.
    """
    codes = _check_codes(codes)
    labels = np.asarray(labels)
    if len(labels) != len(codes):
        raise ValueError(f"`labels` must have one id per code. Received: {len(labels)} for {len(codes)}")
    if thumbnails is not None:
        thumbnails = np.asarray(thumbnails, np.float32)
        if len(thumbnails) != len(codes):
            raise ValueError(
                f"`thumbnails` must hold one image per code. Received: {len(thumbnails)} for "
                f"{len(codes)} codes"
            )
    if bare and limits is None:
        raise ValueError("A bare map needs its `limits`, to map pixels to codes.")
    rng = np.random.default_rng(seed)
    drawn = np.arange(len(codes))
    if len(codes) > max_points:
        drawn = rng.choice(len(codes), max_points, replace=False)
    plt = _figure_module()
    if bare:
        fig = plt.figure(figsize=(6, 6))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        fig, ax = plt.subplots(figsize=(7, 6))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(labels[drawn]):
        sel = drawn[labels[drawn] == c]
        name = class_names[int(c)] if class_names is not None else str(c)
        ax.scatter(codes[sel, 0], codes[sel, 1], s=2, alpha=0.6, color=cmap(int(c) % 10), label=name)
    if limits is not None:
        limits = _check_limits(limits)
        ax.set_xlim(*limits[:2])
        ax.set_ylim(*limits[2:])
    if thumbnails is not None:
        _draw_thumbnails(ax, codes, labels, thumbnails, n_thumbnails, rng, cmap)
    ax.legend(markerscale=5, fontsize=8, loc="best")
    if not bare:
        first, second = axis_labels or ("code 1", "code 2")
        ax.set_xlabel(first)
        ax.set_ylabel(second)
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
    codes = _check_codes(codes)
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


def _draw_thumbnails(ax, codes, labels, thumbnails, n, rng, cmap):
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    inside = np.flatnonzero(
        (codes[:, 0] > x0) & (codes[:, 0] < x1) & (codes[:, 1] > y0) & (codes[:, 1] < y1)
    )
    for k in rng.permutation(inside)[:n]:
        image = OffsetImage(thumbnails[k, ..., 0], cmap="gray", norm=Normalize(0, 1), zoom=0.7)
        box = AnnotationBbox(image, codes[k], frameon=True, pad=0.05,
                             bboxprops={"edgecolor": cmap(int(labels[k]) % 10), "linewidth": 1})
        ax.add_artist(box)


def principal_plane(codes):
    """The plane through the codes' mean spanned by their first two principal directions.

    Returns:
        (coords, origin, basis, explained): coords (N, 2), the codes' coordinates in the
        plane (PCA, scikit-learn); origin (D,) the mean code; basis (2, D) the two unit
        directions, so that `origin + coords @ basis` is the codes' projection onto the
        plane; explained (2,) the fractions of the codes' variance along each direction.
    """
    from sklearn.decomposition import PCA

    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or codes.shape[1] < 2 or len(codes) < 2:
        raise ValueError(
            "`codes` must have shape (N, D) with N >= 2 and D >= 2. "
            f"Received: shape={codes.shape}"
        )
    pca = PCA(n_components=2, random_state=0).fit(codes)
    return (pca.transform(codes).astype(np.float32), pca.mean_.astype(np.float32),
            pca.components_.astype(np.float32), pca.explained_variance_ratio_)


def latent_hover_grid(decode, limits, path, n=24, origin=None, basis=None):
    """Decodes an n x n grid over a 2-D map and writes it as one sprite PNG.

    The map spans `limits` = (x_min, x_max, y_min, y_max); cell (r, c) (row r from the
    top, column c from the left) is decoded at its centre, map point
    p = (x_min + (c + 0.5) dx, y_max - (r + 0.5) dy), lifted to the latent space as
    `origin + p @ basis` (the map is the latent space itself when `basis` is None). A
    page shows the tile of the cell under the pointer (Duhaime, "Visualizing latent
    spaces"); the sprite's tile k = r * n + c is image k of `kerazoo.viz.image_sprite`.

    Args:
        decode: callable latents -> images (N, H, W, 1) in [0, 1], or a model with `decode`.
        limits: (x_min, x_max, y_min, y_max) of the map.
        path: the sprite PNG to write.
        n: cells per side.
        origin, basis: (D,) and (2, D) for a map that is a plane of a D-dim latent space
            (e.g. from `principal_plane`).
    Returns:
        A JSON-ready dict: n, limits, tile (H, W), origin and basis (lists, or None), and
        the sprite's file name.
    """
    from kerazoo.viz.grids import image_sprite
    from kerazoo.viz.latent import _decoder, _images

    decode = _decoder(decode)
    n = check_positive_int(n, "n")
    x0, x1, y0, y1 = _check_limits(limits)
    plane = latent_grid_points(limits, n)
    if basis is None:
        latents = plane
    else:
        basis = np.asarray(basis, np.float32)
        origin = np.zeros(basis.shape[-1], np.float32) if origin is None else np.asarray(origin, np.float32)
        if basis.ndim != 2 or basis.shape[0] != 2 or origin.shape != (basis.shape[1],):
            raise ValueError(
                "`basis` must have shape (2, D) and `origin` shape (D,). Received: "
                f"basis {basis.shape}, origin {origin.shape}"
            )
        latents = origin + plane @ basis
    images = _images(decode(latents), len(latents))
    path = image_sprite(images, path, ncols=n)
    return {
        "n": n,
        "limits": [x0, x1, y0, y1],
        "tile": [int(images.shape[1]), int(images.shape[2])],
        "origin": None if basis is None else origin.tolist(),
        "basis": None if basis is None else basis.tolist(),
        "sprite": Path(path).name,
    }


def latent_grid_points(limits, n):
    """The (n*n, 2) cell centres of `latent_hover_grid`, row-major from the top left."""
    x0, x1, y0, y1 = _check_limits(limits)
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    cols, rows = np.meshgrid(xs, ys)
    return np.stack([cols.ravel(), rows.ravel()], axis=1).astype(np.float32)
