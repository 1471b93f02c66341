"""`GaussianBernoulliRBM`: real-valued visible units on standardized images."""

import keras
import numpy as np
from keras import ops

from kerazoo.layers import GaussianBernoulliRBMLayer
from kerazoo.models.rbm.base import RBM, LogLikelihood, _check_float
from kerazoo.utils import check_images


@keras.saving.register_keras_serializable(package="kerazoo")
class GaussianBernoulliRBM(RBM):
    """An RBM with Gaussian visible units and binary hidden units.

    It takes the same images as every kerazoo image model, `(N, 28, 28, 1)` in
    [0, 1], and standardizes them inside: `v = (x - mean) / std` per pixel, with the
    statistics of the training data kept in the model (`data_mean`, `data_std`, set
    by `adapt`, which `fit` calls on first use). `std` is floored at `min_std`, so
    that pixels that are almost constant in the training data (the borders of
    Fashion-MNIST) do not blow up when they are not. Images it returns
    (`reconstruct`, `sample`) are mapped back to pixel units and clipped to [0, 1].

    The energy is that of `kerazoo.layers.GaussianBernoulliRBMLayer`:
    `sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij (v_i / sigma_i) W_ij h_j`,
    with unit variances on the standardized data (`learn_sigma=False`, the
    default) or learned ones.

    Training follows `BernoulliRBM` (CD-k or PCD, see `kerazoo.models.rbm.base`).
    Gaussian units take a smaller learning rate than binary ones (Hinton 2010,
    section 13.2): `compile()` with no arguments gives SGD with learning rate
    0.005 (per example) and momentum 0.9. The CD-k reconstruction uses `E[v | h]`
    (no visible noise) unless the variances are learned; persistent chains and
    `sample` draw the Gaussian noise.

    Args:
        n_hidden: number of hidden units.
        cd_k, persistent, n_chains, weight_decay, sparsity_target, sparsity_cost,
            image_shape, seed: as in `BernoulliRBM`.
        learn_sigma: learn one standard deviation per visible unit.
        min_std: floor of the per-pixel standard deviations used to standardize.
    """

    layer_class = GaussianBernoulliRBMLayer
    default_learning_rate = 0.005
    default_momentum = 0.9

    def __init__(
        self,
        n_hidden=500,
        cd_k=1,
        persistent=False,
        n_chains=100,
        weight_decay=1e-4,
        sparsity_target=None,
        sparsity_cost=0.1,
        learn_sigma=False,
        min_std=0.05,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        if not isinstance(learn_sigma, bool):
            raise TypeError(f"`learn_sigma` must be a bool. Received: learn_sigma={learn_sigma!r}")
        self.learn_sigma = learn_sigma
        self.min_std = _check_float(min_std, "min_std", low=0.0)
        if self.min_std <= 0:
            raise ValueError(f"`min_std` must be > 0. Received: min_std={min_std!r}")
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
            layer_kwargs={"learn_sigma": learn_sigma},
            **kwargs,
        )

    @property
    def _cd_uses_visible_mean(self):
        return not self.learn_sigma

    def _build_preprocessing(self):
        self.data_mean = self.add_weight(
            name="data_mean", shape=(self.n_visible,), initializer="zeros", trainable=False
        )
        self.data_std = self.add_weight(
            name="data_std", shape=(self.n_visible,), initializer="ones", trainable=False
        )

    def _statistics(self):
        """(data_mean, data_std) in the compute dtype."""
        return ops.cast(self.data_mean, self.compute_dtype), ops.cast(self.data_std, self.compute_dtype)

    def _to_visible(self, x):
        mean, std = self._statistics()
        return (self._flatten(x) - mean) / std

    def _to_images(self, v):
        mean, std = self._statistics()
        x = ops.clip(v * std + mean, 0.0, 1.0)
        return ops.reshape(x, (-1,) + self.image_shape)

    def _pixel_scale(self):
        return self._statistics()[1]

    def _adapt_from(self, x):
        flat = x.reshape(len(x), -1).astype(np.float64)
        self.data_mean.assign(flat.mean(axis=0).astype(np.float32))
        self.data_std.assign(np.maximum(flat.std(axis=0), self.min_std).astype(np.float32))

    def visible_numpy(self, x):
        """The standardized visible vectors the model sees: (N, n_visible) float32."""
        x = check_images(x, "x", self.image_shape)
        mean = ops.convert_to_numpy(self.data_mean)
        std = ops.convert_to_numpy(self.data_std)
        return ((x.reshape(len(x), self.n_visible) - mean) / std).astype(np.float32)

    def log_likelihood(self, x, method="exact", *, n_chains=100, n_betas=14500, seed=0):
        """Mean log-density of images `x` in nats, in pixel units.

        `log p(x) = -F(v) - log Z - sum_i log std_i` with `v` the standardized
        image (the last term is the Jacobian of the standardization). `method`:
        "exact" integrates the Gaussian units analytically and sums over the 2^H
        hidden states (`n_hidden <= 24`); "ais" estimates `log Z` by annealed
        importance sampling from a Gaussian base model centred on the mean of the
        standardized `x` (`kerazoo.metrics.gaussian_rbm_log_partition_ais`), with
        `n_chains` runs, `n_betas` temperatures and `seed`.

        A density of continuous pixels: comparable with other densities of the same
        [0, 1] images, not with the Bernoulli models' probabilities of binarized ones.
        """
        v = self._likelihood_inputs(x, method)
        from kerazoo import metrics

        kernel, visible_bias, hidden_bias = self.weights_numpy()
        sigma = None
        if self.learn_sigma:
            sigma = np.exp(np.asarray(ops.convert_to_numpy(self.rbm.log_sigma), np.float64))
        details, std = None, 0.0
        if method == "exact":
            log_z = float(metrics.gaussian_rbm_log_partition_exact(
                kernel, visible_bias, hidden_bias, sigma=sigma))
        else:
            details = metrics.gaussian_rbm_log_partition_ais(
                kernel, visible_bias, hidden_bias, sigma=sigma, n_chains=n_chains,
                n_betas=n_betas, base_visible_bias=v.mean(axis=0), seed=seed,
            )
            log_z, std = float(details.log_z), float(details.log_z_std)
        free_energy = np.asarray(
            metrics.gaussian_rbm_free_energy(v, kernel, visible_bias, hidden_bias, sigma=sigma),
            np.float64,
        )
        mean_f = float(free_energy.mean())
        log_jacobian = float(np.log(np.asarray(ops.convert_to_numpy(self.data_std), np.float64)).sum())
        return LogLikelihood(
            value=-mean_f - log_z - log_jacobian,
            std=std,
            log_partition=log_z,
            mean_free_energy=mean_f,
            method=method,
            n_examples=len(v),
            details=details,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"learn_sigma": self.learn_sigma, "min_std": self.min_std})
        return config
