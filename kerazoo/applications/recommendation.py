"""Recommending with a zoo recommender: the rating history comes from the user's own data.

A recommender's predictions are conditioned on a rating history, which a zoo entry never
holds (MovieLens forbids redistribution). The model methods therefore take `history=`; the
helpers here load the fold the model was trained on, ``u{model.history_fold}.base``, from
the user's copy of MovieLens-100k (`kerazoo.datasets.load_movielens_100k`) when none is given.
"""

from kerazoo.datasets import load_movielens_100k


def training_history(model, data_dir=None):
    """The rating history `model` was trained on: ``u{model.history_fold}.base``, (n, 3) int.

    Args:
        model: a recommender (`RBMRecommender`, `AutoRec`, ...) with `history_fold`.
        data_dir: where MovieLens-100k is (default: the lookup of `kerazoo.datasets`).
    """
    fold = getattr(model, "history_fold", None)
    if fold is None:
        raise TypeError(
            "training_history expects a kerazoo recommender with a `history_fold`. "
            f"Received: {type(model).__name__}"
        )
    return load_movielens_100k(fold, data_dir=data_dir)[0]


def recommend(model, user_id, k=10, history=None, exclude_seen=True, data_dir=None):
    """`model.recommend(user_id, k)` conditioned on `history`, by default the training fold.

    Returns:
        ``(item_ids, predicted_ratings)`` as `model.recommend` does.
    """
    if history is None:
        history = training_history(model, data_dir=data_dir)
    return model.recommend(user_id, k=k, exclude_seen=exclude_seen, history=history)


def predict_ratings(model, user_ids, item_ids, history=None, data_dir=None):
    """`model.predict_ratings(user_ids, item_ids)` conditioned on `history` (default: the
    training fold)."""
    if history is None:
        history = training_history(model, data_dir=data_dir)
    return model.predict_ratings(user_ids, item_ids, history=history)
