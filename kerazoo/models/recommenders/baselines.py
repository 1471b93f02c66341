"""Baselines in the same harness as the recommenders: global mean, biases, biased MF.

All three have the recommender API of `RecommenderMixin` (`predict_ratings`,
`predict_matrix`, `recommend`, `fold_in`) and a `fit_ratings(history)`, so the benchmark
and `evaluate_fold` treat every model alike. Their predictions come from the parameters
fitted on the training history; the `history` argument of the API only decides which
items a user has already seen.
"""

import keras
import numpy as np
from keras import ops

from kerazoo.models.recommenders._common import (
    RecommenderMixin,
    check_count,
    check_history,
    check_nonnegative,
)
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_input_shape


class GlobalMean(RecommenderMixin):
    """Predicts the mean training rating for every pair.

    Args:
        n_users, n_items: the id ranges (MovieLens-100k: 943 and 1,682).
        history_fold: the fold whose ``u{fold}.base`` is the default history.
    """

    def __init__(self, n_users=943, n_items=1682, history_fold=1):
        self.n_users = check_count(n_users, "n_users")
        self.n_items = check_count(n_items, "n_items")
        self.history_fold = check_count(history_fold, "history_fold")
        self.mean_ = None

    def fit_ratings(self, history):
        """mean_ = the mean rating of `history` (n, 3). Returns self."""
        arr = check_history(history, self.n_users, self.n_items)
        if arr.shape[0] == 0:
            raise ValueError("`history` is empty: there is no rating to average.")
        self.mean_ = float(arr[:, 2].mean())
        return self

    def _fitted(self):
        if self.mean_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit_ratings(history).")

    def _predict_rows(self, users, matrix, rated):
        self._fitted()
        return np.full((len(users), self.n_items), self.mean_, dtype=np.float32)

    def _fold_in_rows(self, matrix):
        return self._predict_rows(np.arange(matrix.shape[0]), matrix, None)


class UserItemBiases(GlobalMean):
    r"""Regularized user and item biases: r_hat_ui = mu + b_u + b_i.

    Fitted by alternating least squares (Koren, 2010, "Factor in the neighbors", section 2.1):

        b_i = sum_{u in R(i)} (r_ui - mu - b_u) / (reg_item + |R(i)|)
        b_u = sum_{i in R(u)} (r_ui - mu - b_i) / (reg_user + |R(u)|)

    A new user (`fold_in`) gets b_u from the same formula on their ratings.

    Args:
        reg_user, reg_item: the shrinkage of the two bias updates.
        n_iter: ALS sweeps.
    """

    def __init__(self, reg_user=10.0, reg_item=25.0, n_iter=20, n_users=943, n_items=1682,
                 history_fold=1):
        super().__init__(n_users, n_items, history_fold)
        self.reg_user = check_nonnegative(reg_user, "reg_user")
        self.reg_item = check_nonnegative(reg_item, "reg_item")
        self.n_iter = check_count(n_iter, "n_iter")
        self.user_bias_ = self.item_bias_ = None

    def fit_ratings(self, history):
        super().fit_ratings(history)
        arr = check_history(history, self.n_users, self.n_items)
        u, i, r = arr[:, 0] - 1, arr[:, 1] - 1, arr[:, 2].astype(np.float64)
        n_i = np.bincount(i, minlength=self.n_items)
        n_u = np.bincount(u, minlength=self.n_users)
        bu = np.zeros(self.n_users)
        bi = np.zeros(self.n_items)
        for _ in range(self.n_iter):
            bi = np.bincount(i, r - self.mean_ - bu[u], self.n_items) / (self.reg_item + n_i + 1e-12)
            bu = np.bincount(u, r - self.mean_ - bi[i], self.n_users) / (self.reg_user + n_u + 1e-12)
        self.user_bias_, self.item_bias_ = bu, bi
        return self

    def _predict_rows(self, users, matrix, rated):
        self._fitted()
        pred = self.mean_ + self.user_bias_[users][:, None] + self.item_bias_[None, :]
        return pred.astype(np.float32)

    def _fold_in_rows(self, matrix):
        self._fitted()
        mask = matrix > 0
        resid = np.where(mask, matrix - self.mean_ - self.item_bias_[None, :], 0.0)
        bu = resid.sum(axis=1) / (self.reg_user + mask.sum(axis=1))
        return (self.mean_ + bu[:, None] + self.item_bias_[None, :]).astype(np.float32)


