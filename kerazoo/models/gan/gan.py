"""`GAN`: a generative adversarial network (DCGAN by default) with a custom `train_step`.

A generator G maps latents z ~ N(0, I) to images; a discriminator D maps images to a logit.
Each `train_step` (one batch of real images x) runs, in order:

1. `critic_steps` discriminator updates on the same real batch, each against a fresh batch
   of generated images G(z) (the generator frozen);
2. one generator update against the discriminator (the discriminator frozen);
3. the exponential moving average (EMA) of the generator's weights, when `ema_decay` is set;
4. the monitors `g_loss`, `d_loss`, `d_acc_real`, `d_acc_fake` (keras.metrics.Mean).

Losses (`loss=`):
- `"non_saturating"` (Goodfellow et al., 2014, section 3; DCGAN): D minimises the binary
  cross-entropy softplus(-D(x)) + softplus(D(G(z))), with one-sided label smoothing
  (real targets 1 - `label_smoothing`, Salimans et al., 2016); G minimises
  softplus(-D(G(z))) = -log sigmoid(D(G(z))), which does not saturate when D wins.
- `"wgan_gp"` (Gulrajani et al., 2017): the critic minimises D(G(z)) - D(x) +
  `gp_weight` * E[(||grad D(x_hat)||_2 - 1)^2] at random interpolates x_hat between real
  and generated images (`gradient_penalty`); G minimises -D(G(z)). Use `critic_steps=5`
  and a discriminator without batch norm (`discriminator_norm="auto"` picks layer norm).

`d_acc_real` / `d_acc_fake` are the shares of real / generated images the discriminator
classifies correctly (logit > 0 means "real"); for WGAN-GP the critic's sign is arbitrary
and they are only indicative.

The EMA generator (Yazici et al., 2019; Karras et al., 2018) is a copy of the generator
whose weights (and batch-norm statistics) follow
w_ema <- d w_ema + (1 - d) w with d = min(ema_decay, (1 + t) / (10 + t)) at generator step
t; `sample` and `generate` use it when `ema_decay` is set, `self.generator` otherwise. Its
layers are built under the name scope `ema_generator`, so their paths
(`ema_generator/project/kernel`, ...) differ from the generator's (`project/kernel`, ...).

Calling the model, `model(z)` (and `predict(z)`), generates images from latents with the
generator `sample` uses (the EMA copy when there is one), in inference mode. Its input is
latent codes z of shape (n, latent_dim); anything else (images in particular: those go to
`fit` and `evaluate`) is refused with a ValueError naming the expected and the received
shape.
`model(z, training=True)` runs the generator being trained instead (batch norm in training
mode): the EMA copy has no trainable weights, so a training loop written around `call` (a
harness's `fit(z, images)`, a custom reconstruction or perceptual loss) differentiates the
generator's weights. `fit(x)` itself trains the GAN by its own `train_step` and does not
use `call`.
The step is written once (`GAN._train_step_body`) and runs on TensorFlow and JAX: the
backend-specific part (gradients, optimizer updates, the input gradient of WGAN-GP) is
in `_tf_step` (`tf.GradientTape`) and `_jax_step` (`jax.value_and_grad` and
`optimizer.stateless_apply` inside one `keras.StatelessScope`, the state passed and
returned explicitly as Keras's JAX trainer requires).
Averaged weights do not match averaged batch-norm statistics, so at the end of `fit` the
EMA generator's statistics are recomputed from one batch of `calibration_samples` latents
(`recalibrate_ema`; the "standing statistics" of Brock et al., 2019).

References:
    I. Goodfellow et al., "Generative Adversarial Nets", NIPS 2014.
    A. Radford, L. Metz and S. Chintala, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks", arXiv:1511.06434, 2015.
    T. Salimans et al., "Improved Techniques for Training GANs", NIPS 2016.
    I. Gulrajani et al., "Improved Training of Wasserstein GANs", NIPS 2017.
    T. Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018.
    A. Brock, J. Donahue and K. Simonyan, "Large Scale GAN Training for High Fidelity
    Natural Image Synthesis", ICLR 2019.
    Y. Yazici et al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.models.gan.architectures import (
    dcgan_discriminator,
    dcgan_generator,
    resolve_discriminator_norm,
)
from kerazoo.models.rbm.base import keep_fresh_state_if_none_saved
from kerazoo.utils.latents import check_latents, prior_latents, stateless_normal_latents
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_images, check_positive_int, check_sample_count

LOSSES = ("non_saturating", "wgan_gp")
BACKENDS = ("tensorflow", "jax")


def _step_module():
    """The backend half of the training step (`_tf_step` or `_jax_step`)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from kerazoo.models.gan import _tf_step

        return _tf_step
    if backend == "jax":
        from kerazoo.models.gan import _jax_step

        return _jax_step
    raise NotImplementedError(
        f"GAN trains with its own step written for the TensorFlow and JAX backends; the "
        f"active Keras backend is {backend!r}. Set KERAS_BACKEND=tensorflow or "
        "KERAS_BACKEND=jax before importing keras."
    )


