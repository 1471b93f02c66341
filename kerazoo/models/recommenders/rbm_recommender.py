"""The RBM for collaborative filtering of Salakhutdinov, Mnih and Hinton (2007)."""

import math
import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.models.recommenders._common import (
    FineTuneMixin,
    N_LEVELS,
    MaskedRMSE,
    RecommenderMixin,
    predict_batch,
    check_count,
    check_fraction,
    check_history,
    check_ids,
    check_nonnegative,
    ratings_matrix,
)
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_input_shape

#: The defaults of a fine-tune of a trained model (`fit_ratings`): the recipe's constant
#: learning rate and its averaging of the weights.
FINE_TUNE_LEARNING_RATE = 0.002
FINE_TUNE_EMA_MOMENTUM = 0.995

#: The default growth of the number of Gibbs steps: CD-1 from epoch 0, CD-3 from
#: epoch 15, CD-5 from epoch 25 (the paper starts at T=1 and raises T "as learning
#: converges", to 3, 5 and 9).
DEFAULT_CD_SCHEDULE = ((0, 1), (15, 3), (25, 5))


def _parse_cd_k(cd_k):
    """`cd_k` (an int or (start_epoch, k) pairs) -> a sorted tuple of (epoch, k) pairs."""

    def is_int(value):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)

    if is_int(cd_k):
        if cd_k < 1:
            raise ValueError(f"`cd_k` must be >= 1. Received: cd_k={cd_k}")
        return ((0, int(cd_k)),)
    error = ValueError(
        "`cd_k` must be a positive integer or a list of [start_epoch, k] pairs with "
        f"start_epoch >= 0, k >= 1 and one pair starting at epoch 0, e.g. [[0, 1], [20, 3]]. "
        f"Received: cd_k={cd_k!r}"
    )
    if isinstance(cd_k, (str, bytes)) or not hasattr(cd_k, "__iter__"):
        raise error
    pairs = []
    for pair in cd_k:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise error
        start, k = pair
        if not (is_int(start) and is_int(k)) or start < 0 or k < 1:
            raise error
        pairs.append((int(start), int(k)))
    pairs.sort()
    if not pairs or pairs[0][0] != 0 or len({p[0] for p in pairs}) != len(pairs):
        raise error
    return tuple(pairs)


def cd_steps_at(schedule, epoch):
    """The number of Gibbs steps of a `cd_k` schedule at a (0-based) epoch."""
    return [k for start, k in _parse_cd_k(schedule) if epoch >= start][-1]


