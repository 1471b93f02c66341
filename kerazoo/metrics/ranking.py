"""Rating-prediction and top-N ranking metrics, as functions of numpy arrays.

Rating prediction, over the n test ratings ``r`` and predictions ``p``:

    RMSE = sqrt(mean((p - r)^2)),        MAE = mean(|p - r|).

Top-N ranking of the items of each user u (a row of a score matrix): the items allowed
for u (``candidates``, e.g. every item u has not rated in the training data) are sorted by
decreasing score and the first k kept, ``top_k(u)``. With ``rel(u)`` the relevant items of
u (e.g. test ratings >= 4) and ``rel_u(i)`` in {0, 1}:

    precision@k(u) = |top_k(u) & rel(u)| / k
    recall@k(u)    = |top_k(u) & rel(u)| / |rel(u)|
    DCG@k(u)       = sum_{j=1..k} rel_u(item at rank j) / log2(j + 1)
    NDCG@k(u)      = DCG@k(u) / IDCG@k(u),  IDCG@k(u) = sum_{j=1..min(k, |rel(u)|)} 1 / log2(j + 1)

Each is averaged over the users with at least one relevant candidate item (users with
none have no defined recall or NDCG and are left out of all three). Precision divides by
k even when a user has fewer than k candidates. Ties in the scores are broken by the
lower column index (a stable sort), so results are deterministic.

References: K. Jarvelin and J. Kekalainen, "Cumulated gain-based evaluation of IR
techniques", ACM TOIS 20(4), 2002 (NDCG); the MovieLens protocol of relevant = rating
>= 4 follows e.g. Cremonesi, Koren and Turrin, "Performance of recommender algorithms on
top-N recommendation tasks", RecSys 2010.
"""

import numbers

import numpy as np

__all__ = [
    "mae",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "rmse",
    "top_k_items",
]


def _pair(y_true, y_pred):
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape. Received: {t.shape} and {p.shape}"
        )
    if t.size == 0:
        raise ValueError("`y_true` and `y_pred` are empty: there is nothing to score.")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(p))):
        raise ValueError("`y_true` and `y_pred` must be finite. Received: NaN or infinite values")
    return t, p


def rmse(y_true, y_pred):
    """Root mean squared error: sqrt(mean((y_pred - y_true)^2)), a float."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def mae(y_true, y_pred):
    """Mean absolute error: mean(|y_pred - y_true|), a float."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(p - t)))


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be a positive integer. Received: k={k!r}")
    return int(k)


def _matrices(scores, relevant, candidates):
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(
            f"`scores` must be a 2-D array (n_users, n_items). Received: shape={s.shape}"
        )
    rel = np.asarray(relevant)
    if rel.shape != s.shape:
        raise ValueError(
            f"`relevant` must have the shape of `scores` {s.shape}. Received: {rel.shape}"
        )
    rel = rel.astype(bool)
    if candidates is None:
        cand = np.ones(s.shape, dtype=bool)
    else:
        cand = np.asarray(candidates)
        if cand.shape != s.shape:
            raise ValueError(
                f"`candidates` must have the shape of `scores` {s.shape}. Received: {cand.shape}"
            )
        cand = cand.astype(bool)
    if np.any(np.isnan(s[cand])):
        raise ValueError("`scores` contains NaN for candidate items; scores must be comparable.")
    return s, rel, cand


def top_k_items(scores, k, candidates=None):
    """The column indices of the k best-scored candidates of each row, best first.

    Args:
        scores: (n_users, n_items) array; higher is better.
        k: how many items per row.
        candidates: optional boolean (n_users, n_items) mask of the items allowed per row.
    Returns:
        (n_users, min(k, n_items)) int64 array of column indices; a row with fewer than k
        candidates is padded with -1.
    """
    k = _check_k(k)
    s, _, cand = _matrices(scores, np.zeros(np.shape(scores), bool), candidates)
    s = np.where(cand, s, -np.inf)
    k = min(k, s.shape[1])
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    valid = np.take_along_axis(cand, order, axis=1)
    return np.where(valid, order, -1)


def _per_user(scores, relevant, k, candidates):
    k = _check_k(k)
    s, rel, cand = _matrices(scores, relevant, candidates)
    rel = rel & cand
    n_rel = rel.sum(axis=1)
    users = n_rel > 0
    top = top_k_items(s[users], k, cand[users])
    hit = np.take_along_axis(rel[users], np.maximum(top, 0), axis=1) & (top >= 0)
    discounts = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    dcg = (hit * discounts).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(n_rel[users], top.shape[1]) - 1]
    hits = hit.sum(axis=1)
    return {
        "precision": hits / k,
        "recall": hits / n_rel[users],
        "ndcg": dcg / ideal,
        "users": np.flatnonzero(users),
    }


def _mean(values):
    if values.size == 0:
        raise ValueError(
            "No user has a relevant candidate item, so the ranking metrics are undefined."
        )
    return float(np.mean(values))


def precision_at_k(scores, relevant, k=10, candidates=None):
    """Mean precision@k over the users with at least one relevant candidate (see module doc)."""
    return _mean(_per_user(scores, relevant, k, candidates)["precision"])


def recall_at_k(scores, relevant, k=10, candidates=None):
    """Mean recall@k over the users with at least one relevant candidate (see module doc)."""
    return _mean(_per_user(scores, relevant, k, candidates)["recall"])


def ndcg_at_k(scores, relevant, k=10, candidates=None):
    """Mean NDCG@k (binary relevance) over the users with a relevant candidate (module doc)."""
    return _mean(_per_user(scores, relevant, k, candidates)["ndcg"])


def ranking_metrics(scores, relevant, k=10, candidates=None):
    """precision@k, recall@k and NDCG@k in one pass.

    Args:
        scores: (n_users, n_items) predicted scores; higher ranks first.
        relevant: boolean (n_users, n_items), the items relevant to each user.
        k: the cut-off.
        candidates: boolean (n_users, n_items), the items that may be ranked for each
            user (None: all). Relevant items outside the candidates do not count.
    Returns:
        ``{"precision@k": float, "recall@k": float, "ndcg@k": float, "users": int}`` with
        k written out (e.g. ``"ndcg@10"``); ``users`` is how many users were averaged.
    """
    per = _per_user(scores, relevant, k, candidates)
    k = int(k)
    return {
        f"precision@{k}": _mean(per["precision"]),
        f"recall@{k}": _mean(per["recall"]),
        f"ndcg@{k}": _mean(per["ndcg"]),
        "users": int(per["users"].size),
    }
