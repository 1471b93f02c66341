"""Pictures of a latent space: a decoded grid over two latent dimensions, and
interpolations between latent points.

Functions take a `decode` callable (latents (N, latent_dim) -> images (N, 28, 28, 1) in
[0, 1]), or any object with a `.decode` method (a kerazoo autoencoder, the VAE) or a
`.generate` method (the GAN). They return
the decoded images as a numpy array and, given a `path`, also write a PNG (matplotlib,
Agg backend).

The grid follows Kingma & Welling (2014, figure 4): the two swept coordinates take the
standard normal quantiles of evenly spaced probabilities, so the grid covers the prior's
mass evenly.
"""

import numbers

import numpy as np

from kerazoo.utils.validation import check_positive_int


def _decoder(decode):
    for method in ("decode", "generate"):
        if hasattr(decode, method) and callable(getattr(decode, method)):
            return getattr(decode, method)
    if not callable(decode):
        raise TypeError(
            "`decode` must be a callable latents -> images or a model with a `decode` or "
            "`generate` method. "
            f"Received: {type(decode).__name__}"
        )
    return decode


def _images(out, n):
    images = np.asarray(out, dtype="float32")
    if images.ndim != 4 or len(images) != n:
        raise ValueError(
            f"`decode` must return images (N, height, width, channels) for N={n} latents. "
            f"Received: shape={images.shape}"
        )
    return images


def latent_grid(decode, latent_dim, path=None, n=15, dims=(0, 1), quantiles=(0.05, 0.95),
                base=None, title=None):
    """Decodes an n x n grid over two latent dimensions (a row of n over one).

    Coordinate `dims[0]` varies along the columns and `dims[1]` down the rows, over the
    standard normal quantiles of n probabilities evenly spaced in `quantiles`; every other
    coordinate is held at `base` (default: 0, the prior's mean).

    Args:
        decode: callable latents -> images, or a model with `.decode`.
        latent_dim: the size of the latent space.
        path: optional PNG file to write.
        n: points per swept dimension.
        dims: one or two distinct latent indices to sweep.
        quantiles: the range of probabilities, inside (0, 1).
        base: optional latent vector (latent_dim,) for the fixed coordinates.
        title: optional picture title.

    Returns:
        (images, z): the decoded images, row-major over the grid, (n*n, H, W, C) (or
        (n, H, W, C) for one dim), and the latents they were decoded from.
    """
    from scipy.stats import norm

    decode = _decoder(decode)
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    n = check_positive_int(n, "n")
    dims = tuple(dims)
    if not 1 <= len(dims) <= 2 or len(set(dims)) != len(dims) or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and 0 <= d < latent_dim
        for d in dims
    ):
        raise ValueError(
            f"`dims` must be one or two distinct latent indices in [0, {latent_dim - 1}]. "
            f"Received: dims={dims!r}"
        )
    lo, hi = quantiles
    if not 0 < lo < hi < 1:
        raise ValueError(f"`quantiles` must satisfy 0 < low < high < 1. Received: {quantiles!r}")
    if base is None:
        base = np.zeros(latent_dim, dtype="float32")
    base = np.asarray(base, dtype="float32")
    if base.shape != (latent_dim,):
        raise ValueError(f"`base` must have shape ({latent_dim},). Received: shape={base.shape}")
    values = norm.ppf(np.linspace(lo, hi, n)).astype("float32")
    if len(dims) == 1:
        z = np.tile(base, (n, 1))
        z[:, dims[0]] = values
        ncols = n
    else:
        rows, cols = np.meshgrid(values[::-1], values, indexing="ij")  # top row: high dims[1]
        z = np.tile(base, (n * n, 1))
        z[:, dims[0]] = cols.ravel()
        z[:, dims[1]] = rows.ravel()
        ncols = n
    images = _images(decode(z), len(z))
    if path is not None:
        _image_grid(images, path, ncols=ncols, title=title)
    return images, z


