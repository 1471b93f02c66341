"""Stateless random draws for Gibbs chains, on every Keras backend.

Every random number in kerazoo's energy-based models comes from a counter-based
("stateless") generator keyed by an int32 seed tensor of shape `(2,)`:

- during training the key is drawn from the model's `keras.random.SeedGenerator`
  (`as_seed(seed_generator)`), so runs are reproducible from the model's `seed`;
- in an exported SavedModel the key is an input of the signature (a
  `SeedGenerator` holds a variable and takes only Python ints, so it cannot take a
  seed given at serving time).

Inside one step several draws are keyed by `fold_seed(seed, i)`, which gives
statistically independent streams for different `i` (Salmon et al. 2011, "Parallel
random numbers: as easy as 1, 2, 3", the Philox and ThreeFry constructions behind
these ops hash the whole key).

Backends. Under JAX a key is a `jax.random` ThreeFry key (the int32 words
reinterpreted as uint32) and the draws go through `keras.random`. Under TensorFlow
they go through `tf.random.stateless_*` (`keras.random` there accepts only an int or a
`SeedGenerator` as seed, not a key tensor); TensorFlow is imported only on that
backend. The two backends therefore give different draws for the same key (the same
distribution); deterministic computations do not depend on the backend.

`alg` picks TensorFlow's bit generator and is ignored by the other backends:
"auto_select" (Philox on CPU kernels) outside XLA, and "threefry" inside
XLA-compiled functions, where XLA's CPU Philox is slow (a CD-1 epoch of
Fashion-MNIST draws 30 million uniforms: 0.15 s with TensorFlow's Philox kernel,
0.09 s with XLA's ThreeFry, 14 s with XLA's auto_select on one core).
"""

import numbers

import keras
from keras import ops

_INT32_MOD = 2**31 - 1


def _backend():
    return keras.backend.backend()


def _tf():
    """TensorFlow, imported only when it is the active backend."""
    import tensorflow as tf

    return tf


def _jax_key(seed):
    """The int32 key as the uint32 ThreeFry key `jax.random` expects (same bits)."""
    return ops.cast(seed, "uint32")


def _unsupported(what):
    return NotImplementedError(
        f"kerazoo.layers.sampling.{what} supports the TensorFlow and JAX backends. "
        f"Received: backend={_backend()!r}. Set KERAS_BACKEND=tensorflow or jax."
    )


def _is_integer_dtype(dtype):
    return keras.backend.standardize_dtype(dtype).startswith(("int", "uint"))


def as_seed(seed):
    """Returns `seed` as an int32 tensor of shape (2,) for the stateless draws.

    Args:
        seed: a `keras.random.SeedGenerator` (its next key is drawn), a Python int,
            or an integer tensor of shape `()` or `(2,)`.
    """
    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return ops.convert_to_tensor([int(seed) % _INT32_MOD, 0], dtype="int32")
    elif seed is None or isinstance(seed, (bool, float, str)):
        raise TypeError(
            "`seed` must be a keras.random.SeedGenerator, an int or an integer tensor. "
            f"Received: seed={seed!r}"
        )
    seed = ops.convert_to_tensor(seed)
    dtype = keras.backend.standardize_dtype(seed.dtype)
    if not _is_integer_dtype(dtype):
        raise TypeError(f"`seed` must be an integer tensor. Received: dtype={dtype}")
    if dtype != "int32":
        seed = ops.cast(ops.mod(seed, ops.convert_to_tensor(_INT32_MOD, dtype)), "int32")
    if len(seed.shape) == 0:
        seed = ops.stack([seed, ops.zeros((), "int32")])
    return seed


def fold_seed(seed, index):
    """A key for the `index`-th draw of a step keyed by `seed`: `seed + [index, 0]`.

    Keys from a `SeedGenerator` differ in their second word only, so adding to the
    first word never meets another step's key; the stateless generators hash the
    whole key, so different keys give independent streams (one add, where a fold-in
    runs the generator).
    """
    if isinstance(index, numbers.Integral):
        return seed + ops.convert_to_tensor([int(index), 0], dtype=seed.dtype)
    return seed + ops.stack([ops.cast(index, seed.dtype), ops.zeros((), seed.dtype)])


