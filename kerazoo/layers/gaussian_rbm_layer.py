"""The Gaussian-Bernoulli restricted Boltzmann machine as a Keras layer."""

import keras
from keras import ops

from kerazoo.layers import sampling
from kerazoo.layers.bernoulli_rbm_layer import BernoulliRBMLayer, matmul_transpose_b


@keras.saving.register_keras_serializable(package="kerazoo")
class GaussianBernoulliRBMLayer(BernoulliRBMLayer):
    """Weights and conditionals of an RBM with real visible and binary hidden units.

    The energy (Hinton 2010, section 13.2; Krizhevsky 2009, chapter 1.4) is

        E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij (v_i / sigma_i) W_ij h_j

    which gives

        p(h_j = 1 | v) = sigmoid(c_j + sum_i (v_i / sigma_i) W_ij)
        p(v_i | h)     = N(b_i + sigma_i sum_j W_ij h_j, sigma_i^2)
        F(v)           = sum_i (v_i - b_i)^2 / (2 sigma_i^2)
                         - sum_j softplus(c_j + sum_i (v_i / sigma_i) W_ij).

    With `learn_sigma=False` (the default) `sigma_i = 1`, which is the usual choice
    for data standardized to zero mean and unit variance per component: learning
    the variances by contrastive divergence is known to be unstable (Hinton 2010,
    13.2; Cho, Ilin & Raiko 2011). With `learn_sigma=True` the layer holds
    `log_sigma` (one per visible unit, initialised at 0) and learns it with the
    other weights.

    Args:
        n_hidden: number of hidden units.
        learn_sigma: learn the visible standard deviations (as `log_sigma`).
        kernel_initializer, visible_bias_initializer, hidden_bias_initializer: as in
            `BernoulliRBMLayer`.
    """

    def __init__(self, n_hidden, learn_sigma=False, **kwargs):
        super().__init__(n_hidden, **kwargs)
        if not isinstance(learn_sigma, bool):
            raise TypeError(f"`learn_sigma` must be a bool. Received: learn_sigma={learn_sigma!r}")
        self.learn_sigma = learn_sigma

    def build(self, input_shape):
        super().build(input_shape)
        if self.learn_sigma:
            self.log_sigma = self.add_weight(
                name="log_sigma", shape=(self.n_visible,), initializer="zeros"
            )

    @property
    def sigma(self):
        """The visible standard deviations, or `None` for unit variances."""
        return ops.exp(self.log_sigma) if self.learn_sigma else None

    def _scaled(self, v):
        v = self._tensor(v)
        return v if not self.learn_sigma else v / ops.exp(self._weight(self.log_sigma))

    def hidden_logits(self, v):
        return ops.matmul(self._scaled(v), self._weight(self.kernel)) + self._weight(self.hidden_bias)

    def visible_mean(self, h):
        """`E[v | h] = b + sigma * (h W^T)`."""
        top_down = matmul_transpose_b(self._tensor(h), self._weight(self.kernel))
        if self.learn_sigma:
            top_down = top_down * ops.exp(self._weight(self.log_sigma))
        return top_down + self._weight(self.visible_bias)

    def visible_logits(self, h):
        raise NotImplementedError("Gaussian visible units have no logits; use visible_mean().")

    def visible_probabilities(self, h):
        raise NotImplementedError(
            "Gaussian visible units have a density, not probabilities; use visible_mean() "
            "or sample_visible()."
        )

    def draw_visible(self, mean, seed, alg="auto_select"):
        """A draw `v ~ N(mean, sigma^2)` given the conditional mean `E[v | h]`."""
        mean = self._tensor(mean)
        stddev = 1.0 if not self.learn_sigma else ops.exp(self._weight(self.log_sigma))
        return sampling.gaussian(mean, stddev, seed, alg=alg)

    def free_energy(self, v, hidden_logits=None, hidden_probabilities=None):
        v = self._tensor(v)
        quadratic = ops.square(v - self._weight(self.visible_bias))
        if self.learn_sigma:
            quadratic = quadratic * ops.exp(-2.0 * self._weight(self.log_sigma))
        return 0.5 * ops.sum(quadratic, axis=-1) - self._softplus_sum(
            v, hidden_logits, hidden_probabilities
        )

    def energy(self, v, h):
        v, h = self._tensor(v), self._tensor(h)
        quadratic = ops.square(v - self._weight(self.visible_bias))
        if self.learn_sigma:
            quadratic = quadratic * ops.exp(-2.0 * self._weight(self.log_sigma))
        return (
            0.5 * ops.sum(quadratic, axis=-1)
            - ops.sum(h * self._weight(self.hidden_bias), axis=-1)
            - ops.sum(ops.matmul(self._scaled(v), self._weight(self.kernel)) * h, axis=-1)
        )

    def pseudo_log_likelihood(self, v, seed, hidden_logits=None, alg="auto_select"):
        raise NotImplementedError(
            "The pseudo-log-likelihood monitor is defined for binary visible units only."
        )

    def get_config(self):
        config = super().get_config()
        config["learn_sigma"] = self.learn_sigma
        return config
