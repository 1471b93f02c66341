"""kerazoo.metrics.ranking: RMSE, MAE and top-N metrics, against hand-worked cases and
scikit-learn on random data drawn with fixed seeds."""

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, ndcg_score

from kerazoo.metrics import (
    mae,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    rmse,
    top_k_items,
)


def test_rmse_and_mae_match_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(1, 6, size=500).astype(float)
    p = y + rng.normal(0, 0.9, size=500)
    assert rmse(y, p) == pytest.approx(np.sqrt(mean_squared_error(y, p)), rel=1e-12)
    assert mae(y, p) == pytest.approx(mean_absolute_error(y, p), rel=1e-12)


def test_rmse_and_mae_of_a_worked_example():
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)


@pytest.mark.parametrize("fn", [rmse, mae])
def test_rating_metrics_reject_bad_input(fn):
    with pytest.raises(ValueError, match="same shape"):
        fn([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="finite"):
        fn([1.0, np.nan], [1.0, 2.0])


def test_worked_example_precision_recall_ndcg():
    scores = np.array([[0.9, 0.8, 0.7, 0.1]])
    relevant = np.array([[0, 1, 0, 1]], dtype=bool)
    # top-2 = items 0, 1: one hit at rank 2 of two relevant items.
    assert precision_at_k(scores, relevant, k=2) == pytest.approx(0.5)
    assert recall_at_k(scores, relevant, k=2) == pytest.approx(0.5)
    dcg = 1 / np.log2(3)
    assert ndcg_at_k(scores, relevant, k=2) == pytest.approx(dcg / (1 + 1 / np.log2(3)))


def test_candidates_exclude_items_from_ranking_and_from_the_relevant_set():
    scores = np.array([[0.9, 0.8, 0.7, 0.1]])
    relevant = np.array([[1, 0, 1, 1]], dtype=bool)
    candidates = np.array([[False, True, True, True]])
    # Item 0 is not a candidate: top-2 = items 1, 2; relevant candidates = {2, 3}.
    out = ranking_metrics(scores, relevant, k=2, candidates=candidates)
    assert out["precision@2"] == pytest.approx(0.5)
    assert out["recall@2"] == pytest.approx(0.5)
    assert out["ndcg@2"] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))
    assert out["users"] == 1


def test_users_without_relevant_candidates_are_left_out():
    scores = np.array([[0.9, 0.1], [0.9, 0.1]])
    relevant = np.array([[1, 0], [0, 0]], dtype=bool)
    out = ranking_metrics(scores, relevant, k=1)
    assert out == {"precision@1": 1.0, "recall@1": 1.0, "ndcg@1": 1.0, "users": 1}
    with pytest.raises(ValueError, match="No user has a relevant"):
        ranking_metrics(scores, np.zeros_like(relevant), k=1)


def test_ties_break_towards_the_lower_item_index():
    scores = np.array([[1.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(top_k_items(scores, 2), [[1, 2]])
    relevant = np.array([[0, 0, 0, 1]], dtype=bool)
    assert precision_at_k(scores, relevant, k=2) == 0.0


def test_top_k_pads_rows_with_fewer_candidates():
    scores = np.array([[0.5, 0.4, 0.3]])
    candidates = np.array([[False, True, False]])
    np.testing.assert_array_equal(top_k_items(scores, 2, candidates), [[1, -1]])


def test_ndcg_matches_sklearn_for_binary_relevance():
    rng = np.random.default_rng(1)
    scores = rng.random((40, 30))
    relevant = rng.random((40, 30)) < 0.15
    relevant[relevant.sum(1) == 0, 0] = True  # sklearn scores users without relevance as 0
    for k in (1, 5, 10):
        assert ndcg_at_k(scores, relevant, k=k) == pytest.approx(
            ndcg_score(relevant.astype(float), scores, k=k), rel=1e-10)


def test_precision_and_recall_match_a_direct_count():
    rng = np.random.default_rng(2)
    scores = rng.random((25, 40))
    relevant = rng.random((25, 40)) < 0.2
    candidates = rng.random((25, 40)) < 0.7
    precisions, recalls = [], []
    for s, r, c in zip(scores, relevant, candidates):
        r = r & c
        if not r.any():
            continue
        order = [i for i in np.argsort(-s) if c[i]][:10]
        hits = r[order].sum()
        precisions.append(hits / 10)
        recalls.append(hits / r.sum())
    out = ranking_metrics(scores, relevant, k=10, candidates=candidates)
    assert out["precision@10"] == pytest.approx(np.mean(precisions))
    assert out["recall@10"] == pytest.approx(np.mean(recalls))
    assert out["users"] == len(precisions)


def test_ranking_metrics_reject_bad_input():
    scores = np.zeros((2, 3))
    relevant = np.ones((2, 3), dtype=bool)
    with pytest.raises(ValueError, match="positive integer"):
        ranking_metrics(scores, relevant, k=0)
    with pytest.raises(ValueError, match="2-D"):
        ranking_metrics(np.zeros(3), np.ones(3), k=1)
    with pytest.raises(ValueError, match="shape of `scores`"):
        ranking_metrics(scores, np.ones((2, 4)), k=1)
    with pytest.raises(ValueError, match="shape of `scores`"):
        ranking_metrics(scores, relevant, k=1, candidates=np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        ranking_metrics(np.full((2, 3), np.nan), relevant, k=1)
