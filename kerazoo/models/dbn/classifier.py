"""`DBNClassifier`: the sigmoid network a DBN turns into for discriminative fine-tuning."""

import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.layers.augmentation import augmentation_layers
from kerazoo.models.rbm.base import _check_float
from kerazoo.utils import check_images, check_positive_int
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_input_shape


def tensorflow_for_export(model):
    """TensorFlow, for a model's `serving_endpoints` (the SavedModel export); on another
    backend a clear error: the export needs the TensorFlow backend."""
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"{model.__class__.__name__}.serving_endpoints() builds a TensorFlow SavedModel "
            f"export and needs the TensorFlow backend. Received: backend="
            f"{keras.backend.backend()!r}. Export under KERAS_BACKEND=tensorflow (the same "
            ".keras file loads there)."
        )
    import tensorflow as tf

    return tf


class _ImageInput:
    """Shared input handling of the DBN's conversions: shape check, binarize or standardize."""

    def _init_input(self, image_shape, binarize, standardize):
        if isinstance(image_shape, numbers.Integral):
            image_shape = (image_shape,)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.n_visible = int(np.prod(self.image_shape))
        if binarize is not None:
            binarize = _check_float(binarize, "binarize", low=0.0)
        if not isinstance(standardize, bool):
            raise TypeError(f"`standardize` must be a bool. Received: standardize={standardize!r}")
        if standardize and binarize is not None:
            raise ValueError(
                "`binarize` and `standardize` exclude each other (Bernoulli or Gaussian "
                f"visible units). Received: binarize={binarize}, standardize=True"
            )
        self.binarize = binarize
        self.standardize = standardize

    def _build_input(self):
        if self.standardize:
            self.input_mean = self.add_weight(
                name="input_mean", shape=(self.n_visible,), initializer="zeros", trainable=False
            )
            self.input_std = self.add_weight(
                name="input_std", shape=(self.n_visible,), initializer="ones", trainable=False
            )

    def _visible(self, x):
        self._check_image_shape(x)
        dtype = self.compute_dtype
        v = ops.reshape(ops.cast(x, dtype), (-1, self.n_visible))
        if self.binarize is not None:
            v = ops.cast(v > self.binarize, dtype)
        if self.standardize:
            v = (v - ops.cast(self.input_mean, dtype)) / ops.cast(self.input_std, dtype)
        return v

    def _check_image_shape(self, x):
        shape = tuple(x.shape)
        if len(shape) != len(self.image_shape) + 1 or any(
            s is not None and s != e for s, e in zip(shape[1:], self.image_shape)
        ):
            raise ValueError(
                f"{self.__class__.__name__} takes images of shape (N, "
                f"{', '.join(map(str, self.image_shape))}) with values in [0, 1]. "
                f"Received: shape={shape}"
            )


