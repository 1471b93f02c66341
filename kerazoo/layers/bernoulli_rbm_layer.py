"""The Bernoulli-Bernoulli restricted Boltzmann machine as a Keras layer."""

import keras
from keras import ops

from kerazoo.layers import sampling
from kerazoo.utils import check_positive_int


def matmul_transpose_b(a, b):
    """`a @ b^T`. On TensorFlow `tf.matmul(..., transpose_b=True)`, which does not
    materialise `b^T` in eager mode; XLA (JAX) folds the transpose into the product."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.matmul(a, b, transpose_b=True)
    return ops.matmul(a, ops.transpose(b))


def _gather_columns(x, index):
    """`x[b, index[b]]` for each row `b` (one entry per row)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.gather(x, index, axis=1, batch_dims=1)
    return ops.take_along_axis(x, index[:, None], axis=1)[:, 0]


def _gather_rows(x, index):
    """`x[index]` along the first axis."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.gather(x, index)
    return ops.take(x, index, axis=0)


@keras.saving.register_keras_serializable(package="kerazoo")
class BernoulliRBMLayer(keras.layers.Layer):
    """Weights and conditionals of an RBM with binary visible and hidden units.

    The joint distribution of visible units `v in {0, 1}^V` and hidden units
    `h in {0, 1}^H` is `p(v, h) = exp(-E(v, h)) / Z` with the energy

        E(v, h) = -b.v - c.h - v^T W h

    (`W` = `kernel`, shape `(V, H)`; `b` = `visible_bias`; `c` = `hidden_bias`).
    The units of one layer are independent given the other:

        p(h_j = 1 | v) = sigmoid(c_j + sum_i v_i W_ij)
        p(v_i = 1 | h) = sigmoid(b_i + sum_j W_ij h_j)

    and summing out `h` gives the free energy, `p(v) = exp(-F(v)) / Z`:

        F(v) = -b.v - sum_j softplus(c_j + sum_i v_i W_ij).

    Calling the layer returns `p(h = 1 | v)`, so it also serves as the
    feature layer of a deep belief net. Its methods give the other pieces a
    training loop needs: `free_energy`, `hidden_logits`, `visible_probabilities`,
    stateless `sample_hidden` / `sample_visible` and the stochastic
    `pseudo_log_likelihood` monitor.

    References: Smolensky (1986), "Information processing in dynamical systems";
    Hinton (2002), "Training products of experts by minimizing contrastive
    divergence"; Hinton (2010), "A practical guide to training restricted
    Boltzmann machines", UTML TR 2010-003.

    Args:
        n_hidden: number of hidden units `H`.
        kernel_initializer: initializer of `W`; by default `N(0, 0.01^2)` as in
            Hinton's guide (section 8).
        visible_bias_initializer, hidden_bias_initializer: initializers of `b`, `c`
            (zeros by default).

    Input shape: `(batch, V)` (flat visible vectors, values in [0, 1]).
    Output shape: `(batch, H)`.
    """

    def __init__(
        self,
        n_hidden,
        kernel_initializer=None,
        visible_bias_initializer="zeros",
        hidden_bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(stddev=0.01)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.visible_bias_initializer = keras.initializers.get(visible_bias_initializer)
        self.hidden_bias_initializer = keras.initializers.get(hidden_bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        n_visible = input_shape[-1]
        if n_visible is None:
            raise ValueError(
                f"{self.__class__.__name__} needs a known number of visible units (last "
                f"axis). Received: input_shape={input_shape}"
            )
        self.n_visible = int(n_visible)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.n_visible, self.n_hidden),
            initializer=self.kernel_initializer,
        )
        self.visible_bias = self.add_weight(
            name="visible_bias", shape=(self.n_visible,), initializer=self.visible_bias_initializer
        )
        self.hidden_bias = self.add_weight(
            name="hidden_bias", shape=(self.n_hidden,), initializer=self.hidden_bias_initializer
        )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: self.n_visible})

    def _tensor(self, x):
        return ops.cast(ops.convert_to_tensor(x), self.compute_dtype)

    def _weight(self, variable):
        """A weight in the compute dtype: the methods below are called directly, outside
        `__call__`, where Keras would cast the variables of a mixed policy itself."""
        return ops.cast(variable, self.compute_dtype)

    # -- conditionals -------------------------------------------------------------

    def hidden_logits(self, v):
        """`c + v W`, the total input of each hidden unit."""
        return ops.matmul(self._tensor(v), self._weight(self.kernel)) + self._weight(self.hidden_bias)

    def visible_logits(self, h):
        """`b + h W^T`, the total input of each visible unit."""
        return matmul_transpose_b(self._tensor(h), self._weight(self.kernel)) + self._weight(
            self.visible_bias
        )

    def hidden_probabilities(self, v):
        """`p(h = 1 | v)`."""
        return ops.sigmoid(self.hidden_logits(v))

    def visible_probabilities(self, h):
        """`p(v = 1 | h)`; for the Bernoulli layer this is also `E[v | h]`."""
        return ops.sigmoid(self.visible_logits(h))

    def visible_mean(self, h):
        """`E[v | h]` (the reconstruction); equal to `visible_probabilities` here."""
        return self.visible_probabilities(h)

    def sample_hidden(self, v, seed, hidden_logits=None, alg="auto_select"):
        """A draw `h ~ p(h | v)`; pass `hidden_logits` if already computed.

        `seed` is a stateless key (see `kerazoo.layers.sampling`), `alg` its bit
        generator.
        """
        v = self._tensor(v)
        logits = self.hidden_logits(v) if hidden_logits is None else hidden_logits
        return sampling.bernoulli(ops.sigmoid(logits), seed, alg=alg)

    def sample_visible(self, h, seed, alg="auto_select"):
        """A draw `v ~ p(v | h)`."""
        return self.draw_visible(self.visible_mean(h), seed, alg=alg)

    def draw_visible(self, mean, seed, alg="auto_select"):
        """A draw of the visible units given their conditional mean `E[v | h]`."""
        return sampling.bernoulli(self._tensor(mean), seed, alg=alg)

    def call(self, inputs):
        return self.hidden_probabilities(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.n_hidden,)

    # -- energies -----------------------------------------------------------------

    def free_energy(self, v, hidden_logits=None, hidden_probabilities=None):
        """`F(v) = -b.v - sum_j softplus(c_j + (v W)_j)`, one value per row of `v`.

        `hidden_logits` and `hidden_probabilities`, when given, must be
        `self.hidden_logits(v)` and its sigmoid: a training step shares them between
        sampling and the free energy (one matrix product and one sigmoid per unit;
        see `kerazoo.layers.sampling.softplus_sum`).
        """
        v = self._tensor(v)
        return -ops.sum(v * self._weight(self.visible_bias), axis=-1) - self._softplus_sum(
            v, hidden_logits, hidden_probabilities
        )

    def _softplus_sum(self, v, logits, probabilities):
        logits = self.hidden_logits(v) if logits is None else logits
        probabilities = ops.sigmoid(logits) if probabilities is None else probabilities
        return sampling.softplus_sum(logits, probabilities)

    def energy(self, v, h):
        """`E(v, h) = -b.v - c.h - v^T W h`, one value per row."""
        v, h = self._tensor(v), self._tensor(h)
        return (
            -ops.sum(v * self._weight(self.visible_bias), axis=-1)
            - ops.sum(h * self._weight(self.hidden_bias), axis=-1)
            - ops.sum(ops.matmul(v, self._weight(self.kernel)) * h, axis=-1)
        )

    def pseudo_log_likelihood(self, v, seed, hidden_logits=None, free_energy=None,
                              alg="auto_select"):
        """A one-sample stochastic estimate of the pseudo-log-likelihood of each row.

        `PL(v) = sum_i log p(v_i | v_{-i})` (Besag 1975). With one unit `i` drawn
        uniformly per row and `v~` the row with unit `i` flipped (`1 - v_i`),

            PL(v) ~= V * log sigmoid(F(v~) - F(v))

        (the estimator of scikit-learn's `BernoulliRBM.score_samples`). Flipping
        one unit changes the hidden inputs by `(1 - 2 v_i) W_i`, so no new matrix
        product is needed; `hidden_logits` and `free_energy` of `v`, when given,
        are reused. The estimate is a difference of sums over all units, so it is
        computed in float32 (returned in float32) under any dtype policy.
        """
        v = self._tensor(v)
        logits = self.hidden_logits(v) if hidden_logits is None else hidden_logits
        if free_energy is None:
            free_energy = self.free_energy(v, logits)
        v, logits, free_energy = (ops.cast(t, "float32") for t in (v, logits, free_energy))
        n_visible = v.shape[-1] if v.shape[-1] is not None else ops.shape(v)[-1]
        index = sampling.uniform_int((ops.shape(v)[0],), n_visible, seed, alg=alg)
        v_i = _gather_columns(v, index)
        delta = 1.0 - 2.0 * v_i  # the change of v_i when flipped (for v in [0, 1])
        kernel, visible_bias = (ops.cast(w, "float32") for w in (self.kernel, self.visible_bias))
        flipped_logits = logits + delta[:, None] * _gather_rows(kernel, index)
        # F(v~) - F(v) = -delta b_i - sum_j softplus(a~_j) + sum_j softplus(a_j),
        # the last sum being -F(v) - b.v
        softplus_sum = -free_energy - ops.sum(v * visible_bias, axis=-1)
        gap = (
            -delta * _gather_rows(visible_bias, index)
            - ops.sum(ops.softplus(flipped_logits), axis=-1)
            + softplus_sum
        )
        return ops.cast(n_visible, v.dtype) * ops.log_sigmoid(gap)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "n_hidden": self.n_hidden,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "visible_bias_initializer": keras.initializers.serialize(
                    self.visible_bias_initializer
                ),
                "hidden_bias_initializer": keras.initializers.serialize(
                    self.hidden_bias_initializer
                ),
            }
        )
        return config
