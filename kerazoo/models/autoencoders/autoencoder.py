"""The deterministic autoencoder: an encoder to a code, a decoder back to the image.

An autoencoder learns an encoder f: x -> z (the code, `code_size` numbers) and a decoder
g: z -> x^ so that x^ = g(f(x)) reconstructs x, by minimizing a reconstruction loss
L(x, g(f(x))) averaged over the data (mean squared error per pixel by default; binary
cross-entropy for images read as pixel probabilities). With a code smaller than the
image, the code is a nonlinear dimensionality reduction; a linear encoder and decoder
with the squared error span the same subspace as PCA with `code_size` components
(Baldi & Hornik, 1989), so PCA at the same dimension is the natural anchor.

References:
    G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of data with
    neural networks", Science 313(5786), 2006 (the 784-1000-500-250-30 shape).
    P. Baldi and K. Hornik, "Neural networks and principal component analysis: learning
    from examples without local minima", Neural Networks 2(1), 1989.
    J. Masci, U. Meier, D. Ciresan and J. Schmidhuber, "Stacked convolutional
    auto-encoders for hierarchical feature extraction", ICANN 2011.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.layers.augmentation import augmentation_layers
from kerazoo.models.autoencoders._architectures import ARCHITECTURES, build_decoder, build_encoder
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.latents import check_latents
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import IMAGE_SHAPE, check_images, check_positive_int


def _int_tuple(value, name, allow_empty=True):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise ValueError(f"`{name}` must be a list of positive integers. Received: {name}={value!r}") from None
    if not allow_empty and not out:
        raise ValueError(f"`{name}` must not be empty. Received: {name}={value!r}")
    for v in out:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(
                f"`{name}` must be a list of positive integers. Received: {name}={value!r}"
            )
    return tuple(int(v) for v in out)


def _activation_name(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be the name of a Keras activation. Received: {name}={value!r}")
    try:
        keras.activations.get(value)
    except ValueError:
        raise ValueError(
            f"`{name}` must be the name of a Keras activation (e.g. 'relu', 'sigmoid'). "
            f"Received: {name}={value!r}"
        ) from None
    return value


@keras.saving.register_keras_serializable(package="kerazoo")
class Autoencoder(keras.Model):
    """A deep autoencoder, dense or convolutional, with any code size.

    The model's `call` is the reconstruction x -> g(f(x)). Train it with plain `fit`,
    either `model.fit(x)` (the input is its own target) or `model.fit(x, x)`;
    `compile()` with no arguments uses Adam (learning rate 1e-3) and the mean squared
    error per pixel.

    ```python
    model = kerazoo.models.Autoencoder(code_size=30, hidden_units=(1000, 500, 250))
    model.compile()
    model.fit(x_train, epochs=20, batch_size=128, validation_data=(x_val, x_val))
    codes = model.encode(x_test)           # (N, 30) numpy
    images = model.reconstruct(x_test)     # (N, 28, 28, 1) in [0, 1]
    ```

    Args:
        code_size: the code's dimension (a positive int, at most the number of pixels).
        hidden_units: the dense hidden layers of the encoder, in order; the decoder
            mirrors them. Default (1000, 500, 250), the 784-1000-500-250-30 shape of Hinton
            & Salakhutdinov (2006).
        architecture: "dense", or "conv" for stride-2 3x3 convolutions (`conv_filters`)
            before the dense layers and transposed convolutions after them.
        conv_filters: filters of the convolutions, one halving of the image each (the
            image's sides must be divisible by 2 ** len(conv_filters)).
        refine_filters: conv only: if > 0, the decoder's last transposed convolution gives
            this many full-resolution feature maps and a stride-1 3x3 convolution draws the
            image from them (default 0: the transposed convolution draws the image).
        conv_depth: conv only: 3x3 convolutions per stage (default 1). Each extra one has
            stride 1: in the encoder after the stage's stride-2 convolution, in the decoder
            before its transposed convolution.
        activation: the hidden layers' activation.
        code_activation: the code layer's activation (None: linear).
        output_activation: the last layer's activation; "sigmoid" keeps reconstructions
            in [0, 1] (other activations are clipped to [0, 1] by `reconstruct`/`decode`).
        batch_norm: batch normalization after each hidden layer (not the code or output).
        random_flip: mirror each training image left-right with probability 1/2
            (`keras.layers.RandomFlip("horizontal")`), in training only.
        random_translation: shift each training image by up to this fraction of its
            height and width (`keras.layers.RandomTranslation`, whole pixels, zeros
            shifted in), in training only.
            Both augment the input and the target alike: `fit(x)` and `fit(x, y)` train
            on pairs that went through the same random transform, so the model learns
            to reconstruct the transformed image, not to undo the transform.
        image_shape: the input images' shape, (28, 28, 1) by default.
        seed: int or None, seeds the weight initializers (and any randomness of
            subclasses).

    Attributes:
        encoder: `keras.Sequential`, images (N, H, W, C) -> codes (N, code_size).
        decoder: `keras.Sequential`, codes -> images.
    """

    #: Name of the penalty metric reported by regularized subclasses (None: no penalty).
    penalty_name = None

    def __init__(
        self,
        code_size=30,
        hidden_units=(1000, 500, 250),
        architecture="dense",
        conv_filters=(32, 64),
        refine_filters=0,
        conv_depth=1,
        activation="relu",
        code_activation=None,
        output_activation="sigmoid",
        batch_norm=False,
        random_flip=False,
        random_translation=0.0,
        image_shape=IMAGE_SHAPE,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.image_shape = _int_tuple(image_shape, "image_shape", allow_empty=False)
        if len(self.image_shape) != 3:
            raise ValueError(
                f"`image_shape` must be (height, width, channels). Received: image_shape={image_shape!r}"
            )
        self.code_size = check_positive_int(code_size, "code_size")
        n_inputs = math.prod(self.image_shape)
        if self.code_size > n_inputs:
            raise ValueError(
                f"`code_size` must be at most the input's dimension {n_inputs} "
                f"({'x'.join(map(str, self.image_shape))}): an autoencoder compresses. "
                f"Received: code_size={code_size}"
            )
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"`architecture` must be one of {list(ARCHITECTURES)}. Received: architecture={architecture!r}"
            )
        self.architecture = architecture
        self.hidden_units = _int_tuple(hidden_units, "hidden_units")
        self.conv_filters = _int_tuple(conv_filters, "conv_filters", allow_empty=architecture != "conv")
        if architecture == "conv":
            scale = 2 ** len(self.conv_filters)
            if self.image_shape[0] % scale or self.image_shape[1] % scale:
                raise ValueError(
                    f"A conv autoencoder with {len(self.conv_filters)} stride-2 layers needs image "
                    f"sides divisible by {scale}. Received: image_shape={self.image_shape}, "
                    f"conv_filters={self.conv_filters}"
                )
        if isinstance(refine_filters, bool) or not isinstance(refine_filters, numbers.Integral) \
                or refine_filters < 0:
            raise ValueError(
                f"`refine_filters` must be a non-negative integer. Received: refine_filters={refine_filters!r}"
            )
        if refine_filters and architecture != "conv":
            raise ValueError(
                "`refine_filters` belongs to the conv architecture. Received: "
                f"refine_filters={refine_filters}, architecture={architecture!r}"
            )
        self.refine_filters = int(refine_filters)
        self.conv_depth = check_positive_int(conv_depth, "conv_depth")
        if self.conv_depth > 1 and architecture != "conv":
            raise ValueError(
                "`conv_depth` belongs to the conv architecture. Received: "
                f"conv_depth={conv_depth}, architecture={architecture!r}"
            )
        self.activation = _activation_name(activation, "activation")
        self.code_activation = _activation_name(code_activation, "code_activation", allow_none=True)
        self.output_activation = _activation_name(output_activation, "output_activation")
        self.batch_norm = bool(batch_norm)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        if not isinstance(random_flip, bool):
            raise ValueError(f"`random_flip` must be a bool. Received: random_flip={random_flip!r}")
        self.random_flip = random_flip
        if isinstance(random_translation, bool) or not isinstance(random_translation, numbers.Real) \
                or not 0.0 <= random_translation < 1.0:
            raise ValueError(
                "`random_translation` must be a number in [0, 1) (a fraction of the image's "
                f"height and width). Received: random_translation={random_translation!r}"
            )
        self.random_translation = float(random_translation)
        # Augmentation of the training pairs, applied in `train_step` (training only).
        self.augmentation = augmentation_layers(
            self.random_flip, self.random_translation, seed, dtype=self.dtype_policy)

        common = dict(
            image_shape=self.image_shape,
            code_size=self.code_size,
            architecture=self.architecture,
            hidden_units=self.hidden_units,
            conv_filters=self.conv_filters,
            activation=self.activation,
            batch_norm=self.batch_norm,
            seed=seed,
            conv_depth=self.conv_depth,
            dtype=self.dtype_policy,
        )
        self.encoder = build_encoder(
            code_activation=self.code_activation, code_layers=self._code_layers(), **common
        )
        self.decoder = build_decoder(
            output_activation=self.output_activation, refine_filters=self.refine_filters, **common
        )
        if self.penalty_name:
            self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.penalty_tracker = keras.metrics.Mean(name=self.penalty_name)
        self._make_state()
        # Every sublayer is built: build now, so `summary()` and `count_params()` work.
        self.build((None,) + self.image_shape)

    # -- construction hooks for subclasses -------------------------------------------

    def _code_layers(self):
        """Layers appended to the encoder after the code layer (none here)."""
        return []

    def _make_state(self):
        """Creates the subclass's own layers and seed generators (before the model is built)."""

    def _extra_loss(self, x, training):
        """A penalty added in `compute_loss` (a scalar tensor), or None."""
        return None

    # -- Keras model ------------------------------------------------------------------

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def compile(self, optimizer="adam", loss="mean_squared_error", **kwargs):
        """`keras.Model.compile` with defaults that train well: Adam (1e-3) and the MSE.

        Pass `loss="binary_crossentropy"` to read pixels as probabilities (the output
        activation must then be "sigmoid"). Regularization penalties of the subclasses
        are added to the loss whatever it is.
        """
        super().compile(optimizer=optimizer, loss=loss, **kwargs)

    def compile_from_config(self, config):
        compile_from_keras_config(self, config)

    def train_step(self, *args):
        """Keras's training step, on pairs augmented alike when augmentation is on.

        The signature is the backend's: `train_step(data)` on TensorFlow, and Keras's
        stateless `train_step(state, data)` on JAX, where the augmentation runs in a
        `keras.StatelessScope` over the state and its seed generators' new states go
        back into it.
        """
        if not self.augmentation:
            return super().train_step(*args)
        *state, data = args
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if not state:
            x, y = self._augment_pairs(x, y)
            return super().train_step(keras.utils.pack_x_y_sample_weight(x, y, sample_weight))
        trainable, non_trainable, optimizer_variables, metrics_variables = state[0]
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += zip(self.non_trainable_variables, non_trainable)
        with keras.StatelessScope(state_mapping=mapping) as scope:
            x, y = self._augment_pairs(x, y)
        non_trainable = [scope.get_current_value(v) for v in self.non_trainable_variables]
        state = (trainable, non_trainable, optimizer_variables, metrics_variables)
        return super().train_step(state, keras.utils.pack_x_y_sample_weight(x, y, sample_weight))

    def _augment_pairs(self, x, y):
        """One random transform per image, applied to the input and its target."""
        x = ops.cast(x, self.compute_dtype)
        channels = self.image_shape[-1]
        both = x if y is None else ops.concatenate([x, ops.cast(y, self.compute_dtype)], axis=-1)
        for layer in self.augmentation:
            both = layer(both, training=True)
        if y is None:
            return both, None
        return both[..., :channels], both[..., channels:]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled reconstruction loss against `y` (or `x` when `y` is None) plus penalties."""
        if y is None:
            y = x
        total = super().compute_loss(x, y, y_pred, sample_weight, training=training)
        extra = self._extra_loss(x, training)
        if extra is not None:
            total = total + extra
        if self.penalty_name:
            penalty = extra if extra is not None else ops.zeros((), dtype=total.dtype)
            for loss in self.losses:
                penalty = penalty + ops.sum(ops.cast(loss, total.dtype))
            self.reconstruction_tracker.update_state(total - penalty)
            self.penalty_tracker.update_state(penalty)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, x if y is None else y, y_pred, sample_weight)

    def _check_fit_inputs(self, x, y):
        if isinstance(x, np.ndarray) or ops.is_tensor(x):
            x = check_images(x, "x", self.image_shape)
            if y is not None and (isinstance(y, np.ndarray) or ops.is_tensor(y)):
                y = check_images(y, "y", self.image_shape)
                if len(y) != len(x):
                    raise ValueError(
                        f"`x` and `y` must hold as many images. Received: {len(x)} and {len(y)}"
                    )
        return x, y

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`; image arrays are checked first (float32 (N, H, W, C) in [0, 1]).

        The target defaults to the input: `fit(x)` and `fit(x, x)` train the same way.
        """
        x, y = self._check_fit_inputs(x, y)
        return super().fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        x, y = self._check_fit_inputs(x, y)
        return super().evaluate(x, y, **kwargs)

    def get_config(self):
        return {
            **super().get_config(),
            "code_size": self.code_size,
            "hidden_units": list(self.hidden_units),
            "architecture": self.architecture,
            "conv_filters": list(self.conv_filters),
            "refine_filters": self.refine_filters,
            "conv_depth": self.conv_depth,
            "activation": self.activation,
            "code_activation": self.code_activation,
            "output_activation": self.output_activation,
            "batch_norm": self.batch_norm,
            "random_flip": self.random_flip,
            "random_translation": self.random_translation,
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }

    # -- tensor functions (graphs, SavedModel) ------------------------------------------

    def encode_tensor(self, images):
        """Codes of an image tensor (inference mode), for use inside graphs."""
        return self.encoder(images, training=False)

    def decode_tensor(self, codes):
        """Images (clipped to [0, 1]) decoded from a code tensor (inference mode)."""
        return ops.clip(self.decoder(codes, training=False), 0.0, 1.0)

    def reconstruct_tensor(self, images):
        """Reconstructions of an image tensor (inference mode), clipped to [0, 1]."""
        return self.decode_tensor(self.encode_tensor(images))

    def serving_endpoints(self):
        """SavedModel endpoints: `reconstruct` (also `serving_default`), `encode`, `decode`."""
        import tensorflow as tf

        images = [tf.TensorSpec((None,) + self.image_shape, tf.float32, name="images")]
        codes = [tf.TensorSpec((None, self.code_size), tf.float32, name="codes")]
        return {
            "reconstruct": (self.reconstruct_tensor, images),
            "encode": (self.encode_tensor, images),
            "decode": (self.decode_tensor, codes),
        }

    # -- numpy API -----------------------------------------------------------------------

    def encode(self, x, batch_size=256):
        """The codes of images x: float32 (N, H, W, C) in [0, 1] -> numpy (N, code_size)."""
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.asarray(self.encoder.predict(x, batch_size=batch_size, verbose=0))

    def decode(self, z, batch_size=256):
        """Images decoded from codes z (N, code_size): numpy (N, H, W, C) in [0, 1]."""
        z = self._check_codes(z)
        batch_size = check_positive_int(batch_size, "batch_size")
        out = self.decoder.predict(z, batch_size=batch_size, verbose=0)
        return np.clip(np.asarray(out), 0.0, 1.0)

    def reconstruct(self, x, batch_size=256):
        """Reconstructions g(f(x)) of images x: numpy (N, H, W, C) in [0, 1]."""
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.clip(np.asarray(self.predict(x, batch_size=batch_size, verbose=0)), 0.0, 1.0)

    def _check_codes(self, z, name="z"):
        return check_latents(z, self.code_size, name=name, what="codes")
