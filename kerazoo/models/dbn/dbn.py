"""`DBN`: a deep belief net, a stack of RBMs pretrained greedily, layer by layer.

A DBN with layers `v - h1 - h2 - ... - hL` (Hinton, Osindero & Teh 2006) is a stack of
RBMs `(v, h1), (h1, h2), ..., (h_{L-1}, hL)`. Greedy layer-wise pretraining trains the
bottom RBM on the data, then each RBM above on the hidden probabilities
`p(h_l = 1 | h_{l-1})` of the one below (the "mean-field" data of Hinton &
Salakhutdinov 2006). The generative model it defines is an undirected top RBM over
`(h_{L-1}, hL)` with directed sigmoid belief-net connections down to the data:

    p(v, h1, ..., hL) = p(h_{L-1}, hL) * prod_{l < L-1} p(h_l | h_{l+1}),
    p(h_l = 1 | h_{l+1}) = sigmoid(b_{l+1} + W_{l+1} h_{l+1}),

so `sample` runs Gibbs sampling in the top RBM and then a (deterministic, mean-field)
down pass through the generative weights; `encode` (alias `transform`) is the up pass
`p(h_l = 1 | h_{l-1}) = sigmoid(c_l + h_{l-1} W_l)` of the recognition weights.

Pretraining gives a good initialisation for discriminative fine-tuning
(`to_classifier`, Hinton & Salakhutdinov 2006; Erhan et al. 2010) and for the unrolled
deep autoencoder (`to_autoencoder`).

References:
    Hinton, Osindero & Teh (2006), "A fast learning algorithm for deep belief nets",
    Neural Computation 18(7).
    Hinton & Salakhutdinov (2006), "Reducing the dimensionality of data with neural
    networks", Science 313(5786).
    Bengio, Lamblin, Popovici & Larochelle (2007), "Greedy layer-wise training of deep
    networks", NIPS 19.
"""

import json
import numbers
import os
import time
from pathlib import Path

import keras
import numpy as np
from keras import ops

from kerazoo.layers import sampling
from kerazoo.models.dbn.classifier import tensorflow_for_export
from kerazoo.models.rbm.base import (
    CompiledBatchesMixin,
    _check_float,
    _is_tf_dataset,
    _num_replicas,
    _numpy,
    _tensorflow,
    compile_from_saved_config,
    saved_compile_config,
)
from kerazoo.models.rbm.bernoulli_rbm import BernoulliRBM
from kerazoo.models.rbm.gaussian_bernoulli_rbm import GaussianBernoulliRBM
from kerazoo.utils import atomic_write_json, check_images, check_positive_int, check_sample_count
from kerazoo.utils.precision import check_dtype_policy

VISIBLE_TYPES = ("bernoulli", "gaussian")
CHECKPOINT_STATE = "dbn_pretrain.json"


class NotPretrainedError(RuntimeError):
    """A DBN was fine-tuned, converted or continued before its pretraining finished."""


def _check_layer_sizes(layer_sizes, n_pixels, image_shape):
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
        raise TypeError(
            "`layer_sizes` must be a list of positive ints, the visible size first (e.g. "
            f"[784, 500, 500, 2000]). Received: layer_sizes={layer_sizes!r}"
        )
    sizes = list(layer_sizes)
    if len(sizes) < 2 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes
    ):
        raise ValueError(
            "`layer_sizes` must hold at least two positive ints, the visible size first "
            f"(e.g. [784, 500, 500, 2000]). Received: layer_sizes={layer_sizes!r}"
        )
    if sizes[0] != n_pixels:
        raise ValueError(
            f"`layer_sizes[0]` is the number of visible units and must equal the number of "
            f"pixels of one image, {n_pixels} for image_shape={tuple(image_shape)}. "
            f"Received: layer_sizes={sizes}"
        )
    return [int(s) for s in sizes]


