"""What every recommender shares: rating histories, id checks, and the user-facing API.

A *rating history* is what `kerazoo.datasets.load_movielens_100k` returns: an integer
array of shape (n, 3) with columns ``user_id, item_id, rating``, ids 1-based as in
``u.data`` and ratings in 1..5. Zoo entries hold weights only, never ratings (the
MovieLens license forbids redistribution), so every method that needs ratings takes a
``history``. The model never reads data itself: `kerazoo.applications.training_history(model)`
loads the fold it was trained on (``u{history_fold}.base``) from the user's own copy, and
`kerazoo.applications.recommend(model, user_id)` does that for you.

`RecommenderMixin` turns one method of a model, ``_predict_rows(users, matrix, rated)``
(predicted ratings of every item for some users, given the dense history matrix), into
``predict_matrix``, ``predict_ratings``, ``recommend``, ``fold_in`` and
``recommend_new_user``.
"""

import numbers

import keras
import numpy as np

#: Ratings are the integers 1..N_LEVELS (MovieLens: 1..5 stars).
N_LEVELS = 5
MIN_RATING, MAX_RATING = 1.0, float(N_LEVELS)


# --------------------------------------------------------------------------- validation


def check_count(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def check_fraction(value, name, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        (0.0 < value if low_open else 0.0 <= value) and value < 1.0
    ):
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"`{name}` must be a number in {interval}. Received: {name}={value!r}")
    return float(value)


def check_nonnegative(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
    return float(value)


def _as_int_array(values, name, ndim=None):
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()
    arr = np.asarray(values)
    if arr.dtype == bool or arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"`{name}` must hold integers. Received: dtype={arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise TypeError(f"`{name}` must hold integers. Received: non-integer values")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D. Received: shape={arr.shape}")
    return arr.astype(np.int64)


def check_ids(ids, name, n):
    """1-based ids (a scalar or 1-D) -> 0-based int64 array; raises on ids outside 1..n."""
    arr = _as_int_array(ids, name)
    if arr.ndim > 1:
        raise ValueError(f"`{name}` must be an id or a 1-D array of ids. Received: shape={arr.shape}")
    arr = arr.reshape(-1)
    bad = arr[(arr < 1) | (arr > n)]
    if bad.size:
        raise ValueError(
            f"Unknown {name.rstrip('s')} {int(bad[0])}: `{name}` are the 1-based ids of "
            f"u.data, 1..{n}. Received {bad.size} id(s) outside that range, e.g. {bad[:5].tolist()}"
        )
    return arr - 1


def _check_levels(ratings, name):
    bad = ratings[(ratings < 1) | (ratings > N_LEVELS)]
    if bad.size:
        raise ValueError(
            f"`{name}` ratings must be integers in 1..{N_LEVELS}. Received: "
            f"{bad.size} value(s) outside, e.g. {bad[:5].tolist()}"
        )


def check_history(history, n_users, n_items, name="history"):
    """Validates a rating history (n, 3) [user_id, item_id, rating]; returns int64 (n, 3).

    Raises on a wrong shape or dtype, ids outside 1..n_users / 1..n_items, ratings
    outside 1..5, and a (user, item) pair given twice.
    """
    arr = _as_int_array(history, name)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(
            f"`{name}` must be an integer array of shape (n, 3) with columns user_id, item_id, "
            f"rating (as returned by kerazoo.datasets.load_movielens_100k). Received: "
            f"shape={arr.shape}"
        )
    check_ids(arr[:, 0], "user_ids", n_users)
    check_ids(arr[:, 1], "item_ids", n_items)
    _check_levels(arr[:, 2], name)
    keys = (arr[:, 0] - 1) * n_items + (arr[:, 1] - 1)
    uniq, counts = np.unique(keys, return_counts=True)
    if np.any(counts > 1):
        dup = int(uniq[counts > 1][0])
        raise ValueError(
            f"`{name}` rates (user_id={dup // n_items + 1}, item_id={dup % n_items + 1}) more "
            "than once; a history holds at most one rating per pair."
        )
    return arr


def ratings_matrix(history, n_users, n_items):
    """A validated history as a dense float32 (n_users, n_items) matrix, 0 = not rated."""
    arr = check_history(history, n_users, n_items)
    matrix = np.zeros((n_users, n_items), dtype=np.float32)
    matrix[arr[:, 0] - 1, arr[:, 1] - 1] = arr[:, 2]
    return matrix


