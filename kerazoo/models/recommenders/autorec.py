"""AutoRec (Sedhain, Menon, Sanner and Xie, 2015): an autoencoder over partial rating vectors."""

import math

import keras
import numpy as np
from keras import ops

from kerazoo.models.recommenders._common import (
    FineTuneMixin,
    MaskedRMSE,
    RecommenderMixin,
    predict_batch,
    check_count,
    check_fraction,
    check_history,
    check_nonnegative,
    ratings_matrix,
)
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_input_shape

#: The learning rate at which the recipe's schedule (80 epochs of Adam(1e-3), x 0.97 per
#: epoch) ends: a trained model's `fit_ratings` fine-tunes from it by default.
FINE_TUNE_LEARNING_RATE = 1e-3 * 0.97**79


@keras.saving.register_keras_serializable(package="kerazoo")
class MaskedSquaredError(keras.losses.Loss):
    """Squared error summed over the observed entries of each rating vector (0 = missing).

    Per example: sum_{i : y_i > 0} (y_pred_i - y_i)^2; Keras then averages over the batch.
    """

    def __init__(self, name="masked_squared_error", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        mask = ops.cast(y_true > 0, y_pred.dtype)
        return ops.sum(mask * ops.square(y_pred - y_true), axis=-1)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


@keras.saving.register_keras_serializable(package="kerazoo")
class AutoRec(FineTuneMixin, RecommenderMixin, keras.Model):
    r"""AutoRec: reconstructs partially observed rating vectors through one hidden layer.

    Item-based (I-AutoRec, the default): each item i is the vector r_i in R^{n_users} of
    the ratings it received (0 = missing); user-based (U-AutoRec): each user is the
    vector of their ratings of the n_items items. With the encoder V, mu and the decoder
    W, b (f = `activation`, g = identity):

        h(r; theta) = g(W f(V r + mu) + b)

        min_theta  sum_i || r_i - h(r_i; theta) ||^2_O  +  lambda / 2 (||W||_F^2 + ||V||_F^2)

    where ||.||_O sums over the observed ratings only, so a missing entry is neither a
    target nor (as an input) more than a zero. The prediction of user u's rating of item
    i is h(r_i)_u (item-based) or h(r_u)_i (user-based), clipped to [1, 5]; an item with
    no rating in the history gets the user's mean rating instead, a user without ratings
    the item's mean rating.

    `l2` is the Keras L2 coefficient added to the per-example mean loss, so the paper's
    lambda is 2 * l2 * n (n: the number of training vectors, 1,682 items for I-AutoRec).
    `input_dropout` (not in the paper) hides a fraction of the observed input ratings
    during training while keeping them as targets, which trains exactly the task of
    predicting ratings that are not in the input.

    Item-based AutoRec cannot take a new user (its inputs are indexed by the training
    users): use `orientation="user"` for `fold_in`.

    Args:
        n_hidden: hidden units (the paper: 500).
        orientation: "item" (I-AutoRec) or "user" (U-AutoRec).
        activation: f, the hidden activation (the paper: sigmoid).
        l2: L2 weight decay on V and W (see above).
        input_dropout: fraction of observed input ratings hidden while training.
        n_users, n_items: the id ranges (MovieLens-100k: 943 and 1,682).
        history_fold: the MovieLens fold whose ``u{fold}.base`` is the default history.
        seed: seeds the initialization and the input dropout.

    The defaults are the zoo recipe (`tuning/autorec.movielens_100k.toml`: lambda = 2 l2
    n = 202, 80 epochs of Adam(1e-3) decayed by 0.97 per epoch, batches of 32 items).
    `compile()` with no arguments uses Adam(1e-3), `MaskedSquaredError` and a masked
    `rmse` metric; `fit(x, x)` trains on rating vectors (`training_data` builds them),
    `fit_ratings(history)` does it all. On a trained model (a loaded zoo entry),
    `fit_ratings(history, epochs=...)` fine-tunes: by default from the learning rate at
    which the recipe ended (`FINE_TUNE_LEARNING_RATE`), not from its start.

    Reference: S. Sedhain, A. K. Menon, S. Sanner and L. Xie, "AutoRec: Autoencoders Meet
    Collaborative Filtering", WWW 2015 Companion.
    """

    def __init__(
        self,
        n_hidden=500,
        orientation="item",
        activation="sigmoid",
        l2=0.06,
        input_dropout=0.15,
        n_users=943,
        n_items=1682,
        history_fold=1,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_hidden = check_count(n_hidden, "n_hidden")
        if orientation not in ("item", "user"):
            raise ValueError(
                f"`orientation` must be 'item' or 'user'. Received: orientation={orientation!r}"
            )
        self.orientation = orientation
        self.activation = keras.activations.get(activation)
        self._activation_name = activation if isinstance(activation, str) else \
            keras.saving.serialize_keras_object(activation)
        self.l2 = check_nonnegative(l2, "l2")
        self.input_dropout = check_fraction(input_dropout, "input_dropout")
        self.n_users = check_count(n_users, "n_users")
        self.n_items = check_count(n_items, "n_items")
        self.history_fold = check_count(history_fold, "history_fold")
        self.seed = seed
        self.n_inputs = self.n_users if orientation == "item" else self.n_items
        self.seed_generator = keras.random.SeedGenerator(seed)
        reg = keras.regularizers.L2(self.l2) if self.l2 > 0 else None
        self.encoder = keras.layers.Dense(
            self.n_hidden, activation=activation, kernel_regularizer=reg,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name="encoder",
            dtype=self.dtype_policy)
        self.decoder = keras.layers.Dense(
            self.n_inputs, kernel_regularizer=reg,
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=None if seed is None else seed + 1), name="decoder", dtype=self.dtype_policy)
        self.build((None, self.n_inputs))

    def build(self, input_shape):
        """Builds the encoder and decoder for rating vectors (N, n_inputs); called by
        `__init__`, so a later `build` (Keras's `model.build(shape)`) only checks the shape."""
        check_input_shape(input_shape, (self.n_inputs,), "AutoRec", "rating vectors")
        if not self.encoder.built:
            self.encoder.build((None, self.n_inputs))
        if not self.decoder.built:
            self.decoder.build((None, self.n_hidden))

    # ------------------------------------------------------------------ Keras API

    def call(self, inputs, training=False):
        """Reconstructed rating vectors (B, n_inputs) from partial ones (0 = missing)."""
        x = ops.cast(inputs, self.compute_dtype)
        if training and self.input_dropout > 0:
            keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator) >= self.input_dropout
            x = x * ops.cast(keep, x.dtype)
        return self.decoder(self.encoder(x))

    def encode(self, x):
        """The hidden code f(V r + mu), (B, n_hidden)."""
        return self.encoder(ops.cast(x, self.compute_dtype))

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """`compile()` with no arguments: Adam(1e-3), `MaskedSquaredError`, masked `rmse`."""
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=1e-3)
        if loss is None:
            loss = MaskedSquaredError()
        if metrics is None:
            metrics = [MaskedRMSE(name="rmse")]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    # ------------------------------------------------------------------ data and training

    def training_data(self, history):
        """(x, y) for `fit`: the rating vectors of the history (items or users), twice."""
        matrix = ratings_matrix(history, self.n_users, self.n_items)
        x = matrix.T.copy() if self.orientation == "item" else matrix
        return x, x

    def fit_ratings(self, history, epochs=80, batch_size=32, learning_rate="auto", lr_decay=0.97,
                    validation=None, callbacks=(), verbose="auto", shuffle=True):
        """Trains on a rating history (n, 3) [user_id, item_id, rating], or fine-tunes.

        Args:
            epochs, batch_size: `fit`'s; a batch is `batch_size` rating vectors.
            learning_rate: Adam's initial rate, multiplied by `lr_decay` after every
                epoch. "auto" (the default) starts where training stands: a model that
                is not `trained` yet follows the recipe, 1e-3; a `trained` one (fitted
                before, or loaded from a file: a zoo entry) is fine-tuned from the rate
                at which the recipe's 80 epochs end, `FINE_TUNE_LEARNING_RATE` = 1e-3 x
                0.97^79 = 9.0e-5. (Restarting a trained model at 1e-3 undoes the end of
                its training: one epoch takes the published entry's u1 RMSE from 0.8965
                to 0.943; from 9.0e-5 it stays within 0.001.) A number sets the rate;
                None keeps the model's compile() (or the defaults).
            lr_decay: the per-epoch factor of the rate, in (0, 1].
            validation: optional (m, 3) held-out ratings: `val_rmse` after every epoch.
        Returns:
            The Keras `History`.
        """
        x, y = self.training_data(history)
        if isinstance(learning_rate, str):
            if learning_rate != "auto":
                raise ValueError(
                    "`learning_rate` must be 'auto', a positive number or None. "
                    f"Received: learning_rate={learning_rate!r}")
            learning_rate = FINE_TUNE_LEARNING_RATE if self.trained else 1e-3
        if learning_rate is not None:
            lr_decay = float(lr_decay)
            if not 0 < lr_decay <= 1:
                raise ValueError(f"`lr_decay` must be in (0, 1]. Received: lr_decay={lr_decay}")
            steps = max(1, math.ceil(x.shape[0] / batch_size))
            schedule = keras.optimizers.schedules.ExponentialDecay(
                float(learning_rate), decay_steps=steps, decay_rate=lr_decay, staircase=True)
            self.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule))
        elif not self.compiled:
            self.compile()
        val = None
        if validation is not None:
            held_out = ratings_matrix(
                check_history(validation, self.n_users, self.n_items, "validation"),
                self.n_users, self.n_items)
            val = (x, held_out.T if self.orientation == "item" else held_out)
        return self.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=val,
                        callbacks=list(callbacks), verbose=verbose, shuffle=shuffle)

    # ------------------------------------------------------------------ recommender API

    def _reconstruct(self, vectors):
        out = []
        for start in range(0, vectors.shape[0], 2048):
            out.append(np.asarray(ops.convert_to_numpy(self._predict_fn(vectors[start:start + 2048])),
                                  np.float32))
        return np.concatenate(out)

    def _predict_fn(self, x):
        return predict_batch(self, x)

    @staticmethod
    def _row_means(matrix):
        counts = (matrix > 0).sum(axis=1)
        total = matrix.sum(axis=1)
        overall = total.sum() / max(counts.sum(), 1)
        return np.where(counts > 0, total / np.maximum(counts, 1), overall).astype(np.float32)

    def _predict_rows(self, users, matrix, rated):
        del rated
        if self.orientation == "item":
            pred = self._reconstruct(matrix.T.copy()).T[users]
        else:
            pred = self._reconstruct(matrix[users])
        # Outputs that no training rating shaped: a movie nobody rated gets the user's mean
        # rating, a user without ratings the movie's mean (the global mean if both).
        observed = matrix > 0
        cold_items = ~observed.any(axis=0)
        cold_users = ~observed[users].any(axis=1)
        if np.any(cold_items):
            pred[:, cold_items] = self._row_means(matrix)[users][:, None]
        if np.any(cold_users):
            pred[cold_users] = self._row_means(matrix.T)[None, :]
        return pred

    def _fold_in_rows(self, matrix):
        if self.orientation == "item":
            raise NotImplementedError(
                "Item-based AutoRec cannot fold in a new user: its inputs are items' rating "
                f"vectors over the {self.n_users} training users. Use "
                "AutoRec(orientation='user') or RBMRecommender for new users."
            )
        return self._reconstruct(matrix)

    def serving_endpoints(self):
        """SavedModel signatures (TensorFlow only: a SavedModel is a TensorFlow export)."""
        import tensorflow as tf

        vectors = tf.TensorSpec((None, self.n_inputs), tf.float32, name="ratings")
        if self.orientation == "item":
            matrix = tf.TensorSpec((self.n_users, self.n_items), tf.float32, name="ratings")
            return {
                "predict_ratings": (lambda r: ops.transpose(self.call(ops.transpose(r))), [matrix]),
                "reconstruct": (lambda v: self.call(v), [vectors]),
                "encode": (lambda v: self.encode(v), [vectors]),
            }
        return {
            "predict_ratings": (lambda v: self.call(v), [vectors]),
            "encode": (lambda v: self.encode(v), [vectors]),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "n_hidden": self.n_hidden,
            "orientation": self.orientation,
            "activation": self._activation_name,
            "l2": self.l2,
            "input_dropout": self.input_dropout,
            "n_users": self.n_users,
            "n_items": self.n_items,
            "history_fold": self.history_fold,
            "seed": self.seed,
        }