def _per_layer(value, n_layers, name, check):
    """A scalar for every layer, or a list with one value per layer."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(
                f"`{name}` must be a single value or a list with one value per RBM "
                f"({n_layers}). Received: {name}={list(value)!r}"
            )
        return [check(v) for v in value]
    return [check(value)] * n_layers


@keras.saving.register_keras_serializable(package="kerazoo")
class DBN(CompiledBatchesMixin, keras.Model):
    """A deep belief net: a stack of RBMs, pretrained greedily, layer by layer.

    The bottom RBM is a `BernoulliRBM` (`visible="bernoulli"`) or a
    `GaussianBernoulliRBM` (`visible="gaussian"`) on the images; every RBM above is a
    `BernoulliRBM` whose visible units are the hidden units of the one below and whose
    data are their probabilities (`binarize=None`). The RBMs are `self.rbms` (bottom
    first), each a full kerazoo RBM model with its own `encode`, `sample`,
    `log_likelihood`, ...

    Training:

    - `pretrain(x, epochs=...)`: greedy layer-wise pretraining, each RBM trained by its
      own `compile()` + `fit()` (CD-k or PCD, see `kerazoo.models.rbm.base`) on the up
      pass of the data through the layers below; resumable from a checkpoint folder.
    - `compile()` + `fit(x)` (after pretraining): continues training all the RBMs at
      once, each by one CD step per batch on the up pass of the layer below: the greedy
      objective on new data, in plain Keras (callbacks, `validation_data`). Each layer's
      loss is scaled by its RBM class's default learning rate relative to the Bernoulli
      RBM's (0.1 for a Gaussian bottom layer), so one optimizer fits both kinds.

    Use: `encode(x)` (alias `transform(x)`: the up pass, `p(hL = 1 | ...)`),
    `sample(n, *, seed=None, gibbs_steps=1000)` (Gibbs sampling in the top RBM, then a
    down pass to images), `reconstruct(x)` (up pass then down
    pass), `to_classifier(n_classes)` (a `DBNClassifier` initialised from the
    recognition weights) and `to_autoencoder()` (the unrolled `DeepAutoencoder` of
    Hinton & Salakhutdinov 2006).

    Args:
        layer_sizes: the sizes of all layers, visible first: `[784, 500, 500, 2000]` is
            three RBMs 784-500, 500-500 and 500-2000. `layer_sizes[0]` must be the
            number of pixels of `image_shape`.
        visible: "bernoulli" or "gaussian", the bottom RBM's visible units.
        binarize: the bottom Bernoulli RBM's threshold (a pixel is on when `x >
            binarize`), or None (default) to take the grey levels as probabilities,
            as Hinton & Salakhutdinov (2006) do. Ignored for Gaussian visible units.
        cd_k, persistent, weight_decay: the RBMs' training settings (see
            `BernoulliRBM`); one value for all layers or a list with one per RBM.
        n_chains: persistent chains per RBM (PCD only).
        image_shape: shape of one input image.
        seed: int or None; RBM `l` (from 0) gets `seed + l`.

    Example:

    ```python
    dbn = kerazoo.models.DBN([784, 500, 500, 2000], seed=0)
    histories = dbn.pretrain(x_train, epochs=10, checkpoint_dir="ckpt/")
    images = dbn.sample(16, gibbs_steps=1000)          # (16, 28, 28, 1) in [0, 1]
    features = dbn.encode(x_test)                       # (N, 2000); transform: its alias
    clf = dbn.to_classifier(10)
    clf.compile()                                       # Adam, sparse categorical CE
    clf.fit(x_train, y_train, epochs=20, batch_size=100)
    ```
    """

    #: The learning rate of `compile()` with no arguments (SGD, per example).
    default_learning_rate = 0.01
    default_momentum = 0.5

    def __init__(
        self,
        layer_sizes=(784, 500, 500, 2000),
        visible="bernoulli",
        binarize=None,
        cd_k=1,
        persistent=False,
        weight_decay=2e-4,
        n_chains=100,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        if isinstance(image_shape, numbers.Integral):
            image_shape = (image_shape,)
        self.image_shape = tuple(int(d) for d in image_shape)
        n_pixels = int(np.prod(self.image_shape))
        self.layer_sizes = _check_layer_sizes(layer_sizes, n_pixels, self.image_shape)
        n_rbms = len(self.layer_sizes) - 1
        if visible not in VISIBLE_TYPES:
            raise ValueError(
                f"`visible` must be one of {list(VISIBLE_TYPES)}. Received: visible={visible!r}"
            )
        self.visible = visible
        if binarize is not None:
            binarize = _check_float(binarize, "binarize", low=0.0)
        self.binarize = binarize
        self.cd_k = _per_layer(cd_k, n_rbms, "cd_k", lambda v: check_positive_int(v, "cd_k"))
        self.persistent = _per_layer(persistent, n_rbms, "persistent", _check_bool("persistent"))
        self.weight_decay = _per_layer(
            weight_decay, n_rbms, "weight_decay", lambda v: _check_float(v, "weight_decay", low=0.0)
        )
        self.n_chains = check_positive_int(n_chains, "n_chains")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

        rbms = []
        for i in range(n_rbms):
            common = dict(
                cd_k=self.cd_k[i],
                persistent=self.persistent[i],
                n_chains=self.n_chains,
                weight_decay=self.weight_decay[i],
                seed=None if seed is None else int(seed) + i,
                name=f"rbm_{i + 1}",
                dtype=self.dtype_policy,
            )
            if i == 0 and visible == "gaussian":
                rbm = GaussianBernoulliRBM(
                    self.layer_sizes[1], image_shape=self.image_shape, **common
                )
            elif i == 0:
                rbm = BernoulliRBM(
                    self.layer_sizes[1], binarize=binarize, image_shape=self.image_shape, **common
                )
            else:
                rbm = BernoulliRBM(
                    self.layer_sizes[i + 1], binarize=None, image_shape=(self.layer_sizes[i],),
                    **common,
                )
            rbms.append(rbm)
        self.rbms = rbms
        self.loss_scales = [
            rbm.default_learning_rate / BernoulliRBM.default_learning_rate for rbm in rbms
        ]
        self.reconstruction_trackers = [
            keras.metrics.Mean(name=f"reconstruction_error_{i + 1}") for i in range(n_rbms)
        ]
        self._compiled_fns = {}
        self.build((None,) + self.image_shape)

    @classmethod
    def from_rbms(cls, rbms, **kwargs):
        """A DBN holding copies of the weights of trained RBMs, bottom first.

        The RBMs must chain: each one's visible units are the hidden units of the one
        below (`rbms[l].n_visible == rbms[l - 1].n_hidden`), and all above the bottom
        must be `BernoulliRBM`s. The DBN counts them as pretrained.
        """
        rbms = list(rbms)
        if not rbms or not all(isinstance(r, (BernoulliRBM, GaussianBernoulliRBM)) for r in rbms):
            raise TypeError(
                "from_rbms() takes a non-empty list of BernoulliRBM / GaussianBernoulliRBM "
                f"models. Received: {[type(r).__name__ for r in rbms]}"
            )
        for i in range(1, len(rbms)):
            if rbms[i].n_visible != rbms[i - 1].n_hidden:
                raise ValueError(
                    f"The RBMs do not chain: rbms[{i}] has {rbms[i].n_visible} visible units but "
                    f"rbms[{i - 1}] has {rbms[i - 1].n_hidden} hidden units. Received sizes: "
                    f"{[(r.n_visible, r.n_hidden) for r in rbms]}"
                )
            if not isinstance(rbms[i], BernoulliRBM) or rbms[i].binarize is not None:
                raise ValueError(
                    f"The RBMs above the bottom must be BernoulliRBM(binarize=None) (they see "
                    f"probabilities). Received: rbms[{i}] = {type(rbms[i]).__name__} with "
                    f"binarize={getattr(rbms[i], 'binarize', None)!r}"
                )
        bottom = rbms[0]
        kwargs.setdefault("visible", "gaussian" if isinstance(bottom, GaussianBernoulliRBM) else "bernoulli")
        if kwargs["visible"] == "bernoulli":
            kwargs.setdefault("binarize", bottom.binarize)
        kwargs.setdefault("image_shape", bottom.image_shape)
        dbn = cls([bottom.n_visible] + [r.n_hidden for r in rbms], **kwargs)
        for mine, theirs in zip(dbn.rbms, rbms):
            if len(mine.weights) != len(theirs.weights):
                raise ValueError(
                    f"Cannot copy {type(theirs).__name__} {theirs.name!r} into the DBN's "
                    f"{type(mine).__name__}: different settings (e.g. learn_sigma, persistent)."
                )
            mine.set_weights(theirs.get_weights())
        dbn.pretrained_layers.assign(len(rbms))
        return dbn

    def build(self, input_shape=None):
        if self.built:
            return
        self.pretrained_layers = self.add_weight(
            name="pretrained_layers", shape=(), initializer="zeros", dtype="int32",
            trainable=False,
        )
        self.built = True

    # -- properties ---------------------------------------------------------------------

    @property
    def n_layers(self):
        """The number of RBMs (hidden layers)."""
        return len(self.rbms)

    @property
    def is_pretrained(self):
        return int(ops.convert_to_numpy(self.pretrained_layers)) >= self.n_layers

    def _require_pretrained(self, what):
        done = int(ops.convert_to_numpy(self.pretrained_layers))
        if done < self.n_layers:
            raise NotPretrainedError(
                f"{what} needs a pretrained DBN: call pretrain(x) first (or build one with "
                f"DBN.from_rbms). Received: a DBN with {done} of its {self.n_layers} layers "
                "pretrained."
            )

    # -- up and down passes (graphs) -----------------------------------------------------

    def _check_input(self, x):
        shape = tuple(x.shape)
        if len(shape) != len(self.image_shape) + 1 or any(
            s is not None and s != e for s, e in zip(shape[1:], self.image_shape)
        ):
            raise ValueError(
                f"DBN takes images of shape (N, {', '.join(map(str, self.image_shape))}) "
                f"with values in [0, 1]. Received: shape={shape}"
            )

    def _up(self, x, n_layers=None):
        """Probabilities of hidden layer `n_layers` (default the top) given images."""
        h = self.rbms[0]._to_visible(x)
        for rbm in self.rbms[: n_layers or self.n_layers]:
            h = rbm.rbm.hidden_probabilities(h)
        return h

    def _down(self, h, from_layer=None):
        """Images from the states of hidden layer `from_layer` (default the one below the
        top): the mean-field pass `E[h_{l-1} | h_l]` through the generative weights."""
        top = self.n_layers if from_layer is None else from_layer
        for rbm in reversed(self.rbms[:top]):
            h = rbm.rbm.visible_mean(h)
        return self.rbms[0]._to_images(h)

    def call(self, inputs, training=None):
        """The up pass: `p(hL = 1 | v)` of a batch of images, shape (N, layer_sizes[-1])."""
        self._check_input(inputs)
        return self._up(inputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.layer_sizes[-1])

    def _transform_graph(self, x):
        return self._up(x)

    def _reconstruct_graph(self, x):
        return self._down(self._up(x), from_layer=self.n_layers)

    def _sample_graph(self, n, seed, gibbs_steps):
        # Gibbs sampling in the top RBM gives E[h_{L-1} | hL] of the last step; the
        # down pass maps it to images.
        top = self.rbms[-1]._sample_graph(n, seed, gibbs_steps)
        return self._down(top, from_layer=self.n_layers - 1)

    # -- numpy API -----------------------------------------------------------------------

    def encode(self, x, batch_size=1000):
        """The up pass: `p(hL = 1 | ...)` of the top hidden layer, numpy (N, layer_sizes[-1]).

        Each layer's probabilities are the input of the next (mean-field). The
        representation method shared by every kerazoo representation model; `transform`
        is its scikit-learn-style alias.
        """
        return self._batched("transform", self._transform_graph, x, batch_size)

    def transform(self, x, batch_size=1000):
        """The scikit-learn-style alias of `encode`: the top layer's features, numpy."""
        return self.encode(x, batch_size=batch_size)

    def reconstruct(self, x, batch_size=1000):
        """Up pass to the top hidden layer, then down pass: images (N, *image_shape) in [0, 1]."""
        return self._batched("reconstruct", self._reconstruct_graph, x, batch_size)

    def sample(self, n, *, seed=None, gibbs_steps=1000):
        """`n` images from the DBN, numpy (n, *image_shape) in [0, 1].

        `gibbs_steps` steps of block Gibbs sampling in the top RBM (chains started at
        `hL = 0`), then the deterministic down pass `E[h_{l-1} | h_l]` from the top
        RBM's visible means to the pixels' means. The calling convention of every
        kerazoo generative model: `n` positional, then keywords only.

        Args:
            n: number of images (independent chains), at most `kerazoo.utils.MAX_SAMPLES`
                (100,000) per call; draw more with several calls and seeds.
            seed: int for a reproducible draw, or None (the model's seed generator).
            gibbs_steps: Gibbs steps in the top RBM.
        """
        n = check_sample_count(n)
        if isinstance(gibbs_steps, bool) or not isinstance(gibbs_steps, numbers.Integral) or gibbs_steps < 0:
            raise ValueError(
                f"`gibbs_steps` must be a non-negative integer. Received: gibbs_steps={gibbs_steps!r}"
            )
        if seed is None:
            seed = sampling.as_seed(self.seed_generator)
        elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        else:
            seed = sampling.as_seed(int(seed))
        tf = _tensorflow()
        if tf is None:  # JAX: eager keras.ops, the Gibbs loop one compiled fori_loop
            return _numpy(self._sample_graph(n, seed, int(gibbs_steps)))
        spec = tf.TensorSpec((), tf.int32)
        compiled = self._compiled(
            "sample", self._sample_graph, [spec, tf.TensorSpec((2,), tf.int32), spec]
        )
        return _numpy(compiled(tf.constant(n), seed, tf.constant(int(gibbs_steps))))

    def serving_endpoints(self):
        """{endpoint_name: (fn, input_signature)} for the SavedModel export.

        - `transform(x)`: the up pass, float32 (N, layer_sizes[-1]);
        - `reconstruct(x)`: up then down pass, images in [0, 1];
        - `sample(n, seed, gibbs_steps)`: `n` images (int32 scalars in).
        """
        tf = tensorflow_for_export(self)
        image = self._image_spec()
        scalar = tf.TensorSpec((), tf.int32)

        def sample(n, seed, gibbs_steps):
            return self._sample_graph(n, tf.stack([seed, tf.constant(0, tf.int32)]), gibbs_steps)

        return {
            "transform": (self._transform_graph, [image]),
            "reconstruct": (self._reconstruct_graph, [image]),
            "sample": (sample, [scalar, scalar, scalar]),
        }

    # -- greedy pretraining -----------------------------------------------------------------

    def pretrain(
        self,
        x,
        epochs=10,
        batch_size=100,
        *,
        validation_data=None,
        learning_rate=None,
        momentum=None,
        steps_per_execution=100,
        checkpoint_dir=None,
        stop_after=None,
        callbacks=None,
        verbose="auto",
        shuffle=True,
    ):
        """Greedy layer-wise pretraining: each RBM on the up pass of the ones below.

        RBM `l` is trained by its own `compile()` + `fit()` on `p(h_{l-1} = 1 | ...)`,
        the probabilities of the trained layers below given `x` (for the bottom RBM, the
        images). Layers already pretrained are skipped, so calling `pretrain` again
        continues where it stopped.

        Args:
            x: images, float32 (N, *image_shape) in [0, 1].
            epochs: epochs per RBM: an int, or a list with one per RBM.
            batch_size: CD batch size.
            validation_data: images for the RBMs' `val_` monitors, or None.
            learning_rate, momentum: SGD settings, a number or a list with one per RBM;
                None: each RBM class's `compile()` defaults.
            steps_per_execution: CD steps per call into the compiled training step (the speed
                lever on CPU).
            checkpoint_dir: a folder; after each finished layer the DBN's weights and the
                progress are written there atomically, and a new `pretrain` with the same
                folder (in a new process, on a new `DBN` of the same configuration)
                restores them and continues with the next layer.
            stop_after: stop once this many layers are pretrained (1-based), or None.
            callbacks: Keras callbacks passed to every RBM's `fit`.
            verbose: passed to `fit`; also prints one line per layer unless 0.
            shuffle: shuffle the training data every epoch.

        Returns:
            A list with one `keras.callbacks.History` per pretrained layer, bottom first
            (layers restored from the checkpoint carry their recorded history), each with
            an extra attribute `seconds` (the layer's training time).
        """
        x = check_images(x, "x", self.image_shape)
        if not len(x):
            raise ValueError("pretrain() needs at least one image. Received: an empty array.")
        if validation_data is not None:
            validation_data = check_images(validation_data, "validation_data", self.image_shape)
        n = self.n_layers
        epochs = _per_layer(epochs, n, "epochs", lambda v: check_positive_int(v, "epochs"))
        batch_size = check_positive_int(batch_size, "batch_size")
        learning_rate = _per_layer(learning_rate, n, "learning_rate", _optional_float("learning_rate"))
        momentum = _per_layer(momentum, n, "momentum", _optional_float("momentum"))
        if stop_after is not None:
            stop_after = check_positive_int(stop_after, "stop_after")
        records = list(getattr(self, "_pretrain_records", []))
        if checkpoint_dir is not None:
            checkpoint_dir = Path(checkpoint_dir)
            records = self._restore_checkpoint(checkpoint_dir, records)
        done = int(ops.convert_to_numpy(self.pretrained_layers))
        records = records[:done]
        say = (lambda msg: print(msg, flush=True)) if verbose != 0 else (lambda msg: None)
        if done >= n:
            say(f"DBN: all {n} layers are pretrained; nothing to do.")
        if done > 0 and done < n:
            say(f"DBN: layers 1-{done} are pretrained; continuing with layer {done + 1}.")

        current, current_val = x, validation_data
        for i in range(done):
            if i >= n - 1:
                break
            current = self.rbms[i].encode(current)
            if current_val is not None:
                current_val = self.rbms[i].encode(current_val)
        for i in range(done, n):
            if stop_after is not None and i >= stop_after:
                break
            rbm = self.rbms[i]
            kind = "Gaussian-Bernoulli" if isinstance(rbm, GaussianBernoulliRBM) else "Bernoulli"
            say(
                f"DBN layer {i + 1}/{n}: {kind} RBM {self.layer_sizes[i]} -> "
                f"{self.layer_sizes[i + 1]}, {epochs[i]} epochs"
            )
            optimizer = None
            if learning_rate[i] is not None or momentum[i] is not None:
                optimizer = keras.optimizers.SGD(
                    learning_rate=rbm.default_learning_rate if learning_rate[i] is None else learning_rate[i],
                    momentum=rbm.default_momentum if momentum[i] is None else momentum[i],
                )
            rbm.compile(optimizer=optimizer, steps_per_execution=steps_per_execution)
            start = time.perf_counter()
            try:
                history = rbm.fit(
                    current,
                    epochs=epochs[i],
                    batch_size=batch_size,
                    validation_data=current_val,
                    callbacks=list(callbacks or []),
                    verbose=verbose,
                    shuffle=shuffle,
                )
            finally:
                _detach_optimizer(rbm)
            seconds = time.perf_counter() - start
            records.append(
                {
                    "layer": i + 1,
                    "epochs": epochs[i],
                    "seconds": seconds,
                    "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
                }
            )
            self.pretrained_layers.assign(i + 1)
            object.__setattr__(self, "_pretrain_records", list(records))
            if checkpoint_dir is not None:
                self._write_checkpoint(checkpoint_dir, records)
            say(f"DBN layer {i + 1}/{n} done in {seconds:.1f} s")
            if i < n - 1:
                current = rbm.encode(current)
                if current_val is not None:
                    current_val = rbm.encode(current_val)
        object.__setattr__(self, "_pretrain_records", list(records))
        return [_as_history(r) for r in records]

    def _checkpoint_config(self):
        config = self.get_config()
        config.pop("name", None)
        config.pop("trainable", None)
        config.pop("dtype", None)
        return json.loads(json.dumps(config))

    def _write_checkpoint(self, directory, records):
        """Weights, then the progress file that names them: each write is atomic."""
        directory.mkdir(parents=True, exist_ok=True)
        k = len(records)
        weights = directory / f"layers_{k}.weights.h5"
        tmp = directory / f".tmp-{os.getpid()}-layers_{k}.weights.h5"
        self.save_weights(tmp)
        os.replace(tmp, weights)
        atomic_write_json(
            directory / CHECKPOINT_STATE,
            {
                "format": 1,
                "layers_done": k,
                "weights": weights.name,
                "config": self._checkpoint_config(),
                "records": records,
            },
        )
        for old in directory.glob("layers_*.weights.h5"):
            if old.name != weights.name:
                old.unlink(missing_ok=True)

    def _restore_checkpoint(self, directory, records):
        state_path = directory / CHECKPOINT_STATE
        if not state_path.exists():
            return records
        state = json.loads(state_path.read_text())
        mine = self._checkpoint_config()
        theirs = state.get("config", {})
        if mine != theirs:
            diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise ValueError(
                f"The checkpoint in {directory} belongs to a DBN with another configuration "
                f"(differs in {diff}): checkpoint {[theirs.get(k) for k in diff]}, this model "
                f"{[mine.get(k) for k in diff]}. Use a new checkpoint_dir."
            )
        done = int(ops.convert_to_numpy(self.pretrained_layers))
        if int(state["layers_done"]) > done:
            self.load_weights(directory / state["weights"])
            return list(state["records"])
        return records

    # -- joint CD training in fit -------------------------------------------------------------

    def compile(self, optimizer=None, loss=None, metrics=None, *, steps_per_execution=1,
                jit_compile="auto", run_eagerly=False, **kwargs):
        """Configures `fit` (joint CD on all layers). With no arguments: SGD, learning rate
        0.01 per example, momentum 0.5. There is no `loss` or `metrics` to give: the loss
        is the sum of the RBMs' CD losses and the monitors are built in."""
        if loss is not None:
            raise ValueError(
                f"DBN is trained by contrastive divergence and takes no loss in compile(). "
                f"Received: loss={loss!r}"
            )
        if metrics is not None or kwargs.get("weighted_metrics") is not None:
            raise ValueError(
                "DBN reports its own monitors (reconstruction_error_<layer>) and takes no "
                f"compiled metrics. Received: metrics={metrics!r}"
            )
        if optimizer is None:
            optimizer = keras.optimizers.SGD(
                learning_rate=self.default_learning_rate, momentum=self.default_momentum
            )
        super().compile(optimizer=optimizer, steps_per_execution=steps_per_execution,
                        jit_compile=jit_compile, run_eagerly=run_eagerly, **kwargs)
        object.__setattr__(
            self, "_dbn_compile_config",
            {"steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
             "run_eagerly": run_eagerly},
        )

    def get_compile_config(self):
        return saved_compile_config(self, getattr(self, "_dbn_compile_config", None))

    def compile_from_config(self, config):
        compile_from_saved_config(self, config)

    def _rng_alg(self):
        return "threefry" if self._jit_compile else "auto_select"

    def _joint_terms(self, x, seed):
        v = self.rbms[0]._to_visible(x)
        total = ops.convert_to_tensor(0.0)
        per_layer = []
        for i, rbm in enumerate(self.rbms):
            # The RBMs' Gibbs chains draw with the DBN's generator choice.
            object.__setattr__(rbm, "_jit_compile", self._jit_compile)
            terms = rbm._cd_terms(v, sampling.fold_seed(seed, i))
            total = total + self.loss_scales[i] * terms["loss"]
            per_layer.append((v, terms))
            v = ops.stop_gradient(ops.sigmoid(terms["a0"]))
        return total, per_layer

    def _update_trackers(self, per_layer):
        for rbm, tracker, (v, terms) in zip(self.rbms, self.reconstruction_trackers, per_layer):
            diff = v - terms["reconstruction"]
            scale = rbm._pixel_scale()
            if scale is not None:
                diff = diff * scale
            tracker.update_state(ops.mean(ops.square(diff), axis=-1))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The joint CD step: the sum of the RBMs' CD surrogate losses (scaled by
        `loss_scales`) on the up pass of the batch `x`; `y`, `y_pred` and
        `sample_weight` are ignored.

        Keras's own `train_step` differentiates it and applies the optimizer, on every
        backend (on JAX through `stateless_compute_loss`, which carries the variable
        updates made here back into the training state). Besides the loss, this
        advances the persistent chains (in training) and updates the per-layer
        reconstruction monitors; each call draws one key from the DBN's seed generator.
        """
        seed = sampling.as_seed(self.seed_generator)
        loss, per_layer = self._joint_terms(x, seed)
        if training:
            for i, (rbm, (_, terms)) in enumerate(zip(self.rbms, per_layer)):
                if rbm.persistent:
                    rbm.persistent_chains.assign(
                        sampling.bernoulli(
                            ops.stop_gradient(terms["p_neg"]),
                            sampling.fold_seed(seed, 1000 + i),
                            alg=self._rng_alg(),
                        )
                    )
        self._update_trackers(per_layer)
        # Keras sums the replicas' gradients under a tf.distribute strategy.
        return loss / _num_replicas()

    def fit(self, x=None, y=None, *args, **kwargs):
        """Continues training a pretrained DBN: one CD step per batch on every layer.

        Each RBM takes a CD step (its own `cd_k`, `persistent` and `weight_decay`) on
        the up pass of the batch through the layers below, as in greedy pretraining but
        all layers at once. `y` is ignored. Raises `NotPretrainedError` before
        `pretrain` (use `pretrain` to train a new DBN).
        """
        self._require_pretrained("DBN.fit()")
        if x is not None and not _is_tf_dataset(x):
            x = check_images(x, "x", self.image_shape)
        vd = kwargs.get("validation_data")
        if vd is not None and not _is_tf_dataset(vd) and not isinstance(vd, tuple):
            kwargs["validation_data"] = check_images(vd, "validation_data", self.image_shape)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        if x is not None and not _is_tf_dataset(x):
            x = check_images(x, "x", self.image_shape)
        return super().evaluate(x, y, *args, **kwargs)

    # -- conversions ----------------------------------------------------------------------

    def _input_kwargs(self):
        bottom = self.rbms[0]
        if isinstance(bottom, GaussianBernoulliRBM):
            return {"standardize": True, "binarize": None}
        return {"standardize": False, "binarize": bottom.binarize}

    def _recognition_weights(self):
        """[(kernel, hidden_bias)] of the up pass, the Gaussian bottom's sigma folded in."""
        out = []
        for i, rbm in enumerate(self.rbms):
            kernel, _, hidden_bias = (np.asarray(w, np.float32) for w in rbm.weights_numpy())
            if i == 0 and isinstance(rbm, GaussianBernoulliRBM) and rbm.learn_sigma:
                sigma = np.exp(ops.convert_to_numpy(rbm.rbm.log_sigma)).astype(np.float32)
                kernel = kernel / sigma[:, None]
            out.append((kernel, hidden_bias))
        return out

    def _set_input_statistics(self, model):
        bottom = self.rbms[0]
        if isinstance(bottom, GaussianBernoulliRBM):
            model.input_mean.assign(ops.convert_to_numpy(bottom.data_mean))
            model.input_std.assign(ops.convert_to_numpy(bottom.data_std))

    def initialize_classifier(self, classifier):
        """Copies the recognition weights into a `DBNClassifier` of matching sizes."""
        from kerazoo.models.dbn.classifier import DBNClassifier

        self._require_pretrained("initialize_classifier()")
        if not isinstance(classifier, DBNClassifier):
            raise TypeError(f"Expected a DBNClassifier. Received: {type(classifier).__name__}")
        if list(classifier.hidden_units) != self.layer_sizes[1:] or classifier.image_shape != self.image_shape:
            raise ValueError(
                f"The classifier's hidden units {list(classifier.hidden_units)} and image shape "
                f"{classifier.image_shape} must match the DBN's {self.layer_sizes[1:]} and "
                f"{self.image_shape}."
            )
        for dense, (kernel, bias) in zip(classifier.hidden_layers, self._recognition_weights()):
            dense.kernel.assign(kernel)
            dense.bias.assign(bias)
        self._set_input_statistics(classifier)
        return classifier

    def to_classifier(self, n_classes, dropout=0.0, input_dropout=0.0, random_flip=False,
                      random_translation=0.0, seed=None, name="dbn_classifier"):
        """A `DBNClassifier` (a `keras.Model`) initialised from the pretrained DBN.

        Its hidden layers are `Dense(n, activation="sigmoid")` with `kernel = W_l` and
        `bias = c_l` (the RBMs' recognition weights and hidden biases), so before any
        training its last hidden layer equals `encode(x)`; a new softmax layer with
        `n_classes` units sits on top. Train it with `compile()` + `fit(x, y)`
        (labels as class ids).

        Args:
            n_classes: number of classes (>= 2).
            dropout: dropout rate on the hidden layers' outputs during training.
            input_dropout: dropout rate on the pixels during training.
            random_flip, random_translation: data augmentation in training (see
                `DBNClassifier`).
            seed: seed of the head's initialiser and of dropout (default: the DBN's).
        """
        from kerazoo.models.dbn.classifier import DBNClassifier

        self._require_pretrained("to_classifier()")
        classifier = DBNClassifier(
            hidden_units=self.layer_sizes[1:],
            n_classes=n_classes,
            dropout=dropout,
            input_dropout=input_dropout,
            random_flip=random_flip,
            random_translation=random_translation,
            image_shape=self.image_shape,
            seed=self.seed if seed is None else seed,
            name=name,
            dtype=self.dtype_policy,
            **self._input_kwargs(),
        )
        return self.initialize_classifier(classifier)

    def to_autoencoder(self, name="dbn_autoencoder"):
        """The unrolled deep autoencoder of Hinton & Salakhutdinov (2006).

        The encoder is the up pass (`Dense` sigmoid layers with `W_l`, `c_l`), the code
        is the top layer's probabilities, and the decoder mirrors it with the transposed
        weights `W_l^T` and the visible biases `b_l` (a sigmoid output for Bernoulli
        visible units; a linear output mapped back to pixels for Gaussian ones). The
        weights are tied at initialisation only: fine-tuning (`compile()` + `fit(x)`)
        trains the encoder and decoder weights separately, end to end.
        """
        from kerazoo.models.dbn.autoencoder import DeepAutoencoder

        self._require_pretrained("to_autoencoder()")
        kwargs = self._input_kwargs()
        model = DeepAutoencoder(
            layer_sizes=self.layer_sizes,
            image_shape=self.image_shape,
            output="linear" if kwargs["standardize"] else "sigmoid",
            seed=self.seed,
            name=name,
            dtype=self.dtype_policy,
            **kwargs,
        )
        recognition = self._recognition_weights()
        for dense, (kernel, bias) in zip(model.encoder_layers, recognition):
            dense.kernel.assign(kernel)
            dense.bias.assign(bias)
        for i, dense in enumerate(reversed(model.decoder_layers)):
            rbm = self.rbms[i]
            kernel, visible_bias, _ = (np.asarray(w, np.float32) for w in rbm.weights_numpy())
            if i == 0 and isinstance(rbm, GaussianBernoulliRBM) and rbm.learn_sigma:
                sigma = np.exp(ops.convert_to_numpy(rbm.rbm.log_sigma)).astype(np.float32)
                kernel = kernel * sigma[:, None]
            dense.kernel.assign(kernel.T)
            dense.bias.assign(visible_bias)
        self._set_input_statistics(model)
        return model

    # -- config ---------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layer_sizes": list(self.layer_sizes),
                "visible": self.visible,
                "binarize": self.binarize,
                "cd_k": list(self.cd_k),
                "persistent": list(self.persistent),
                "weight_decay": list(self.weight_decay),
                "n_chains": self.n_chains,
                "image_shape": list(self.image_shape),
                "seed": self.seed,
            }
        )
        return config


def _check_bool(name):
    def check(value):
        if not isinstance(value, bool):
            raise TypeError(f"`{name}` must be a bool. Received: {name}={value!r}")
        return value

    return check


def _optional_float(name):
    def check(value):
        return None if value is None else _check_float(value, name, low=0.0)

    return check


def _detach_optimizer(rbm):
    """Drops a pretrained RBM's optimizer (and its state), so the DBN saves one copy of
    the weights; the RBM is left uncompiled."""
    rbm.optimizer = None
    rbm.compiled = False


def _as_history(record):
    history = keras.callbacks.History()
    history.history = {k: list(v) for k, v in record["history"].items()}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    history.params = {"epochs": record["epochs"], "layer": record["layer"]}
    history.seconds = record["seconds"]
    return history


__all__ = ["DBN", "NotPretrainedError"]
