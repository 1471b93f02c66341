"""IMSAT: information maximizing self-augmented training (Hu et al., 2017).

A network f maps an image x to cluster probabilities p(y|x) = softmax(f(x)) over K
clusters. It is trained without labels to

1. carry much information about the images: maximize the mutual information between
   images and clusters, I(X; Y) = H(Y) - H(Y|X), estimated on each batch. H(Y) is the
   entropy of the batch's mean prediction (high when the clusters are used evenly), H(Y|X)
   the mean entropy of the predictions (low when each image is assigned confidently).
   The marginal term is weighted by mu: the information term is mu H(Y) - H(Y|X);
2. be invariant to small perturbations of each image (self-augmented training with
   virtual adversarial perturbations, VAT, Miyato et al.): R = KL(p(y|x) || p(y|x + r))
   with p(y|x) held fixed and r the perturbation of norm eps_i that changes the prediction
   most, found by one power iteration from a random direction d of norm `xi`:
   r = eps_i * g / ||g||, g = grad_d KL(p(y|x) || p(y|x + d)). The radius adapts to the
   local density of the data: eps_i = `eps_scale` times the Euclidean distance from x_i
   to its `n_neighbors`-th nearest neighbour among the images `fit` is given.

The loss is R - lambda (mu H(Y) - H(Y|X)), lambda = `information_weight`,
mu = `marginal_entropy_weight`. The network is the paper's: the flattened pixels through
dense layers (1200, 1200 by default) with batch normalization and ReLU, then K logits.

`predict(x)` returns the hard cluster ids argmax_y p(y|x) (int32), through
`predict_step`; `model(x)` and `soft_assign(x)` give p(y|x). `evaluate(x)` and the
validation of `fit(..., validation_data=x_val)` report the same loss and parts as training,
on each batch in inference mode and without updates.

Reference:
    W. Hu, T. Miyato, S. Tokui, E. Matsumoto and M. Sugiyama, "Learning discrete
    representations via information maximizing self-augmented training", ICML 2017.
    T. Miyato, S. Maeda, M. Koyama and S. Ishii, "Virtual adversarial training: a
    regularization method for supervised and semi-supervised learning", IEEE TPAMI 2018.
"""

import numbers

import keras
import numpy as np
from keras import ops

from kerazoo.utils.backend_ops import inference_function, input_gradient, to_numpy
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.precision import check_dtype_policy, share_dtype_policy
from kerazoo.utils.validation import IMAGE_SHAPE, check_images, check_positive_int

_EPS = 1e-8


