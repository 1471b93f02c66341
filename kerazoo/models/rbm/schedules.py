"""The learning-rate schedule of an RBM's default `compile()`: linear decay over each `fit`."""

import contextlib

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerazoo")
class LinearDecayPerFit(keras.optimizers.schedules.LearningRateSchedule):
    """`lr = initial * (1 - (1 - final_fraction) * progress)`, restarted by every `fit`.

    `progress` runs from 0 at the first step of a `fit` call to 1 at its last, so the
    rate falls linearly from `initial_learning_rate` to `final_fraction` times it. The
    RBMs' `fit` calls `restart(first_step, total_steps)` with the optimizer's step
    counter and the number of steps it is about to run; until then (or when the
    number of steps is unknown, e.g. an infinite dataset) the rate is constant.

    Persistent CD needs this: its chains mix through the large weight updates of early
    training, but the weights must settle for the model to be a good density at the
    end (Tieleman 2008 decays linearly to zero). On binarized Fashion-MNIST (500
    hidden, PCD, 5 epochs, `benchmarks/rbm_quality.py`) the default model scored
    -149.78 nats of test log-likelihood with the decay and -256.28 with the same rate
    held constant (scikit-learn's `BernoulliRBM`: -209.38).

    Backends. On TensorFlow the first step and the number of steps live in two
    `tf.Variable`s that the compiled train step reads, so `restart` needs no retrace
    (`stateful` is True). Under JAX a compiled step is a pure function of the training
    state, and the optimizer computes the rate in a stateless scope that holds only its
    own variables: the RBMs keep the two numbers in the training state (a hidden,
    unsaved metric) and hand them to the schedule while their step is traced
    (`in_trace`); elsewhere the schedule uses the numbers of the last `restart` as
    constants.

    Args:
        initial_learning_rate: the rate at the start of each `fit`.
        final_fraction: the rate at the end of a `fit`, as a fraction of the initial
            rate, in [0, 1].
    """

    def __init__(self, initial_learning_rate, final_fraction=0.0, name="linear_decay_per_fit"):
        self.initial_learning_rate = float(initial_learning_rate)
        if not self.initial_learning_rate > 0.0:
            raise ValueError(
                "`initial_learning_rate` must be positive. Received: "
                f"initial_learning_rate={initial_learning_rate}"
            )
        self.final_fraction = float(final_fraction)
        if not 0.0 <= self.final_fraction <= 1.0:
            raise ValueError(
                f"`final_fraction` must lie in [0, 1]. Received: final_fraction={final_fraction}"
            )
        self.name = name
        self._values = (0.0, 0.0)  # (first_step, total_steps)
        self._traced = None
        self.stateful = keras.backend.backend() == "tensorflow"
        if self.stateful:
            import tensorflow as tf

            # Plain variables read by the compiled train step: `restart` changes them
            # without retracing. They are bookkeeping of the current fit, not saved.
            self._first_step = tf.Variable(0.0, trainable=False, name="first_step")
            self._total_steps = tf.Variable(0.0, trainable=False, name="total_steps")

    def restart(self, first_step, total_steps):
        """Starts a decay of `total_steps` steps at optimizer step `first_step`.

        Returns `(first_step, total_steps)` as floats."""
        values = (float(first_step), float(max(int(total_steps or 0), 0)))
        self._values = values
        if self.stateful:
            self._first_step.assign(values[0])
            self._total_steps.assign(values[1])
        return values

    @contextlib.contextmanager
    def in_trace(self, first_step, total_steps):
        """Within the block, the schedule reads `first_step` and `total_steps` (tensors of
        the traced training state) instead of its own numbers."""
        previous, self._traced = self._traced, (first_step, total_steps)
        try:
            yield
        finally:
            self._traced = previous

    def __call__(self, step):
        step = ops.cast(step, "float32")
        if self.stateful:
            first, total = self._first_step, ops.convert_to_tensor(self._total_steps)
        elif self._traced is not None:
            first, total = self._traced
        else:
            first, total = self._values[0], ops.convert_to_tensor(self._values[1], "float32")
        progress = ops.where(
            total > 0.0,
            ops.clip((step - first) / ops.maximum(total, 1.0), 0.0, 1.0),
            0.0,
        )
        return self.initial_learning_rate * (1.0 - (1.0 - self.final_fraction) * progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "final_fraction": self.final_fraction,
            "name": self.name,
        }
