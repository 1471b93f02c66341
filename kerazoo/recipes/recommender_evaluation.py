"""The evaluation harness every recommender and baseline goes through.

`evaluate_fold(model, train, test)` scores one MovieLens fold:

- rating prediction: RMSE and MAE of ``model.predict_ratings(test users, test items,
  history=train)`` against the test ratings (predictions clipped to [1, 5]);
- top-N: for every user, every item the user has not rated in ``train`` is a candidate,
  ranked by ``model.score_items(history=train)``; relevant = the user's test ratings >= 4;
  precision@k, recall@k and NDCG@k (`kerazoo.metrics.ranking_metrics`) averaged over the
  users with at least one relevant test item.

For the conditional RBM, ``predict_ratings`` counts the queried test pairs as rated (the
paper's implicit information: which items, not their ratings); ranking uses the training
history only, since which items are in the test set would tell it the answer.
"""

import time

import numpy as np

from kerazoo.datasets import load_movielens_100k
from kerazoo.metrics.ranking import mae, ranking_metrics, rmse
from kerazoo.models.recommenders._common import check_history

#: Test ratings at least this high are relevant for the top-N metrics.
RELEVANT_RATING = 4


def evaluate_fold(model, train, test, k=10, relevant_rating=RELEVANT_RATING):
    """Scores a fitted recommender on one fold.

    Args:
        model: anything with the recommender API (`predict_ratings`, `score_items`).
        train: (n, 3) training ratings [user_id, item_id, rating] (the history).
        test: (m, 3) test ratings.
        k: the top-N cut-off.
        relevant_rating: test ratings >= this are relevant.
    Returns:
        ``{"rmse", "mae", "precision@k", "recall@k", "ndcg@k", "ranking_users"}``, floats
        (``ranking_users``: how many users the top-N metrics average over).
    """
    n_users, n_items = model.n_users, model.n_items
    train = check_history(train, n_users, n_items, "train")
    test = check_history(test, n_users, n_items, "test")
    pred = model.predict_ratings(test[:, 0], test[:, 1], history=train)
    out = {"rmse": rmse(test[:, 2], pred), "mae": mae(test[:, 2], pred)}

    users = np.unique(test[test[:, 2] >= relevant_rating, 0])
    scores = model.score_items(users, history=train)
    seen = np.zeros((n_users, n_items), dtype=bool)
    seen[train[:, 0] - 1, train[:, 1] - 1] = True
    relevant = np.zeros((n_users, n_items), dtype=bool)
    good = test[test[:, 2] >= relevant_rating]
    relevant[good[:, 0] - 1, good[:, 1] - 1] = True
    ranks = ranking_metrics(scores, relevant[users - 1], k=k, candidates=~seen[users - 1])
    out.update({key: float(v) for key, v in ranks.items() if key != "users"})
    out["ranking_users"] = float(ranks["users"])
    return out


def cross_validate(make_and_fit, folds=(1, 2, 3, 4, 5), k=10, data_dir=None, verbose=False):
    """Trains and scores a recommender on several MovieLens-100k folds.

    Args:
        make_and_fit: ``f(train, test, fold) -> fitted model``; ``test`` is passed for
            models that use which pairs are rated (the conditional RBM), never for its
            ratings.
        folds: which of u1..u5.
    Returns:
        ``{fold: metrics}``, where metrics are `evaluate_fold`'s plus ``train_seconds``.
    """
    results = {}
    for fold in folds:
        train, test = load_movielens_100k(fold, data_dir=data_dir)
        start = time.perf_counter()
        model = make_and_fit(train, test, fold)
        seconds = time.perf_counter() - start
        results[fold] = {**evaluate_fold(model, train, test, k=k), "train_seconds": seconds}
        if verbose:
            print(f"  u{fold}: " + ", ".join(f"{key} {v:.4f}" for key, v in results[fold].items()),
                  flush=True)
    return results


def summarize(results):
    """Per-fold results ``{fold: metrics}`` -> ``{metric: mean over the folds}``."""
    keys = next(iter(results.values())).keys()
    return {key: float(np.mean([r[key] for r in results.values()])) for key in keys}
