"""The evaluation harness on real MovieLens-100k folds: an oracle scores perfectly, the
global mean's numbers are pinned, cross-validation covers the folds asked for."""

import numpy as np
import pytest

from kerazoo.models.recommenders import GlobalMean
from kerazoo.recipes.recommender_evaluation import cross_validate, evaluate_fold, summarize
from kerazoo.models.recommenders._common import RecommenderMixin


class Oracle(RecommenderMixin):
    """Knows the test ratings: predicts them, scores other items 0."""

    n_users, n_items, history_fold = 943, 1682, 1

    def __init__(self, test):
        self.truth = np.zeros((943, 1682), np.float32)
        self.truth[test[:, 0] - 1, test[:, 1] - 1] = test[:, 2]

    def _predict_rows(self, users, matrix, rated):
        return self.truth[users]


def test_an_oracle_scores_perfectly(fold1):
    train, test = fold1
    scores = evaluate_fold(Oracle(test), train, test)
    assert scores["rmse"] == 0.0 and scores["mae"] == 0.0
    assert scores["ndcg@10"] == pytest.approx(1.0)
    relevant = np.bincount(test[test[:, 2] >= 4, 0], minlength=944)
    relevant = relevant[relevant > 0]
    assert scores["ranking_users"] == len(relevant)
    assert scores["precision@10"] == pytest.approx(np.mean(np.minimum(relevant, 10) / 10))
    assert scores["recall@10"] == pytest.approx(np.mean(np.minimum(relevant, 10) / relevant))


def test_global_mean_numbers_on_fold_1(fold1):
    train, test = fold1
    scores = evaluate_fold(GlobalMean().fit_ratings(train), train, test)
    # Every candidate ties, so the ranking is by item id among unseen items.
    assert scores == pytest.approx({
        "rmse": 1.1536759, "mae": 0.9680488, "precision@10": 0.0760965,
        "recall@10": 0.0272637, "ndcg@10": 0.0801399, "ranking_users": 456.0}, abs=1e-6)


def test_cross_validate_trains_and_scores_every_fold():
    calls = []

    def make_and_fit(train, test, fold):
        calls.append((fold, len(train), len(test)))
        return GlobalMean(history_fold=fold).fit_ratings(train)

    results = cross_validate(make_and_fit, folds=(2, 4))
    assert calls == [(2, 80000, 20000), (4, 80000, 20000)]
    assert set(results) == {2, 4}
    assert all(r["train_seconds"] >= 0 for r in results.values())
    mean = summarize(results)
    assert mean["rmse"] == pytest.approx((results[2]["rmse"] + results[4]["rmse"]) / 2)


def test_rejects_ratings_outside_the_id_ranges(fold1):
    train, test = fold1
    model = GlobalMean().fit_ratings(train)
    bad = test.copy()
    bad[0, 1] = 1683
    with pytest.raises(ValueError, match="Unknown item_id 1683"):
        evaluate_fold(model, train, bad)
