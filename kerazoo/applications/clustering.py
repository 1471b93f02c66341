"""The plain clustering pipelines DEC is compared with: codes -> k-means, and N2D.

Both take codes (the output of an encoder, or raw pixels flattened) of the training
points, fit there, and optionally assign held-out points (`test`) without refitting.

- `kmeans_clusters`: scikit-learn `KMeans` on the codes.
- `n2d_clusters`: N2D (McConville et al., 2020): UMAP (umap-learn) learns a low-dimensional
  manifold of the codes (`n_components` = the number of clusters, `min_dist` = 0 so
  points of a cluster pack together, `n_neighbors` = 20), then a Gaussian mixture with
  full covariances (the most likely of `n_init` fits) clusters the manifold. Held-out points go through `UMAP.transform`.

References:
    R. McConville, R. Santos-Rodriguez, R. J. Piechocki and I. Craddock, "N2D: (Not Too)
    Deep clustering via clustering the local manifold of an autoencoded embedding",
    ICPR 2020.
"""

import numpy as np

from kerazoo.utils.validation import check_positive_int


def _check_codes(codes, name):
    arr = np.asarray(codes)
    if arr.ndim > 2:
        arr = arr.reshape(len(arr), -1)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(
            f"`{name}` must be a numeric array (N, d) of codes. Received: shape={arr.shape}, "
            f"dtype={arr.dtype}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return arr.astype("float32", copy=False)


def _check_args(train, test, n_clusters):
    n_clusters = check_positive_int(n_clusters, "n_clusters")
    if n_clusters < 2:
        raise ValueError(f"`n_clusters` must be at least 2. Received: n_clusters={n_clusters}")
    train = _check_codes(train, "train")
    if len(train) < n_clusters:
        raise ValueError(
            f"`train` needs at least n_clusters={n_clusters} points. Received: {len(train)}"
        )
    if test is not None:
        test = _check_codes(test, "test")
        if test.shape[1] != train.shape[1]:
            raise ValueError(
                f"`test` must have the codes' dimension {train.shape[1]}. "
                f"Received: shape={test.shape}"
            )
    return train, test, n_clusters


def kmeans_clusters(train, test=None, n_clusters=10, n_init=10, seed=0):
    """k-means on `train` (N, d); returns `(train_ids, test_ids or None)` (int arrays)."""
    from sklearn.cluster import KMeans

    train, test, n_clusters = _check_args(train, test, n_clusters)
    km = KMeans(n_clusters, n_init=n_init, random_state=seed).fit(train)
    return km.labels_.astype("int64"), None if test is None else km.predict(test).astype("int64")


def n2d_clusters(train, test=None, n_clusters=10, n_components=None, n_neighbors=20,
                 min_dist=0.0, n_init=1, seed=0, return_proba=False):
    """N2D: UMAP manifold of `train`, then a Gaussian mixture; returns `(train_ids, test_ids)`.

    `n_init` mixtures are fitted from different initializations and the one of highest
    likelihood is kept (scikit-learn's `GaussianMixture(n_init=...)`). With `return_proba`,
    a third item: the mixture's posterior probabilities (N, n_clusters) of the `train` points.
    """
    import umap
    from sklearn.mixture import GaussianMixture

    train, test, n_clusters = _check_args(train, test, n_clusters)
    n_init = check_positive_int(n_init, "n_init")
    n_components = n_clusters if n_components is None else check_positive_int(
        n_components, "n_components"
    )
    reducer = umap.UMAP(
        n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist,
        metric="euclidean", random_state=seed,
    )
    manifold = reducer.fit_transform(train)
    gmm = GaussianMixture(n_clusters, covariance_type="full", n_init=n_init,
                          random_state=seed).fit(manifold)
    train_ids = gmm.predict(manifold).astype("int64")
    test_ids = None if test is None else gmm.predict(reducer.transform(test)).astype("int64")
    if return_proba:
        return train_ids, test_ids, gmm.predict_proba(manifold).astype("float32")
    return train_ids, test_ids