def _uniform(shape, dtype, seed, alg):
    backend = _backend()
    if backend == "tensorflow":
        return _tf().random.stateless_uniform(shape, seed=seed, dtype=dtype, alg=alg)
    if backend == "jax":
        return keras.random.uniform(shape, dtype=dtype, seed=_jax_key(seed))
    raise _unsupported("bernoulli")


def bernoulli(probabilities, seed, alg="auto_select"):
    """Binary samples `h ~ Bernoulli(p)`, as floats of the same dtype and shape as `p`.

    `h = 1[u < p]` with `u ~ U[0, 1)` from the stateless generator keyed by `seed`.
    """
    probabilities = ops.convert_to_tensor(probabilities)
    u = _uniform(ops.shape(probabilities), probabilities.dtype, seed, alg)
    return ops.cast(u < probabilities, probabilities.dtype)


def gaussian(mean, stddev, seed, alg="auto_select"):
    """Samples `v ~ N(mean, stddev^2)` elementwise (`stddev` broadcasts against `mean`)."""
    mean = ops.convert_to_tensor(mean)
    backend = _backend()
    if backend == "tensorflow":
        tf = _tf()
        noise = tf.random.stateless_normal(tf.shape(mean), seed=seed, dtype=mean.dtype, alg=alg)
    elif backend == "jax":
        noise = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=_jax_key(seed))
    else:
        raise _unsupported("gaussian")
    return mean + stddev * noise


def uniform_int(shape, maxval, seed, alg="auto_select"):
    """Integers uniform on `[0, maxval)`, int32."""
    backend = _backend()
    if backend == "tensorflow":
        return _tf().random.stateless_uniform(
            shape, seed=seed, minval=0, maxval=maxval, dtype="int32", alg=alg
        )
    if backend == "jax":
        return keras.random.randint(shape, 0, maxval, dtype="int32", seed=_jax_key(seed))
    raise _unsupported("uniform_int")


def _softplus_sum_value(logits, probabilities):
    return ops.sum(
        ops.relu(logits) - ops.log(ops.maximum(probabilities, 1.0 - probabilities)), axis=-1
    )


_SOFTPLUS_SUM_TF = []


def _softplus_sum_tf(logits, probabilities):
    if not _SOFTPLUS_SUM_TF:

        @_tf().custom_gradient
        def softplus_sum_tf(logits, probabilities):
            def grad(upstream):
                return upstream[..., None] * probabilities, None

            return _softplus_sum_value(logits, probabilities), grad

        _SOFTPLUS_SUM_TF.append(softplus_sum_tf)
    return _SOFTPLUS_SUM_TF[0](logits, probabilities)


def softplus_sum(logits, probabilities):
    """`sum_j softplus(a_j)` over the last axis, given `a` and `p = sigmoid(a)`.

    `softplus(a) = max(a, 0) + log(1 + exp(-|a|)) = max(a, 0) - log(max(p, 1 - p))`:
    one logarithm per unit instead of an exponential and a logarithm, and the
    gradient `d/da = p` reuses the sigmoid the Gibbs step computes anyway (no
    gradient flows into `probabilities`). `max(p, 1 - p)` lies in [1/2, 1], so the
    logarithm is accurate in float32 for every `a`.

    On TensorFlow the gradient is a custom gradient. On JAX the same value and
    gradient come from `relu(a) - log(max(p, 1 - p))` with `p` held constant plus
    `(p - 1[a > 0]) * a` whose value is removed by a `stop_gradient` copy: XLA fuses
    it into the step, and the value is computed by the same expression as on
    TensorFlow.
    """
    if _backend() == "tensorflow":
        return _softplus_sum_tf(logits, probabilities)
    probabilities = ops.stop_gradient(probabilities)
    value = _softplus_sum_value(logits, probabilities)
    # d value / d a = 1[a > 0] (the relu) here; add (p - 1[a > 0]) a - stop_gradient(...)
    # (zero in value) so the derivative becomes p.
    step = ops.cast(logits > 0, logits.dtype)
    correction = ops.sum((probabilities - step) * logits, axis=-1)
    return value + (correction - ops.stop_gradient(correction))