def check_new_user_ratings(ratings, n_items, name="ratings"):
    """A new user's ratings -> (item_ids 0-based, ratings) int64 arrays.

    Accepts a dict ``{item_id: rating}`` or an (m, 2) array of ``[item_id, rating]`` rows.
    """
    if isinstance(ratings, dict):
        pairs = [[key, value] for key, value in ratings.items()]
        arr = _as_int_array(np.array(pairs) if pairs else np.zeros((0, 2), np.int64), name)
    else:
        arr = _as_int_array(ratings, name)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"`{name}` must be a dict {{item_id: rating}} or an array of shape (m, 2) with "
            f"rows [item_id, rating]. Received: shape={arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(
            f"`{name}` is empty: folding in a new user needs at least one rating "
            "(item_id, rating in 1..5)."
        )
    items = check_ids(arr[:, 0], "item_ids", n_items)
    _check_levels(arr[:, 1], name)
    if np.unique(items).size != items.size:
        raise ValueError(f"`{name}` rates the same item more than once.")
    return items, arr[:, 1]


# --------------------------------------------------------------------------- fine-tuning


class FineTuneMixin:
    """Tells a fine-tune from a first training: `trained` is True once the model's weights
    came from `fit` or from a file (`.keras` / `.weights.h5`: Keras calls
    `load_own_variables` on the model when it loads weights).

    `fit_ratings` picks its defaults by it: a trained model (a zoo entry, say) continues
    where its recipe ended, instead of restarting the recipe's schedule from its first,
    large learning rate (which undoes the end of the training).
    """

    _trained = False  # set on the instance by `fit` and by loading weights

    @property
    def trained(self):
        """Whether the weights come from training or from a file (see the class)."""
        return self._trained

    def load_own_variables(self, store):
        super().load_own_variables(store)
        self._trained = True

    def fit(self, *args, **kwargs):
        history = super().fit(*args, **kwargs)
        self._trained = True
        return history


# --------------------------------------------------------------------------- inference


def predict_batch(model, x):
    """`model.call(x)` (inference) compiled, as a numpy-ready tensor, on either backend.

    TensorFlow: a `tf.function` of `call`, traced once with relaxed shapes (kept per
    model). Other backends: Keras's own compiled `predict_on_batch` (jit on JAX).
    """
    if keras.backend.backend() != "tensorflow":
        return model.predict_on_batch(x)
    if getattr(model, "_compiled_predict", None) is None:
        import tensorflow as tf

        model._compiled_predict = tf.function(model.call, reduce_retracing=True)
    return model._compiled_predict(x)


# --------------------------------------------------------------------------- metrics


@keras.saving.register_keras_serializable(package="kerazoo")
class MaskedRMSE(keras.metrics.Metric):
    """RMSE over the observed entries of a rating matrix (``y_true > 0``; 0 = missing).

    sqrt(sum_{observed} (y_pred - y_true)^2 / #observed), accumulated over batches. Lower
    is better, which the metric declares as Keras metrics do (`_direction = "down"`), so
    `EarlyStopping("val_rmse")` and `ModelCheckpoint(..., monitor="val_rmse")` need no `mode`.
    """

    def __init__(self, name="rmse", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        del sample_weight
        y_true = keras.ops.cast(y_true, self.dtype)
        y_pred = keras.ops.cast(y_pred, self.dtype)
        mask = keras.ops.cast(y_true > 0, self.dtype)
        self.total.assign_add(keras.ops.sum(mask * keras.ops.square(y_pred - y_true)))
        self.count.assign_add(keras.ops.sum(mask))

    def result(self):
        return keras.ops.sqrt(self.total / keras.ops.maximum(self.count, 1.0))

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)


# --------------------------------------------------------------------------- the API


