"""Synthetic images with a known clustering, for the clustering tests (imported by name:
the `conftest` modules of several folders cannot be told apart when they run in one session)."""

import numpy as np


def blob_images(n_per=100, k=4, seed=0, scale=0.05):
    """k Gaussian blobs in (4, 4, 1) images: centres uniform in [0.2, 0.8], sd `scale`."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.2, 0.8, size=(k, 16))
    y = np.repeat(np.arange(k), n_per)
    x = np.clip(centres[y] + scale * rng.standard_normal((len(y), 16)), 0, 1)
    return x.reshape(-1, 4, 4, 1).astype("float32"), y