def _positive_number(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        value >= 0 if allow_zero else value > 0
    ):
        raise ValueError(
            f"`{name}` must be a {'non-negative' if allow_zero else 'positive'} number. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _unit(v):
    """Each example of `v` scaled to Euclidean norm 1 (over all its axes)."""
    norm = ops.sqrt(ops.sum(ops.square(v), axis=tuple(range(1, len(v.shape))), keepdims=True))
    return v / (norm + 1e-12)


def _kl(p, logits):
    """KL(p || softmax(logits)) per example; log-softmax keeps the tiny divergences of the
    power iteration (perturbations of norm `xi`) accurate in float32."""
    return ops.sum(p * (ops.log(p + _EPS) - ops.log_softmax(logits, axis=-1)), axis=1)


def _entropy(p):
    return -ops.sum(p * ops.log(p + _EPS), axis=-1)


@keras.saving.register_keras_serializable(package="kerazoo")
class IMSAT(keras.Model):
    """Information maximizing self-augmented training; `predict(x)` returns cluster ids.

    Args:
        n_clusters: the number of clusters K (at least 2).
        hidden_units: sizes of the dense hidden layers (batch norm and ReLU after each).
        image_shape: the shape of one image, (28, 28, 1) by default.
        information_weight: lambda, the weight of the information term.
        marginal_entropy_weight: mu, the weight of H(Y) inside the information term.
        eps_scale: the perturbation radius of each image, as a fraction of the distance
            to its `n_neighbors`-th nearest neighbour.
        n_neighbors: which neighbour sets the radius (10 in the paper).
        xi: the norm of the random direction of the power iteration. Under a 16-bit
            dtype policy it must be at least eps * sqrt(pixels) (float16: 0.027, bfloat16:
            0.22 for 28x28 images), the smallest direction that survives rounding; the
            constructor says so otherwise.
        seed: integer seed for the initial weights and the random directions.

    Usage:
        model = IMSAT(n_clusters=10)
        model.compile()                          # Adam(2e-3) by default
        model.fit(x_train, epochs=15, batch_size=250)
        ids = model.predict(x_test)              # int32 cluster ids

    `fit(x)` computes the radii of the images x (nearest neighbours, scikit-learn) and
    trains on (image, radius) pairs; a `tf.data.Dataset` given to `fit` must yield such
    pairs (see `perturbation_radii`). `evaluate(x)` and `validation_data=x_val` do the
    same with the radii of the images they are given; `validation_split` splits the
    training pairs.
    """

    def __init__(self, n_clusters=10, hidden_units=(1200, 1200), image_shape=IMAGE_SHAPE,
                 information_weight=0.1, marginal_entropy_weight=4.0, eps_scale=0.25,
                 n_neighbors=10, xi=1e-6, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_clusters = check_positive_int(n_clusters, "n_clusters")
        if self.n_clusters < 2:
            raise ValueError(f"`n_clusters` must be at least 2. Received: n_clusters={n_clusters!r}")
        self.hidden_units = [check_positive_int(u, "hidden_units[i]") for u in hidden_units]
        self.image_shape = tuple(check_positive_int(s, "image_shape[i]") for s in image_shape)
        self.information_weight = _positive_number(information_weight, "information_weight", True)
        self.marginal_entropy_weight = _positive_number(marginal_entropy_weight, "marginal_entropy_weight", True)
        self.eps_scale = _positive_number(eps_scale, "eps_scale")
        self.n_neighbors = check_positive_int(n_neighbors, "n_neighbors")
        self.xi = _positive_number(xi, "xi")
        self._check_xi_resolved()
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)

        # Keras' default initialization (Glorot uniform) for every dense layer.
        def init(i):
            return keras.initializers.GlorotUniform(seed=None if self.seed is None else self.seed + i)

        dtype = self.dtype_policy
        images = keras.Input(self.image_shape, name="images")
        h = keras.layers.Flatten(name="flatten", dtype=dtype)(images)
        for i, units in enumerate(self.hidden_units):
            h = keras.layers.Dense(units, kernel_initializer=init(i), name=f"dense_{i}", dtype=dtype)(h)
            h = keras.layers.BatchNormalization(name=f"dense_{i}_bn", dtype=dtype)(h)
            h = keras.layers.ReLU(name=f"dense_{i}_relu", dtype=dtype)(h)
        logits = keras.layers.Dense(self.n_clusters, kernel_initializer=init(len(self.hidden_units)),
                                    name="logits", dtype=dtype)(h)
        self.network = keras.Model(images, logits, name="network")
        share_dtype_policy(self, self.network)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.vat_tracker = keras.metrics.Mean(name="vat_loss")
        self.conditional_entropy_tracker = keras.metrics.Mean(name="conditional_entropy")
        self.marginal_entropy_tracker = keras.metrics.Mean(name="marginal_entropy")
        self.build((None,) + self.image_shape)

    def build(self, input_shape):
        """Checks `input_shape` against `image_shape`; the network is built in `__init__`.

        Through Keras's `build` the model records its input shape (for `export` and
        `summary`)."""
        self._check_shape(input_shape, "input_shape")

    def _check_xi_resolved(self):
        """Under a 16-bit compute dtype the power iteration's direction (norm `xi`, spread
        over the pixels) must survive rounding: xi >= eps * sqrt(pixels)."""
        compute = keras.backend.standardize_dtype(self.compute_dtype)
        eps = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}.get(compute)
        if eps is None:
            return
        smallest = eps * float(np.sqrt(np.prod(self.image_shape)))
        if self.xi < smallest:
            raise ValueError(
                f"IMSAT's power iteration perturbs each image by a direction of norm `xi`, which "
                f"{compute} (the compute dtype of the policy {self.dtype_policy.name!r}) rounds "
                f"away below {smallest:.3g} for images of shape {self.image_shape}: pass xi >= "
                f"{smallest:.3g} or use the float32 policy. Received: "
                f"dtype={self.dtype_policy.name!r}, xi={self.xi!r}"
            )

    @property
    def metrics(self):
        return [self.loss_tracker, self.vat_tracker, self.conditional_entropy_tracker,
                self.marginal_entropy_tracker]

    def _check_shape(self, shape, name="shape"):
        shape = tuple(shape)
        if len(shape) != len(self.image_shape) + 1 or any(
            s is not None and s != e for s, e in zip(shape[1:], self.image_shape)
        ):
            raise ValueError(
                f"IMSAT takes images of shape (N, {', '.join(map(str, self.image_shape))}). "
                f"Received: {name}={shape}"
            )

    def call(self, inputs, training=False):
        self._check_shape(inputs.shape)
        return ops.softmax(self.network(inputs, training=training), axis=-1)

    def compile(self, optimizer=None, **kwargs):
        """`keras.Model.compile` with IMSAT's loss built in; Adam(2e-3) by default."""
        if kwargs.get("loss") is not None:
            raise ValueError(
                "IMSAT has its own loss (VAT minus the mutual information); compile() takes "
                f"no `loss`. Received: loss={kwargs['loss']!r}"
            )
        kwargs.pop("loss", None)
        super().compile(optimizer=optimizer if optimizer is not None else keras.optimizers.Adam(2e-3),
                        **kwargs)

    def compile_from_config(self, config):
        compile_from_keras_config(self, config)

    # -- training --------------------------------------------------------------------------

    @staticmethod
    def _no_radii_error(step):
        return ValueError(
            f"IMSAT's {step} needs the perturbation radius of every image: give arrays of "
            "images (the radii are computed from them) or a dataset of (images, radii) "
            "batches (see `perturbation_radii`). Received: batches of images only"
        )

    def _batch(self, x, radius, step):
        """(images, radii shaped to broadcast over an image) of a batch of (image, radius)."""
        if radius is None:
            raise self._no_radii_error(step)
        x = ops.cast(x, self.compute_dtype)
        radius = ops.reshape(ops.cast(radius, self.compute_dtype), (-1,) + (1,) * len(self.image_shape))
        return x, radius

    def _logits(self, x, training):
        """The network's logits in float32 (the objective's logarithms and sums are
        computed in float32 under any dtype policy)."""
        return ops.cast(self.network(x, training=training), "float32")

    def _adversarial_perturbation(self, x, p, radius, training):
        """The virtual adversarial perturbation of norm `radius`, by one power iteration
        from a random direction of norm `xi` (held fixed: no gradient flows through it)."""
        d = ops.cast(self.xi * _unit(keras.random.normal(ops.shape(x), seed=self.seed_generator)),
                     x.dtype)
        p = ops.cast(p, "float32")
        gradient = input_gradient(lambda t: ops.mean(_kl(p, self._logits(x + t, training))), d,
                                  variables=self.network.variables)
        direction = _unit(ops.cast(gradient, "float32"))
        return ops.stop_gradient(ops.cast(ops.cast(radius, "float32") * direction, x.dtype))

    def _objective_terms(self, x, r_adv, training):
        """(loss, vat, conditional entropy, marginal entropy) of a batch, in float32."""
        logits = self._logits(x, training)
        q = ops.softmax(logits, axis=-1)
        vat = ops.mean(_kl(ops.stop_gradient(q), self._logits(x + r_adv, training)))
        conditional = ops.mean(-ops.sum(q * ops.log_softmax(logits, axis=-1), axis=-1))
        marginal = _entropy(ops.mean(q, axis=0))
        loss = vat - self.information_weight * (self.marginal_entropy_weight * marginal - conditional)
        return loss, vat, conditional, marginal

    def _update_trackers(self, loss, vat, conditional, marginal):
        self.loss_tracker.update_state(loss)
        self.vat_tracker.update_state(vat)
        self.conditional_entropy_tracker.update_state(conditional)
        self.marginal_entropy_tracker.update_state(marginal)
        return {m.name: m.result() for m in self.metrics}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """IMSAT's loss on a batch of (images x, radii y): VAT minus the weighted mutual
        information, in float32; Keras's `train_step` and `test_step` (every backend) call it
        after `y_pred = model(x)`.

        1. The predictions the perturbed images must keep: p = y_pred, held fixed.
        2. The virtual adversarial perturbation, by one power iteration (a gradient with
           respect to the direction, `kerazoo.utils.backend_ops.input_gradient`).
        3. The loss and its parts, reported by the trackers.

        In evaluation (`training=False`) the network runs in inference mode and, as in
        training, the marginal entropy is that of the batch's mean prediction and the power
        iteration starts from a random direction (the model's seed generator);
        `objective(x)` gives the same numbers over all of x with a fixed seed.
        """
        del sample_weight
        x, radius = self._batch(x, y, "training" if training else "evaluation")
        p = ops.stop_gradient(y_pred)
        r_adv = self._adversarial_perturbation(x, p, radius, training=training)
        terms = self._objective_terms(x, r_adv, training=training)
        self._update_trackers(*terms)
        return terms[0]

    def perturbation_radii(self, x):
        """eps_scale x the distance from each image to its n_neighbors-th nearest neighbour
        among the images `x` (Euclidean, pixels): float32 (N,)."""
        from sklearn.neighbors import NearestNeighbors

        x = self.check_images(x)
        if len(x) <= self.n_neighbors:
            raise ValueError(
                f"The perturbation radii need more than n_neighbors={self.n_neighbors} images. "
                f"Received: {len(x)}"
            )
        flat = x.reshape(len(x), -1)
        dist, _ = NearestNeighbors(n_neighbors=self.n_neighbors + 1).fit(flat).kneighbors(flat)
        return (self.eps_scale * dist[:, self.n_neighbors]).astype("float32")

    def objective(self, x, radii=None, batch_size=1000, seed=0, return_probabilities=False):
        """IMSAT's objective on the whole of images x, in inference mode: a dict with
        `loss`, `vat_loss`, `conditional_entropy` and `marginal_entropy` (H(Y) of the mean
        prediction over all of x). The random directions of the power iteration come from
        `seed`, so two calls agree. `radii` default to `perturbation_radii(x)`. With
        `return_probabilities`, returns `(parts, p)`: also p(y|x) (N, n_clusters), whose
        argmax is what `predict(x)` gives, so a caller needs no second pass over x."""
        x = self.check_images(x)
        radii = self.perturbation_radii(x) if radii is None else np.asarray(radii, "float32")
        if radii.shape != (len(x),):
            raise ValueError(f"`radii` must hold one radius per image: shape ({len(x)},). "
                             f"Received: shape={radii.shape}")
        batch_size = check_positive_int(batch_size, "batch_size")
        if not hasattr(self, "_vat_at"):
            def vat_at(images, radius, direction):
                p = ops.cast(self(images, training=False), "float32")
                gradient = input_gradient(
                    lambda t: ops.mean(_kl(p, self._logits(images + t, False))), direction)
                r_adv = radius[:, None, None, None] * _unit(gradient)
                return p, _kl(p, self._logits(images + r_adv, False))

            image_spec = ((None,) + self.image_shape, "float32")
            self._vat_at = inference_function(vat_at, [image_spec, ((None,), "float32"), image_spec])
        rng = np.random.default_rng(seed)
        probs, vats = [], []
        for i in range(0, len(x), batch_size):
            images = x[i:i + batch_size]
            direction = rng.standard_normal(images.shape).astype("float32")
            direction = self.xi * direction / np.linalg.norm(
                direction.reshape(len(images), -1), axis=1).reshape((-1,) + (1,) * len(self.image_shape))
            p, v = self._vat_at(images, radii[i:i + batch_size], direction)
            probs.append(to_numpy(p))
            vats.append(to_numpy(v))
        p, vat = np.concatenate(probs), float(np.concatenate(vats).mean())
        conditional = float(np.mean(-np.sum(p * np.log(p + _EPS), axis=1)))
        mean = p.mean(axis=0)
        marginal = float(-np.sum(mean * np.log(mean + _EPS)))
        loss = vat - self.information_weight * (self.marginal_entropy_weight * marginal - conditional)
        parts = {"loss": loss, "vat_loss": vat, "conditional_entropy": conditional,
                 "marginal_entropy": marginal}
        return (parts, p) if return_probabilities else parts

    def _with_radii(self, x, y, method):
        """Arrays of images -> (images, their radii); datasets pass through.

        `y` may hold the radii already (float, one per image, as `fit` passes its
        validation pairs to `evaluate`); class labels (integers) are refused."""
        if isinstance(x, np.ndarray) or ops.is_tensor(x):
            x = self.check_images(x)
            if y is None:
                return x, self.perturbation_radii(x)
            radii = np.asarray(y)
            if not np.issubdtype(radii.dtype, np.floating) or radii.shape != (len(x),):
                raise ValueError(
                    f"IMSAT is unsupervised: {method}(x) takes no labels (the perturbation radii "
                    f"are computed from x). Received: y of shape {radii.shape}, dtype {radii.dtype}"
                )
            return x, radii.astype("float32")
        # A dataset of images alone: refused before Keras starts (on JAX a step that raises
        # would leave the model's variables detached from it).
        spec = getattr(x, "element_spec", None)
        if y is None and spec is not None and not isinstance(spec, (tuple, list)):
            raise self._no_radii_error("training" if method == "fit" else "evaluation")
        return x, y

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` on images x, without labels.

        With numpy images, the perturbation radii are computed from x and the model trains
        on (image, radius) pairs; class labels are refused. A `tf.data.Dataset` must yield
        (images, radii) batches. `validation_data` may be images (their radii are computed
        among them), a 1-tuple of images, or (images, radii). A model that was not compiled
        is compiled with the defaults.
        """
        if y is not None and (isinstance(x, np.ndarray) or ops.is_tensor(x)):
            raise ValueError(
                "IMSAT is unsupervised: fit(x) takes no labels (the perturbation radii are "
                f"computed from x). Received: y of shape {np.shape(y)}"
            )
        x, y = self._with_radii(x, y, "fit")
        val = kwargs.get("validation_data")
        if isinstance(val, tuple) and len(val) == 1:
            val = val[0]
        if isinstance(val, np.ndarray) or ops.is_tensor(val):
            kwargs["validation_data"] = self._with_radii(val, None, "fit")
        if getattr(self, "optimizer", None) is None:
            self.compile()
        return super().fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """`keras.Model.evaluate` on images x: the training loss and its parts (see
        `compute_loss`). Numpy images get their radii as in `fit` unless `y` gives them
        (float, one per image); a dataset must yield (images, radii)."""
        x, y = self._with_radii(x, y, "evaluate")
        if getattr(self, "optimizer", None) is None:
            self.compile()
        return super().evaluate(x, y, **kwargs)

    def predict_step(self, *args):
        """Hard cluster ids argmax_y p(y|x) (int32) of a batch: what `predict(x)` returns.

        Keras's step with the ids taken from its probabilities; the signature is the
        backend's (`predict_step(data)`, or `predict_step(state, data)` on JAX)."""
        out = super().predict_step(*args)
        if len(args) == 2:  # JAX: (outputs, state)
            return ops.cast(ops.argmax(out[0], axis=1), "int32"), out[1]
        return ops.cast(ops.argmax(out, axis=1), "int32")

    def get_config(self):
        return {
            **super().get_config(),
            "n_clusters": self.n_clusters,
            "hidden_units": list(self.hidden_units),
            "image_shape": list(self.image_shape),
            "information_weight": self.information_weight,
            "marginal_entropy_weight": self.marginal_entropy_weight,
            "eps_scale": self.eps_scale,
            "n_neighbors": self.n_neighbors,
            "xi": self.xi,
            "seed": self.seed,
        }

    # -- inference ---------------------------------------------------------------------------

    def check_images(self, x, name="x", allow_empty=True):
        """`x` as float32 images of the model's input shape, or a clear error."""
        return check_images(x, name, self.image_shape, allow_empty=allow_empty)

    def soft_assign_tensor(self, images):
        """Cluster probabilities p(y|x) (N, n_clusters) of an image tensor."""
        return self(images, training=False)

    def predict_tensor(self, images):
        """Hard cluster ids (int32) of an image tensor."""
        return ops.cast(ops.argmax(self(images, training=False), axis=1), "int32")

    def serving_endpoints(self):
        """SavedModel endpoints: `predict` (ids, also `serving_default`) and `soft_assign`."""
        import tensorflow as tf

        images = [tf.TensorSpec((None,) + self.image_shape, tf.float32, name="images")]
        return {"predict": (self.predict_tensor, images),
                "soft_assign": (self.soft_assign_tensor, images)}

    def soft_assign(self, x, batch_size=1000):
        """Cluster probabilities of images x: numpy (N, n_clusters), rows summing to 1."""
        x = self.check_images(x, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.concatenate(
            [to_numpy(self(x[i:i + batch_size], training=False))
             for i in range(0, len(x), batch_size)]
        )
