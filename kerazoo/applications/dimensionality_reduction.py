"""Dimensionality reduction with an autoencoder's `encode`, side by side with PCA.

An autoencoder with a k-dimensional code and PCA with k components both map an image to
k numbers and back. `compare_with_pca` measures both on the same test images:

- `test_mse`, `test_psnr`: the reconstruction error per pixel and the PSNR (dB);
- `knn_accuracy` (with labels): the accuracy of a 5-nearest-neighbour classifier on the
  k-dimensional codes (fitted on the training codes), a measure of how much class
  structure the reduction keeps without training anything on the labels but the kNN.

PCA is scikit-learn's `PCA` (randomized SVD, seeded), fitted on the training images;
its reconstructions are not clipped to [0, 1] (the usual PCA number; clipping would
lower its error slightly).
"""

import numpy as np

from kerazoo.metrics.reconstruction import mse, psnr
from kerazoo.utils.validation import check_images, check_positive_int


def fit_pca(x_train, n_components, seed=0):
    """scikit-learn `PCA(n_components)` fitted on flattened images (randomized SVD, seeded)."""
    from sklearn.decomposition import PCA

    x_train = check_images(x_train, "x_train", np.shape(x_train)[1:])
    n_components = check_positive_int(n_components, "n_components")
    flat = x_train.reshape(len(x_train), -1)
    if n_components > min(flat.shape):
        raise ValueError(
            f"`n_components` must be at most min(N, pixels) = {min(flat.shape)}. "
            f"Received: n_components={n_components}"
        )
    return PCA(n_components, svd_solver="randomized", random_state=seed).fit(flat)


def pca_encode(pca, x):
    """PCA codes (N, k) of images x."""
    return pca.transform(np.asarray(x, np.float32).reshape(len(x), -1)).astype(np.float32)


def pca_reconstruct(pca, x, clip=False):
    """PCA reconstructions of images x, in x's shape (unclipped unless `clip`)."""
    x = np.asarray(x, np.float32)
    out = pca.inverse_transform(pca.transform(x.reshape(len(x), -1))).reshape(x.shape)
    return np.clip(out, 0.0, 1.0).astype(np.float32) if clip else out.astype(np.float32)


def knn_accuracy(codes_train, y_train, codes_test, y_test, k=5):
    """Accuracy of a k-nearest-neighbour classifier (Euclidean) fitted on the training codes."""
    from sklearn.neighbors import KNeighborsClassifier

    clf = KNeighborsClassifier(n_neighbors=k).fit(codes_train, y_train)
    return float(np.mean(clf.predict(codes_test) == np.asarray(y_test)))


def reduction_metrics(encode, reconstruct, x_train, x_test, y_train=None, y_test=None):
    """`test_mse`, `test_psnr` and (with labels) `knn_accuracy` of one reduction.

    Args:
        encode, reconstruct: functions of an image array (codes (N, k); images).
    """
    x_hat = reconstruct(x_test)
    out = {"test_mse": mse(x_test, x_hat), "test_psnr": psnr(x_test, x_hat)}
    if y_train is not None and y_test is not None:
        out["knn_accuracy"] = knn_accuracy(encode(x_train), y_train, encode(x_test), y_test)
    return out


def compare_with_pca(model, x_train, x_test, y_train=None, y_test=None, n_components=None,
                     pca=None, seed=0):
    """The autoencoder's reduction next to PCA's at the same dimension.

    Args:
        model: an autoencoder (`encode`, `reconstruct`, `code_size`).
        x_train: images PCA is fitted on (and the kNN's training codes).
        x_test: images both are measured on.
        y_train, y_test: optional labels, for the kNN accuracy of the codes.
        n_components: PCA's dimension (default: the model's `code_size`).
        pca: an already fitted PCA (skips the fit).
    Returns:
        `{"model": {...}, "pca": {...}, "ratio": model test_mse / PCA test_mse}`.
    """
    k = n_components or model.code_size
    pca = pca if pca is not None else fit_pca(x_train, k, seed=seed)
    ours = reduction_metrics(model.encode, model.reconstruct, x_train, x_test, y_train, y_test)
    theirs = reduction_metrics(
        lambda x: pca_encode(pca, x), lambda x: pca_reconstruct(pca, x), x_train, x_test, y_train, y_test
    )
    return {"model": ours, "pca": theirs, "ratio": ours["test_mse"] / theirs["test_mse"]}
