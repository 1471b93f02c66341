"""The pieces of the latent explorer: sprites, the decoded hover grid, the principal plane,
and maps with thumbnails."""

import matplotlib.image
import numpy as np
import pytest

from kerazoo.viz import (
    image_sprite,
    latent_grid_points,
    latent_hover_grid,
    latent_scatter,
    principal_plane,
)


def test_image_sprite_is_pixel_exact(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(7, 28, 28, 1)).astype("float32")  # U(0, 1) pixels
    path = image_sprite(images, tmp_path / "s.png", ncols=3)
    sprite = matplotlib.image.imread(path)
    assert sprite.shape == (3 * 28, 3 * 28)  # one grey channel
    for k in range(7):
        r, c = divmod(k, 3)
        tile = sprite[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28]
        np.testing.assert_allclose(tile, images[k, ..., 0], atol=0.5 / 255 + 1e-6)
    assert np.all(sprite[2 * 28:, 28:] == 1.0)  # the two unused tiles are white
    with pytest.raises(ValueError, match="values in"):
        image_sprite(images * 255, tmp_path / "t.png", ncols=3)


def test_hover_grid_decodes_the_cell_centres_of_a_plane(tmp_path):
    # Decoder: image pixel (0, j) shows the latent's coordinate j as (z + 5) / 10.
    def decode(z):
        images = np.zeros((len(z), 28, 28, 1), "float32")
        images[:, 0, : z.shape[1], 0] = (z + 5) / 10
        return images

    origin = np.array([1.0, -1.0, 0.5], "float32")
    basis = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], "float32")
    info = latent_hover_grid(decode, (-2, 2, -1, 3), tmp_path / "g.png", n=4, origin=origin,
                             basis=basis)
    assert info["n"] == 4 and info["tile"] == [28, 28] and info["sprite"] == "g.png"
    points = latent_grid_points((-2, 2, -1, 3), 4)
    np.testing.assert_allclose(points[:4, 0], [-1.5, -0.5, 0.5, 1.5])  # columns: x rises
    np.testing.assert_allclose(points[::4, 1], [2.5, 1.5, 0.5, -0.5])  # rows: y falls
    sprite = matplotlib.image.imread(tmp_path / "g.png")
    read = sprite.reshape(4, 28, 4, 28)[:, 0, :, :3].reshape(16, 3) * 10 - 5
    np.testing.assert_allclose(read, origin + points @ basis, atol=5 / 255 + 1e-5)
    with pytest.raises(ValueError, match="limits"):
        latent_hover_grid(decode, (1, 0, 0, 1), tmp_path / "h.png")
    with pytest.raises(ValueError, match="basis"):
        latent_hover_grid(decode, (0, 1, 0, 1), tmp_path / "h.png", basis=np.ones((3, 3)))


def test_principal_plane_finds_the_directions_of_largest_variance():
    rng = np.random.default_rng(1)
    # Codes in 5-D: std 5 along e2, 2 along e4, 0.1 elsewhere, around a mean of 3.
    codes = rng.normal(size=(4000, 5)) * np.array([0.1, 0.1, 5.0, 0.1, 2.0]) + 3.0
    coords, origin, basis, explained = principal_plane(codes)
    np.testing.assert_allclose(origin, 3.0, atol=0.2)
    np.testing.assert_allclose(np.abs(basis), np.eye(5)[[2, 4]], atol=0.02)
    assert explained[0] == pytest.approx(25 / 29.04, abs=0.02)
    np.testing.assert_allclose(origin + coords @ basis, np.where(np.abs(basis).sum(0) > 0.5,
                               codes, origin), atol=0.1)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        principal_plane(codes[:, :1])


def test_bare_map_with_thumbnails_fills_the_picture(tmp_path):
    rng = np.random.default_rng(2)
    codes = rng.normal(size=(300, 2)).astype("float32")
    labels = rng.integers(0, 3, 300)
    thumbs = rng.uniform(size=(300, 28, 28, 1)).astype("float32")
    path = latent_scatter(codes, labels, tmp_path / "m.png", thumbnails=thumbs, n_thumbnails=20,
                          limits=(-3, 3, -3, 3), bare=True)
    picture = matplotlib.image.imread(path)
    assert picture.shape[:2] == (600, 600)
    plain = matplotlib.image.imread(latent_scatter(codes, labels, tmp_path / "p.png",
                                                   limits=(-3, 3, -3, 3), bare=True))
    assert np.abs(picture - plain).mean() > 0.01  # the thumbnails are drawn
    with pytest.raises(ValueError, match="needs its `limits`"):
        latent_scatter(codes, labels, tmp_path / "q.png", bare=True)
    with pytest.raises(ValueError, match="one image per code"):
        latent_scatter(codes, labels, tmp_path / "q.png", thumbnails=thumbs[:5])