@keras.saving.register_keras_serializable(package="kerazoo")
class BiasedMF(RecommenderMixin, keras.Model):
    r"""Biased matrix factorization (Koren, Bell and Volinsky, 2009) in Keras.

        r_hat_ui = mu + b_u + b_i + p_u . q_i

        min  mean_{(u,i) in batch} [ (r_ui - r_hat_ui)^2 + l2 (||p_u||^2 + ||q_i||^2 + b_u^2 + b_i^2) ]

    i.e. the per-rating regularization of SGD ("Funk") matrix factorization, trained with
    Adam on mini-batches of (user, item) pairs. mu starts at the mean training rating and
    is trained too. A new user (`fold_in`) gets (b_u, p_u) by ridge regression on their
    ratings with the item parameters fixed (penalty l2 per rating, as in training).

    Args:
        n_factors: the dimension of p_u and q_i.
        l2: the per-rating L2 penalty.
        n_users, n_items, history_fold, seed: as for the other recommenders.

    `fit(x, y)`: x is an int (n, 2) array of 1-based [user_id, item_id], y the ratings.
    """

    def __init__(self, n_factors=50, l2=0.1, n_users=943, n_items=1682, history_fold=1,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_factors = check_count(n_factors, "n_factors")
        self.l2 = check_nonnegative(l2, "l2")
        self.n_users = check_count(n_users, "n_users")
        self.n_items = check_count(n_items, "n_items")
        self.history_fold = check_count(history_fold, "history_fold")
        self.seed = seed
        init = keras.initializers.RandomNormal(stddev=0.1, seed=seed)
        self.user_factors = self.add_weight(
            shape=(self.n_users, self.n_factors), initializer=init, name="user_factors")
        self.item_factors = self.add_weight(
            shape=(self.n_items, self.n_factors),
            initializer=keras.initializers.RandomNormal(
                stddev=0.1, seed=None if seed is None else seed + 1),
            name="item_factors")
        self.user_bias = self.add_weight(shape=(self.n_users,), initializer="zeros", name="user_bias")
        self.item_bias = self.add_weight(shape=(self.n_items,), initializer="zeros", name="item_bias")
        self.global_bias = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(3.5), name="global_bias")
        self.build((None, 2))

    def build(self, input_shape):
        """Checks `input_shape` ((N, 2) id pairs); every weight is created in `__init__`.
        Through Keras's `build` the model records its input shape (for `export`)."""
        check_input_shape(input_shape, (2,), "BiasedMF", "(user_id, item_id) pairs")

    @property
    def input_dtype(self):
        """Inputs are integer ids: float inputs are converted to int32 (for `export`'s
        signature too)."""
        return "int32"

    def call(self, pairs, training=False):
        """Predicted ratings (n,) of 1-based (user_id, item_id) pairs (n, 2).

        While training, adds the per-rating L2 penalty of the batch with `add_loss` (in
        float32). The predictions are in the compute dtype of the model's dtype policy, the
        weights cast to it explicitly, so `compute_output_spec` says what `call` returns.
        """
        pairs = ops.cast(pairs, "int32")
        u = ops.clip(pairs[:, 0] - 1, 0, self.n_users - 1)
        i = ops.clip(pairs[:, 1] - 1, 0, self.n_items - 1)
        p = ops.take(self.user_factors, u, axis=0)
        q = ops.take(self.item_factors, i, axis=0)
        bu = ops.take(self.user_bias, u)
        bi = ops.take(self.item_bias, i)
        if training and self.l2 > 0:
            p32, q32, bu32, bi32 = (ops.cast(t, "float32") for t in (p, q, bu, bi))
            self.add_loss(self.l2 * ops.mean(
                ops.sum(ops.square(p32), -1) + ops.sum(ops.square(q32), -1)
                + ops.square(bu32) + ops.square(bi32)))
        p, q, bu, bi, mu = (ops.cast(t, self.compute_dtype) for t in (p, q, bu, bi, self.global_bias))
        return mu + bu + bi + ops.sum(p * q, axis=-1)

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """`compile()` with no arguments: Adam(1e-3), mean squared error, `rmse`."""
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=1e-3)
        if loss is None:
            loss = "mean_squared_error"
        if metrics is None:
            metrics = [keras.metrics.RootMeanSquaredError(name="rmse")]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def training_data(self, history):
        """(x, y) for `fit`: int32 (n, 2) [user_id, item_id] and float32 ratings."""
        arr = check_history(history, self.n_users, self.n_items)
        return arr[:, :2].astype(np.int32), arr[:, 2].astype(np.float32)

    def fit_ratings(self, history, epochs=30, batch_size=256, learning_rate=None,
                    validation=None, callbacks=(), verbose="auto", shuffle=True):
        """Trains on a rating history (n, 3); mu starts at its mean. Returns the `History`."""
        x, y = self.training_data(history)
        self.global_bias.assign(float(y.mean()))
        if learning_rate is not None:
            self.compile(optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)))
        elif not self.compiled:
            self.compile()
        val = None
        if validation is not None:
            val = self.training_data(check_history(validation, self.n_users, self.n_items,
                                                   "validation"))
        return self.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=val,
                        callbacks=list(callbacks), verbose=verbose, shuffle=shuffle)

    def _params(self):
        def to_np(w):
            return np.asarray(ops.convert_to_numpy(w), np.float32)

        return (to_np(self.user_factors), to_np(self.item_factors), to_np(self.user_bias),
                to_np(self.item_bias), float(to_np(self.global_bias)))

    def _predict_rows(self, users, matrix, rated):
        p, q, bu, bi, mu = self._params()
        return (mu + bu[users][:, None] + bi[None, :] + p[users] @ q.T).astype(np.float32)

    def _fold_in_rows(self, matrix):
        _, q, _, bi, mu = self._params()
        out = np.empty(matrix.shape, dtype=np.float32)
        for row, ratings in enumerate(matrix):
            items = np.flatnonzero(ratings > 0)
            design = np.hstack([np.ones((items.size, 1)), q[items]])  # [b_u, p_u]
            target = ratings[items] - mu - bi[items]
            penalty = max(self.l2, 1e-6) * items.size * np.eye(design.shape[1])
            coef = np.linalg.solve(design.T @ design + penalty, design.T @ target)
            out[row] = mu + bi + coef[0] + q @ coef[1:]
        return out

    def serving_endpoints(self):
        """SavedModel signatures (TensorFlow only: a SavedModel is a TensorFlow export)."""
        import tensorflow as tf

        pairs = tf.TensorSpec((None, 2), tf.int32, name="pairs")
        return {"predict_pairs": (lambda x: self.call(x), [pairs])}

    def get_config(self):
        return {
            **super().get_config(),
            "n_factors": self.n_factors,
            "l2": self.l2,
            "n_users": self.n_users,
            "n_items": self.n_items,
            "history_fold": self.history_fold,
            "seed": self.seed,
        }
