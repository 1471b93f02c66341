"""`DeepAutoencoder`: the unrolled DBN of Hinton & Salakhutdinov (2006)."""

import keras
import numpy as np
from keras import ops

from kerazoo.models.dbn.classifier import _ImageInput, tensorflow_for_export
from kerazoo.models.rbm.base import _numpy
from kerazoo.utils import check_images, check_positive_int
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_input_shape

OUTPUTS = ("sigmoid", "linear")


@keras.saving.register_keras_serializable(package="kerazoo")
class DeepAutoencoder(_ImageInput, keras.Model):
    """A deep sigmoid autoencoder unrolled from a DBN (Hinton & Salakhutdinov 2006).

    For layer sizes `n_0 - n_1 - ... - n_L` the encoder is
    `h_l = sigmoid(h_{l-1} W_l + c_l)` up to the code `h_L`, and the decoder mirrors it,
    `g_{l-1} = sigmoid(g_l W'_l + b'_l)` down to the pixels (the last layer linear and
    mapped back to pixel units when `output="linear"`, for a Gaussian-visible DBN).
    `DBN.to_autoencoder()` initialises `W_l, c_l` from the RBMs and `W'_l = W_l^T`,
    `b'_l = b_l` (their visible biases); fine-tuning then trains all of them end to end.

    `compile()` with no arguments: Adam (1e-3) and the binary cross-entropy of the
    pixels (`output="sigmoid"`), or the mean squared error (`output="linear"`).
    `fit(x)` trains to reconstruct `x`.

    Attributes:
        encoder_layers, decoder_layers: the `Dense` layers, in the order data flows.
    """

    def __init__(
        self,
        layer_sizes=(784, 500, 500, 2000),
        output="sigmoid",
        binarize=None,
        standardize=False,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self._init_input(image_shape, binarize, standardize)
        sizes = [check_positive_int(s, "layer_sizes") for s in layer_sizes]
        if len(sizes) < 2 or sizes[0] != self.n_visible:
            raise ValueError(
                f"`layer_sizes` must start with the number of pixels {self.n_visible} and hold "
                f"at least two sizes. Received: layer_sizes={list(layer_sizes)}"
            )
        self.layer_sizes = sizes
        if output not in OUTPUTS:
            raise ValueError(f"`output` must be one of {list(OUTPUTS)}. Received: output={output!r}")
        self.output_kind = output
        self.seed = seed

        def init(i):
            return keras.initializers.GlorotUniform(seed=None if seed is None else int(seed) + i)

        n = len(sizes) - 1
        self.encoder_layers = [
            keras.layers.Dense(sizes[i + 1], activation="sigmoid", kernel_initializer=init(i),
                               name=f"encoder_{i + 1}", dtype=self.dtype_policy)
            for i in range(n)
        ]
        self.decoder_layers = [
            keras.layers.Dense(
                sizes[i - 1],
                activation="sigmoid" if (i > 1 or output == "sigmoid") else None,
                kernel_initializer=init(2 * n - i + 1),
                name=f"decoder_{i}",
                dtype=self.dtype_policy,
            )
            for i in range(n, 0, -1)
        ]
        self._build_input()
        self.build((None,) + self.image_shape)

    @property
    def code_size(self):
        return self.layer_sizes[-1]

    def build(self, input_shape=None):
        """Builds the dense layers for images of `image_shape`; called by `__init__`, so a
        later `build` (Keras's `model.build(shape)`) only checks the shape."""
        if input_shape is not None:
            check_input_shape(input_shape, self.image_shape, "DeepAutoencoder", "images")
        for dense, size in zip(self.encoder_layers, self.layer_sizes[:-1]):
            if not dense.built:
                dense.build((None, size))
        for dense, size in zip(self.decoder_layers, self.layer_sizes[:0:-1]):
            if not dense.built:
                dense.build((None, size))

    def encode_tensor(self, x):
        h = self._visible(x)
        for dense in self.encoder_layers:
            h = dense(h)
        return h

    def decode_tensor(self, z):
        g = ops.cast(ops.convert_to_tensor(z), self.compute_dtype)
        for dense in self.decoder_layers:
            g = dense(g)
        if self.standardize:
            g = g * ops.cast(self.input_std, g.dtype) + ops.cast(self.input_mean, g.dtype)
        return ops.reshape(g, (-1,) + self.image_shape)

    def call(self, inputs, training=False):
        return self.decode_tensor(self.encode_tensor(inputs))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.image_shape

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """`keras.Model.compile`; the default loss follows `output` (see the class doc)."""
        if loss is None:
            loss = "binary_crossentropy" if self.output_kind == "sigmoid" else "mean_squared_error"
        super().compile(optimizer=optimizer, loss=loss, **kwargs)

    def compile_from_config(self, config):
        compile_from_keras_config(self, config)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, x if y is None else y, y_pred, sample_weight,
                                    training=training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, x if y is None else y, y_pred, sample_weight)

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`; the target defaults to the input (`fit(x)`)."""
        if isinstance(x, np.ndarray):
            x = check_images(x, "x", self.image_shape)
        return super().fit(x, y, **kwargs)

    def encode(self, x, batch_size=256):
        """Codes of images x: numpy (N, code_size)."""
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        return np.concatenate(
            [_numpy(self.encode_tensor(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
            or [np.zeros((0, self.code_size), np.float32)]
        )

    def decode(self, z, batch_size=256):
        """Images decoded from codes z (N, code_size): numpy in [0, 1]."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.code_size:
            raise ValueError(
                f"`z` must have shape (N, {self.code_size}). Received: shape={z.shape}"
            )
        out = [_numpy(self.decode_tensor(z[i : i + batch_size])) for i in range(0, len(z), batch_size)]
        return np.clip(np.concatenate(out) if out else np.zeros((0,) + self.image_shape, np.float32), 0, 1)

    def reconstruct(self, x, batch_size=256):
        """Reconstructions of images x: numpy (N, *image_shape) in [0, 1]."""
        return self.decode(self.encode(x, batch_size), batch_size)

    def serving_endpoints(self):
        """`reconstruct`, `encode` and `decode` (SavedModel export, TensorFlow only)."""
        tf = tensorflow_for_export(self)

        images = [tf.TensorSpec((None,) + self.image_shape, tf.float32, name="images")]
        codes = [tf.TensorSpec((None, self.code_size), tf.float32, name="codes")]
        return {
            "reconstruct": (lambda x: ops.clip(self.call(x), 0.0, 1.0), images),
            "encode": (self.encode_tensor, images),
            "decode": (lambda z: ops.clip(self.decode_tensor(z), 0.0, 1.0), codes),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "layer_sizes": list(self.layer_sizes),
            "output": self.output_kind,
            "binarize": self.binarize,
            "standardize": self.standardize,
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }


__all__ = ["DeepAutoencoder"]
