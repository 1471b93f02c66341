"""Contrastive divergence inside Keras: the training machinery shared by kerazoo's RBMs.

How CD lives in Keras
---------------------
The CD-k update of an RBM with free energy `F` is (Hinton 2002; Tieleman 2008)

    dtheta ~ -<dF/dtheta>_data + <dF/dtheta>_model,

the model expectation taken over the end states `v-` of Gibbs chains started at the
data (CD-k) or kept from the previous step (persistent CD, PCD). It is the gradient
descent direction of the surrogate loss

    L = mean_batch F(v) - mean_chains F(stop_gradient(v-))

so a training step here is Keras's own `train_step`, on every backend: the whole CD
step lives in `compute_loss`. The Gibbs chain runs on stop-gradient tensors (it only
draws `v-`), `L` plus the penalties (weight decay `0.5 * wd * |W|^2`, the optional
sparsity cross-entropy) is what `compute_loss` returns, and Keras differentiates it
(`tf.GradientTape` on TensorFlow, `jax.value_and_grad` on JAX) and applies the
optimizer. The persistent chains (a non-trainable variable), the seed generator and
the monitors are assigned inside `compute_loss`; under JAX, Keras runs it in a
stateless scope and carries those assignments back into the training state. Any
Keras optimizer works, the learned variances of the Gaussian RBM and the sparsity
penalty need no hand-derived gradient, and the loss Keras reports is the free-energy
gap between data and model samples.

In a training step `call(x, training=True)` returns the visible vectors and the hidden
logits `vW + c` (Keras hands `call`'s output to `compute_loss` as `y_pred`), so the
step computes the data's forward product once; `call` at inference (`predict`,
`training=False`) returns `p(h = 1 | v)`.

Execution defaults of `compile()`: `steps_per_execution=DEFAULT_STEPS_PER_EXECUTION`
(100 CD steps per call into the compiled function; 1 under a TensorFlow
distribution strategy with several replicas, where Keras cannot run more) and
`jit_compile="auto"` (XLA on JAX, where Keras always compiles; TensorFlow's graph
executor on a CPU-only machine, where Keras turns XLA off).

The alternative is to write the sufficient statistics (`v^T h` of data minus chain)
by hand and pass them to the optimizer. `benchmarks/rbm_speed.py` runs both on one
CD-1 epoch of Fashion-MNIST (500 hidden, batch 100): both execute the same five
matrix products per step (autodiff reuses the forward products `vW` of the data and of
the chain, and the products of the gradient are exactly `v^T sigmoid(vW + c)`), and the
measured difference stayed within the run-to-run noise of a few percent
(numbers in the benchmark's output and the module docstring of
`benchmarks/rbm_speed.py`). At equal speed the loss wins on generality, so it is the
design.

Monitors (all `keras.metrics.Mean` trackers, reported per epoch, and with the `val_`
prefix on validation data):

- `reconstruction_error`: mean squared error per pixel between the (binarized or
  standardized) data `v` and `E[v | h]`, `h ~ p(h | v)`: one Gibbs step, the
  reconstruction CD-1 computes anyway (in the Gaussian RBM measured in pixel units);
- `pseudo_log_likelihood` (binary visible units only): the one-flip stochastic
  estimate of `sum_i log p(v_i | v_-i)`, as scikit-learn's `score_samples`;
- `free_energy`: mean `F(v)` of the batches;
- `free_energy_gap` (evaluation only): mean `F(v_val) - F_train`, where `F_train` is
  the mean free energy, at the same weights, of a fixed sample of the training data
  (the first 1,000 images of the last `fit`). It grows when the model starts to
  overfit (Hinton 2010, section 6).

Distribution: under a `tf.distribute` strategy Keras sums the gradients of the replicas,
so `compute_loss` divides the loss by the number of replicas (as Keras's own
`compute_loss` does). The persistent
chains are a mirrored variable with aggregation `"only_first_replica"`: every replica
advances its copy of the chains with its own random stream, and the first replica's
new state is kept for all.
"""

import dataclasses
import math
import numbers
import sys

import keras
import numpy as np
from keras import ops

from kerazoo.layers import sampling
from kerazoo.models.rbm.schedules import LinearDecayPerFit
from kerazoo.utils import check_images, check_positive_int, check_sample_count
from kerazoo.utils.precision import check_dtype_policy


#: The largest hidden layer whose log partition function is computed exactly; the
#: same number as `kerazoo.metrics.MAX_EXACT_HIDDEN` (checked by the tests).
MAX_EXACT_HIDDEN = 24


#: `compile()`'s default number of training steps per call into the compiled step.
DEFAULT_STEPS_PER_EXECUTION = 100


def _tensorflow():
    """TensorFlow when it is the active backend, else None (it is then not imported)."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    return tf


def _is_tf_dataset(x):
    """Whether `x` is a `tf.data.Dataset` (without importing TensorFlow if it is not loaded)."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(x, tf.data.Dataset)


def _num_replicas():
    tf = _tensorflow()
    return 1 if tf is None else tf.distribute.get_strategy().num_replicas_in_sync


