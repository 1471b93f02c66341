"""The plain pipelines: codes -> k-means, and N2D (UMAP -> Gaussian mixture)."""

import numpy as np
import pytest

from kerazoo.metrics import clustering_accuracy
from kerazoo.applications import kmeans_clusters, n2d_clusters


def blobs(n_per, k=3, d=5, seed=0, scale=0.3):
    rng = np.random.default_rng(seed)
    centres = 4.0 * rng.standard_normal((k, d))
    y = np.repeat(np.arange(k), n_per)
    return centres[y] + scale * rng.standard_normal((len(y), d)), y


def test_kmeans_recovers_separated_blobs_and_assigns_held_out_points():
    x, y = blobs(100, seed=0)
    xt, yt = blobs(30, seed=0)[0] + 0.0, blobs(30, seed=0)[1]
    train_ids, test_ids = kmeans_clusters(x, xt, n_clusters=3, seed=0)
    assert clustering_accuracy(y, train_ids) == 1.0
    assert clustering_accuracy(yt, test_ids) == 1.0


@pytest.mark.slow
def test_n2d_recovers_blobs():
    x, y = blobs(150, k=4, d=8, seed=2)
    train_ids, test_ids = n2d_clusters(x, x[:40], n_clusters=4, n_neighbors=15, seed=0)
    assert clustering_accuracy(y, train_ids) == 1.0
    assert clustering_accuracy(y[:40], test_ids) == 1.0


def test_bad_input():
    x, _ = blobs(5)
    with pytest.raises(ValueError, match="n_clusters=1"):
        kmeans_clusters(x, n_clusters=1)
    with pytest.raises(ValueError, match=r"dimension 5. Received: shape=\(4, 3\)"):
        kmeans_clusters(x, np.zeros((4, 3)), n_clusters=2)
    with pytest.raises(ValueError, match="at least n_clusters=20"):
        n2d_clusters(x, n_clusters=20)
    with pytest.raises(ValueError, match="n_init"):
        n2d_clusters(x, n_clusters=2, n_init=0)
