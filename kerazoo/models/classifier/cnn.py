"""`CNNClassifier`: a small convolutional image classifier, the feature space of the
generative models' evaluation (`classifier.fashion_mnist`).

Layout for 28x28x1 images in [0, 1]: [Conv2D(f, 3) -> BN -> ReLU -> MaxPool 2] for each of
the first two sizes of `filters` (28 -> 14 -> 7), Conv2D(f, 3) -> BN -> ReLU for the
third (7x7), Flatten -> Dense(`feature_units`) -> ReLU (the features), Dropout -> Dense
softmax over `n_classes`. `features(x)` returns the penultimate layer, the vectors in
which `kerazoo.metrics.frechet_distance` compares samples with test images.
"""

import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.utils.backend_ops import inference_function, to_numpy
from kerazoo.utils.precision import check_dtype_policy, share_dtype_policy
from kerazoo.utils.validation import IMAGE_SHAPE, check_images, check_positive_int


@keras.saving.register_keras_serializable(package="kerazoo")
class CNNClassifier(keras.Model):
    """A small CNN classifier for 28x28x1 images, trained with plain `fit(x, y)`.

    Args:
        n_classes: the number of classes (labels 0 .. n_classes - 1).
        filters: channels of the three 3x3 convolution blocks.
        feature_units: the size of the penultimate (feature) layer.
        dropout: dropout rate before the softmax layer.
        seed: integer seed for the initial weights and dropout.

    Attributes:
        body: `keras.Model`, images (N, 28, 28, 1) -> features (N, feature_units).

    `compile()` with no arguments uses Adam(1e-3), sparse categorical cross-entropy and
    accuracy. `model(x)` and `predict(x)` return class probabilities.
    """

    def __init__(self, n_classes=10, filters=(32, 64, 128), feature_units=128, dropout=0.3,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_classes = check_positive_int(n_classes, "n_classes")
        filters = list(filters)
        if len(filters) != 3:
            raise ValueError(f"`filters` must hold 3 sizes. Received: filters={filters!r}")
        self.filters = [check_positive_int(f, "filters[i]") for f in filters]
        self.feature_units = check_positive_int(feature_units, "feature_units")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout!r}")
        self.dropout = float(dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)

        def init(i):
            return keras.initializers.HeNormal(seed=None if self.seed is None else self.seed + i)

        dtype = self.dtype_policy
        x = keras.Input(IMAGE_SHAPE, name="images")
        h = x
        for i, f in enumerate(self.filters):
            h = keras.layers.Conv2D(f, 3, padding="same", use_bias=False, kernel_initializer=init(i),
                                    name=f"conv_{i}", dtype=dtype)(h)
            h = keras.layers.BatchNormalization(name=f"conv_{i}_bn", dtype=dtype)(h)
            h = keras.layers.ReLU(name=f"conv_{i}_relu", dtype=dtype)(h)
            if i < 2:
                h = keras.layers.MaxPooling2D(2, name=f"pool_{i}", dtype=dtype)(h)
        h = keras.layers.Flatten(name="flatten", dtype=dtype)(h)
        h = keras.layers.Dense(self.feature_units, activation="relu", kernel_initializer=init(3),
                               name="features", dtype=dtype)(h)
        self.body = keras.Model(x, h, name="body")
        share_dtype_policy(self, self.body)
        self.head_dropout = keras.layers.Dropout(self.dropout, seed=self.seed, name="dropout",
                                                 dtype=dtype)
        self.head = keras.layers.Dense(self.n_classes, activation="softmax", name="probabilities",
                                       dtype=dtype)
        self._functions = {}
        self.build((None,) + IMAGE_SHAPE)

    def build(self, input_shape=None):
        if not self.head.built:
            self.head.build((None, self.feature_units))
        self.built = True

    def call(self, inputs, training=False):
        h = self.body(inputs, training=training)
        return self.head(self.head_dropout(h, training=training))

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """`keras.Model.compile` with defaults Adam(1e-3), sparse categorical
        cross-entropy and accuracy."""
        super().compile(
            optimizer=optimizer if optimizer is not None else keras.optimizers.Adam(1e-3),
            loss=loss if loss is not None else "sparse_categorical_crossentropy",
            metrics=metrics if metrics is not None else ["accuracy"],
            **kwargs,
        )

    def compile_from_config(self, config):
        """Compiles from a saved compile config (a loaded model is ready for `fit`)."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def get_config(self):
        return {
            **super().get_config(),
            "n_classes": self.n_classes,
            "filters": list(self.filters),
            "feature_units": self.feature_units,
            "dropout": self.dropout,
            "seed": self.seed,
        }

    # ------------------------------------------------------------- tensor functions

    def features_tensor(self, images):
        """Penultimate-layer features of a float32 image tensor (graph-friendly, no checks)."""
        return self.body(ops.cast(images, self.compute_dtype), training=False)

    def classify_tensor(self, images):
        """Class probabilities of a float32 image tensor."""
        return self(ops.cast(images, self.compute_dtype), training=False)

    def serving_endpoints(self):
        """SavedModel signatures `classify` (probabilities) and `features`."""
        import tensorflow as tf

        images = [tf.TensorSpec((None,) + IMAGE_SHAPE, tf.float32, name="images")]
        return {"classify": (self.classify_tensor, images), "features": (self.features_tensor, images)}

    # ------------------------------------------------------------- numpy methods

    def _batched(self, name, x, batch_size):
        x = check_images(x, "x", allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        if name not in self._functions:
            self._functions[name] = inference_function(
                getattr(self, name), [((None,) + IMAGE_SHAPE, "float32")])
        fn = self._functions[name]
        return np.concatenate(
            [to_numpy(fn(x[i : i + batch_size]), None) for i in range(0, len(x), batch_size)])

    def features(self, x, batch_size=1000):
        """Penultimate-layer features of images (N, 28, 28, 1) in [0, 1]: (N, feature_units)."""
        return self._batched("features_tensor", x, batch_size)

    def predict_proba(self, x, batch_size=1000):
        """Class probabilities (N, n_classes)."""
        return self._batched("classify_tensor", x, batch_size)

    def classify(self, x, batch_size=1000):
        """Predicted class ids (N,)."""
        return np.argmax(self.predict_proba(x, batch_size), axis=1)
