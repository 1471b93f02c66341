"""Deep embedded clustering (DEC) and its reconstruction-regularized variant (IDEC).

DEC (Xie et al., 2016) clusters images in the code space of an encoder f and refines the
encoder and the cluster centroids mu_j together:

1. Initialization: k-means on the codes z_i = f(x_i) of the training images gives mu_j
   (`initialize`; or the means of the codes per given label, e.g. from the N2D pipeline).
2. Soft assignment: q_ij, a Student's t kernel between z_i and mu_j normalized over j
   (`StudentTAssignment`).
3. Self-training: minimize KL(P || Q) = (1/N) sum_i sum_j p_ij log(p_ij / q_ij) against
   the target p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j'), which sharpens confident
   assignments and divides by the soft cluster frequencies f_j = sum_i q_ij so large
   clusters do not swallow the rest. P is held fixed (no gradient) in each step.
   Here p is formed from each batch's q and the stored frequencies `cluster_frequency`,
   which the `TargetDistributionUpdate` callback recomputes on the whole training set
   every `update_interval` batches (DEC recomputes P at the same period); the callback
   also stops training once fewer than `tol` of the hard labels change between updates.
   `fit(x, y=P)` holds a given P fixed instead (to reproduce another clustering first).
4. IDEC (Guo et al., 2017): with `reconstruction_weight` gamma > 0 and a `decoder`, the
   loss is KL(P || Q) + gamma * mean squared reconstruction error, which keeps the
   code space from collapsing and preserves local structure.

`predict(x)` returns the hard cluster ids argmax_j q_ij (int32), through `predict_step`;
`model(x)` and `soft_assign(x)` give Q.

References:
    J. Xie, R. Girshick and A. Farhadi, "Unsupervised deep embedding for clustering
    analysis", ICML 2016.
    X. Guo, L. Gao, X. Liu and J. Yin, "Improved deep embedded clustering with local
    structure preservation", IJCAI 2017.
"""

import keras
import numpy as np
from keras import ops

from kerazoo.models.clustering.soft_assignment import StudentTAssignment, target_distribution
from kerazoo.utils.compile import compile_from_keras_config
from kerazoo.utils.precision import check_dtype_policy
from kerazoo.utils.validation import check_images, check_input_shape, check_positive_int


def _as_model(value, name):
    if isinstance(value, dict):
        value = keras.saving.deserialize_keras_object(value)
    if not isinstance(value, keras.Model):
        raise TypeError(f"`{name}` must be a keras.Model. Received: {name}={value!r}")
    return value


def _built_shape(model, name, which="input"):
    try:
        shape = model.input_shape if which == "input" else model.output_shape
    except (AttributeError, ValueError):
        shape = None
    if shape is None or isinstance(shape, list):
        raise ValueError(
            f"`{name}` must be a built keras.Model with one {which} (call it on a batch or "
            f"give it an Input). Received: {name}={model!r}"
        )
    return tuple(shape)