@keras.saving.register_keras_serializable(package="kerazoo")
class DBNClassifier(_ImageInput, keras.Model):
    """A feed-forward sigmoid network with a softmax head, as a DBN is fine-tuned.

    `p(y | x) = softmax(V h_L + d)`, `h_l = sigmoid(W_l^T h_{l-1} + c_l)`, `h_0` the
    (flattened; binarized or standardized, as the DBN's bottom RBM sees them) image.
    `DBN.to_classifier(n_classes)` builds one with `W_l`, `c_l` copied from the
    pretrained RBMs; built directly it starts from Glorot-uniform weights and zero
    biases (the "random initialisation" baseline of the benchmarks).

    `compile()` with no arguments: Adam (learning rate 1e-3), sparse categorical
    cross-entropy on class ids, accuracy. `predict(x)` returns class probabilities
    (N, n_classes).

    Args:
        hidden_units: the sizes of the sigmoid layers, bottom first.
        n_classes: number of classes (>= 2).
        dropout: dropout rate on the hidden layers' outputs, in training only.
        input_dropout: dropout rate on the pixels, in training only.
        random_flip: mirror each training image left-right with probability 1/2
            (`keras.layers.RandomFlip("horizontal")`), in training only.
        random_translation: shift each training image by up to this fraction of its
            height and width (`keras.layers.RandomTranslation`, whole pixels, zeros
            filled in), in training only; 0 for none.
        binarize: threshold the pixels as a Bernoulli DBN with `binarize` does, or None.
        standardize: standardize the pixels with `input_mean` / `input_std` (weights of
            the model, copied from a Gaussian DBN), for Gaussian visible units.
        image_shape: shape of one input image.
        seed: seed of the initialisers and of dropout.
    """

    def __init__(
        self,
        hidden_units=(500, 500, 2000),
        n_classes=10,
        dropout=0.0,
        input_dropout=0.0,
        random_flip=False,
        random_translation=0.0,
        binarize=None,
        standardize=False,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self._init_input(image_shape, binarize, standardize)
        if isinstance(hidden_units, numbers.Integral):
            hidden_units = [hidden_units]
        self.hidden_units = [check_positive_int(u, "hidden_units") for u in hidden_units]
        if not self.hidden_units:
            raise ValueError("`hidden_units` must not be empty. Received: hidden_units=[]")
        self.n_classes = check_positive_int(n_classes, "n_classes")
        if self.n_classes < 2:
            raise ValueError(f"`n_classes` must be at least 2. Received: n_classes={n_classes}")
        self.dropout = _check_float(dropout, "dropout", low=0.0)
        if self.dropout >= 1.0:
            raise ValueError(f"`dropout` must lie in [0, 1). Received: dropout={dropout}")
        self.input_dropout = _check_float(input_dropout, "input_dropout", low=0.0)
        if self.input_dropout >= 1.0:
            raise ValueError(
                f"`input_dropout` must lie in [0, 1). Received: input_dropout={input_dropout}"
            )
        if not isinstance(random_flip, bool):
            raise TypeError(f"`random_flip` must be a bool. Received: random_flip={random_flip!r}")
        self.random_flip = random_flip
        self.random_translation = _check_float(random_translation, "random_translation", low=0.0)
        if self.random_translation >= 1.0:
            raise ValueError(
                "`random_translation` must lie in [0, 1) (a fraction of the image's height and "
                f"width). Received: random_translation={random_translation}"
            )
        if (random_flip or self.random_translation) and len(self.image_shape) != 3:
            raise ValueError(
                "`random_flip` and `random_translation` need images of shape (height, width, "
                f"channels). Received: image_shape={self.image_shape}"
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed

        def init(i):
            return keras.initializers.GlorotUniform(seed=None if seed is None else int(seed) + i)

        self.hidden_layers = [
            keras.layers.Dense(units, activation="sigmoid", kernel_initializer=init(i),
                               name=f"dense_{i + 1}", dtype=self.dtype_policy)
            for i, units in enumerate(self.hidden_units)
        ]
        self.head = keras.layers.Dense(
            self.n_classes, activation="softmax", kernel_initializer=init(len(self.hidden_units)),
            name="softmax", dtype=self.dtype_policy,
        )
        self.dropout_layers = [
            keras.layers.Dropout(self.input_dropout if i == 0 else self.dropout,
                                 seed=None if seed is None else int(seed) + 100 + i,
                                 dtype=self.dtype_policy)
            for i in range(len(self.hidden_units) + 1)
        ]
        # Data augmentation in front of the network, active in training only.
        self.augmentation = augmentation_layers(
            self.random_flip, self.random_translation, seed, dtype=self.dtype_policy)
        self._build_input()
        self.build((None,) + self.image_shape)

    def build(self, input_shape=None):
        """Builds the dense layers for images of `image_shape`; called by `__init__`, so a
        later `build` (Keras's `model.build(shape)`) only checks the shape."""
        if input_shape is not None:
            check_input_shape(input_shape, self.image_shape, self.__class__.__name__, "images")
        size = self.n_visible
        for dense in self.hidden_layers:
            if not dense.built:
                dense.build((None, size))
            size = dense.units
        if not self.head.built:
            self.head.build((None, size))

    def features(self, x, training=False):
        """The last hidden layer's activities (a tensor) of images (N, 28, 28, 1) in [0, 1].

        `x` is checked like every image method's input (float images in [0, 1], no NaN, at
        least one image); graphs (`call`, the SavedModel) use the unchecked `_features`.
        """
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        return self._features(x, training=training)

    def encode(self, x, batch_size=1000):
        """The last hidden layer's activities of images (N, 28, 28, 1) in [0, 1], as numpy
        float32 (N, hidden_units[-1]), computed in batches at inference (no dropout, no
        augmentation).

        The representation method shared by every kerazoo representation model: the same
        features as `features(x)` (which returns a tensor and takes `training`).
        """
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.concatenate([
            np.asarray(ops.convert_to_numpy(self._features(x[i : i + batch_size])), np.float32)
            for i in range(0, len(x), batch_size)
        ])

    def _features(self, x, training=False):
        if training and self.augmentation:
            # Augmentation of the images in [0, 1], before binarizing or standardizing.
            self._check_image_shape(x)
            x = ops.cast(x, self.compute_dtype)
            for layer in self.augmentation:
                x = layer(x, training=True)
        h = self._visible(x)
        for drop, dense in zip(self.dropout_layers, self.hidden_layers):
            if drop.rate:
                h = drop(h, training=training)
            h = dense(h)
        return h

    def call(self, inputs, training=False):
        h = self._features(inputs, training=training)
        if self.dropout:
            h = self.dropout_layers[-1](h, training=training)
        return self.head(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_classes)

    def compile(self, optimizer="adam", loss="sparse_categorical_crossentropy",
                metrics=("accuracy",), **kwargs):
        """`keras.Model.compile` with classification defaults (Adam 1e-3, class ids)."""
        super().compile(optimizer=optimizer, loss=loss,
                        metrics=list(metrics) if metrics is not None else None, **kwargs)

    def compile_from_config(self, config):
        compile_from_keras_config(self, config)

    def serving_endpoints(self):
        """`predict` (class probabilities, also `serving_default`) and `features`
        (SavedModel export, TensorFlow only)."""
        tf = tensorflow_for_export(self)

        image = [tf.TensorSpec((None,) + self.image_shape, tf.float32, name="images")]
        return {
            "predict": (lambda x: self.call(x, training=False), image),
            "features": (lambda x: self._features(x, training=False), image),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.hidden_units),
            "n_classes": self.n_classes,
            "dropout": self.dropout,
            "input_dropout": self.input_dropout,
            "random_flip": self.random_flip,
            "random_translation": self.random_translation,
            "binarize": self.binarize,
            "standardize": self.standardize,
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }


__all__ = ["DBNClassifier"]