class RecommenderMixin:
    """The user-facing API of a recommender, on top of ``_predict_rows``.

    Subclasses set ``n_users``, ``n_items`` and ``history_fold`` and implement
    ``_predict_rows(users, matrix, rated)``: users 0-based, matrix the dense history
    (n_users, n_items) with 0 = not rated, rated an optional boolean matrix of pairs
    known to be rated (conditional models); returns (len(users), n_items) predictions.
    Subclasses that can take a user they were not trained on implement
    ``_fold_in_rows(matrix)`` (a (m, n_items) rating matrix of new users).
    """

    def _history(self, history):
        if history is None:
            raise ValueError(
                f"{type(self).__name__} predicts from a rating history: pass `history=`, an "
                "integer array (n, 3) of [user_id, item_id, rating]. A zoo entry holds no "
                f"ratings; `kerazoo.applications.training_history(model)` loads the fold it "
                f"was trained on (u{self.history_fold}.base) from your copy of MovieLens-100k. "
                "Received: history=None"
            )
        return check_history(history, self.n_users, self.n_items)

    def _matrix(self, history):
        arr = self._history(history)
        matrix = np.zeros((self.n_users, self.n_items), dtype=np.float32)
        matrix[arr[:, 0] - 1, arr[:, 1] - 1] = arr[:, 2]
        return matrix

    @staticmethod
    def _clip(pred):
        return np.clip(np.asarray(pred, dtype=np.float32), MIN_RATING, MAX_RATING)

    def predict_matrix(self, user_ids=None, history=None):
        """Predicted ratings of every item for some users.

        Args:
            user_ids: 1-based user ids (None: every user, 1..n_users).
            history: the rating history (n, 3) [user_id, item_id, rating] the predictions
                are conditioned on (required).
        Returns:
            float32 (len(user_ids), n_items), column ``item_id - 1``, clipped to [1, 5].
        """
        users = np.arange(self.n_users) if user_ids is None else check_ids(
            user_ids, "user_ids", self.n_users)
        matrix = self._matrix(history)
        return self._clip(self._predict_rows(users, matrix, None))

    def predict_ratings(self, user_ids, item_ids, history=None):
        """Predicted ratings of (user, item) pairs, ids 1-based as in ``u.data``.

        Args:
            user_ids, item_ids: equal-length 1-D arrays (or scalars) of 1-based ids.
            history: the rating history (n, 3) the predictions are conditioned on
                (required; `kerazoo.applications.training_history(model)` loads the
                training fold ``u{history_fold}.base`` from your copy).
        Returns:
            float32 (n,) predicted ratings in [1, 5].
        """
        users = check_ids(user_ids, "user_ids", self.n_users)
        items = check_ids(item_ids, "item_ids", self.n_items)
        if users.shape != items.shape:
            raise ValueError(
                f"`user_ids` and `item_ids` must have the same length. Received: "
                f"{users.size} and {items.size}"
            )
        matrix = self._matrix(history)
        return self._clip(self._predict_pairs(users, items, matrix))

    def _predict_pairs(self, users, items, matrix):
        out = np.empty(users.size, dtype=np.float32)
        uniq, inverse = np.unique(users, return_inverse=True)
        for start in range(0, uniq.size, 256):
            chunk = uniq[start:start + 256]
            rows = self._predict_rows(chunk, matrix, None)
            sel = (inverse >= start) & (inverse < start + chunk.size)
            out[sel] = rows[inverse[sel] - start, items[sel]]
        return out

    def _top_k(self, scores, seen, k, exclude_seen):
        k = check_count(k, "k")
        scores = np.asarray(scores, dtype=np.float64).copy()
        if exclude_seen:
            scores[seen] = -np.inf
        order = np.argsort(-scores, kind="stable")
        order = order[np.isfinite(scores[order])][:k]
        return order + 1, self._clip(scores[order])

    def score_items(self, user_ids=None, history=None):
        """Unclipped predicted ratings of every item, (len(user_ids), n_items): the ranking
        scores of `recommend` and of the top-N evaluation (clipping to [1, 5] would turn
        the best items into ties)."""
        users = np.arange(self.n_users) if user_ids is None else check_ids(
            user_ids, "user_ids", self.n_users)
        return np.asarray(self._predict_rows(users, self._matrix(history), None), np.float32)

    def recommend(self, user_id, k=10, exclude_seen=True, history=None):
        """The k items with the highest predicted rating for a user.

        Args:
            user_id: a 1-based user id.
            k: how many items.
            exclude_seen: leave out the items the user rated in `history`.
            history: as in `predict_ratings` (required).
        Returns:
            ``(item_ids, predicted_ratings)``: int64 (k,) 1-based item ids, best first
            (ranked by the unclipped prediction; ties keep the lower id first), and their
            predicted ratings clipped to [1, 5], float32.
        """
        if np.ndim(user_id) != 0:
            raise ValueError(f"`user_id` must be a single id. Received: shape={np.shape(user_id)}")
        user = check_ids(user_id, "user_ids", self.n_users)
        matrix = self._matrix(history)
        scores = self._predict_rows(user, matrix, None)[0]
        return self._top_k(scores, matrix[user[0]] > 0, k, exclude_seen)

    def fold_in(self, ratings):
        """Predicted ratings of every item for a new user, from a few of their ratings.

        Args:
            ratings: ``{item_id: rating}`` or an (m, 2) array of ``[item_id, rating]``
                rows, item ids 1-based, ratings in 1..5; at least one.
        Returns:
            float32 (n_items,) predicted ratings, index ``item_id - 1``, in [1, 5].
        """
        items, values = check_new_user_ratings(ratings, self.n_items)
        row = np.zeros((1, self.n_items), dtype=np.float32)
        row[0, items] = values
        return self._clip(self._fold_in_rows(row))[0]

    def recommend_new_user(self, ratings, k=10, exclude_seen=True):
        """`recommend` for a new user given as a few ratings (see `fold_in`)."""
        items, values = check_new_user_ratings(ratings, self.n_items)
        row = np.zeros((1, self.n_items), dtype=np.float32)
        row[0, items] = values
        scores = self._fold_in_rows(row)[0]
        seen = np.zeros(self.n_items, dtype=bool)
        seen[items] = True
        return self._top_k(scores, seen, k, exclude_seen)

    def _fold_in_rows(self, matrix):
        raise NotImplementedError(
            f"{type(self).__name__} cannot fold in a new user. Use RBMRecommender or "
            "AutoRec(orientation='user')."
        )
