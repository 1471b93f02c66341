"""Sample quality of generative models: the Fréchet distance and class coverage.

Both are functions of arrays and callables, never of model classes: `features` maps images
to feature vectors (for kerazoo, the penultimate layer of `classifier.fashion_mnist`,
`kerazoo.load("classifier.fashion_mnist").features`), `classify` maps images to class ids.

The Fréchet distance (Dowson & Landau, 1982; Heusel et al., 2017, "FID" in Inception
features) between Gaussians fitted to two sets of feature vectors is

    FD = ||mu_1 - mu_2||^2 + tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)),

computed here in float64 with symmetric eigendecompositions:
tr (S_1 S_2)^(1/2) = sum_i sqrt(lambda_i) over the eigenvalues lambda_i of the symmetric
PSD matrix S_1^(1/2) S_2 S_1^(1/2) (which has the eigenvalues of S_1 S_2), so no complex
parts or `scipy.linalg.sqrtm` round-off arise. The estimate is biased upwards by a term
that shrinks with the sample size (Chong & Forsyth, 2020): only distances from the same
number of samples compare, so unequal sizes are an error (kerazoo always uses 10,000
samples against the 10,000 Fashion-MNIST test images).
"""

import numpy as np

from kerazoo.metrics._checks import check_finite, to_numpy


def _features(images, features, name):
    if features is None:
        out = images
    else:
        if not callable(features):
            raise TypeError(
                f"`features` must be a callable images -> (N, d) feature vectors, or None for "
                f"arrays that already are features. Received: {type(features).__name__}"
            )
        out = features(images)
    arr = to_numpy(out, f"features({name})" if features is not None else name).astype(np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"The features of `{name}` must be a 2-D array (N, d). Received: shape={arr.shape}"
        )
    check_finite(arr, f"features({name})")
    return arr


def gaussian_statistics(feats):
    """(mean, covariance) of feature vectors (N, d), float64 (covariance with N - 1)."""
    feats = np.asarray(feats, dtype=np.float64)
    return feats.mean(axis=0), np.cov(feats, rowvar=False, ddof=1).reshape(feats.shape[1], feats.shape[1])


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2):
    """The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (see the module)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(
            "The two Gaussians must have one dimension d: means (d,) and covariances (d, d). "
            f"Received: means {mu1.shape} and {mu2.shape}, covariances {sigma1.shape} and {sigma2.shape}"
        )
    w1, v1 = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    sqrt1 = (v1 * np.sqrt(np.clip(w1, 0, None))) @ v1.T
    middle = sqrt1 @ sigma2 @ sqrt1
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = float(np.sum(np.sqrt(np.clip(eig, 0, None))))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)


def frechet_distance(samples, reference, features=None):
    """The Fréchet distance between the feature distributions of two image sets.

    Args:
        samples: generated images (N, ...) (anything `features` takes).
        reference: reference images (N, ...), e.g. the 10,000 test images; the same N.
        features: callable images -> feature vectors (N, d), applied to both sets; None
            when `samples` and `reference` already are feature vectors (N, d).

    Returns:
        The distance, a float >= 0 (0 for identical sets).

    Raises:
        ValueError: sets of different sizes (the estimate's bias depends on N), fewer than
            two vectors, features of different dimensions, or non-finite features.
    """
    a = _features(samples, features, "samples")
    b = _features(reference, features, "reference")
    if len(a) != len(b):
        raise ValueError(
            "The Fréchet distance is biased by the number of samples; compare sets of one size "
            f"(kerazoo: 10,000 samples vs the 10,000 test images). Received: {len(a)} samples "
            f"and {len(b)} reference images"
        )
    if len(a) < 2:
        raise ValueError(f"At least 2 samples are needed for a covariance. Received: {len(a)}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"The features of both sets must have one dimension. Received: {a.shape[1]} and {b.shape[1]}"
        )
    return frechet_distance_from_statistics(*gaussian_statistics(a), *gaussian_statistics(b))


def class_coverage(samples, classify, n_classes=10):
    """The share of each predicted class among samples.

    Args:
        samples: images (N, ...).
        classify: callable images -> class ids (N,) or class scores (N, n_classes) (argmax).
        n_classes: the number of classes.

    Returns:
        float64 array (n_classes,) of shares summing to 1; its minimum is the coverage of
        the rarest class (kerazoo's target: at least 0.05 for every Fashion-MNIST class).
    """
    if not callable(classify):
        raise TypeError(f"`classify` must be a callable images -> classes. Received: {type(classify).__name__}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"`n_classes` must be a positive integer. Received: n_classes={n_classes!r}")
    out = to_numpy(classify(samples), "classify(samples)")
    if out.ndim == 2:
        if out.shape[1] != n_classes:
            raise ValueError(
                f"`classify` returned scores for {out.shape[1]} classes; expected n_classes={n_classes}. "
                f"Received: shape={out.shape}"
            )
        labels = np.argmax(out, axis=1)
    elif out.ndim == 1:
        labels = out.astype(np.int64)
        if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(
                f"`classify` must return ids in [0, {n_classes - 1}]. Received: ids in "
                f"[{labels.min()}, {labels.max()}]"
            )
    else:
        raise ValueError(f"`classify` must return (N,) ids or (N, n_classes) scores. Received: shape={out.shape}")
    if not len(labels):
        raise ValueError("class_coverage() needs at least one sample. Received: 0")
    return np.bincount(labels, minlength=n_classes).astype(np.float64) / len(labels)