@keras.saving.register_keras_serializable(package="kerazoo")
class DeepClustering(keras.Model):
    """Deep embedded clustering on top of an encoder; `predict(x)` returns cluster ids.

    Args:
        encoder: a built `keras.Model` from images (N, H, W, C) to codes (N, d), e.g. the
            `encoder` of a kerazoo autoencoder. Its weights are fine-tuned by `fit`. It keeps
            its own dtype policy (the model's `dtype` reaches the layers the model creates):
            for mixed precision, build it under the same policy.
        n_clusters: the number of clusters K (at least 2).
        decoder: optional `keras.Model` from codes back to images, for IDEC.
        alpha: degrees of freedom of the Student's t kernel (1, as in DEC).
        reconstruction_weight: gamma of IDEC's loss KL + gamma * MSE; 0 is plain DEC
            (a decoder is then not needed). IDEC's published setting, 0.1 on the KL term
            and 1 on the per-pixel MSE, is gamma = 10 in this form.
        seed: seed of the k-means initialization.

    Usage:
        model = DeepClustering(autoencoder.encoder, n_clusters=10)
        model.initialize(x_train)                # k-means on the codes
        model.compile()                          # Adam(1e-3) by default
        model.fit(x_train, epochs=5, batch_size=256,
                  callbacks=[TargetDistributionUpdate(x_train, update_interval=140)])
        ids = model.predict(x_test)              # int32 cluster ids
    """

    def __init__(
        self,
        encoder,
        n_clusters=10,
        decoder=None,
        alpha=1.0,
        reconstruction_weight=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.encoder = _as_model(encoder, "encoder")
        self.decoder = None if decoder is None else _as_model(decoder, "decoder")
        in_shape = _built_shape(self.encoder, "encoder")
        out_shape = _built_shape(self.encoder, "encoder", "output")
        if len(out_shape) != 2:
            raise ValueError(
                "`encoder` must map images to flat codes (N, d). "
                f"Received: an encoder with output shape {out_shape}"
            )
        self.image_shape = tuple(in_shape[1:])
        self.code_size = int(out_shape[-1])
        if isinstance(reconstruction_weight, bool) or not isinstance(
            reconstruction_weight, (int, float)
        ) or reconstruction_weight < 0:
            raise ValueError(
                "`reconstruction_weight` must be a non-negative number. "
                f"Received: reconstruction_weight={reconstruction_weight!r}"
            )
        self.reconstruction_weight = float(reconstruction_weight)
        if self.reconstruction_weight > 0:
            if self.decoder is None:
                raise ValueError(
                    "IDEC (`reconstruction_weight` > 0) needs a `decoder`. Received: "
                    f"reconstruction_weight={reconstruction_weight}, decoder=None"
                )
            dec_in = _built_shape(self.decoder, "decoder")
            dec_out = _built_shape(self.decoder, "decoder", "output")
            if dec_in[1:] != (self.code_size,) or dec_out[1:] != self.image_shape:
                raise ValueError(
                    f"`decoder` must map codes (N, {self.code_size}) to images "
                    f"(N, {', '.join(map(str, self.image_shape))}). Received: a decoder "
                    f"from {dec_in} to {dec_out}"
                )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.n_clusters = check_positive_int(n_clusters, "n_clusters")
        self.assignment = StudentTAssignment(n_clusters, alpha=alpha, name="assignment",
                                             dtype=self.dtype_policy)
        self.alpha = self.assignment.alpha
        self.assignment.build((None, self.code_size))
        self.cluster_frequency = self.add_weight(
            shape=(self.n_clusters,),
            initializer=keras.initializers.Constant(1.0 / self.n_clusters),
            trainable=False,
            name="cluster_frequency",
        )
        self.initialized = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="initialized"
        )
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.reconstruction_tracker = (
            keras.metrics.Mean(name="reconstruction_loss") if self.reconstruction_weight > 0 else None
        )
        self.build((None,) + self.image_shape)

    def build(self, input_shape):
        """Checks `input_shape` against the encoder's input; every weight is created in
        `__init__`. Through Keras's `build` the model records its input shape (for
        `export` and `summary`)."""
        check_input_shape(input_shape, self.image_shape, "DeepClustering's encoder", "images")

    # -- input checks ---------------------------------------------------------------------

    def check_images(self, x, name="x", allow_empty=True):
        """`x` as float32 images of the encoder's input shape, or a clear error."""
        arr = np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x)
        if arr.ndim >= 1 and tuple(arr.shape[1:]) != self.image_shape:
            raise ValueError(
                f"`{name}` does not match the encoder's input: the encoder takes images of "
                f"shape (N, {', '.join(map(str, self.image_shape))}). Received: shape={arr.shape}"
            )
        return check_images(arr, name, self.image_shape, allow_empty=allow_empty)

    # -- Keras model -----------------------------------------------------------------------

    @property
    def cluster_centers(self):
        """The centroids mu (n_clusters, code_size) as a numpy array."""
        return np.asarray(keras.ops.convert_to_numpy(self.assignment.centroids))

    def call(self, inputs, training=False):
        try:
            shape = tuple(inputs.shape)[1:]
        except (TypeError, ValueError):  # unknown rank while tracing: the encoder checks
            shape = self.image_shape
        if len(shape) != len(self.image_shape) or any(
            s is not None and s != e for s, e in zip(shape, self.image_shape)
        ):
            raise ValueError(
                f"DeepClustering's encoder takes images of shape (N, "
                f"{', '.join(map(str, self.image_shape))}). Received: shape={tuple(inputs.shape)}"
            )
        return self.assignment(self.encoder(inputs, training=training))

    def compile(self, optimizer="adam", **kwargs):
        """`keras.Model.compile` with DEC's loss built in; Adam (1e-3) by default.

        The loss is KL(P || Q) (+ gamma * MSE for IDEC): do not pass `loss`.
        """
        if kwargs.get("loss") is not None:
            raise ValueError(
                "DeepClustering has its own loss (KL(P || Q), plus the reconstruction term "
                f"for IDEC); compile() takes no `loss`. Received: loss={kwargs['loss']!r}"
            )
        kwargs.pop("loss", None)
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        compile_from_keras_config(self, config)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """KL(P || Q) (+ gamma * MSE for IDEC), in float32 under any dtype policy."""
        q = ops.cast(y_pred, "float32")
        if y is None:  # DEC's self-training target, from the batch's own q
            frequency = ops.cast(self.cluster_frequency, "float32")
            p = ops.stop_gradient(target_distribution(q, frequency))
        else:  # a fixed target distribution given to fit (e.g. another clustering's)
            p = ops.cast(y, q.dtype)
        eps = 1e-10
        kl = ops.mean(ops.sum(p * (ops.log(p + eps) - ops.log(q + eps)), axis=1))
        self.kl_tracker.update_state(kl)
        total = kl
        if self.reconstruction_weight > 0:
            recon = ops.cast(self.decoder(self.encoder(x, training=training), training=training),
                             "float32")
            mse = ops.mean(ops.square(ops.cast(x, "float32") - recon))
            self.reconstruction_tracker.update_state(mse)
            total = total + self.reconstruction_weight * mse
        for loss in self.losses:
            total = total + ops.cast(loss, total.dtype)
        return total

    def predict_step(self, *args):
        """Hard cluster ids argmax_j q_ij (int32) of a batch: what `predict(x)` returns.

        Keras's step with the ids taken from its soft assignments; the signature is the
        backend's (`predict_step(data)`, or `predict_step(state, data)` on JAX)."""
        out = super().predict_step(*args)
        if len(args) == 2:  # JAX: (outputs, state)
            return ops.cast(ops.argmax(out[0], axis=1), "int32"), out[1]
        return ops.cast(ops.argmax(out, axis=1), "int32")

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` on images x; unsupervised: `y` is None or a target distribution.

        With `y=None` (DEC), the target P is the sharpened Q of each batch (see
        `target_distribution`), refreshed by the `TargetDistributionUpdate` callback. A
        numpy `y` of shape (N, n_clusters), rows summing to 1, is held fixed instead: the
        model learns to reproduce another clustering's soft assignments (e.g. the N2D
        pipeline's mixture posteriors) in its encoder's space. Class labels are refused.

        If the centroids were never initialized, they are first set by k-means on the
        codes of `x` (`initialize(x)`); a model that was not compiled is compiled with
        the defaults.
        """
        if y is not None:
            target = np.asarray(y)
            if (target.ndim != 2 or target.shape[1] != self.n_clusters
                    or not np.issubdtype(target.dtype, np.floating)
                    or not np.allclose(target.sum(axis=1), 1.0, atol=1e-3) or target.min() < 0):
                raise ValueError(
                    "DeepClustering is unsupervised: fit(x) takes no class labels, only an "
                    f"optional target distribution y of shape (N, {self.n_clusters}) with rows "
                    f"summing to 1. Received: y of shape {target.shape}, dtype {target.dtype}"
                )
            y = target.astype("float32")
        if isinstance(x, np.ndarray) or ops.is_tensor(x):
            x = self.check_images(x)
            if y is not None and len(y) != len(x):
                raise ValueError(
                    f"`y` must have one row per image ({len(x)}). Received: {len(y)} rows"
                )
            if float(keras.ops.convert_to_numpy(self.initialized)) == 0.0:
                self.initialize(x)
        elif float(keras.ops.convert_to_numpy(self.initialized)) == 0.0:
            raise ValueError(
                "Call `initialize(x_train)` (k-means on the codes) before fitting "
                f"DeepClustering on a dataset. Received: x of type {type(x).__name__}"
            )
        if getattr(self, "optimizer", None) is None:
            self.compile()
        return super().fit(x, y, **kwargs)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": (
                None if self.decoder is None else keras.saving.serialize_keras_object(self.decoder)
            ),
            "n_clusters": self.n_clusters,
            "alpha": self.alpha,
            "reconstruction_weight": self.reconstruction_weight,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        if config.get("decoder") is not None:
            config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)

    # -- initialization and the target distribution -------------------------------------------

    def initialize(self, x=None, labels=None, codes=None, n_init=10, batch_size=256):
        """Sets the centroids; returns the initial hard labels of the points (numpy int).

        By default k-means (scikit-learn, `n_init` restarts, `random_state=seed`) on the
        codes of `x`. With `labels` (N,) in 0..K-1, each centroid is the mean code of
        its label instead (e.g. the clusters of the encoder -> UMAP -> GMM pipeline).
        `codes` may replace `x` when the codes are already at hand.
        """
        from sklearn.cluster import KMeans

        if codes is None:
            if x is None:
                raise ValueError("initialize() needs images `x` or their `codes`. Received: neither")
            codes = self.encode(x, batch_size=batch_size)
        codes = np.asarray(codes, dtype="float32")
        if codes.ndim != 2 or codes.shape[1] != self.code_size:
            raise ValueError(
                f"`codes` must have shape (N, {self.code_size}). Received: shape={codes.shape}"
            )
        if len(codes) < self.n_clusters:
            raise ValueError(
                f"initialize() needs at least n_clusters={self.n_clusters} points. "
                f"Received: {len(codes)}"
            )
        if labels is None:
            km = KMeans(self.n_clusters, n_init=n_init, random_state=self.seed).fit(codes)
            centers, labels = km.cluster_centers_, km.labels_
        else:
            labels = np.asarray(labels)
            if labels.shape != (len(codes),) or not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(
                    f"`labels` must be {len(codes)} integers (one per point). "
                    f"Received: shape={labels.shape}, dtype={labels.dtype}"
                )
            present = np.unique(labels)
            if len(present) != self.n_clusters or present.min() != 0 or present.max() != self.n_clusters - 1:
                raise ValueError(
                    f"`labels` must use every cluster id 0..{self.n_clusters - 1}. "
                    f"Received: ids {present.tolist()}"
                )
            centers = np.stack([codes[labels == j].mean(axis=0) for j in range(self.n_clusters)])
        self.assignment.centroids.assign(centers.astype("float32"))
        self.update_target_distribution(codes=codes, batch_size=batch_size)
        self.initialized.assign(1.0)
        return np.asarray(labels).astype("int64")

    def update_target_distribution(self, x=None, codes=None, batch_size=256):
        """Recomputes the soft cluster frequencies f_j = sum_i q_ij on `x` (or `codes`).

        Returns the hard labels of the points under the current model.
        """
        if codes is None:
            codes = self.encode(x, batch_size=batch_size)
        q = self._soft_assign_codes(codes, batch_size)
        freq = q.sum(axis=0)
        self.cluster_frequency.assign((freq / freq.sum()).astype("float32"))
        return q.argmax(axis=1)

    def _soft_assign_codes(self, codes, batch_size=4096):
        out = [
            np.asarray(ops.convert_to_numpy(self.assignment(codes[i:i + batch_size])), np.float32)
            for i in range(0, len(codes), batch_size)
        ]
        return np.concatenate(out) if out else np.zeros((0, self.n_clusters), "float32")

    # -- tensor functions (graphs, SavedModel) ------------------------------------------------

    def encode_tensor(self, images):
        """Codes of an image tensor (inference mode)."""
        return self.encoder(images, training=False)

    def soft_assign_tensor(self, images):
        """Soft assignments Q (N, n_clusters) of an image tensor."""
        return self(images, training=False)

    def predict_tensor(self, images):
        """Hard cluster ids (int32) of an image tensor."""
        return ops.cast(ops.argmax(self(images, training=False), axis=1), "int32")

    def serving_endpoints(self):
        """SavedModel endpoints: `predict` (ids, also `serving_default`), `soft_assign`, `encode`."""
        import tensorflow as tf

        images = [tf.TensorSpec((None,) + self.image_shape, tf.float32, name="images")]
        return {
            "predict": (self.predict_tensor, images),
            "soft_assign": (self.soft_assign_tensor, images),
            "encode": (self.encode_tensor, images),
        }

    # -- numpy API -------------------------------------------------------------------------------

    def encode(self, x, batch_size=256):
        """The codes of images x: numpy (N, code_size)."""
        x = self.check_images(x, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.asarray(self.encoder.predict(x, batch_size=batch_size, verbose=0), np.float32)

    def soft_assign(self, x, batch_size=256):
        """The soft assignments Q of images x: numpy (N, n_clusters), rows summing to 1."""
        return self._soft_assign_codes(self.encode(x, batch_size=batch_size))


class TargetDistributionUpdate(keras.callbacks.Callback):
    """Recomputes DEC's target distribution every `update_interval` batches during `fit`.

    At the start of training and then every `update_interval` batches, the soft cluster
    frequencies f_j are recomputed on the images `x` (the training set, or a fixed
    sample of it). Training stops once the fraction of points whose hard label changed
    since the previous update falls below `tol` (DEC's stopping rule; 0 never stops).
    """

    def __init__(self, x, update_interval=140, tol=0.001, batch_size=256, verbose=0):
        super().__init__()
        self.x = x
        self.update_interval = check_positive_int(update_interval, "update_interval")
        if not 0 <= tol < 1:
            raise ValueError(f"`tol` must be in [0, 1). Received: tol={tol!r}")
        self.tol = float(tol)
        self.batch_size = batch_size
        self.verbose = verbose
        self.labels = None
        self.changed = []
        self._batches = 0

    def _update(self):
        # On JAX, `fit` holds the variables in its own state between epochs: bring them back
        # to the model first, so the codes are today's and the new frequencies reach the
        # next step (no-op on other backends).
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()
        labels = self.model.update_target_distribution(self.x, batch_size=self.batch_size)
        if self.labels is not None:
            changed = float(np.mean(labels != self.labels))
            self.changed.append(changed)
            if self.verbose:
                print(f"\nTargetDistributionUpdate: {changed:.4%} of labels changed")
            if changed < self.tol:
                self.model.stop_training = True
        self.labels = labels

    def on_train_begin(self, logs=None):
        self.x = self.model.check_images(self.x)
        self._batches = 0
        self._update()

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.update_interval == 0:
            self._update()
