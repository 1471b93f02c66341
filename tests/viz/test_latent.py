"""Latent maps and interpolations, with a decoder whose images encode their latents."""

import matplotlib.image
import numpy as np
import pytest
from scipy.stats import norm

from kerazoo.viz import interpolate_latents, interpolation_grid, latent_grid


def decoder_of(latent_dim):
    """A decoder whose image n shows z[n] in its first row (as sigmoid), so tests can read
    back which latent each image came from."""

    def decode(z):
        z = np.asarray(z, dtype="float32")
        assert z.ndim == 2 and z.shape[1] == latent_dim
        images = np.zeros((len(z), 28, 28, 1), "float32")
        images[:, 0, :latent_dim, 0] = 1 / (1 + np.exp(-z))
        return images

    return decode


def read_latents(images, latent_dim):
    p = images[:, 0, :latent_dim, 0].astype(np.float64)
    return np.log(p / (1 - p))


def test_grid_sweeps_two_dims_at_normal_quantiles_and_holds_the_rest(tmp_path):
    path = tmp_path / "grid.png"
    images, z = latent_grid(decoder_of(5), 5, path=path, n=7, dims=(3, 1), title="map")
    assert images.shape == (49, 28, 28, 1)
    np.testing.assert_allclose(read_latents(images, 5), z, atol=1e-4)
    values = norm.ppf(np.linspace(0.05, 0.95, 7))
    grid = z.reshape(7, 7, 5)
    np.testing.assert_allclose(grid[0, :, 3], values, rtol=1e-6)  # columns: dims[0] rises
    np.testing.assert_allclose(grid[:, 0, 1], values[::-1], rtol=1e-6)  # rows: dims[1] falls
    assert np.all(grid[..., [0, 2, 4]] == 0)
    picture = matplotlib.image.imread(path)
    assert picture.ndim == 3 and picture.shape[0] > 100 and picture.shape[1] > 100


def test_grid_over_one_dim_and_around_a_base_point():
    base = np.array([0.5, -0.5, 1.0], "float32")
    images, z = latent_grid(decoder_of(3), 3, n=4, dims=(2,), base=base)
    assert images.shape == (4, 28, 28, 1)
    np.testing.assert_allclose(z[:, :2], np.tile(base[:2], (4, 1)))
    np.testing.assert_allclose(z[:, 2], norm.ppf(np.linspace(0.05, 0.95, 4)), rtol=1e-6)


def test_latent_grid_takes_a_model_with_decode():
    class Model:
        decode = staticmethod(decoder_of(2))

    images, _ = latent_grid(Model(), 2, n=3)
    assert images.shape == (9, 28, 28, 1)


def test_linear_and_spherical_interpolation():
    a, b = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    lin = interpolate_latents(a, b, n=5, method="linear")
    np.testing.assert_allclose(lin[[0, -1]], [a, b], atol=1e-6)
    np.testing.assert_allclose(lin[2], [1.5, 1.5], atol=1e-6)
    slerp = interpolate_latents(a, b, n=5, method="slerp")
    np.testing.assert_allclose(slerp[[0, -1]], [a, b], atol=1e-6)
    # Between orthogonal vectors of equal norm, slerp keeps the norm (a quarter circle).
    np.testing.assert_allclose(np.linalg.norm(slerp, axis=1), 3.0, rtol=1e-6)
    np.testing.assert_allclose(slerp[2], [3 / np.sqrt(2), 3 / np.sqrt(2)], rtol=1e-6)
    # Parallel vectors: slerp falls back to the straight line.
    np.testing.assert_allclose(interpolate_latents(a, 2 * a, n=3, method="slerp"), [a, 1.5 * a, 2 * a], rtol=1e-6)


def test_interpolation_grid_rows(tmp_path):
    pairs = [(np.zeros(4), np.ones(4)), (np.ones(4), -np.ones(4))]
    images = interpolation_grid(decoder_of(4), pairs, n=6, path=tmp_path / "i.png", method="linear")
    assert images.shape == (12, 28, 28, 1)
    z = read_latents(images, 4)
    np.testing.assert_allclose(z[:6, 0], np.linspace(0, 1, 6), atol=1e-4)
    np.testing.assert_allclose(z[6:, 0], np.linspace(1, -1, 6), atol=1e-4)
    assert (tmp_path / "i.png").stat().st_size > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dims": (0, 5)}, "dims"),
        ({"dims": (1, 1)}, "dims"),
        ({"dims": (0, 1, 2)}, "dims"),
        ({"quantiles": (0.0, 0.9)}, "quantiles"),
        ({"quantiles": (0.9, 0.1)}, "quantiles"),
        ({"n": 0}, "`n` must be a positive integer"),
        ({"base": np.zeros(4)}, "base"),
    ],
)
def test_bad_grid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        latent_grid(decoder_of(3), 3, **kwargs)


def test_bad_decoders_and_latents():
    with pytest.raises(TypeError, match="decode"):
        latent_grid("not a decoder", 2)
    with pytest.raises(ValueError, match="must return images"):
        latent_grid(lambda z: np.zeros((len(z), 784)), 2, n=2)
    with pytest.raises(ValueError, match="latent_dim"):
        latent_grid(decoder_of(2), 0)
    with pytest.raises(ValueError, match="one shape"):
        interpolate_latents(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="method"):
        interpolate_latents(np.zeros(3), np.ones(3), method="cubic")
    with pytest.raises(ValueError, match="pairs"):
        interpolation_grid(decoder_of(2), [])


def test_latent_walks_write_both_pictures_for_a_model_with_generate(tmp_path):
    class Generator:
        """A stand-in GAN: `generate` maps latents to images (the first coordinate's sigmoid)."""

        def generate(self, z):
            v = 1 / (1 + np.exp(-np.asarray(z)[:, :1]))
            return np.broadcast_to(v[:, :, None, None], (len(z), 28, 28, 1)).astype("float32")

    from kerazoo.viz import latent_walks

    paths = latent_walks(Generator(), 5, tmp_path / "walks", n_pairs=2, n=4, grid_n=3, seed=1)
    assert [p.name for p in paths] == ["interpolation.png", "latent_grid.png"]
    assert all(p.stat().st_size > 500 for p in paths)
