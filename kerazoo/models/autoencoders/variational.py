"""The variational autoencoder (Kingma & Welling, 2014).

A latent-variable model p(x, z) = p(z) p(x|z) with a standard normal prior
p(z) = N(0, I) and a decoder network giving p(x|z), fitted together with a Gaussian
encoder (the approximate posterior) q(z|x) = N(mu(x), diag(sigma^2(x))) by maximising the
evidence lower bound on the log-likelihood of each training image:

    log p(x) >= ELBO(x) = E_{q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z)).

The expectation is estimated with one sample z = mu + sigma * eps (the reparameterization
trick, `kerazoo.layers.Sampling`) and the KL divergence in closed form, so `fit` minimises

    loss = reconstruction + kl_weight * kl,
    reconstruction = -log p(x|z),   kl = KL(q(z|x) || p(z)),

both in nats per image and reported as the metrics `reconstruction` and `kl`
(kl_weight = 1 is the ELBO; other values give the beta-VAE of Higgins et al., 2017).

Likelihoods p(x|z) for 28x28 images (pixels independent given z, with decoder logits l):
- `"bernoulli"`: p(x_i = 1|z) = sigmoid(l_i), log p(x|z) = sum_i x_i l_i - softplus(l_i).
  A normalised likelihood for binary images: with `binarize=0.5` the model thresholds
  its inputs (x > 0.5) everywhere, as Bernoulli RBMs do, and its `log_likelihood` is
  comparable with theirs. On grey images (`binarize=None`) the same expression is the
  usual cross-entropy loss, but not a likelihood, and `log_likelihood` refuses it.
- `"gaussian"`: x_i ~ N(sigmoid(l_i), s^2) with one learned variance s^2 for all pixels:
  a density on grey images (nats of a continuous density, not comparable with the
  discrete likelihoods above).

Every image the model returns (`decode`, `reconstruct`, `sample`, `model(x)`) is the mean
of p(x|z), sigmoid(l), in [0, 1].

`model(x)`, `predict(x)`, the `serving_default` of `model.export()` and that of the zoo's
SavedModel export (`serving_endpoints`) are deterministic: the mean image at the posterior
mean, decode(E[z|x]), what `reconstruct(x)` returns (in training mode too: a VAE has no
dropout or batch norm). The random draw z ~ q(z|x) that the
ELBO needs happens in `compute_loss`, in `fit` and `evaluate`; `sample` draws from the prior.

References:
    D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014,
    arXiv:1312.6114.
    Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted Autoencoders",
    ICLR 2016, arXiv:1509.00519 (the test log-likelihood by importance sampling).
    I. Higgins et al., "beta-VAE: Learning Basic Visual Concepts with a Constrained
    Variational Framework", ICLR 2017.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.layers.reparameterization import Sampling, gaussian_kl
from kerazoo.metrics.vae_likelihood import (
    bernoulli_log_prob,
    evidence_lower_bound,
    gaussian_log_prob,
    importance_sampled_log_likelihood,
)
from kerazoo.utils.backend_ops import inference_function, to_numpy
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.latents import check_latents, prior_latents, stateless_normal_latents
from kerazoo.utils.precision import check_dtype_policy, share_dtype_policy
from kerazoo.utils.validation import IMAGE_SHAPE, check_images, check_positive_int, check_sample_count

LIKELIHOODS = ("bernoulli", "gaussian")
N_PIXELS = int(np.prod(IMAGE_SHAPE))


def _is_array(value):
    """A numpy array or a tensor of the active backend (not a dataset or generator)."""
    return isinstance(value, np.ndarray) or ops.is_tensor(value)


@keras.saving.register_keras_serializable(package="kerazoo")
class ImageLikelihood(keras.layers.Layer):
    """The decoder's likelihood p(x|z) as an endpoint layer.

    Called on `[targets, logits]` (images of one shape), it adds the batch mean of
    -log p(x|z) (nats per image, pixels summed) to its `losses` and returns the mean image
    sigmoid(logits). `"bernoulli"` or `"gaussian"` (with one learned log-variance for all
    pixels, the weight `log_var`); see `kerazoo.models.autoencoders.variational`.

    Args:
        likelihood: `"bernoulli"` or `"gaussian"`.
        initial_log_var: the initial log-variance of the Gaussian likelihood.
    """

    def __init__(self, likelihood="bernoulli", initial_log_var=-3.0, **kwargs):
        super().__init__(**kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"`likelihood` must be one of {list(LIKELIHOODS)}. Received: likelihood={likelihood!r}"
            )
        self.likelihood = likelihood
        self.initial_log_var = float(initial_log_var)
        if likelihood == "gaussian":
            self.log_var = self.add_weight(
                shape=(),
                initializer=keras.initializers.Constant(self.initial_log_var),
                name="log_var",
            )
        self._build_at_init()

    def log_prob(self, x, logits):
        """log p(x|z), summed over the last (pixel) axis; `x` broadcasts against `logits`.

        Computed in float32 under any dtype policy (a sum over the pixels)."""
        logits = ops.cast(logits, "float32")
        if self.likelihood == "bernoulli":
            return bernoulli_log_prob(x, logits)
        return gaussian_log_prob(ops.cast(x, "float32"), ops.sigmoid(logits),
                                 ops.cast(self.log_var, "float32"))

    def call(self, inputs):
        targets, logits = inputs
        batch = ops.shape(logits)[0]
        flat_x = ops.reshape(targets, (batch, -1))
        flat_logits = ops.reshape(logits, (batch, -1))
        self.add_loss(-ops.mean(self.log_prob(flat_x, flat_logits)))
        return ops.sigmoid(ops.cast(logits, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return input_shape[1]

    def get_config(self):
        return {
            **super().get_config(),
            "likelihood": self.likelihood,
            "initial_log_var": self.initial_log_var,
        }


@keras.saving.register_keras_serializable(package="kerazoo")
class VariationalAutoencoder(keras.Model):
    """Variational autoencoder for 28x28 images, trained on its ELBO with plain `fit(x)`.

    The encoder is a dense network 784 - hidden_units - (mean, log_var) of q(z|x); the
    decoder mirrors it, latent_dim - reversed(hidden_units) - 784 logits. `fit(x)` needs
    no targets (`y` is ignored): the loss is the negative ELBO, reported with its two
    terms as the metrics `reconstruction` and `kl` (see the module docstring).
    `compile()` with no arguments uses Adam with learning rate 1e-3.

    Args:
        latent_dim: the size of z, a positive integer.
        hidden_units: the sizes of the encoder's hidden layers (the decoder's, reversed);
            empty for a linear encoder and decoder.
        likelihood: `"bernoulli"` (default) or `"gaussian"`, the decoder's p(x|z).
        binarize: None, or a threshold in (0, 1): images are binarized (x > threshold)
            before the encoder and as the likelihood's targets, everywhere the model
            takes images. Bernoulli likelihood only.
        kl_weight: the weight of the KL term in the loss (1.0: the ELBO).
        activation: the hidden layers' activation.
        seed: integer seed for the initial weights and the model's random draws.

    Attributes:
        encoder: `keras.Model`, images (N, 28, 28, 1) -> [mean, log_var] of q(z|x)
            (images as the model sees them: binarized if `binarize`).
        decoder: `keras.Model`, latents (N, latent_dim) -> mean images (N, 28, 28, 1).

    Calling the model, `model(x)` (and `predict(x)`, and `model.export()`'s serving
    function), returns the deterministic reconstruction decode(E[z|x]), as
    `reconstruct(x)` does. The ELBO of `fit` and `evaluate` is computed in
    `compute_loss`, which draws z from q(z|x) itself (in float32 under any dtype policy).

    Example:

    ```python
    vae = VariationalAutoencoder(latent_dim=20, binarize=0.5, seed=1)
    vae.compile()
    vae.fit(x_train, epochs=30, batch_size=128, validation_data=(x_val,))
    vae.log_likelihood(x_test[:100], n_samples=1000).mean()   # nats per image
    images = vae.sample(16, seed=0)
    ```
    """

    def __init__(
        self,
        latent_dim=20,
        hidden_units=(512, 256),
        likelihood="bernoulli",
        binarize=None,
        kl_weight=1.0,
        activation="relu",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        if isinstance(hidden_units, numbers.Integral) and not isinstance(hidden_units, bool):
            hidden_units = (hidden_units,)
        if not isinstance(hidden_units, (list, tuple)):
            raise TypeError(
                "`hidden_units` must be a list of positive integers. "
                f"Received: hidden_units={hidden_units!r}"
            )
        self.hidden_units = [check_positive_int(u, "hidden_units[i]") for u in hidden_units]
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"`likelihood` must be one of {list(LIKELIHOODS)}. Received: likelihood={likelihood!r}"
            )
        self.likelihood = likelihood
        if binarize is not None:
            if isinstance(binarize, bool) or not isinstance(binarize, numbers.Real) or not 0 < binarize < 1:
                raise ValueError(
                    f"`binarize` must be None or a threshold in (0, 1). Received: binarize={binarize!r}"
                )
            if likelihood != "bernoulli":
                raise ValueError(
                    "`binarize` applies to the Bernoulli likelihood only (a Gaussian density on "
                    f"binary images is unbounded). Received: likelihood={likelihood!r}, "
                    f"binarize={binarize!r}"
                )
            binarize = float(binarize)
        self.binarize = binarize
        if isinstance(kl_weight, bool) or not isinstance(kl_weight, numbers.Real) or not (
            math.isfinite(kl_weight) and kl_weight >= 0
        ):
            raise ValueError(f"`kl_weight` must be a number >= 0. Received: kl_weight={kl_weight!r}")
        self.kl_weight = float(kl_weight)
        self.activation = keras.activations.serialize(keras.activations.get(activation))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)

        def init(i):
            return keras.initializers.GlorotUniform(seed=None if seed is None else self.seed + i)

        # Encoder: images -> [mean, log_var] of q(z|x). Every layer takes the model's policy.
        dtype = self.dtype_policy
        images = keras.Input(IMAGE_SHAPE, name="images")
        h = keras.layers.Flatten(name="flatten", dtype=dtype)(images)
        for i, units in enumerate(self.hidden_units):
            h = keras.layers.Dense(
                units, activation=self.activation, kernel_initializer=init(i), name=f"hidden_{i}",
                dtype=dtype,
            )(h)
        k = len(self.hidden_units)
        z_mean = keras.layers.Dense(self.latent_dim, kernel_initializer=init(k), name="z_mean",
                                    dtype=dtype)(h)
        z_log_var = keras.layers.Dense(
            self.latent_dim, kernel_initializer=init(k + 1), name="z_log_var", dtype=dtype
        )(h)
        self.encoder = keras.Model(images, [z_mean, z_log_var], name="encoder")

        # Decoder: latents -> logits -> mean images. Its last layer is the sigmoid, so the
        # layers before it give the logits the likelihood is computed from (exactly).
        decoder_layers = [keras.Input((self.latent_dim,), name="latent")]
        for i, units in enumerate(reversed(self.hidden_units)):
            decoder_layers.append(
                keras.layers.Dense(
                    units, activation=self.activation, kernel_initializer=init(k + 2 + i),
                    name=f"hidden_{i}", dtype=dtype,
                )
            )
        decoder_layers += [
            keras.layers.Dense(N_PIXELS, kernel_initializer=init(2 * k + 2), name="logits",
                               dtype=dtype),
            keras.layers.Reshape(IMAGE_SHAPE, name="to_image", dtype=dtype),
            keras.layers.Activation("sigmoid", name="mean_image", dtype=dtype),
        ]
        self.decoder = keras.Sequential(decoder_layers, name="decoder")
        share_dtype_policy(self, self.encoder, self.decoder)

        # The draw z ~ q(z|x) of the ELBO (its KL term in closed form in `compute_loss`).
        self.sampling = Sampling(seed=self.seed, name="sampling", dtype=dtype)
        self.image_likelihood = ImageLikelihood(likelihood, name="image_likelihood", dtype=dtype)
        self.prior_seed_generator = keras.random.SeedGenerator(
            None if self.seed is None else self.seed + 1
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self._functions = {}
        self.build((None,) + IMAGE_SHAPE)

    # ----------------------------------------------------------------- Keras model API

    def build(self, input_shape=None):
        # Every weight is created in __init__ (the sub-models are built there); `build`
        # only records the input shape for saving.
        self.built = True

    def _prepare(self, images):
        """The images the model sees: thresholded if `binarize`."""
        images = ops.cast(images, self.compute_dtype)
        if self.binarize is None:
            return images
        return ops.cast(ops.greater(images, self.binarize), self.compute_dtype)

    def _decoder_logits(self, z):
        h = z
        for layer in self.decoder.layers[:-1]:
            h = layer(h)
        return h

    def call(self, inputs, training=False):
        """The deterministic reconstruction decode(E[z|x]): mean images (N, 28, 28, 1)."""
        mean, _ = self.encoder(self._prepare(inputs), training=training)
        return self.decoder(mean, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The negative ELBO of the batch `x`, one draw z ~ q(z|x) per image.

        The draw is made here (reparameterized, so the gradient reaches the encoder), not
        in `call`: `y_pred`, the deterministic reconstruction, is not used, nor is `y` (the
        targets are the inputs). -log p(x|z) comes from the decoder's logits (exact), the
        KL term in closed form; both in float32, nats per image.
        """
        del y, y_pred
        if sample_weight is not None:
            raise ValueError("VariationalAutoencoder.fit does not take sample weights.")
        images = self._prepare(x)
        mean, log_var = self.encoder(images, training=training)
        z = self.sampling([mean, log_var])
        logits = ops.cast(self._decoder_logits(z), "float32")
        batch = ops.shape(logits)[0]
        targets = ops.reshape(ops.cast(images, "float32"), (batch, -1))
        flat_logits = ops.reshape(logits, (batch, -1))
        reconstruction = -ops.mean(self.image_likelihood.log_prob(targets, flat_logits))
        kl = ops.mean(gaussian_kl(ops.cast(mean, "float32"), ops.cast(log_var, "float32")))
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=batch)
        self.kl_tracker.update_state(kl, sample_weight=batch)
        total = reconstruction + self.kl_weight * kl
        for loss in self.losses:  # regularization losses of the layers, if any
            total = total + ops.cast(loss, "float32")
        return total

    def compile(self, optimizer=None, loss=None, **kwargs):
        """Like `keras.Model.compile`; the default optimizer is Adam(learning_rate=1e-3).

        The loss is always the negative ELBO: passing `loss` is an error.
        """
        if loss is not None:
            raise ValueError(
                "VariationalAutoencoder trains on its negative ELBO; compile() takes no `loss`. "
                f"Received: loss={loss!r}"
            )
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=1e-3)
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        """Compiles from a saved compile config (so a loaded model is ready for `fit`)."""
        compile_from_keras_config(self, config)

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` on images; `y` is ignored (the targets are `x`).

        Arrays are checked first (float32 (N, 28, 28, 1) in [0, 1]); a `validation_data`
        array or tuple likewise.
        """
        del y
        if _is_array(x):
            x = check_images(x, "x")
        val = kwargs.get("validation_data")
        if _is_array(val):
            kwargs["validation_data"] = (check_images(val, "validation_data"),)
        elif isinstance(val, (tuple, list)) and val and _is_array(val[0]):
            kwargs["validation_data"] = (check_images(val[0], "validation_data"),)
        return super().fit(x, None, **kwargs)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "likelihood": self.likelihood,
            "binarize": self.binarize,
            "kl_weight": self.kl_weight,
            "activation": self.activation,
            "seed": self.seed,
        }

    # ------------------------------------------------------------- tensor functions

    def encode_tensor(self, images):
        """Posterior mean of z for a float32 image tensor (graph-friendly, no checks)."""
        return self.encoder(self._prepare(images))[0]

    def posterior_tensor(self, images):
        """(mean, log_var) of q(z|x) for a float32 image tensor."""
        mean, log_var = self.encoder(self._prepare(images))
        return mean, log_var

    def decode_tensor(self, z):
        """Mean images of p(x|z) for a float32 latent tensor (N, latent_dim)."""
        return self.decoder(ops.cast(z, self.compute_dtype))

    def reconstruct_tensor(self, images):
        """decode(encode(x)): the mean image at the posterior mean."""
        return self.decode_tensor(self.encode_tensor(images))

    def sample_tensor(self, count, seed):
        """Mean images at `count` draws z ~ N(0, I), by stateless random ops.

        For the TensorFlow SavedModel's `sample` signature (TensorFlow backend only).
        `count` and `seed` are scalar int32 tensors; the draw is
        `tf.random.stateless_normal([count, latent_dim], seed=[seed, 0])`, the same as
        `keras.random.normal(..., seed=int(seed))`, so `sample(n, seed=s)` in Python and
        the SavedModel's `sample(count=n, seed=s)` give the same images.
        """
        return self.decoder(stateless_normal_latents(count, seed, self.latent_dim))

    def log_likelihood_tensor(self, x, z):
        """log p(x|z) for images `x` (B, 28, 28, 1) and latents `z` (B, S, latent_dim) -> (B, S).

        `x` are the images as the model sees them (already binarized if `binarize`).
        """
        shape = ops.shape(z)
        logits = self._decoder_logits(ops.reshape(z, (shape[0] * shape[1], self.latent_dim)))
        logits = ops.reshape(logits, (shape[0], shape[1], N_PIXELS))
        targets = ops.reshape(ops.cast(x, "float32"), (shape[0], 1, N_PIXELS))
        return self.image_likelihood.log_prob(targets, logits)

    def serving_endpoints(self):
        """SavedModel signatures: `reconstruct` (also `serving_default`, as `model(x)`),
        `encode`, `decode`, `sample`.

        `encode` returns the posterior mean; `sample` takes a scalar int32 `count` and a
        scalar int32 `seed` and is deterministic in them. (Entries exported before this
        order, such as the zoo's vae.fashion_mnist, have `encode` as `serving_default`.)
        """
        import tensorflow as tf

        images = [tf.TensorSpec((None,) + IMAGE_SHAPE, tf.float32, name="images")]
        latents = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="latents")]
        counts = [tf.TensorSpec((), tf.int32, name="count"), tf.TensorSpec((), tf.int32, name="seed")]
        return {
            "reconstruct": (self.reconstruct_tensor, images),
            "encode": (self.encode_tensor, images),
            "decode": (self.decode_tensor, latents),
            "sample": (self.sample_tensor, counts),
        }

    def _function(self, name):
        """A cached tensor function of a tensor method, for any batch size (a traced
        `tf.function` on TensorFlow, the method itself run eagerly on JAX; see
        `kerazoo.utils.backend_ops.inference_function`)."""
        if name not in self._functions:
            image_spec = ((None,) + IMAGE_SHAPE, "float32")
            latent_spec = ((None, self.latent_dim), "float32")
            specs = {
                "encode_tensor": [image_spec],
                "posterior_tensor": [image_spec],
                "decode_tensor": [latent_spec],
                "reconstruct_tensor": [image_spec],
                "log_likelihood_tensor": [image_spec, ((None, None, self.latent_dim), "float32")],
            }
            self._functions[name] = inference_function(getattr(self, name), specs[name])
        return self._functions[name]

    # ------------------------------------------------------------- numpy methods

    def _batched(self, name, x, batch_size):
        batch_size = check_positive_int(batch_size, "batch_size")
        fn = self._function(name)
        outs = [fn(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        if not outs:
            raise ValueError("Received an empty batch: at least one example is needed.")
        # float32 arrays under any dtype policy (a 16-bit compute dtype stays inside).
        if isinstance(outs[0], (tuple, list)):
            return tuple(np.concatenate([to_numpy(o[j]) for o in outs]) for j in range(len(outs[0])))
        return np.concatenate([to_numpy(o) for o in outs])

    def _check_latents(self, z, name="z"):
        return check_latents(z, self.latent_dim, name)

    def encode(self, x, batch_size=256):
        """The posterior mean E[z|x] of float32 images (N, 28, 28, 1) in [0, 1]: (N, latent_dim)."""
        return self._batched("encode_tensor", check_images(x, "x", allow_empty=False), batch_size)

    def posterior(self, x, batch_size=256):
        """`(mean, log_var)` of q(z|x), each (N, latent_dim)."""
        return self._batched("posterior_tensor", check_images(x, "x", allow_empty=False), batch_size)

    def decode(self, z, batch_size=256):
        """Mean images of p(x|z) for latents (N, latent_dim): float32 (N, 28, 28, 1) in [0, 1]."""
        return self._batched("decode_tensor", self._check_latents(z), batch_size)

    def reconstruct(self, x, batch_size=256):
        """decode(encode(x)): deterministic reconstructions, float32 (N, 28, 28, 1) in [0, 1]."""
        return self._batched("reconstruct_tensor", check_images(x, "x", allow_empty=False), batch_size)

    def sample(self, n, *, seed=None, batch_size=256):
        """Mean images of p(x|z) at n draws z ~ N(0, I): float32 (n, 28, 28, 1) in [0, 1].

        Args:
            n: the number of images, a positive integer, at most `kerazoo.utils.MAX_SAMPLES`
                (100,000) per call; draw more with several calls and seeds.
            seed: None (the model's `SeedGenerator`: successive calls differ, reproducibly
                for a seeded model), or an integer in [0, 2**31 - 2] for a stateless draw
                that is the same on every call and in the SavedModel's `sample`.
            batch_size: images decoded at once (memory only: the images do not depend
                on it).

        The calling convention of every kerazoo generative model: `n` positional, then
        keywords only (`seed`, then this family's extras).
        """
        n = check_sample_count(n)
        z = prior_latents(n, self.latent_dim, seed, self.prior_seed_generator)
        return self._batched("decode_tensor", z, batch_size)

    def _likelihood_inputs(self, x):
        x = check_images(x, "x")
        if self.binarize is not None:
            x = (x > self.binarize).astype("float32")
        elif self.likelihood == "bernoulli" and not np.all((x == 0) | (x == 1)):
            raise ValueError(
                "The Bernoulli likelihood is a likelihood of binary images only; `x` has grey "
                "values and the model does not binarize (binarize=None). Pass binary images or "
                "use a model built with binarize=0.5."
            )
        return x

    def _score(self, estimator, x, n_samples, batch_size, seed):
        x = self._likelihood_inputs(x)
        # `x` is already binarized; the encoder sees it unchanged (thresholding is idempotent).
        fn = self._function("log_likelihood_tensor")
        return estimator(
            x,
            posterior=self.posterior(x),
            log_likelihood=lambda xb, z: fn(xb, z),
            n_samples=n_samples,
            batch_size=batch_size,
            seed=seed,
        )

    def log_likelihood(self, x, n_samples=1000, batch_size=20000, seed=None):
        """Importance-sampled log p(x) per image, in nats (float64 array of shape (N,)).

        K = `n_samples` draws from q(z|x) per image (Burda et al., 2016; see
        `kerazoo.metrics.importance_sampled_log_likelihood`); at most `batch_size` latent
        samples are decoded at once. Bernoulli models need binary images (or `binarize`).
        """
        return self._score(importance_sampled_log_likelihood, x, n_samples, batch_size, seed)

    def elbo(self, x, n_samples=1, batch_size=20000, seed=None):
        """The ELBO per image, in nats (float64 (N,)): a Monte Carlo mean over `n_samples`
        draws of log p(x|z) minus the closed-form KL term."""
        return self._score(evidence_lower_bound, x, n_samples, batch_size, seed)
