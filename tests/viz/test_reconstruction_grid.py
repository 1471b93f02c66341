"""reconstruction_grid: one row per image set, column j = image j of every row."""

import matplotlib.image
import numpy as np
import pytest

from kerazoo.viz import reconstruction_grid


def test_each_tile_shows_its_image_at_its_row_and_column(tmp_path):
    n_rows, n = 3, 4
    values = np.linspace(0.1, 0.9, n_rows * n).reshape(n_rows, n)  # one grey level per tile
    rows = [np.full((6, 28, 28, 1), 0.0, "float32") for _ in range(n_rows)]
    for i in range(n_rows):
        rows[i][:n] = values[i, :, None, None, None]
    rows[1] = rows[1][..., 0]  # (N, H, W) rows are accepted too
    path = reconstruction_grid(rows, tmp_path / "r.png", labels=["a", "b", "c"], n=n,
                               title="t", cell=0.9, dpi=100)
    picture = matplotlib.image.imread(path)[..., 0]
    left, top, cell = 1.3, 0.4, 0.9
    assert picture.shape == (round((cell * n_rows + top) * 100), round((left + cell * n) * 100))
    # Tile centres: the axes span [left, left + cell * n - 0.05] inches across and
    # [top, height - 0.05] down; the mosaic has white lines of 2 image pixels between tiles.
    gap = 2
    width, height = (n * (28 + gap) - gap), (n_rows * (28 + gap) - gap)
    for i in range(n_rows):
        for j in range(n):
            fx = (j * (28 + gap) + 14) / width
            fy = (i * (28 + gap) + 14) / height
            px = round((left + fx * (cell * n - 0.05)) * 100)
            py = round((top + fy * (cell * n_rows - 0.05)) * 100)
            assert picture[py, px] == pytest.approx(values[i, j], abs=0.01), (i, j)


def test_bad_rows_are_errors(tmp_path):
    with pytest.raises(ValueError, match="at least one array"):
        reconstruction_grid([], tmp_path / "r.png")
    with pytest.raises(ValueError, match="name each row"):
        reconstruction_grid([np.zeros((2, 28, 28, 1))], tmp_path / "r.png", labels=["a", "b"])
    with pytest.raises(ValueError, match="one shape"):
        reconstruction_grid([np.zeros((2, 28, 28, 1)), np.zeros((2, 14, 14, 1))],
                            tmp_path / "r.png")
