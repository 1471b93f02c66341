"""`BernoulliRBM`: binary visible and hidden units, trained by CD-k or persistent CD."""


import keras
import numpy as np
from keras import ops

from kerazoo.layers import BernoulliRBMLayer
from kerazoo.models.rbm.base import RBM, LogLikelihood, _check_float
from kerazoo.utils import check_images


@keras.saving.register_keras_serializable(package="kerazoo")
class BernoulliRBM(RBM):
    """A restricted Boltzmann machine with binary visible and hidden units.

    `p(v, h) = exp(b.v + c.h + v^T W h) / Z` on `v in {0,1}^V`, `h in {0,1}^H`
    (see `kerazoo.layers.BernoulliRBMLayer` for the conditionals and the free
    energy). Images `(N, 28, 28, 1)` in [0, 1] are flattened inside and binarized
    at `binarize` (a pixel is on when `x > binarize`); `binarize=None` takes the
    values themselves as the visible units' states (probabilities, the
    "mean-field data" of Hinton's guide, section 3.3).

    Training is `compile()` + `fit()`: each step runs a Gibbs chain for the negative
    statistics (CD-k from the data, or PCD from `n_chains` persistent chains) and
    the optimizer follows the gradient of `mean F(data) - mean F(chain samples)` plus
    the weight decay `0.5 * weight_decay * |W|^2` and, with `sparsity_target`, the
    cross-entropy sparsity penalty (see `kerazoo.models.rbm.base`). Before the first
    `fit`, `adapt` sets the visible biases to the log-odds of the pixels' base rates
    (Hinton 2010, section 8).

    The defaults are the recipe that won against scikit-learn's `BernoulliRBM` on
    binarized Fashion-MNIST at equal epochs, batch size and hidden units
    (`benchmarks/rbm_quality.py`): persistent CD with 100 chains, weight decay 1e-4,
    and `compile()`'s SGD with learning rate 0.05 (per example) and momentum 0.5.

    Args:
        n_hidden: number of hidden units.
        cd_k: Gibbs steps per update (CD-k, or PCD-k with `persistent=True`).
        persistent: keep the chains between updates (PCD; Tieleman 2008) instead of
            restarting them at the data (CD).
        n_chains: number of persistent chains (PCD only).
        weight_decay: L2 coefficient on the kernel.
        sparsity_target: target mean activation of the hidden units, or None.
        sparsity_cost: weight of the sparsity penalty (used with `sparsity_target`).
        binarize: threshold in [0, 1) or None (see above).
        image_shape: shape of one input image.
        seed: seed of the initial weights and of all Gibbs sampling.

    Example:

    ```python
    rbm = kerazoo.models.BernoulliRBM(500, seed=0)
    rbm.compile()
    rbm.fit(x_train, epochs=10, batch_size=100, validation_data=x_val)
    features = rbm.encode(x_test)               # p(h = 1 | v), (N, 500); transform: alias
    images = rbm.sample(16, gibbs_steps=1000)   # (16, 28, 28, 1)
    ll = rbm.log_likelihood(x_test, method="ais")
    print(ll.value, "+-", ll.std)
    ```
    """

    layer_class = BernoulliRBMLayer

    def __init__(
        self,
        n_hidden=500,
        cd_k=1,
        persistent=True,
        n_chains=100,
        weight_decay=1e-4,
        sparsity_target=None,
        sparsity_cost=0.1,
        binarize=0.5,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        if binarize is not None:
            binarize = _check_float(binarize, "binarize", low=0.0)
            if binarize >= 1.0:
                raise ValueError(
                    "`binarize` must be a threshold in [0, 1) or None. Received: "
                    f"binarize={binarize}"
                )
        self.binarize = binarize
        super().__init__(
            n_hidden,
            cd_k=cd_k,
            persistent=persistent,
            n_chains=n_chains,
            weight_decay=weight_decay,
            sparsity_target=sparsity_target,
            sparsity_cost=sparsity_cost,
            image_shape=image_shape,
            seed=seed,
            **kwargs,
        )

    def _create_monitors(self):
        super()._create_monitors()
        self.pseudo_log_likelihood_tracker = keras.metrics.Mean(name="pseudo_log_likelihood")

    def _to_visible(self, x):
        v = self._flatten(x)
        if self.binarize is not None:
            v = ops.cast(v > self.binarize, v.dtype)
        return v

    def _to_images(self, v):
        return ops.reshape(v, (-1,) + self.image_shape)

    def _update_monitors(self, v0, terms, seed):
        super()._update_monitors(v0, terms, seed)
        self.pseudo_log_likelihood_tracker.update_state(
            self.rbm.pseudo_log_likelihood(
                v0, seed, hidden_logits=terms["a0"], free_energy=terms["f0"], alg=self._rng_alg()
            )
        )

    def _adapt_from(self, x):
        v = self.visible_numpy(x)
        # Base rates with half a pseudo-count per outcome, so that pixels that are
        # never on get a large negative bias, not -inf.
        p = (v.sum(axis=0) + 0.5) / (len(v) + 1.0)
        self.rbm.visible_bias.assign(np.log(p) - np.log1p(-p))

    def visible_numpy(self, x):
        """The visible vectors the model sees for images `x`: (N, n_visible) float32."""
        x = check_images(x, "x", self.image_shape)
        v = x.reshape(len(x), self.n_visible)
        if self.binarize is not None:
            v = (v > self.binarize).astype(np.float32)
        return v

    def log_likelihood(
        self,
        x,
        method="ais",
        *,
        n_chains=100,
        n_betas=14500,
        base_visible_bias="data",
        seed=0,
    ):
        """Mean log-likelihood of images `x` in nats: `-mean F(v) - log Z`.

        Args:
            x: images (N, *image_shape) in [0, 1], binarized as in training. With
                `binarize=None` the values enter the free energy as they are, and the
                number is a log-likelihood only for binary images.
            method: "exact" (sums over all 2^H hidden states; H <= 24) or "ais"
                (annealed importance sampling, Salakhutdinov & Murray 2008).
            n_chains, n_betas: AIS runs and intermediate temperatures.
            base_visible_bias: the AIS base-rate model's visible biases: "data"
                (`kerazoo.metrics.base_rate_visible_bias` of the binarized `x`: the
                smoothed log-odds of its pixels), None (zeros: a uniform base model) or
                an array (n_visible,), e.g. the base rates of the training data.
            seed: seed of the AIS chains.

        Returns:
            A `LogLikelihood` (`float(result)` is the mean; `result.std` the spread of
            the AIS estimate of log Z, which carries over to the mean).
        """
        v = self._likelihood_inputs(x, method)
        from kerazoo import metrics

        kernel, visible_bias, hidden_bias = self.weights_numpy()
        if method == "ais" and isinstance(base_visible_bias, str):
            if base_visible_bias != "data":
                raise ValueError(
                    "`base_visible_bias` must be 'data', None or an array of shape "
                    f"({self.n_visible},). Received: {base_visible_bias!r}"
                )
            base_visible_bias = metrics.base_rate_visible_bias(v)
        log_z, std, details = metrics.bernoulli_rbm_log_partition(
            kernel, visible_bias, hidden_bias, method=method, n_chains=n_chains,
            n_betas=n_betas, base_visible_bias=base_visible_bias, seed=seed,
        )
        free_energy = np.asarray(
            metrics.bernoulli_rbm_free_energy(v, kernel, visible_bias, hidden_bias), np.float64
        )
        mean_f = float(free_energy.mean())
        return LogLikelihood(
            value=-mean_f - log_z,
            std=std,
            log_partition=log_z,
            mean_free_energy=mean_f,
            method=method,
            n_examples=len(v),
            details=details,
        )

    def get_config(self):
        config = super().get_config()
        config["binarize"] = self.binarize
        return config