class CompiledBatchesMixin:
    """Numpy inference, in batches, on every backend.

    For image models with `image_shape` and a `_compiled_fns` dict (the RBMs, the DBN):
    `_batched(name, fn, x, batch_size)` checks the images, runs `fn` batch by batch
    and concatenates its outputs, as float32 under any dtype policy (`_numpy`).

    On TensorFlow `fn` runs as one `tf.function` per method and model, traced once with
    a `(None, *image_shape)` float32 signature (graph execution is faster than eager
    ops there). On JAX `fn` runs eagerly: each `keras.ops` call is a compiled JAX
    primitive, so nothing is traced per model, per method or per batch shape (the
    loop of `sample` is one `fori_loop`), and the variables are read at call time.
    """

    def _compiled(self, name, fn, signature):
        """`fn` ready to call: a `tf.function` with `signature` on TensorFlow, else `fn`
        itself (`signature` is ignored and may be None)."""
        compiled = self._compiled_fns.get(name)
        if compiled is None:
            tf = _tensorflow()
            if tf is None:
                compiled = fn
            else:
                # A closure per model: TensorFlow's retracing warning counts traces per
                # Python function, and a bound method is shared by all instances.
                def run(*args):
                    return fn(*args)

                compiled = tf.function(run, input_signature=signature)
            self._compiled_fns[name] = compiled
        return compiled

    def _image_spec(self):
        """The `tf.TensorSpec` of a batch of images on TensorFlow; None on other backends."""
        tf = _tensorflow()
        return None if tf is None else tf.TensorSpec((None,) + self.image_shape, tf.float32)

    def _batched(self, name, fn, x, batch_size):
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        batch_size = check_positive_int(batch_size, "batch_size")
        compiled = self._compiled(name, fn, [self._image_spec()])
        outputs = [_numpy(compiled(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        if not outputs:
            return _numpy(compiled(x))
        return np.concatenate(outputs, axis=0)


def _numpy(tensor):
    """A tensor as numpy; floats as float32 (a 16-bit compute dtype stays inside)."""
    arr = np.asarray(ops.convert_to_numpy(tensor))
    return arr.astype(np.float32) if arr.dtype.kind == "f" or arr.dtype.name == "bfloat16" else arr


@dataclasses.dataclass(frozen=True)
class LogLikelihood:
    """The result of `RBM.log_likelihood`: a mean log-likelihood in nats.

    Attributes:
        value: mean of `log p(x)` over the examples, `-mean F(x) - log Z`.
        std: the spread of `value` from the partition function estimate: the
            standard deviation of AIS's `log Z` estimate (from the spread of the
            importance weights); 0 for the exact method.
        log_partition: `log Z` (exact, or the AIS estimate).
        mean_free_energy: mean `F(x)` over the examples.
        method: "exact" or "ais".
        n_examples: number of examples averaged.
        details: the estimator's own result (e.g. the `AISResult`), or None.

    `float(result)` is `result.value`.
    """

    value: float
    std: float
    log_partition: float
    mean_free_energy: float
    method: str
    n_examples: int
    details: object = None

    def __float__(self):
        return float(self.value)

    def as_dict(self):
        """Plain floats, for logs and model cards."""
        return {
            "log_likelihood": float(self.value),
            "log_likelihood_std": float(self.std),
            "log_partition": float(self.log_partition),
            "mean_free_energy": float(self.mean_free_energy),
            "method": self.method,
            "n_examples": int(self.n_examples),
        }


class _FreeEnergyGap(keras.metrics.Mean):
    """The mean of `F(v) - reference`; `reference` is a state variable of the metric (so
    compiled evaluation steps read its current value on every backend) that
    `reset_state` keeps. Metrics are not saved with the model."""

    def __init__(self, name="free_energy_gap", **kwargs):
        super().__init__(name=name, **kwargs)
        self.reference = self.add_variable(
            shape=(), initializer=keras.initializers.Constant(float("nan")), dtype="float32",
            name="reference",
        )

    def reset_state(self):
        self.total.assign(ops.zeros(self.total.shape, self.total.dtype))
        self.count.assign(ops.zeros(self.count.shape, self.count.dtype))


class _FitProgress(keras.metrics.Metric):
    """Training state of a `LinearDecayPerFit` learning rate under JAX: the first step
    and the number of steps of the current `fit` (see `LinearDecayPerFit`). A metric
    because metric variables are part of Keras's JAX training state and are not saved;
    it reports nothing (the RBMs drop it from their logs) and `reset_state` keeps it."""

    def __init__(self, name="fit_progress", **kwargs):
        super().__init__(name=name, **kwargs)
        self.first_step = self.add_variable(shape=(), initializer="zeros", name="first_step")
        self.total_steps = self.add_variable(shape=(), initializer="zeros", name="total_steps")

    def update_state(self, *args, **kwargs):
        pass

    def result(self):
        return ops.convert_to_tensor(0.0)

    def reset_state(self):
        pass


class RBM(CompiledBatchesMixin, keras.Model):
    """Base class of kerazoo's RBMs: CD-k / PCD training in `fit`, sampling, export.

    Subclasses set `layer_class` (the RBM layer), and define how images become
    visible vectors (`_to_visible`) and back (`_to_images`).
    """

    layer_class = None
    #: Training images kept (in memory only) as the reference of `free_energy_gap`.
    n_reference = 1000
    #: The optimizer of `compile()` with no arguments: SGD with these settings.
    default_learning_rate = 0.05
    default_momentum = 0.5
    #: Whether the negative statistics of CD use E[v|h] rather than a sample of v.
    _cd_uses_visible_mean = True

    def __init__(
        self,
        n_hidden,
        cd_k=1,
        persistent=False,
        n_chains=100,
        weight_decay=0.0,
        sparsity_target=None,
        sparsity_cost=0.1,
        image_shape=(28, 28, 1),
        seed=None,
        layer_kwargs=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_policy(self)
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.cd_k = check_positive_int(cd_k, "cd_k")
        if not isinstance(persistent, bool):
            raise TypeError(f"`persistent` must be a bool. Received: persistent={persistent!r}")
        self.persistent = persistent
        self.n_chains = check_positive_int(n_chains, "n_chains")
        self.weight_decay = _check_float(weight_decay, "weight_decay", low=0.0)
        if sparsity_target is not None:
            sparsity_target = _check_float(sparsity_target, "sparsity_target", low=0.0)
            if not 0.0 < sparsity_target < 1.0:
                raise ValueError(
                    "`sparsity_target` must lie strictly between 0 and 1 (a target mean "
                    f"activation of the hidden units). Received: sparsity_target={sparsity_target}"
                )
        self.sparsity_target = sparsity_target
        self.sparsity_cost = _check_float(sparsity_cost, "sparsity_cost", low=0.0)
        if isinstance(image_shape, numbers.Integral):
            image_shape = (image_shape,)
        image_shape = tuple(image_shape)
        if not image_shape or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in image_shape
        ):
            raise ValueError(
                "`image_shape` must be a tuple of positive ints (the shape of one input, e.g. "
                f"(28, 28, 1)). Received: image_shape={image_shape!r}"
            )
        self.image_shape = tuple(int(d) for d in image_shape)
        self.n_visible = int(np.prod(self.image_shape))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.layer_kwargs = dict(layer_kwargs or {})
        kernel_init = keras.initializers.RandomNormal(
            stddev=0.01, seed=None if seed is None else int(seed)
        )
        self.rbm = self.layer_class(
            self.n_hidden, kernel_initializer=kernel_init, name="rbm", dtype=self.dtype_policy,
            **self.layer_kwargs
        )
        self._create_monitors()
        self._compiled_fns = {}
        self.build((None,) + self.image_shape)

    def _create_monitors(self):
        self.reconstruction_error_tracker = keras.metrics.Mean(name="reconstruction_error")
        self.free_energy_tracker = keras.metrics.Mean(name="free_energy")
        self.free_energy_gap_tracker = _FreeEnergyGap(name="free_energy_gap")
        self._fit_progress = _FitProgress()

    # -- variables ------------------------------------------------------------------

    def build(self, input_shape=None):
        if self.built:
            return
        self.rbm.build((None, self.n_visible))
        self.persistent_chains = self.add_weight(
            name="persistent_chains",
            shape=(self.n_chains, self.n_hidden) if self.persistent else (0, self.n_hidden),
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
        )
        self.adapted = self.add_weight(
            name="adapted", shape=(), initializer="zeros", trainable=False,
            aggregation="only_first_replica",
        )
        self._build_preprocessing()
        self.built = True

    def _build_preprocessing(self):
        pass

    @property
    def kernel(self):
        """`W`, shape `(n_visible, n_hidden)`."""
        return self.rbm.kernel

    @property
    def visible_bias(self):
        return self.rbm.visible_bias

    @property
    def hidden_bias(self):
        return self.rbm.hidden_bias

    # -- images <-> visible vectors ---------------------------------------------------

    def _flatten(self, x):
        x = ops.convert_to_tensor(x)
        dtype = keras.backend.standardize_dtype(x.dtype)
        if dtype != self.compute_dtype:
            if dtype.startswith(("float", "bfloat", "int", "uint")) or dtype == "bool":
                x = ops.cast(x, self.compute_dtype)
            else:
                raise TypeError(
                    f"{self.__class__.__name__} takes float32 images. Received: dtype={dtype}"
                )
        shape = tuple(x.shape)
        if len(shape) != len(self.image_shape) + 1 or any(
            s is not None and s != e for s, e in zip(shape[1:], self.image_shape)
        ):
            raise ValueError(
                f"{self.__class__.__name__} takes images of shape (N, "
                f"{', '.join(map(str, self.image_shape))}) with values in [0, 1]. "
                f"Received: shape={shape}"
            )
        return ops.reshape(x, (-1, self.n_visible))

    def _to_visible(self, x):
        """Images (N, *image_shape) in [0, 1] -> visible vectors (N, n_visible)."""
        raise NotImplementedError

    def _to_images(self, v):
        """Visible means (N, n_visible) -> images (N, *image_shape) in [0, 1]."""
        raise NotImplementedError

    def _pixel_scale(self):
        """Per-visible-unit factor from model units to pixel units (for monitors)."""
        return None

    def call(self, inputs, training=None):
        """`p(h = 1 | v)` of a batch of images: the features of `encode`.

        With `training=True` (Keras's `train_step`) it returns `{"visible": v,
        "hidden_logits": vW + c}` instead, the forward pass that `compute_loss` reuses
        (see the module docstring).
        """
        if training:
            v = self._to_visible(inputs)
            return {"visible": v, "hidden_logits": self.rbm.hidden_logits(v)}
        return self.rbm(self._to_visible(inputs))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_hidden)

    # -- compile ----------------------------------------------------------------------

    def compile(
        self,
        optimizer=None,
        loss=None,
        metrics=None,
        *,
        steps_per_execution=None,
        jit_compile="auto",
        run_eagerly=False,
        **kwargs,
    ):
        """Configures training. With no arguments: SGD with the class's defaults.

        `default_learning_rate` and `default_momentum`: 0.05 and 0.5 for
        `BernoulliRBM`, 0.005 and 0.9 for `GaussianBernoulliRBM`. The learning rate
        decays linearly to zero over each `fit` call (`LinearDecayPerFit`; Tieleman
        2008): with persistent chains it raised the test log-likelihood on binarized
        Fashion-MNIST at 5 epochs from -256.28 to -149.78 nats (`LinearDecayPerFit`). The learning rate is
        per example: the CD statistics are batch means, so the step does not depend
        on the batch size (0.05 is scikit-learn's `BernoulliRBM` default learning rate,
        which it too divides by the batch size). Momentum 0.5 is the early-training
        value of Hinton (2010), section 9, and 0.9 the late one.

        RBMs are trained by contrastive divergence, so there is no `loss` to give, and
        their monitors (reconstruction error, pseudo-log-likelihood, free energies) are
        built in: `loss` and `metrics` must stay `None`.

        `steps_per_execution` (CD steps per call into the compiled step) is the main
        speed lever on CPU: None (the default) is `DEFAULT_STEPS_PER_EXECUTION` (100),
        or 1 under a TensorFlow distribution strategy with several replicas. Callbacks'
        batch hooks and the progress bar then see every 100th step; pass 1 for
        per-step hooks. `jit_compile="auto"` is Keras's: XLA on JAX (always compiled),
        off on a CPU-only TensorFlow (its graph executor is faster there for this model).
        """
        if loss is not None:
            raise ValueError(
                f"{self.__class__.__name__} is trained by contrastive divergence and takes no "
                f"loss in compile(). Received: loss={loss!r}"
            )
        if metrics is not None or kwargs.get("weighted_metrics") is not None:
            raise ValueError(
                f"{self.__class__.__name__} reports its own monitors (reconstruction_error, "
                "pseudo_log_likelihood, free_energy, free_energy_gap) and takes no compiled "
                f"metrics. Received: metrics={metrics!r}"
            )
        replicas = _num_replicas()
        if steps_per_execution is None:
            steps_per_execution = DEFAULT_STEPS_PER_EXECUTION if replicas == 1 else 1
        if replicas > 1 and steps_per_execution != 1:
            raise ValueError(
                "Keras 3 cannot run steps_per_execution > 1 under a distribution strategy "
                "with several replicas (fit fails with 'You must feed a value for "
                "placeholder tensor', for any model: keras-team/keras#19246). Received: "
                f"steps_per_execution={steps_per_execution} with "
                f"{replicas} replicas; use steps_per_execution=1.")
        if optimizer is None:
            optimizer = keras.optimizers.SGD(
                learning_rate=LinearDecayPerFit(self.default_learning_rate),
                momentum=self.default_momentum,
            )
        super().compile(
            optimizer=optimizer,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            **kwargs,
        )
        # Plain data only: an optimizer object in a dict attribute would be saved
        # with the model's state.
        object.__setattr__(
            self,
            "_rbm_compile_config",
            {
                "optimizer": keras.optimizers.serialize(self.optimizer),
                "steps_per_execution": steps_per_execution,
                "jit_compile": bool(self.jit_compile),
                "run_eagerly": bool(run_eagerly),
            },
        )

    def get_compile_config(self):
        """The optimizer (its config, not its state) and the execution settings.

        The optimizer's current config when it is attached, else the one of the last
        `compile()`: a model saved with `model.optimizer = None` (how the zoo saves,
        without optimizer state) still loads compiled, with a fresh optimizer.
        """
        return saved_compile_config(self, getattr(self, "_rbm_compile_config", None))

    def compile_from_config(self, config):
        compile_from_saved_config(self, config)

    # -- training ---------------------------------------------------------------------

    def _rng_alg(self):
        """TensorFlow's stateless generator in training: ThreeFry under XLA, else Philox
        (a hint for `kerazoo.layers.sampling`, ignored on other backends)."""
        return "threefry" if getattr(self, "_jit_compile", False) else "auto_select"

    def _negative_phase(self, v0, p0, seed):
        """Runs the Gibbs chain on stop-gradient tensors.

        Returns `(v_neg, reconstruction)`: the chain end states whose free energy is
        the negative term of the loss, and `E[v | h0]` with `h0 ~ p(h | v0)` (the
        one-step reconstruction of the data, for the monitor).
        """
        rbm = self.rbm
        alg = self._rng_alg()
        key = sampling.fold_seed
        h = sampling.bernoulli(p0, key(seed, 0), alg=alg)
        reconstruction = rbm.visible_mean(h)
        if not self.persistent:
            mean = reconstruction
            for step in range(1, self.cd_k):
                v = rbm.draw_visible(mean, key(seed, 2 * step - 1), alg=alg)
                h = rbm.sample_hidden(v, key(seed, 2 * step), alg=alg)
                mean = rbm.visible_mean(h)
            if self._cd_uses_visible_mean:
                return mean, reconstruction
            return rbm.draw_visible(mean, key(seed, 2 * self.cd_k - 1), alg=alg), reconstruction
        h = ops.convert_to_tensor(self.persistent_chains)
        v = None
        for step in range(self.cd_k):
            v = rbm.draw_visible(rbm.visible_mean(h), key(seed, 2 * step + 1), alg=alg)
            if step < self.cd_k - 1:
                h = rbm.sample_hidden(v, key(seed, 2 * step + 2), alg=alg)
        return v, reconstruction

    def _penalty(self, p0):
        penalty = ops.convert_to_tensor(0.0)
        if self.weight_decay:
            kernel = ops.cast(self.rbm.kernel, "float32")
            penalty = penalty + 0.5 * self.weight_decay * ops.sum(ops.square(kernel))
        if self.sparsity_target is not None and self.sparsity_cost:
            # Cross-entropy between the target and the mean activation q_j of each
            # hidden unit over the batch (Hinton 2010, section 11; Lee et al. 2008).
            q = ops.clip(ops.mean(ops.cast(p0, "float32"), axis=0), 1e-6, 1.0 - 1e-6)
            p = self.sparsity_target
            penalty = penalty + self.sparsity_cost * ops.sum(
                -p * ops.log(q) - (1.0 - p) * ops.log(1.0 - q)
            )
        return penalty

    def _cd_terms(self, v0, seed, tape=None, hidden_logits=None):
        """Forward pass of a CD step. Returns a dict of tensors (loss and monitors).

        `hidden_logits`, when given, is `rbm.hidden_logits(v0)`. The negative phase
        runs on stop-gradient tensors, so no gradient flows through the chain on any
        backend; `tape` (a `tf.GradientTape`) is accepted for callers that record one
        and is only paused around the chain.
        """
        rbm = self.rbm
        a0 = rbm.hidden_logits(v0) if hidden_logits is None else hidden_logits
        p0 = ops.sigmoid(a0)
        if tape is not None:
            with tape.stop_recording():
                v_neg, reconstruction = self._negative_phase(v0, ops.stop_gradient(p0), seed)
        else:
            v_neg, reconstruction = self._negative_phase(v0, ops.stop_gradient(p0), seed)
        v_neg = ops.stop_gradient(v_neg)
        a_neg = rbm.hidden_logits(v_neg)
        p_neg = ops.sigmoid(a_neg)
        # The free energies (sums over the units) and the loss in float32 under any policy.
        f0 = ops.cast(rbm.free_energy(v0, a0, p0), "float32")
        f_neg = ops.cast(rbm.free_energy(v_neg, a_neg, p_neg), "float32")
        loss = ops.mean(f0) - ops.mean(f_neg) + self._penalty(p0)
        return {
            "loss": loss,
            "a0": a0,
            "p_neg": p_neg,
            "f0": f0,
            "reconstruction": ops.stop_gradient(reconstruction),
        }

    def _update_monitors(self, v0, terms, seed):
        diff = v0 - terms["reconstruction"]
        scale = self._pixel_scale()
        if scale is not None:
            diff = diff * scale
        self.reconstruction_error_tracker.update_state(ops.mean(ops.square(diff), axis=-1))
        self.free_energy_tracker.update_state(terms["f0"])

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """One CD step: draws the negative phase, updates the persistent chains (in
        training) and the monitors, and returns the surrogate loss `L` (divided by the
        number of replicas under a TensorFlow distribution strategy, as Keras's own
        `compute_loss`). `y` and `sample_weight` are ignored.

        `y_pred` is `call(x, training=True)`'s `{"visible", "hidden_logits"}` in a
        training step; otherwise (evaluation, or `y_pred=None`) the forward pass is
        computed here.
        """
        if isinstance(y_pred, dict):
            v0, hidden_logits = y_pred["visible"], y_pred["hidden_logits"]
        else:
            v0, hidden_logits = self._to_visible(x), None
        seed = sampling.as_seed(self.seed_generator)
        terms = self._cd_terms(v0, seed, hidden_logits=hidden_logits)
        if training and self.persistent:
            self.persistent_chains.assign(
                sampling.bernoulli(
                    ops.stop_gradient(terms["p_neg"]),
                    sampling.fold_seed(seed, 1000),
                    alg=self._rng_alg(),
                )
            )
        self._update_monitors(v0, terms, sampling.fold_seed(seed, 1001))
        if not training:
            gap = self.free_energy_gap_tracker
            gap.update_state(terms["f0"] - gap.reference)
        loss = terms["loss"]
        replicas = _num_replicas()
        return loss if replicas == 1 else loss / replicas

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """The monitors' results; `free_energy_gap` only in evaluation (Keras's
        training step passes `call`'s dict as `y_pred`)."""
        logs = super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        logs.pop(self._fit_progress.name, None)
        if isinstance(y_pred, dict):
            logs.pop(self.free_energy_gap_tracker.name, None)
        return logs

    def get_metrics_result(self):
        logs = super().get_metrics_result()
        logs.pop(self._fit_progress.name, None)
        return logs

    def train_step(self, *args):
        """Keras's own training step. Under JAX (`train_step(state, data)`) a
        `LinearDecayPerFit` learning rate reads its numbers from the traced state
        (`_FitProgress`), since the optimizer's stateless scope holds only its own
        variables."""
        schedule = getattr(getattr(self, "optimizer", None), "_learning_rate", None)
        if len(args) != 2 or not isinstance(schedule, LinearDecayPerFit) or schedule.stateful:
            return super().train_step(*args)
        state, _ = args
        values = dict(zip((id(v) for v in self.metrics_variables), state[3]))
        progress = self._fit_progress
        with schedule.in_trace(values[id(progress.first_step)], values[id(progress.total_steps)]):
            return super().train_step(*args)

    def adapt(self, x, max_examples=60000):
        """Sets the data-dependent initial state from a sample of training images.

        Called by `fit` when the model has not been adapted (nor trained) yet;
        call it yourself to adapt on other data. `x` is an array of images or a
        `tf.data.Dataset` of them (or of `(x, y)` pairs); at most `max_examples`
        are used.
        """
        arr = _collect_images(x, max_examples, self.image_shape)
        if arr is None:
            raise TypeError(
                "adapt() takes an array of images or a tf.data.Dataset of them. "
                f"Received: {type(x).__name__}"
            )
        arr = check_images(arr, "x", self.image_shape)
        if not len(arr):
            raise ValueError("adapt() needs at least one image. Received: an empty array.")
        self._adapt_from(arr)
        self.adapted.assign(1.0)

    def _adapt_from(self, x):
        raise NotImplementedError

    def fit(self, x=None, y=None, *args, **kwargs):
        """Keras `fit`; images are checked first, and the model adapts on first use.

        Arrays (training and `validation_data`) are checked for shape, range and
        NaN before training; a `tf.data.Dataset` is checked batch by batch for its
        shape only. If the model was never adapted, it adapts on `x` first (see
        `adapt`).
        """
        x = _check_maybe_array(x, "x", self.image_shape)
        if "validation_data" in kwargs and kwargs["validation_data"] is not None:
            kwargs["validation_data"] = _check_validation(
                kwargs["validation_data"], self.image_shape
            )
        if not float(ops.convert_to_numpy(self.adapted)):
            if _collect_images(x, 0, self.image_shape) is None:
                raise TypeError(
                    f"{self.__class__.__name__} adapts to its training data before the first "
                    "fit, which needs an array or a tf.data.Dataset. Call "
                    f"adapt(images) first to fit on a {type(x).__name__}."
                )
            self.adapt(x)
        reference = _collect_images(x, self.n_reference, self.image_shape)
        if reference is not None and len(reference):
            object.__setattr__(self, "_reference_images", reference)
        self._restart_schedule(x, args, kwargs)
        return super().fit(x, y, *args, **kwargs)

    def _restart_schedule(self, x, args, kwargs):
        """Points a `LinearDecayPerFit` learning rate at the steps of this `fit`."""
        schedule = getattr(getattr(self, "optimizer", None), "_learning_rate", None)
        if not isinstance(schedule, LinearDecayPerFit):
            return
        # keras.Model.fit(x, y, batch_size, epochs, verbose, callbacks,
        # validation_split, validation_data, shuffle, class_weight, sample_weight,
        # initial_epoch, steps_per_epoch, ...)
        names = ("batch_size", "epochs", "verbose", "callbacks", "validation_split",
                 "validation_data", "shuffle", "class_weight", "sample_weight",
                 "initial_epoch", "steps_per_epoch")
        given = {**dict(zip(names, args)), **kwargs}
        epochs = int(given.get("epochs") or 1) - int(given.get("initial_epoch") or 0)
        steps = given.get("steps_per_epoch")
        if steps is None:
            if _is_array(x):
                n = len(x) * (1.0 - float(given.get("validation_split") or 0.0))
                steps = math.ceil(n / int(given.get("batch_size") or 32))
            elif _is_tf_dataset(x):
                cardinality = int(x.cardinality())
                steps = cardinality if cardinality > 0 else 0  # unknown: constant rate
            else:
                steps = 0
        first, total = schedule.restart(
            int(ops.convert_to_numpy(self.optimizer.iterations)), max(epochs, 0) * int(steps)
        )
        self._fit_progress.first_step.assign(first)
        self._fit_progress.total_steps.assign(total)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """Keras `evaluate`; `free_energy_gap` compares with the last `fit`'s data.

        The reference is the mean free energy, at the current weights, of the first
        `n_reference` training images of the last `fit` in this session (NaN
        before any `fit`, e.g. right after loading).
        """
        x = _check_maybe_array(x, "x", self.image_shape)
        reference = getattr(self, "_reference_images", None)
        value = float("nan") if reference is None else float(np.mean(self.free_energy(reference)))
        self.free_energy_gap_tracker.reference.assign(value)
        return super().evaluate(x, y, *args, **kwargs)

    # -- inference --------------------------------------------------------------------

    def _transform_graph(self, x):
        return self.rbm.hidden_probabilities(self._to_visible(x))

    def _reconstruct_graph(self, x):
        h = self.rbm.hidden_probabilities(self._to_visible(x))
        return self._to_images(self.rbm.visible_mean(h))

    def _free_energy_graph(self, x):
        return self.rbm.free_energy(self._to_visible(x))

    def _sample_graph(self, n, seed, gibbs_steps):
        """`n` samples after `gibbs_steps` steps of block Gibbs sampling.

        The chains start at `h = 0` (so the first visible draw comes from the visible
        biases alone) and each step draws `v ~ p(v | h)`, then `h ~ p(h | v)`. The
        images are the means `E[v | h]` of the last step.
        """
        seed = sampling.as_seed(seed)
        h0 = ops.zeros((n, self.n_hidden), dtype=self.compute_dtype)
        rbm = self.rbm

        def body(i, h):
            i = ops.cast(i, "int32")
            v = rbm.draw_visible(rbm.visible_mean(h), sampling.fold_seed(seed, 2 * i))
            return rbm.sample_hidden(v, sampling.fold_seed(seed, 2 * i + 1))

        h = ops.fori_loop(0, gibbs_steps, body, h0)
        return self._to_images(rbm.visible_mean(h))

    def encode(self, x, batch_size=1000):
        """`p(h = 1 | v)` for each image: features of shape (N, n_hidden), numpy.

        The representation method shared by every kerazoo representation model;
        `transform` is its scikit-learn-style alias.
        """
        return self._batched("transform", self._transform_graph, x, batch_size)

    def transform(self, x, batch_size=1000):
        """The scikit-learn-style alias of `encode`: `p(h = 1 | v)`, (N, n_hidden), numpy."""
        return self.encode(x, batch_size=batch_size)

    def reconstruct(self, x, batch_size=1000):
        """The mean-field reconstruction `E[v | h = p(h | v)]`, as images in [0, 1]."""
        return self._batched("reconstruct", self._reconstruct_graph, x, batch_size)

    def free_energy(self, x, batch_size=1000):
        """`F(v)` of each image (nats), shape (N,): `p(v) = exp(-F(v)) / Z`."""
        return self._batched("free_energy", self._free_energy_graph, x, batch_size)

    def sample(self, n, *, seed=None, gibbs_steps=1000):
        """`n` images drawn by block Gibbs sampling, shape (n, *image_shape), in [0, 1].

        The calling convention of every kerazoo generative model: `n` positional, then
        keywords only (`seed`, then this family's extras).

        Args:
            n: number of independent chains (images), at most `kerazoo.utils.MAX_SAMPLES`
                (100,000) per call; draw more with several calls and seeds.
            seed: int for a reproducible draw; None draws the key from the model's
                seed generator (reproducible from the model's `seed`).
            gibbs_steps: Gibbs steps per chain (0 gives the visible biases' mean).
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
        if tf is None:
            return _numpy(self._sample_graph(n, seed, int(gibbs_steps)))
        spec = tf.TensorSpec((), tf.int32)
        compiled = self._compiled(
            "sample", self._sample_graph, [spec, tf.TensorSpec((2,), tf.int32), spec]
        )
        return _numpy(compiled(tf.constant(n), seed, tf.constant(int(gibbs_steps))))

    def serving_endpoints(self):
        """{endpoint_name: (fn, input_signature)} for the SavedModel export.

        - `transform(x)`: `p(h = 1 | v)`, float32 (N, n_hidden);
        - `reconstruct(x)`: mean-field reconstructions, images in [0, 1];
        - `sample(n, seed, gibbs_steps)`: `n` images after `gibbs_steps` Gibbs steps
          from the stateless generator keyed by `seed` (all three int32 scalars);
        - `free_energy(x)`: `F(v)` per image, float32 (N,).

        `x` is float32 (N, *image_shape) in [0, 1]; it is not range-checked in the
        graph (validate before serving).
        """
        tf = _tensorflow()
        if tf is None:
            raise NotImplementedError(
                f"{self.__class__.__name__}.serving_endpoints() builds a TensorFlow SavedModel "
                f"export and needs the TensorFlow backend. Received: backend="
                f"{keras.backend.backend()!r}. Export under KERAS_BACKEND=tensorflow (the "
                "same .keras file loads there)."
            )
        image = self._image_spec()
        scalar = tf.TensorSpec((), tf.int32)

        def sample(n, seed, gibbs_steps):
            return self._sample_graph(n, tf.stack([seed, tf.constant(0, tf.int32)]), gibbs_steps)

        return {
            "transform": (self._transform_graph, [image]),
            "reconstruct": (self._reconstruct_graph, [image]),
            "sample": (sample, [scalar, scalar, scalar]),
            "free_energy": (self._free_energy_graph, [image]),
        }

    def _likelihood_inputs(self, x, method):
        """Checks a `log_likelihood` request; returns the visible vectors of `x`."""
        if method not in ("ais", "exact"):
            raise ValueError(f"`method` must be 'ais' or 'exact'. Received: method={method!r}")
        if method == "exact" and self.n_hidden > MAX_EXACT_HIDDEN:
            raise ValueError(
                f"The exact log-likelihood enumerates 2^n_hidden hidden states and is "
                f"limited to n_hidden <= {MAX_EXACT_HIDDEN}. Received: a model "
                f"with n_hidden={self.n_hidden}; use method='ais'."
            )
        # A mean over no images is no number: an empty batch is refused, as by `encode`.
        return self.visible_numpy(check_images(x, "x", self.image_shape, allow_empty=False))

    def weights_numpy(self):
        """`(kernel, visible_bias, hidden_bias)` as float64 numpy arrays."""
        return tuple(
            np.asarray(ops.convert_to_numpy(w), dtype=np.float64)
            for w in (self.kernel, self.visible_bias, self.hidden_bias)
        )

    # -- config -----------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "n_hidden": self.n_hidden,
                "cd_k": self.cd_k,
                "persistent": self.persistent,
                "n_chains": self.n_chains,
                "weight_decay": self.weight_decay,
                "sparsity_target": self.sparsity_target,
                "sparsity_cost": self.sparsity_cost,
                "image_shape": list(self.image_shape),
                "seed": self.seed,
            }
        )
        return config


def saved_compile_config(model, config):
    """`get_compile_config` of a model that keeps its `compile()` arguments as plain data.

    `config` is that data (None before `compile()`); the optimizer's config is added
    when one is attached. A model saved with `model.optimizer = None` (how the zoo
    saves, without optimizer state) still loads compiled, with a fresh optimizer.
    """
    if not model.compiled or config is None:
        return {}
    config = dict(config)
    if getattr(model, "optimizer", None) is not None:
        config["optimizer"] = keras.optimizers.serialize(model.optimizer)
    return config


def compile_from_saved_config(model, config):
    """`compile_from_config` for `saved_compile_config`.

    The optimizer's variables are created now, so that a saved optimizer state loads;
    a file saved without optimizer state (as the zoo saves) keeps the fresh state
    without Keras's warning about 0 saved variables.
    """
    config = dict(config or {})
    optimizer = config.pop("optimizer", None)
    if optimizer is not None:
        optimizer = keras.optimizers.deserialize(optimizer)
    model.compile(optimizer=optimizer, **config)
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    keep_fresh_state_if_none_saved(optimizer)


def keep_fresh_state_if_none_saved(optimizer):
    """Lets a built optimizer keep its fresh state when a file holds none for it (the zoo
    saves models without optimizer state), without Keras's warning about 0 variables."""
    load_saved_state = optimizer.load_own_variables

    def load_own_variables(store):
        if len(store.keys()) == 0:
            return
        load_saved_state(store)

    optimizer.load_own_variables = load_own_variables


def _check_float(value, name, low=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    if low is not None and value < low:
        raise ValueError(f"`{name}` must be >= {low}. Received: {name}={value!r}")
    return float(value)


def _is_array(x):
    if isinstance(x, (np.ndarray, list)):
        return True
    if _is_tf_dataset(x):
        return False
    return keras.ops.is_tensor(x)


def _check_maybe_array(x, name, image_shape):
    if x is None or not _is_array(x):
        return x
    return check_images(x, name, image_shape)


def _check_validation(data, image_shape):
    if _is_array(data):
        return check_images(data, "validation_data", image_shape)
    if isinstance(data, tuple) and data and _is_array(data[0]):
        return (check_images(data[0], "validation_data[0]", image_shape),) + tuple(data[1:])
    return data


def _collect_images(x, max_examples, image_shape):
    """Up to `max_examples` images from an array or a `tf.data.Dataset`, else None."""
    if _is_tf_dataset(x):
        batches, total = [], 0
        for element in x:
            xb = element[0] if isinstance(element, (tuple, list)) else element
            xb = np.asarray(xb)
            if xb.ndim == len(image_shape):
                xb = xb[None]
            batches.append(xb)
            total += len(xb)
            if total >= max_examples:
                break
        if not batches:
            return np.zeros((0,) + tuple(image_shape), np.float32)
        return np.concatenate(batches)[:max_examples]
    if _is_array(x):
        if not isinstance(x, (np.ndarray, list)):
            x = ops.convert_to_numpy(x)
        return np.asarray(x)[:max_examples]
    return None


__all__ = ["RBM", "LogLikelihood", "DEFAULT_STEPS_PER_EXECUTION"]
