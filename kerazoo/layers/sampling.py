"""Stateless random draws for Gibbs chains.

Every random number in kerazoo's energy-based models comes from TensorFlow's
counter-based ("stateless") generators, keyed by a seed tensor of shape `(2,)`:

- during training the key is drawn from the model's `keras.random.SeedGenerator`
  (`seed_generator.next()`), so runs are reproducible from the model's `seed`;
- in an exported SavedModel the key is an input of the signature (a
  `SeedGenerator` holds a variable and takes only Python ints, so it cannot take a
  seed given at serving time).

Inside one step several draws are keyed by `fold_seed(seed, i)`, which gives
statistically independent streams for different `i` (Salmon et al. 2011, "Parallel
random numbers: as easy as 1, 2, 3", the Philox construction behind these ops).

`alg` picks TensorFlow's bit generator: "auto_select" (Philox on CPU kernels) outside
XLA, and "threefry" inside XLA-compiled functions, where XLA's CPU Philox is slow
(a CD-1 epoch of Fashion-MNIST draws 30 million uniforms: 0.15 s with TensorFlow's
Philox kernel, 0.09 s with XLA's ThreeFry, 14 s with XLA's auto_select on one
core).
"""

import numbers

import keras
import tensorflow as tf


def as_seed(seed):
    """Returns `seed` as an int32 tensor of shape (2,) for the stateless ops.

    Args:
        seed: a `keras.random.SeedGenerator` (its next key is drawn), a Python int,
            or an integer tensor of shape `()` or `(2,)`.
    """
    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        seed = tf.constant([int(seed) % (2**31 - 1), 0], dtype="int32")
    elif seed is None or isinstance(seed, (bool, float, str)):
        raise TypeError(
            "`seed` must be a keras.random.SeedGenerator, an int or an integer tensor. "
            f"Received: seed={seed!r}"
        )
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer:
        raise TypeError(f"`seed` must be an integer tensor. Received: dtype={seed.dtype.name}")
    if seed.dtype != tf.int32:
        seed = tf.cast(tf.math.floormod(seed, tf.constant(2**31 - 1, seed.dtype)), "int32")
    if seed.shape.rank == 0:
        seed = tf.stack([seed, tf.constant(0, "int32")])
    return seed


def fold_seed(seed, index):
    """A key for the `index`-th draw of a step keyed by `seed`: `seed + [index, 0]`.

    Keys from a `SeedGenerator` differ in their second word only, so adding to the
    first word never meets another step's key; the stateless ops hash the whole key,
    so different keys give independent streams. (One add, where
    `tf.random.experimental.stateless_fold_in` runs a generator.)
    """
    if isinstance(index, numbers.Integral):
        return seed + tf.constant([int(index), 0], dtype=seed.dtype)
    return seed + tf.stack([tf.cast(index, seed.dtype), tf.zeros((), seed.dtype)])


def bernoulli(probabilities, seed, alg="auto_select"):
    """Binary samples `h ~ Bernoulli(p)`, as floats of the same dtype and shape as `p`.

    `h = 1[u < p]` with `u ~ U[0, 1)` from the stateless generator `alg`.
    """
    u = tf.random.stateless_uniform(
        tf.shape(probabilities), seed=seed, dtype=probabilities.dtype, alg=alg
    )
    return tf.cast(u < probabilities, probabilities.dtype)


def gaussian(mean, stddev, seed, alg="auto_select"):
    """Samples `v ~ N(mean, stddev^2)` elementwise (`stddev` broadcasts against `mean`)."""
    noise = tf.random.stateless_normal(tf.shape(mean), seed=seed, dtype=mean.dtype, alg=alg)
    return mean + stddev * noise


def uniform_int(shape, maxval, seed, alg="auto_select"):
    """Integers uniform on `[0, maxval)`, int32."""
    return tf.random.stateless_uniform(
        shape, seed=seed, minval=0, maxval=maxval, dtype="int32", alg=alg
    )


@tf.custom_gradient
def softplus_sum(logits, probabilities):
    """`sum_j softplus(a_j)` over the last axis, given `a` and `p = sigmoid(a)`.

    `softplus(a) = max(a, 0) + log(1 + exp(-|a|)) = max(a, 0) - log(max(p, 1 - p))`:
    one logarithm per unit instead of an exponential and a logarithm, and the
    gradient `d/da = p` reuses the sigmoid the Gibbs step computes anyway (no
    gradient flows into `probabilities`). `max(p, 1 - p)` lies in [1/2, 1], so the
    logarithm is accurate in float32 for every `a`.
    """

    value = tf.reduce_sum(
        tf.nn.relu(logits) - tf.math.log(tf.maximum(probabilities, 1.0 - probabilities)), axis=-1
    )

    def grad(upstream):
        return upstream[..., None] * probabilities, None

    return value, grad