def gradient_penalty(critic, real, fake, epsilon):
    """The WGAN-GP penalty E[(||grad_x D(x_hat)||_2 - 1)^2] (Gulrajani et al., 2017).

    Args:
        critic: callable images -> (N, 1) (or (N,)) scores.
        real, fake: image batches of one shape (N, ...).
        epsilon: (N, 1, ..., 1) mixing weights in [0, 1]; x_hat = eps real + (1 - eps) fake.

    Returns:
        A scalar tensor (the mean over the batch).
    """
    real = ops.convert_to_tensor(real)
    fake = ops.cast(fake, real.dtype)
    epsilon = ops.cast(epsilon, real.dtype)
    mixed = epsilon * real + (1.0 - epsilon) * fake
    grads = ops.cast(_step_module().input_gradient(critic, mixed), "float32")  # norms in float32
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=tuple(range(1, len(grads.shape)))) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def _check_fraction(value, name, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or not (
        (0 < value < 1) if low_open else (0 <= value < 1)
    ):
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"`{name}` must be a number in {interval}. Received: {name}={value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="kerazoo")
class GAN(keras.Model):
    """A GAN for 28x28x1 images in [0, 1]: DCGAN networks, trained with `fit(x)`.

    Args:
        latent_dim: the size of z ~ N(0, I), a positive integer (default 64).
        generator_filters: channels of the generator's 7x7 and 14x14 feature maps, and
            optionally of 28x28 maps before a 3x3 convolution to the image (see
            `dcgan_generator`).
        discriminator_filters: channels of the discriminator's stride-2 convolutions.
        loss: `"non_saturating"` (default) or `"wgan_gp"` (see the module docstring).
        discriminator_norm: `"batch"`, `"layer"`, `"spectral"` (SNGAN's spectral
            normalization of every weight matrix), `"none"` or `"auto"` (batch norm for the
            non-saturating loss as in DCGAN, layer norm for WGAN-GP, whose penalty is per
            example and must not see batch statistics).
        label_smoothing: one-sided label smoothing of the real targets, in [0, 1)
            (non-saturating loss only).
        gp_weight: the weight of the gradient penalty (WGAN-GP only; default 10).
        critic_steps: discriminator updates per generator update (default 1; 5 is usual
            for WGAN-GP).
        ema_decay: None, or the decay in (0, 1) of the EMA generator (default 0.999).
        seed: integer seed for the initial weights and the latent draws.

    Attributes:
        generator: `keras.Model`, latents (N, latent_dim) -> images (N, 28, 28, 1) in [0, 1].
        discriminator: `keras.Model`, images (N, 28, 28, 1) in [0, 1] -> logits (N, 1).
        ema_generator: the EMA copy of the generator (None without `ema_decay`).

    `compile()` with no arguments uses Adam(2e-4, beta_1=0.5) for both networks (the DCGAN
    paper's optimizer). Calling the model, `model(z)`, and `predict(z)` generate images
    (n, 28, 28, 1) from latent codes z (n, latent_dim) with the EMA generator (the
    trainable generator when `training=True`; see the module docstring); images given to
    `predict` are refused with an error naming the expected shape (n, latent_dim).

    Example:

    ```python
    gan = GAN(seed=1)
    gan.compile()
    gan.fit(x_train, epochs=20, batch_size=64)
    images = gan.sample(16, seed=0)      # (16, 28, 28, 1) in [0, 1], from the EMA generator
    ```
    """

    def __init__(
        self,
        latent_dim=64,
        generator_filters=(128, 64),
        discriminator_filters=(64, 128),
        loss="non_saturating",
        discriminator_norm="auto",
        label_smoothing=0.0,
        gp_weight=10.0,
        critic_steps=1,
        ema_decay=0.999,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        _step_module()  # a clear error on a backend the training step is not written for
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.generator_filters = [check_positive_int(f, "generator_filters[i]") for f in generator_filters]
        self.discriminator_filters = [
            check_positive_int(f, "discriminator_filters[i]") for f in discriminator_filters
        ]
        if not self.discriminator_filters:
            raise ValueError("`discriminator_filters` must hold at least one size. Received: []")
        if loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {list(LOSSES)}. Received: loss={loss!r}")
        self.loss_name = loss
        norm = resolve_discriminator_norm(discriminator_norm, loss)
        if loss == "wgan_gp" and norm == "batch":
            raise ValueError(
                "WGAN-GP's gradient penalty is per example; a batch-normalized critic breaks it. "
                "Use discriminator_norm='layer' or 'none'. Received: discriminator_norm='batch'"
            )
        self.discriminator_norm = discriminator_norm
        self.label_smoothing = _check_fraction(label_smoothing, "label_smoothing")
        if loss == "wgan_gp" and self.label_smoothing:
            raise ValueError(
                "`label_smoothing` applies to the non-saturating loss only. "
                f"Received: loss='wgan_gp', label_smoothing={label_smoothing!r}"
            )
        if isinstance(gp_weight, bool) or not isinstance(gp_weight, numbers.Real) or not (
            math.isfinite(gp_weight) and gp_weight >= 0
        ):
            raise ValueError(f"`gp_weight` must be a number >= 0. Received: gp_weight={gp_weight!r}")
        self.gp_weight = float(gp_weight)
        self.critic_steps = check_positive_int(critic_steps, "critic_steps")
        self.ema_decay = None if ema_decay is None else _check_fraction(ema_decay, "ema_decay", True)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)

        dtype = self.dtype_policy
        self.generator = dcgan_generator(self.latent_dim, self.generator_filters, seed=self.seed,
                                         dtype=dtype)
        self.discriminator = dcgan_discriminator(self.discriminator_filters, norm=norm, seed=self.seed,
                                                 dtype=dtype)
        self.ema_generator = None
        if self.ema_decay is not None:
            # Distinct layer paths (ema_generator/project/...) for the copy; a .keras file
            # stores weights by structure, so entries saved before the scope still load.
            with keras.name_scope("ema_generator"):
                self.ema_generator = dcgan_generator(
                    self.latent_dim, self.generator_filters, seed=self.seed, name="ema_generator",
                    dtype=dtype,
                )
            self.ema_generator.trainable = False
            for target, source in zip(self.ema_generator.weights, self.generator.weights):
                # A copy: on JAX the two variables must not share one buffer (the
                # training step donates its inputs).
                target.assign(ops.copy(source.value))
        self.latent_seed_generator = keras.random.SeedGenerator(self.seed)
        self.sample_seed_generator = keras.random.SeedGenerator(
            None if self.seed is None else self.seed + 1
        )
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.d_acc_real_tracker = keras.metrics.Mean(name="d_acc_real")
        self.d_acc_fake_tracker = keras.metrics.Mean(name="d_acc_fake")
        self.d_optimizer = None
        self.g_optimizer = None
        self._compile_args = None
        self._functions = {}
        self.build((None, self.latent_dim))

    # ----------------------------------------------------------------- Keras model API

    def build(self, input_shape=None):
        # Every weight is created in __init__ (the sub-models are built there).
        self.built = True

    @property
    def sampler(self):
        """The generator that `sample` and `generate` use: the EMA copy when there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, inputs, training=False):
        """Images (N, 28, 28, 1) in [0, 1] from latents (N, latent_dim): by `sampler` (the
        EMA generator if any) in inference, by the trainable `generator` in training mode
        (see the module docstring)."""
        self._check_latent_shape(getattr(inputs, "shape", None))
        generator = self.generator if training else self.sampler
        return generator(inputs, training=training)

    def _check_latent_shape(self, shape):
        if shape is None or len(shape) != 2 or (shape[1] is not None and shape[1] != self.latent_dim):
            raise ValueError(
                f"A GAN maps latent codes to images: `model(z)` and `predict(z)` take latent "
                f"codes z of shape (n, latent_dim) = (n, {self.latent_dim}), float32 draws of "
                "N(0, I) (`sample_latents(n)`), and return images (n, 28, 28, 1). Images go to "
                "`fit` (training) and `evaluate` (the discriminator's losses), not to `predict`. "
                f"Received: shape={tuple(shape) if shape is not None else None}"
            )

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Images (n, 28, 28, 1) in [0, 1] from latent codes `x` (n, latent_dim), by the
        sampler in inference mode (`call`). Anything else, images in particular, is refused
        with an error naming the expected and the received shape."""
        if isinstance(x, np.ndarray) or ops.is_tensor(x) or isinstance(x, (list, tuple)):
            self._check_latent_shape(np.shape(x))
            x = check_latents(x, self.latent_dim, name="x", what="latent codes")
        return super().predict(x, batch_size=batch_size, verbose=verbose, steps=steps,
                               callbacks=callbacks)

    @property
    def metrics(self):
        return [self.g_loss_tracker, self.d_loss_tracker, self.d_acc_real_tracker, self.d_acc_fake_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Attaches the two optimizers.

        Args:
            d_optimizer: the discriminator's optimizer (default Adam(2e-4, beta_1=0.5)).
            g_optimizer: the generator's optimizer (default Adam(2e-4, beta_1=0.5)).
            **kwargs: `keras.Model.compile` arguments such as `steps_per_execution` or
                `run_eagerly`; `optimizer`, `loss` and `metrics` are not taken (the losses
                are the model's `loss` argument and the monitors are fixed).
        """
        for key in ("optimizer", "loss", "metrics"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"GAN.compile() takes `d_optimizer` and `g_optimizer`, not `{key}` (the "
                    f"losses are set by GAN(loss=...)). Received: {key}={kwargs[key]!r}"
                )
            kwargs.pop(key, None)
        self.d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else (
            keras.optimizers.Adam(2e-4, beta_1=0.5)
        )
        self.g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else (
            keras.optimizers.Adam(2e-4, beta_1=0.5)
        )
        if self.dtype_policy.name == "mixed_float16":
            # Loss scaling for both networks, as keras.Model.compile does for its optimizer.
            self.d_optimizer, self.g_optimizer = (
                opt if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt)
                for opt in (self.d_optimizer, self.g_optimizer)
            )
        # The compile config is kept as plain data: the zoo saves a model with its
        # optimizers detached (no optimizer state), and it must still load compiled.
        self._compile_args = {
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            **{k: v for k, v in kwargs.items() if k in ("steps_per_execution", "jit_compile")},
        }
        super().compile(optimizer=None, **kwargs)
        for optimizer, variables in ((self.d_optimizer, self.discriminator.trainable_variables),
                                     (self.g_optimizer, self.generator.trainable_variables)):
            optimizer.build(variables)
            keep_fresh_state_if_none_saved(optimizer)
        if keras.backend.backend() == "jax":
            # Keras's JAX trainer carries `model.optimizer.variables` through the step.
            _step_module().attach_optimizers(self)

    def get_compile_config(self):
        if not self.compiled or self._compile_args is None:
            return {}
        config = dict(self._compile_args)
        for key in ("d_optimizer", "g_optimizer"):
            if getattr(self, key) is not None:
                config[key] = keras.optimizers.serialize(getattr(self, key))
        return config

    def compile_from_config(self, config):
        """Compiles from a saved compile config (a loaded model is ready for `fit`).

        A file saved without optimizer state (as the zoo saves) keeps fresh optimizers.
        """
        config = dict(config or {})
        d_opt, g_opt = config.pop("d_optimizer", None), config.pop("g_optimizer", None)
        self.compile(
            d_optimizer=None if d_opt is None else keras.optimizers.deserialize(d_opt),
            g_optimizer=None if g_opt is None else keras.optimizers.deserialize(g_opt),
            **config,
        )

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` on real images; `y` is ignored. Arrays are checked first
        (float32 (N, 28, 28, 1) in [0, 1]). A model that was never compiled (or was loaded
        from a file without a compile config) is compiled with `compile()`'s defaults."""
        del y
        if self.d_optimizer is None:
            self.compile()
        if isinstance(x, np.ndarray) or ops.is_tensor(x):
            x = check_images(x, "x")
        history = super().fit(x, None, **kwargs)
        self.recalibrate_ema()
        return history

    def recalibrate_ema(self, n=4096, seed=0):
        """Sets the EMA generator's batch-norm statistics to those of one batch of `n`
        latents z ~ N(0, I) (drawn with `seed`) through it; no-op without EMA."""
        if self.ema_generator is None:
            return
        n = check_positive_int(n, "n")
        layers = [layer for layer in self.ema_generator.layers
                  if isinstance(layer, keras.layers.BatchNormalization)]
        saved = [(layer.momentum, layer.trainable) for layer in layers]
        try:
            for layer in layers:
                # momentum 0: the moving statistics become this batch's; a frozen BN
                # layer would run in inference mode, so it is unfrozen for the pass.
                layer.momentum, layer.trainable = 0.0, True
            self.ema_generator(keras.random.normal((n, self.latent_dim), seed=int(seed)), training=True)
        finally:
            for layer, (momentum, trainable) in zip(layers, saved):
                layer.momentum, layer.trainable = momentum, trainable

    # ------------------------------------------------------------------- training

    def _latents(self, batch):
        return keras.random.normal((batch, self.latent_dim), seed=self.latent_seed_generator)

    def _discriminator_loss(self, real, fake, real_logits, fake_logits):
        real_logits, fake_logits = ops.cast(real_logits, "float32"), ops.cast(fake_logits, "float32")
        if self.loss_name == "wgan_gp":
            eps = keras.random.uniform(
                (ops.shape(real)[0], 1, 1, 1), seed=self.latent_seed_generator, dtype=real.dtype
            )
            critic = lambda images: self.discriminator(images, training=True)  # noqa: E731
            penalty = gradient_penalty(critic, real, fake, eps)
            return ops.mean(fake_logits) - ops.mean(real_logits) + self.gp_weight * penalty
        real_target = 1.0 - self.label_smoothing
        # Binary cross-entropy from logits, targets real_target (real) and 0 (fake).
        real_loss = real_target * ops.softplus(-real_logits) + (1.0 - real_target) * ops.softplus(real_logits)
        return ops.mean(real_loss) + ops.mean(ops.softplus(fake_logits))

    def _generator_loss(self, fake_logits):
        fake_logits = ops.cast(fake_logits, "float32")
        if self.loss_name == "wgan_gp":
            return -ops.mean(fake_logits)
        return ops.mean(ops.softplus(-fake_logits))  # non-saturating: -log D(G(z))

    def _update_monitors(self, d_loss, g_loss, real_logits, fake_logits):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_acc_real_tracker.update_state(ops.mean(ops.cast(real_logits > 0, "float32")))
        self.d_acc_fake_tracker.update_state(ops.mean(ops.cast(fake_logits <= 0, "float32")))
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, *args):
        """One GAN step (see the module docstring). Keras calls `train_step(data)` on
        TensorFlow and `train_step(state, data)` on JAX; both run `_train_step_body`, the
        JAX one statelessly (`kerazoo.models.gan._jax_step`)."""
        return _step_module().train_step(self, *args)

    def test_step(self, *args):
        """Discriminator losses and accuracies on held-out real images (no updates)."""
        return _step_module().test_step(self, *args)

    def _train_step_body(self, data):
        step = _step_module()
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = ops.cast(real, self.compute_dtype)
        batch = ops.shape(real)[0]

        # Stage 1: discriminator (critic) updates; the generator is only run forward.
        d_variables = self.discriminator.trainable_variables
        for _ in range(self.critic_steps):
            fake = self.generator(self._latents(batch), training=True)

            def d_objective(fake=fake):
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = self._discriminator_loss(real, fake, real_logits, fake_logits)
                return self.d_optimizer.scale_loss(d_loss), (d_loss, real_logits, fake_logits)

            (d_loss, real_logits, fake_logits), grads = step.value_and_grad(d_objective, d_variables)
            step.apply(self.d_optimizer, grads, d_variables)

        # Stage 2: generator update through the (fixed) discriminator.
        g_variables = self.generator.trainable_variables

        def g_objective():
            generated = self.generator(self._latents(batch), training=True)
            g_loss = self._generator_loss(self.discriminator(generated, training=True))
            return self.g_optimizer.scale_loss(g_loss), g_loss

        g_loss, grads = step.value_and_grad(g_objective, g_variables)
        step.apply(self.g_optimizer, grads, g_variables)

        # Stage 3: the EMA generator follows the generator's weights and BN statistics.
        if self.ema_generator is not None:
            t = ops.cast(self.g_optimizer.iterations, "float32")
            decay = ops.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
            for target, source in zip(self.ema_generator.weights, self.generator.weights):
                target.assign(decay * target.value + (1.0 - decay) * ops.cast(source.value, target.dtype))

        # Stage 4: monitors (the last critic step's discriminator outputs).
        return self._update_monitors(d_loss, g_loss, real_logits, fake_logits)

    def _test_step_body(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = ops.cast(real, self.compute_dtype)
        batch = ops.shape(real)[0]
        fake = self.generator(self._latents(batch), training=False)
        real_logits = self.discriminator(real, training=False)
        fake_logits = self.discriminator(fake, training=False)
        if self.loss_name == "wgan_gp":
            d_loss = ops.mean(ops.cast(fake_logits, "float32")) - ops.mean(ops.cast(real_logits, "float32"))
        else:
            d_loss = self._discriminator_loss(real, fake, real_logits, fake_logits)
        return self._update_monitors(d_loss, self._generator_loss(fake_logits), real_logits, fake_logits)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "generator_filters": list(self.generator_filters),
            "discriminator_filters": list(self.discriminator_filters),
            "loss": self.loss_name,
            "discriminator_norm": self.discriminator_norm,
            "label_smoothing": self.label_smoothing,
            "gp_weight": self.gp_weight,
            "critic_steps": self.critic_steps,
            "ema_decay": self.ema_decay,
            "seed": self.seed,
        }

    # ------------------------------------------------------------- tensor functions

    def generate_tensor(self, z):
        """Images from a float32 latent tensor (N, latent_dim) (graph-friendly, no checks)."""
        return self.sampler(ops.cast(z, self.compute_dtype), training=False)

    def sample_tensor(self, count, seed):
        """Images at `count` draws z ~ N(0, I), by stateless random ops.

        `count` and `seed` are scalar int32 tensors (see
        `kerazoo.utils.latents.stateless_normal_latents`): `sample(n, seed=s)` in Python and
        the SavedModel's `sample(count=n, seed=s)` give the same images.
        """
        return self.generate_tensor(stateless_normal_latents(count, seed, self.latent_dim))

    def serving_endpoints(self):
        """SavedModel signatures: `sample` (scalar int32 `count` and `seed`, deterministic in
        them) and `generate` (latents (N, latent_dim) -> images). TensorFlow only (a
        SavedModel is a TensorFlow export)."""
        import tensorflow as tf

        counts = [tf.TensorSpec((), tf.int32, name="count"), tf.TensorSpec((), tf.int32, name="seed")]
        latents = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="latents")]
        return {
            "sample": (self.sample_tensor, counts),
            "generate": (self.generate_tensor, latents),
        }

    # ------------------------------------------------------------- numpy methods

    def generate(self, z, batch_size=500):
        """Images for latents (N, latent_dim): float32 (N, 28, 28, 1) in [0, 1]."""
        z = check_latents(z, self.latent_dim)
        batch_size = check_positive_int(batch_size, "batch_size")
        if "generate" not in self._functions:
            self._functions["generate"] = _step_module().inference_function(
                self, self.generate_tensor, self.latent_dim)
        fn = self._functions["generate"]
        return np.concatenate(
            [np.asarray(fn(z[i : i + batch_size]), np.float32) for i in range(0, len(z), batch_size)])

    def sample_latents(self, n, seed=None):
        """n latents z ~ N(0, I), (n, latent_dim) float32, drawn as `sample` draws them."""
        n = check_sample_count(n)
        return prior_latents(n, self.latent_dim, seed, self.sample_seed_generator)

    def sample(self, n, *, seed=None, batch_size=500):
        """n generated images, float32 (n, 28, 28, 1) in [0, 1] (the EMA generator if any).

        Args:
            n: the number of images, a positive integer, at most `kerazoo.utils.MAX_SAMPLES`
                (100,000) per call; draw more with several calls and seeds.
            seed: None (the model's `SeedGenerator`: successive calls differ, reproducibly
                for a seeded model), or an integer in [0, 2**31 - 2] for a stateless draw
                that is the same on every call and in the SavedModel's `sample`.
            batch_size: images generated at once (memory only: the images do not depend
                on it).

        The calling convention of every kerazoo generative model: `n` positional, then
        keywords only (`seed`, then this family's extras).
        """
        return self.generate(self.sample_latents(n, seed), batch_size=batch_size)
