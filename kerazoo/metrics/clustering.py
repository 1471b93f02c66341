"""Clustering metrics: functions of label arrays (ground truth and cluster ids).

- `clustering_accuracy`: the unsupervised clustering accuracy of Xie et al. (2016),

      ACC = max_m (1/n) sum_i 1{y_i = m(c_i)},

  the best accuracy over one-to-one maps m from cluster ids to class labels, found by
  the Hungarian algorithm (`scipy.optimize.linear_sum_assignment`) on the contingency
  table. With more clusters than classes, the unmatched clusters count as errors.
- `normalized_mutual_info`: NMI = I(Y; C) / mean(H(Y), H(C)) (arithmetic mean, the
  scikit-learn default), in [0, 1], invariant to relabelling.
- `adjusted_rand_index`: the Rand index corrected for chance (Hubert & Arabie, 1985):
  0 in expectation for random labellings, 1 for identical partitions.

NMI and ARI wrap scikit-learn (`sklearn.metrics`).

References:
    J. Xie, R. Girshick and A. Farhadi, "Unsupervised deep embedding for clustering
    analysis", ICML 2016.
    L. Hubert and P. Arabie, "Comparing partitions", Journal of Classification 2, 1985.
"""

import numpy as np


def _check_labels(y_true, y_pred):
    out = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if hasattr(y, "numpy") and not isinstance(y, np.ndarray):
            y = y.numpy()
        arr = np.asarray(y)
        if arr.ndim != 1:
            raise ValueError(
                f"`{name}` must be a 1-D array of integer labels. Received: shape={arr.shape}"
            )
        if arr.size and not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
            if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)) \
                    or not np.all(arr == np.round(arr)):
                raise TypeError(
                    f"`{name}` must hold integer labels. Received: dtype={arr.dtype}"
                )
        out.append(arr.astype("int64"))
    if len(out[0]) != len(out[1]):
        raise ValueError(
            "`y_true` and `y_pred` must have the same length. "
            f"Received: len(y_true)={len(out[0])}, len(y_pred)={len(out[1])}"
        )
    if len(out[0]) == 0:
        raise ValueError("`y_true` and `y_pred` must not be empty. Received: 0 labels")
    return out


def contingency_table(y_true, y_pred):
    """The counts n[c, k] of points in cluster c (rows, sorted ids) with class k (columns).

    Returns `(table, cluster_ids, class_ids)`.
    """
    y_true, y_pred = _check_labels(y_true, y_pred)
    clusters, ci = np.unique(y_pred, return_inverse=True)
    classes, ki = np.unique(y_true, return_inverse=True)
    table = np.zeros((len(clusters), len(classes)), dtype="int64")
    np.add.at(table, (ci, ki), 1)
    return table, clusters, classes


def cluster_to_class_map(y_true, y_pred):
    """The one-to-one map {cluster id: class label} that maximizes the matched count.

    Clusters left unmatched (more clusters than classes) are absent from the dict.
    """
    from scipy.optimize import linear_sum_assignment

    table, clusters, classes = contingency_table(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols)}


def clustering_accuracy(y_true, y_pred):
    """Unsupervised clustering accuracy: the accuracy under the best one-to-one relabelling.

    Args:
        y_true: 1-D array of class labels (N,).
        y_pred: 1-D array of cluster ids (N,), any integers.

    Returns:
        A float in [0, 1]. A permutation of the true labels scores 1.0.
    """
    from scipy.optimize import linear_sum_assignment

    table, _, _ = contingency_table(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


def normalized_mutual_info(y_true, y_pred):
    """Normalized mutual information (arithmetic normalization), a float in [0, 1]."""
    from sklearn.metrics import normalized_mutual_info_score

    y_true, y_pred = _check_labels(y_true, y_pred)
    return float(normalized_mutual_info_score(y_true, y_pred))


def adjusted_rand_index(y_true, y_pred):
    """Adjusted Rand index: 1 for identical partitions, about 0 for random ones."""
    from sklearn.metrics import adjusted_rand_score

    y_true, y_pred = _check_labels(y_true, y_pred)
    return float(adjusted_rand_score(y_true, y_pred))


def clustering_metrics(y_true, y_pred):
    """`{"accuracy", "nmi", "ari"}` of a clustering against the true labels."""
    return {
        "accuracy": clustering_accuracy(y_true, y_pred),
        "nmi": normalized_mutual_info(y_true, y_pred),
        "ari": adjusted_rand_index(y_true, y_pred),
    }