class CDStepsSchedule(keras.callbacks.Callback):
    """Sets `model.cd_steps` at the start of every epoch from a (start_epoch, k) schedule.

    `RBMRecommender.fit` adds it by itself; pass your own to override its schedule.
    """

    def __init__(self, schedule):
        super().__init__()
        self.schedule = _parse_cd_k(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        self.model.cd_steps.assign(cd_steps_at(self.schedule, epoch))


@keras.saving.register_keras_serializable(package="kerazoo")
class RBMRecommender(FineTuneMixin, RecommenderMixin, keras.Model):
    r"""Restricted Boltzmann machine for collaborative filtering (user-based, softmax units).

    Each user is an RBM whose visible units are the items that user rated; all users share
    the weights, so an item rated by many users ties many RBMs together. A rating is a
    one-hot vector over the K = 5 rating values (a softmax unit); an item the user did not
    rate has no visible unit at all: it is left out of the hidden input, of the
    reconstruction and of both phases of the gradient. With V the (I, K) one-hot ratings
    of a user (rows of unrated items all zero), binary hidden units h (F of them) and,
    when `conditional`, r in {0, 1}^I marking which items the user rated (ratings unknown):

        E(V, h) = -sum_{i,k,j} W_ij^k v_i^k h_j - sum_{i,k} v_i^k b_i^k
                  - sum_j h_j (c_j + sum_i r_i D_ij)
        p(h_j = 1 | V, r) = sigmoid(c_j + sum_{i,k} v_i^k W_ij^k + sum_i r_i D_ij)
        p(v_i^k = 1 | h)  = exp(b_i^k + sum_j h_j W_ij^k) / sum_l exp(b_i^l + sum_j h_j W_ij^l)

    Training is contrastive divergence CD-T (Hinton, 2002) with T growing during training
    (`cd_k`): the positive phase uses the observed ratings, the negative phase runs T
    Gibbs steps over the rated items only. The update is the gradient of the free-energy
    gap mean F(V_data) - mean F(V_T) with the chain held fixed, where
    F(V) = -sum_{i,k} v_i^k b_i^k - sum_j softplus(c_j + sum_{i,k} v_i^k W_ij^k + sum_i r_i D_ij),
    i.e. dW_ij^k ~ <v_i^k h_j>_data - <v_i^k h_j>_T (and likewise for the biases and D),
    plus an L2 weight decay on W and D.

    Prediction of the rating of item q is the expected rating sum_k k p(v_q^k = 1 | V):
    with `prediction="mean_field"` (the paper's fast rule) p_hat_j = p(h_j = 1 | V, r) and
    p(v_q^k = 1) ~ exp(b_q^k + sum_j p_hat_j W_qj^k); with `prediction="exact"` the hidden
    units are summed out exactly, p(v_q^k = 1 | V) ~ exp(b_q^k) prod_j (1 + exp(c_j +
    sum_{i,l} v_i^l W_ij^l + W_qj^k)) (the paper's equation 9). In the conditional RBM
    the query item itself counts as rated (r_q = 1): asking for u's rating of q says that
    u rates q.

    The conditional variant (paper, section 4) uses which items a user rated, including
    items whose ratings are to be predicted: `predict_ratings` treats every queried
    (user, item) pair as rated; the evaluation of `kerazoo.models.recommenders.evaluate_fold`
    therefore uses the test pairs (never their ratings) for RMSE and MAE, and only the
    training history when ranking.

    `factor_rank` factorizes W = A B (A: (I K, C), B: (C, F)), the paper's section 5, which
    cuts the parameters on small data sets.

    Three additions of kerazoo regularize the RBM for a data set as small as
    MovieLens-100k (80,000 ratings for 1,682 x 5 x F weights); each keeps it an RBM (the
    energy above, with W tied or restricted as follows), trained and used as above:

    - `shared_rating_weights`: W_ij^k = W'_ij^k + U_jk + ..., with U (K, F) shared by all
      items. A hidden unit then also sees the user's histogram of rating values and can
      shift the predicted ratings of every item, rarely rated ones included: the user bias
      that a factor model has as one parameter per user, and that per-item weights alone
      learn only for often-rated items.
    - `ordinal_weights`: W_ij^k = ... + (k - 3) S_ij, with S (I, F) under weight decay: a
      part of each item's weights that is linear in the rating value, so that evidence for
      "4" also counts for "5" (the softmax alone treats rating values as unordered
      categories, and needs five times the data to learn that they are ordered).
    - `hidden_dropout`: each user's RBM keeps a random subset of the hidden units in both
      phases (Srivastava et al., 2014, section 8); predictions scale the hidden
      activations by 1 - p.

    On a 10% validation split of `u1.base` (100 hidden units, CD-1 to CD-5, 30 epochs) the
    RMSE goes from 0.957 (plain conditional RBM, weight decay 0.01) to 0.931 with shared
    rating weights, 0.922 adding ordinal weights (weight decay 0.03) and 0.918 adding
    hidden dropout 0.3; the user and item biases baseline scores 0.951 there.

    Args:
        n_hidden: F, the number of binary hidden units.
        conditional: add the implicit "which items were rated" input r with weights D.
        factor_rank: None for a full W, else the rank C of its factorization.
        shared_rating_weights: add the item-independent weights U (see above).
        ordinal_weights: add the rating-linear weights S (see above).
        hidden_dropout: fraction of hidden units dropped per user and step while training.
        cd_k: Gibbs steps of CD: an int, or [[start_epoch, k], ...] (the default grows T
            from 1 to 5: [[0, 1], [15, 3], [25, 5]]).
        weight_decay: L2 penalty coefficient on W' (or A and B), S and D (the paper used
            0.001 on Netflix; MovieLens-100k needs more).
        prediction: "mean_field" or "exact" (see above).
        n_users, n_items: the id ranges (MovieLens-100k: 943 and 1,682).
        history_fold: the MovieLens fold whose ``u{fold}.base`` is the default history.
        seed: seeds the weight initialization and the Gibbs sampling.

    Averaging the weights over training (`fit_ratings(..., ema_momentum=0.995)`, an
    exponential moving average of the iterates) takes the test RMSE of `u1` from 0.930 to
    0.928; a decaying learning rate on top of it did not help.

    The defaults are the zoo recipe (`tuning/rbm_cf.movielens_100k.toml`: 30 epochs of
    10 users per batch, Adam(0.002), ema_momentum 0.995). `compile()` with no arguments
    uses Adam(learning_rate=0.002). `fit(x)` takes
    x = {"ratings": (n_users, n_items) int ratings 0..5 (0 = not rated), "rated":
    (n_users, n_items) 0/1} (or the ratings matrix alone: rated = ratings > 0); with
    `validation_data=(x, y)`, y a rating matrix of held-out ratings, it reports `val_rmse`.
    The training `loss` is the CD surrogate (free-energy gap plus weight decay; its
    gradient is the CD update), `rmse` the one-step mean-field reconstruction error of
    the observed ratings.
    `training_data(history)` builds x from a rating history, and `fit_ratings(history)`
    does it all.

    Reference: R. Salakhutdinov, A. Mnih and G. Hinton, "Restricted Boltzmann Machines for
    Collaborative Filtering", ICML 2007.
    """

    def __init__(
        self,
        n_hidden=100,
        conditional=True,
        factor_rank=None,
        shared_rating_weights=True,
        ordinal_weights=True,
        hidden_dropout=0.3,
        cd_k=DEFAULT_CD_SCHEDULE,
        weight_decay=0.03,
        prediction="mean_field",
        n_users=943,
        n_items=1682,
        history_fold=1,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_hidden = check_count(n_hidden, "n_hidden")
        if not isinstance(conditional, bool):
            raise TypeError(f"`conditional` must be True or False. Received: {conditional!r}")
        self.conditional = conditional
        self.factor_rank = None if factor_rank is None else check_count(factor_rank, "factor_rank")
        if not isinstance(shared_rating_weights, bool):
            raise TypeError(
                f"`shared_rating_weights` must be True or False. Received: {shared_rating_weights!r}"
            )
        self.shared_rating_weights = shared_rating_weights
        if not isinstance(ordinal_weights, bool):
            raise TypeError(f"`ordinal_weights` must be True or False. Received: {ordinal_weights!r}")
        self.ordinal_weights = ordinal_weights
        self.hidden_dropout = check_fraction(hidden_dropout, "hidden_dropout")
        self.cd_k = [list(p) for p in _parse_cd_k(cd_k)]
        self.weight_decay = check_nonnegative(weight_decay, "weight_decay")
        if prediction not in ("mean_field", "exact"):
            raise ValueError(
                f"`prediction` must be 'mean_field' or 'exact'. Received: prediction={prediction!r}"
            )
        self.prediction = prediction
        self.n_users = check_count(n_users, "n_users")
        self.n_items = check_count(n_items, "n_items")
        self.history_fold = check_count(history_fold, "history_fold")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

        n_vis = self.n_items * N_LEVELS
        init = keras.initializers.RandomNormal(stddev=0.01, seed=seed)
        if self.factor_rank is None:
            self.kernel_flat = self.add_weight(
                shape=(n_vis, self.n_hidden), initializer=init, name="kernel")
            self._kernel_vars = [self.kernel_flat]
        else:
            self.kernel_items = self.add_weight(
                shape=(n_vis, self.factor_rank), initializer=init, name="kernel_items")
            self.kernel_hidden = self.add_weight(
                shape=(self.factor_rank, self.n_hidden),
                initializer=keras.initializers.RandomNormal(
                    stddev=0.1, seed=None if seed is None else seed + 1),
                name="kernel_hidden")
            self._kernel_vars = [self.kernel_items, self.kernel_hidden]
        if self.shared_rating_weights:
            self.rating_kernel = self.add_weight(
                shape=(N_LEVELS, self.n_hidden), initializer="zeros", name="rating_kernel")
        if self.ordinal_weights:
            self.ordinal_kernel = self.add_weight(
                shape=(self.n_items, self.n_hidden), initializer="zeros", name="ordinal_kernel")
        self.visible_bias = self.add_weight(
            shape=(self.n_items, N_LEVELS), initializer="zeros", name="visible_bias")
        self.hidden_bias = self.add_weight(
            shape=(self.n_hidden,), initializer="zeros", name="hidden_bias")
        if self.conditional:
            self.implicit_kernel = self.add_weight(
                shape=(self.n_items, self.n_hidden), initializer="zeros", name="implicit_kernel")
        self.cd_steps = self.add_weight(
            shape=(), dtype="int32", initializer=keras.initializers.Constant(self.cd_k[0][1]),
            trainable=False, name="cd_steps")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rmse_tracker = MaskedRMSE(name="rmse")
        self.build((None, self.n_items))

    def build(self, input_shape):
        """Checks `input_shape` ((N, n_items) ratings, or a dict of them); every weight is
        created in `__init__`. Through Keras's `build` the model records its input shape
        (for `export`)."""
        check_input_shape(input_shape, (self.n_items,), "RBMRecommender", "rating matrices")

    @property
    def input_dtype(self):
        """Ratings are integers 0..5: float inputs are converted to int32 (for `export`'s
        signature too)."""
        return "int32"

    # ------------------------------------------------------------------ parameters

    def _w(self, variable):
        """A weight in the compute dtype (the helpers below also run outside `call`,
        where Keras does not cast the float32 variables of a mixed policy)."""
        return ops.cast(variable, self.compute_dtype)

    def _flat_kernel(self):
        """The effective W as (n_items * 5, n_hidden): per-item part (+ shared part)."""
        if self.factor_rank is None:
            kernel = self._w(self.kernel_flat)
        else:
            kernel = ops.matmul(self._w(self.kernel_items), self._w(self.kernel_hidden))
        if self.shared_rating_weights:
            kernel = kernel + ops.tile(self._w(self.rating_kernel), (self.n_items, 1))
        if self.ordinal_weights:
            centred = ops.cast(ops.arange(N_LEVELS), self.compute_dtype) - (N_LEVELS - 1) / 2.0  # k - 3
            ordinal = centred[None, :, None] * self._w(self.ordinal_kernel)[:, None, :]
            kernel = kernel + ops.reshape(ordinal, (self.n_items * N_LEVELS, self.n_hidden))
        return kernel

    @property
    def kernel(self):
        """The effective W as a (n_items, 5, n_hidden) tensor (A B when factored, plus the
        shared rating weights U when `shared_rating_weights`)."""
        return ops.reshape(self._flat_kernel(), (self.n_items, N_LEVELS, self.n_hidden))

    def _decayed(self):
        out = list(self._kernel_vars)
        if self.conditional:
            out.append(self.implicit_kernel)
        if self.ordinal_weights:
            out.append(self.ordinal_kernel)
        return out

    # ------------------------------------------------------------------ building blocks

    def _inputs(self, x):
        """x -> (one-hot ratings (B, I, K), mask (B, I), rated (B, I)) float tensors."""
        if isinstance(x, dict):
            unknown = set(x) - {"ratings", "rated"}
            if "ratings" not in x or unknown:
                raise ValueError(
                    "RBMRecommender takes a ratings matrix or a dict with keys 'ratings' and "
                    f"optionally 'rated'. Received keys: {sorted(x)}"
                )
            ratings, rated = x["ratings"], x.get("rated")
        else:
            ratings, rated = x, None
        dtype = self.compute_dtype
        ratings = ops.cast(ops.round(ops.cast(ratings, "float32")), "int32")
        mask = ops.cast(ratings > 0, dtype)
        onehot = ops.one_hot(ops.clip(ratings - 1, 0, N_LEVELS - 1), N_LEVELS, dtype=dtype)
        onehot = onehot * mask[..., None]
        if rated is None or not self.conditional:
            rated = mask
        else:
            rated = ops.maximum(ops.cast(rated, dtype), mask)
        return onehot, mask, rated

    def _params(self, frozen=False):
        """The effective parameters as tensors in the compute dtype: "kernel" (the flat W,
        (n_items * 5, n_hidden)), "hidden_bias", "visible_bias" and, when `conditional`,
        "implicit_kernel". `frozen`: behind `stop_gradient`, for the negative phase of CD
        (whose Gibbs chain is held fixed; on JAX a loop with a traced length cannot be
        differentiated, so nothing in it may depend on the weights)."""
        p = {"kernel": self._flat_kernel(), "hidden_bias": self._w(self.hidden_bias),
             "visible_bias": self._w(self.visible_bias)}
        if self.conditional:
            p["implicit_kernel"] = self._w(self.implicit_kernel)
        if frozen:
            p = {key: ops.stop_gradient(value) for key, value in p.items()}
        return p

    def _hidden_input(self, onehot, rated, p):
        flat = ops.reshape(onehot, (-1, self.n_items * N_LEVELS))
        a = ops.matmul(flat, p["kernel"]) + p["hidden_bias"]
        if self.conditional:
            a = a + ops.matmul(rated, p["implicit_kernel"])
        return a

    def _visible_logits(self, hidden, p):
        logits = ops.matmul(hidden, ops.transpose(p["kernel"]))
        return ops.reshape(logits, (-1, self.n_items, N_LEVELS)) + p["visible_bias"]

    def _free_energy(self, onehot, rated, p, hidden_mask=None):
        """F(V) per user: -sum v b - sum_j softplus(hidden input) (over the kept units)."""
        a = self._hidden_input(onehot, rated, p)
        vb = ops.sum(onehot * p["visible_bias"], axis=(1, 2))
        soft = ops.softplus(a)
        if hidden_mask is not None:
            soft = soft * hidden_mask
        return -vb - ops.sum(soft, axis=-1)

    def _chain_seed(self, base, index):
        """The seed of the `index`-th draw inside the Gibbs loop. TensorFlow draws from the
        model's SeedGenerator there (a variable, updated inside the loop); JAX cannot
        update a variable inside a traced loop, so its draws are keyed by `base` (one
        `SeedGenerator.next()` per step, drawn outside the loop) plus `[index, 0]`, which
        gives independent streams (a counter-based generator hashes the whole key)."""
        if base is None:
            return self.seed_generator
        return base + ops.cast(ops.stack([index, 0]), base.dtype)

    def _sample_visible(self, logits, mask, seed=None):
        flat = ops.reshape(logits, (-1, N_LEVELS))
        idx = keras.random.categorical(flat, 1, seed=self.seed_generator if seed is None else seed)[:, 0]
        onehot = ops.one_hot(idx, N_LEVELS, dtype=logits.dtype)
        return ops.reshape(onehot, ops.shape(logits)) * mask[..., None]

    def _sample_hidden(self, prob, seed=None):
        u = keras.random.uniform(ops.shape(prob), seed=self.seed_generator if seed is None else seed)
        return ops.cast(u < ops.cast(prob, u.dtype), prob.dtype)

    def _predict_from(self, onehot, rated, p):
        """Expected ratings (B, I) of every item, each item q conditioned on r_q = 1."""
        levels = ops.cast(ops.arange(1, N_LEVELS + 1), self.compute_dtype)
        a = self._hidden_input(onehot, rated, p)
        kernel = ops.reshape(p["kernel"], (self.n_items, N_LEVELS, self.n_hidden))
        if self.conditional:
            # (B, I, F): the hidden input with the query item marked as rated.
            a_q = a[:, None, :] + (1.0 - rated)[..., None] * p["implicit_kernel"][None]
        else:
            a_q = None
        keep = 1.0 - self.hidden_dropout  # the weight-scaling rule of dropout
        if self.prediction == "mean_field":
            if a_q is None:
                logits = self._visible_logits(keep * ops.sigmoid(a), p)
            else:
                logits = ops.einsum("bif,ikf->bik", keep * ops.sigmoid(a_q), kernel) + p["visible_bias"]
        else:
            base = a[:, None, :] if a_q is None else a_q  # (B, 1 or I, F)
            # log p(v_q = k) = b_qk + sum_j softplus(a_qj + W_qjk) - sum_j softplus(a_qj) + const
            pre = base[:, :, None, :] + kernel[None]  # (B, I, K, F)
            logits = keep * (ops.sum(ops.softplus(pre), axis=-1) - ops.sum(
                ops.softplus(base), axis=-1)[..., None]) + p["visible_bias"]
        return ops.sum(ops.softmax(logits, axis=-1) * levels, axis=-1)

    # ------------------------------------------------------------------ Keras API

    def call(self, inputs):
        """Expected ratings of every item, shape (B, n_items), given the users' ratings."""
        onehot, _, rated = self._inputs(inputs)
        return self._predict_from(onehot, rated, self._params())

    def transform(self, x):
        """P(h = 1 | V, r): the users' hidden features, (B, n_hidden)."""
        onehot, _, rated = self._inputs(x)
        return ops.sigmoid(self._hidden_input(onehot, rated, self._params()))

    @property
    def metrics(self):
        return [self.loss_tracker, self.rmse_tracker]

    def compile(self, optimizer=None, **kwargs):
        """`compile()` with no arguments: Adam(learning_rate=0.002), the recipe's optimizer."""
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=0.002)
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, with the `cd_k` schedule applied by a `CDStepsSchedule`."""
        callbacks = list(callbacks or [])
        if not any(isinstance(c, CDStepsSchedule) for c in callbacks):
            callbacks.insert(0, CDStepsSchedule(self.cd_k))
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The whole CD step as a loss (Keras's own `train_step` runs it on every backend).

        Training: the CD surrogate, mean F(V_data) - mean F(V_T) + weight decay, whose
        gradient is the CD-T update (the chain V_T held fixed), and the monitors (`loss`,
        `rmse` of the one-step mean-field reconstruction). Evaluation (`test_step`): see
        `_evaluation_loss`. `y_pred` (the model's predictions) is not used.
        """
        del y_pred, sample_weight
        if training:
            return self._cd_loss(x)
        return self._evaluation_loss(x, y)

    def _cd_loss(self, x):
        onehot, mask, rated = self._inputs(x)
        frozen = self._params(frozen=True)

        # Hidden dropout: each user's RBM keeps a random subset of the hidden units in
        # both phases (Srivastava et al., 2014).
        hidden_mask = None
        if self.hidden_dropout > 0:
            u = keras.random.uniform((ops.shape(onehot)[0], self.n_hidden), seed=self.seed_generator)
            hidden_mask = ops.cast(u >= self.hidden_dropout, self.compute_dtype)

        def hidden_prob(v):
            prob = ops.sigmoid(self._hidden_input(v, rated, frozen))
            return prob if hidden_mask is None else prob * hidden_mask

        # Negative phase: T Gibbs steps over the rated items, from the data.
        h0 = hidden_prob(onehot)
        base = None if keras.backend.backend() == "tensorflow" else self.seed_generator.next()

        def gibbs(i, state):
            h_sample, _ = state
            logits = self._visible_logits(h_sample, frozen)
            v_sample = self._sample_visible(logits, mask, self._chain_seed(base, 2 * i + 1))
            h_prob = hidden_prob(v_sample)
            v_prob = ops.softmax(logits, axis=-1) * mask[..., None]
            return self._sample_hidden(h_prob, self._chain_seed(base, 2 * i + 2)), v_prob

        h_start = self._sample_hidden(h0, self._chain_seed(base, 0))
        _, v_neg = ops.fori_loop(0, self.cd_steps.value, gibbs, (h_start, onehot))
        v_neg = ops.stop_gradient(v_neg)

        params = self._params()
        # The free energies (sums over items and units) and the loss in float32.
        f_data = ops.cast(self._free_energy(onehot, rated, params, hidden_mask), "float32")
        f_model = ops.cast(self._free_energy(v_neg, rated, params, hidden_mask), "float32")
        gap = ops.mean(f_data) - ops.mean(f_model)
        decay = sum(ops.sum(ops.square(ops.cast(w, "float32"))) for w in self._decayed())
        loss = gap + 0.5 * self.weight_decay * decay

        # Monitoring: the one-step mean-field reconstruction of the observed ratings
        # (through the kept hidden units).
        levels = ops.cast(ops.arange(1, N_LEVELS + 1), self.compute_dtype)
        recon = ops.sum(ops.softmax(self._visible_logits(h0, frozen), axis=-1) * levels, -1)
        observed = ops.sum(onehot * levels, axis=-1)
        self.loss_tracker.update_state(loss)
        self.rmse_tracker.update_state(observed, recon * mask)
        return loss

    def _evaluation_loss(self, x, y):
        """With y (held-out ratings, 0 = missing): `rmse` of the predictions of y's entries
        (the conditional RBM sees which entries, not their values) and `loss` their mean
        squared error; without y: the same for the one-step reconstruction of x."""
        onehot, mask, rated = self._inputs(x)
        p = self._params()
        levels = ops.cast(ops.arange(1, N_LEVELS + 1), self.compute_dtype)
        if y is None:
            h = (1.0 - self.hidden_dropout) * ops.sigmoid(self._hidden_input(onehot, rated, p))
            target = ops.sum(onehot * levels, axis=-1)
            pred = ops.sum(ops.softmax(self._visible_logits(h, p), axis=-1) * levels, -1)
        else:
            target = ops.cast(y, self.compute_dtype)
            if self.conditional:
                rated = ops.maximum(rated, ops.cast(target > 0, self.compute_dtype))
            pred = self._predict_from(onehot, rated, p)
        target, pred = ops.cast(target, "float32"), ops.cast(pred, "float32")
        observed = ops.cast(target > 0, "float32")
        sq = ops.sum(observed * ops.square(pred - target))
        mse = sq / ops.maximum(ops.sum(observed), 1.0)
        self.loss_tracker.update_state(mse, sample_weight=ops.sum(observed))
        self.rmse_tracker.update_state(target, pred)
        return mse

    # ------------------------------------------------------------------ data and training

    def training_data(self, history, rated=None):
        """`fit`'s (x, y) from a rating history (n, 3): x = {"ratings": int32, "rated":
        float32} (users x items), y = None (CD is unsupervised).

        Args:
            history: (n, 3) [user_id, item_id, rating], e.g. ``u1.base``.
            rated: optional (m, 2) or (m, 3) array of further (user_id, item_id) pairs known
                to be rated, ratings unused (the conditional RBM's implicit information,
                e.g. the test pairs).
        """
        matrix = ratings_matrix(history, self.n_users, self.n_items)
        return {"ratings": matrix.astype(np.int32), "rated": self._rated(matrix, rated)}, None

    def _rated(self, matrix, rated):
        out = (matrix > 0).astype(np.float32)
        if rated is not None:
            pairs = np.asarray(rated)
            if pairs.ndim != 2 or pairs.shape[1] not in (2, 3):
                raise ValueError(
                    "`rated` must be an array of (user_id, item_id) rows, shape (m, 2) or "
                    f"(m, 3). Received: shape={pairs.shape}"
                )
            users = check_ids(pairs[:, 0], "user_ids", self.n_users)
            items = check_ids(pairs[:, 1], "item_ids", self.n_items)
            out[users, items] = 1.0
        return out

    def init_visible_bias(self, history, smoothing=0.5):
        """Sets b_i^k = log of item i's smoothed frequency of rating k in `history`."""
        arr = check_history(history, self.n_users, self.n_items)
        counts = np.full((self.n_items, N_LEVELS), float(smoothing))
        np.add.at(counts, (arr[:, 1] - 1, arr[:, 2] - 1), 1.0)
        self.visible_bias.assign(np.log(counts / counts.sum(axis=1, keepdims=True)).astype("float32"))

    def fit_ratings(self, history, epochs=30, batch_size=10, validation=None, rated=None,
                    callbacks=(), verbose="auto", init_biases="auto", shuffle=True,
                    learning_rate="auto", lr_decay=1.0, ema_momentum="auto"):
        """Trains on a rating history; compiles with the defaults first if not compiled.

        Args:
            history: (n, 3) training ratings [user_id, item_id, rating].
            epochs, batch_size: `fit`'s; a batch is `batch_size` users.
            validation: optional (m, 3) held-out ratings: `val_rmse` after every epoch
                (the conditional RBM sees which of them were rated, not their ratings).
                The RBM's own training step tracks `rmse` outside Keras' compiled
                metrics, where `EarlyStopping` looks for a direction: pass `mode="min"`
                (`EarlyStopping("val_rmse", mode="min")`).
            rated: further (user_id, item_id) pairs known to be rated (conditional RBM).
            init_biases: "auto" sets the visible biases from the rating frequencies when
                they are still all zero (a new model); True or False forces it.
            learning_rate: compile with Adam(learning_rate), multiplied by `lr_decay`
                after every epoch; None keeps the model's compile() (or the defaults).
                "auto" (the default): None for a model that is not `trained` yet, and
                for a trained one the recipe's constant rate, `FINE_TUNE_LEARNING_RATE`
                = 0.002 (see below).
            lr_decay: the per-epoch learning-rate factor, in (0, 1].
            ema_momentum: "auto" (the default): the recipe's 0.995 when fine-tuning a
                `trained` model at the default rate, else 0. A number > 0 (with
                `learning_rate`) averages the weights over training:
                the model ends with the exponential moving average of its iterates,
                w_avg <- m w_avg + (1 - m) w after every step (Polyak averaging, Keras'
                `use_ema`), which smooths out the noise of the CD updates. The model is
                then re-compiled without averaging (Adam(learning_rate)), so that a later
                `fit` trains the weights themselves.
        A `trained` model (fitted before, or loaded from a file: a zoo entry) is
        fine-tuned where its recipe ended: at the recipe's rate, Adam(0.002), with its
        averaging of the weights (EMA 0.995: the published weights are such an average,
        and plain iterates at that rate are noisier), and with the chains at the last
        stage of `cd_k` (CD-5 for the default schedule) from the first epoch, rather
        than the schedule restarting at CD-1 (pass a `CDStepsSchedule` in `callbacks` to
        choose). One epoch of this default fine-tune on the training fold moves the
        published entry's u1 RMSE by less than 0.005.

        Returns:
            The Keras `History` (its `val_rmse` is that of the current, not the averaged,
            weights).
        """
        trained = self.trained
        if isinstance(learning_rate, str):
            if learning_rate != "auto":
                raise ValueError(
                    "`learning_rate` must be 'auto', a positive number or None. "
                    f"Received: learning_rate={learning_rate!r}")
            learning_rate = FINE_TUNE_LEARNING_RATE if trained else None
        if isinstance(ema_momentum, str):
            if ema_momentum != "auto":
                raise ValueError(
                    "`ema_momentum` must be 'auto' or a number in [0, 1). "
                    f"Received: ema_momentum={ema_momentum!r}")
            ema_momentum = FINE_TUNE_EMA_MOMENTUM if trained and learning_rate is not None else 0.0
        ema_momentum = check_fraction(ema_momentum, "ema_momentum")
        if isinstance(lr_decay, bool) or not isinstance(lr_decay, numbers.Real) or not (
            0 < lr_decay <= 1
        ):
            raise ValueError(f"`lr_decay` must be a number in (0, 1]. Received: lr_decay={lr_decay!r}")
        lr_decay = float(lr_decay)
        if ema_momentum and learning_rate is None:
            raise ValueError(
                "`ema_momentum` needs `learning_rate` (fit_ratings compiles the averaging "
                f"optimizer itself). Received: ema_momentum={ema_momentum}, learning_rate=None"
            )
        if init_biases is True or (
            init_biases == "auto" and not np.any(keras.ops.convert_to_numpy(self.visible_bias))
        ):
            self.init_visible_bias(history)
        extra = rated
        if validation is not None:
            validation = check_history(validation, self.n_users, self.n_items, "validation")
            extra = validation if rated is None else np.concatenate(
                [np.asarray(rated)[:, :2], validation[:, :2]])
        x, _ = self.training_data(history, extra)
        if learning_rate is not None:
            rate = float(learning_rate)
            if lr_decay < 1.0:
                steps = max(1, math.ceil(self.n_users / batch_size))
                rate = keras.optimizers.schedules.ExponentialDecay(
                    rate, decay_steps=steps, decay_rate=lr_decay, staircase=True)
            self.compile(optimizer=keras.optimizers.Adam(
                learning_rate=rate, use_ema=ema_momentum > 0, ema_momentum=ema_momentum or 0.99))
        elif not self.compiled:
            self.compile()
        val = None
        if validation is not None:
            val = (x, ratings_matrix(validation, self.n_users, self.n_items))
        callbacks = list(callbacks)
        if trained and not any(isinstance(c, CDStepsSchedule) for c in callbacks):
            # A fine-tune continues where the recipe ended: at its last, longest chains.
            callbacks.insert(0, CDStepsSchedule(self.cd_k[-1][1]))
        out = self.fit(x, epochs=epochs, batch_size=batch_size, validation_data=val,
                       callbacks=callbacks, verbose=verbose, shuffle=shuffle)
        if ema_momentum:
            # `fit` has swapped the averages in; later training starts from them, plainly.
            self.compile(optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)))
        return out

    # ------------------------------------------------------------------ recommender API

    def _predict_rows(self, users, matrix, rated):
        rows = matrix[users]
        r = (rows > 0).astype(np.float32) if rated is None else rated[users].astype(np.float32)
        out = []
        chunk = 16 if (self.prediction == "exact" or self.conditional) else 256
        for start in range(0, len(users), chunk):
            x = {"ratings": rows[start:start + chunk].astype(np.int32), "rated": r[start:start + chunk]}
            out.append(np.asarray(keras.ops.convert_to_numpy(self._predict_fn(x)), np.float32))
        return np.concatenate(out) if out else np.zeros((0, self.n_items), np.float32)

    def _predict_fn(self, x):
        return predict_batch(self, x)

    def _predict_pairs(self, users, items, matrix):
        # The queried pairs count as rated: the conditional RBM's implicit information.
        rated = (matrix > 0)
        rated[users, items] = True
        out = np.empty(users.size, dtype=np.float32)
        uniq, inverse = np.unique(users, return_inverse=True)
        for start in range(0, uniq.size, 256):
            chunk = uniq[start:start + 256]
            rows = self._predict_rows(chunk, matrix, rated)
            sel = (inverse >= start) & (inverse < start + chunk.size)
            out[sel] = rows[inverse[sel] - start, items[sel]]
        return out

    def _fold_in_rows(self, matrix):
        return self._predict_rows(np.arange(matrix.shape[0]), matrix, None)

    def serving_endpoints(self):
        """SavedModel signatures (TensorFlow only: a SavedModel is a TensorFlow export)."""
        import tensorflow as tf

        ratings = tf.TensorSpec((None, self.n_items), tf.int32, name="ratings")
        endpoints = {
            "predict_ratings": (lambda r: self.call(r), [ratings]),
            "transform": (lambda r: self.transform(r), [ratings]),
        }
        if self.conditional:
            rated = tf.TensorSpec((None, self.n_items), tf.float32, name="rated")
            endpoints["predict_ratings_implicit"] = (
                lambda r, m: self.call({"ratings": r, "rated": m}), [ratings, rated])
        return endpoints

    def get_config(self):
        return {
            **super().get_config(),
            "n_hidden": self.n_hidden,
            "conditional": self.conditional,
            "factor_rank": self.factor_rank,
            "shared_rating_weights": self.shared_rating_weights,
            "ordinal_weights": self.ordinal_weights,
            "hidden_dropout": self.hidden_dropout,
            "cd_k": [list(p) for p in self.cd_k],
            "weight_decay": self.weight_decay,
            "prediction": self.prediction,
            "n_users": self.n_users,
            "n_items": self.n_items,
            "history_fold": self.history_fold,
            "seed": self.seed,
        }