def interpolate_latents(z_start, z_end, n=10, method="linear"):
    """n points from `z_start` to `z_end` (both included), (n, latent_dim) float32.

    `"linear"`: (1 - t) z0 + t z1. `"slerp"`: spherical interpolation (Shoemake, 1985;
    White, 2016, "Sampling Generative Networks"), which keeps the norm typical of a
    Gaussian latent, sin((1-t) w)/sin(w) z0 + sin(t w)/sin(w) z1 with w the angle between
    z0 and z1 (linear when they are parallel).
    """
    z0 = np.asarray(z_start, dtype=np.float64)
    z1 = np.asarray(z_end, dtype=np.float64)
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(
            "`z_start` and `z_end` must be latent vectors of one shape (latent_dim,). "
            f"Received: shapes {z0.shape} and {z1.shape}"
        )
    n = check_positive_int(n, "n")
    if method not in ("linear", "slerp"):
        raise ValueError(f"`method` must be 'linear' or 'slerp'. Received: method={method!r}")
    t = np.linspace(0.0, 1.0, n)[:, None]
    if method == "slerp":
        norms = np.linalg.norm(z0) * np.linalg.norm(z1)
        if norms > 0:
            omega = np.arccos(np.clip(np.dot(z0, z1) / norms, -1.0, 1.0))
            if np.sin(omega) > 1e-6:
                out = (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
                return out.astype("float32")
    return ((1 - t) * z0 + t * z1).astype("float32")


def interpolation_grid(decode, pairs, n=10, path=None, method="slerp", title=None):
    """Decodes an interpolation of n steps for each pair (z_start, z_end), one row per pair.

    Returns:
        The images, (len(pairs) * n, H, W, C), row-major.
    """
    decode = _decoder(decode)
    pairs = list(pairs)
    if not pairs:
        raise ValueError("`pairs` must hold at least one (z_start, z_end) pair.")
    z = np.concatenate([interpolate_latents(a, b, n=n, method=method) for a, b in pairs])
    images = _images(decode(z), len(z))
    if path is not None:
        _image_grid(images, path, ncols=n, title=title)
    return images


def latent_walks(decode, latent_dim, directory, n_pairs=4, n=10, dims=(0, 1), grid_n=15,
                 seed=0, method="slerp"):
    """The two latent walks of a generative model with a N(0, I) prior (a GAN, a VAE).

    Writes `directory/interpolation.png`: `n_pairs` rows of `n` images decoded along the
    interpolation between two latents drawn with `seed`; and `directory/latent_grid.png`:
    the decoded grid over the latent dimensions `dims` (`latent_grid`, the others at 0).

    Returns:
        The two paths.
    """
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    z = np.random.default_rng(seed).standard_normal((2 * n_pairs, latent_dim)).astype("float32")
    interpolation = directory / "interpolation.png"
    interpolation_grid(decode, [(z[2 * i], z[2 * i + 1]) for i in range(n_pairs)], n=n,
                       path=interpolation, method=method,
                       title=f"{'Spherical' if method == 'slerp' else 'Linear'} interpolation between random latents")
    grid = directory / "latent_grid.png"
    latent_grid(decode, latent_dim, path=grid, n=grid_n, dims=dims,
                title=f"Latent dimensions {dims[0]} (across) and {dims[1]} (down)")
    return [interpolation, grid]


def _image_grid(images, path, ncols=None, title=None):
    """Writes images (N, H, W, C) in [0, 1] as one grey mosaic PNG (white lines between
    images); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype="float32")
    n, h, w = images.shape[:3]
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    mosaic = np.ones((nrows * (h + 1) + 1, ncols * (w + 1) + 1), dtype="float32")
    for i, image in enumerate(images[..., 0] if images.ndim == 4 else images):
        r, c = divmod(i, ncols)
        mosaic[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + c * (w + 1) : 1 + c * (w + 1) + w] = image
    fig = plt.figure(figsize=(ncols * 0.45 + 0.2, nrows * 0.45 + (0.5 if title else 0.2)), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1 if not title else 1 - 0.4 / (nrows * 0.45 + 0.5)])
    ax.imshow(np.clip(mosaic, 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9, y=0.995)
    fig.savefig(path)
    plt.close(fig)
    return path
