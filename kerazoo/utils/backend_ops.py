"""The few operations `keras.ops` does not cover, one small implementation per backend.

Keras 3 gives every backend the same maths (`keras.ops`) and randomness (`keras.random`),
but not forward-mode differentiation, the gradient of a function with respect to its
input, or graph compilation of an eager method. The models that need them call these
helpers, so their own code is the same on every backend:

- `jvp(fn, x, v)`: fn(x) and the Jacobian-vector product J(x) v, in forward mode
  (`tf.autodiff.ForwardAccumulator`; `jax.jvp`);
- `input_gradient(fn, x)`: the gradient of a scalar fn(x) with respect to x
  (`tf.GradientTape`; `jax.grad`);
- `batch_jacobian_sq_norms(fn, x)`: ||d fn(x_n) / d x_n||_F^2 per example, with
  examples independent (`GradientTape.batch_jacobian`; `jax.vjp` mapped over the output
  units);
- `inference_function(fn, specs)`: a numpy-facing method's tensor function, traced once
  for any batch size on TensorFlow (`tf.function` with an input signature), run eagerly on
  JAX (whose variables are read at each call, so the function never goes stale).

Under JAX, the traced function of `jvp` and `input_gradient` may read and update Keras
variables (batch-normalization statistics in training mode, seed generators): pass them
as `variables`. Their current values (the traced values inside a Keras training step) are
held fixed inside the transformation and the updates made there are assigned after it,
in the enclosing scope, as they would be on TensorFlow, instead of leaking the
transformation's tracers. On TensorFlow `variables` is not needed (it is ignored).

No module here imports TensorFlow unless the TensorFlow backend is active.
"""

import keras
import numpy as np
from keras import ops

__all__ = ["batch_jacobian_sq_norms", "inference_function", "input_gradient", "jvp", "to_numpy"]


def _backend():
    return keras.backend.backend()


def _unsupported(what):
    return NotImplementedError(
        f"{what} is implemented for the TensorFlow and JAX backends of Keras. Received: "
        f"KERAS_BACKEND={_backend()!r}; set KERAS_BACKEND to 'tensorflow' or 'jax'."
    )


def _capturing(fn, variables):
    """JAX: fn -> (fn with the variables' values fixed, returning (out, updates), apply)."""
    variables = list(variables or ())
    values = [v.value for v in variables]

    def traced(t):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
            before = [scope.get_current_value(v) for v in variables]
            out = fn(t)
        updates = {
            i: scope.get_current_value(v)
            for i, v in enumerate(variables)
            if scope.get_current_value(v) is not before[i]
        }
        return out, updates

    def apply(updates):
        for i, value in updates.items():
            variables[i].assign(value)

    return traced, apply


def jvp(fn, x, v, variables=None):
    """`(fn(x), J(x) v)`: the Jacobian-vector product of fn at x in direction v, forward mode.

    Differentiable (the penalty of a contractive autoencoder is minimized through it).

    Args:
        fn: a function of one tensor.
        x, v: tensors of one shape.
        variables: JAX only: the Keras variables fn reads or updates (see the module
            docstring).
    """
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            out = fn(x)
        return out, acc.jvp(out)
    if backend == "jax":
        import jax

        traced, apply = _capturing(fn, variables)
        out, tangent, updates = jax.jvp(traced, (x,), (v,), has_aux=True)
        apply(updates)
        return out, tangent
    raise _unsupported("Forward-mode differentiation (jvp)")


def input_gradient(fn, x, variables=None):
    """The gradient of the scalar fn(x) with respect to the tensor x (x's shape).

    Args:
        fn: a function of one tensor returning a scalar.
        x: a floating-point tensor.
        variables: JAX only: the Keras variables fn reads or updates (see the module
            docstring).
    """
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = fn(x)
        return tape.gradient(out, x)
    if backend == "jax":
        import jax

        traced, apply = _capturing(fn, variables)
        grad, updates = jax.grad(traced, has_aux=True)(ops.convert_to_tensor(x))
        apply(updates)
        return grad
    raise _unsupported("The gradient with respect to an input")


def batch_jacobian_sq_norms(fn, x):
    """||d fn(x)_n / d x_n||_F^2 per example n (a (N,) tensor) of a batch function fn.

    fn maps a batch (N, ...) to (N, ...) with examples independent (inference mode), so
    the Jacobian of example n is the n-th block of the batch Jacobian: one reverse-mode
    pass per output unit of an example.
    """
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = tf.reshape(fn(x), (tf.shape(x)[0], -1))
        jac = tape.batch_jacobian(out, x)
        return tf.reduce_sum(tf.reshape(jac ** 2, (tf.shape(jac)[0], -1)), axis=1)
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        x = jnp.asarray(x)
        n = x.shape[0]

        def flat(t):
            return jnp.reshape(fn(t), (n, -1))

        out, pullback = jax.vjp(flat, x)
        units = out.shape[1]
        # Cotangent k selects output unit k of every example: (units, N, units).
        basis = jnp.broadcast_to(jnp.eye(units, dtype=out.dtype)[:, None, :], (units, n, units))
        (rows,) = jax.vmap(pullback)(basis)  # (units, N, ...): row k of every example's J
        return jnp.sum(jnp.reshape(jnp.square(rows), (units, n, -1)), axis=(0, 2))
    raise _unsupported("The batch Jacobian")


def inference_function(fn, specs):
    """A tensor function for numpy-facing methods, for any batch size.

    Args:
        fn: a function of tensors (a model's `*_tensor` method).
        specs: one `(shape, dtype)` per argument, `None` for unknown dimensions.

    Returns:
        On TensorFlow, `tf.function(fn)` with that input signature (traced once,
        reduce_retracing); on other backends `fn` itself, run eagerly (it reads the
        model's variables at every call).
    """
    if _backend() == "tensorflow":
        import tensorflow as tf

        signature = [tf.TensorSpec(tuple(shape), dtype) for shape, dtype in specs]
        return tf.function(fn, input_signature=signature, reduce_retracing=True)
    return fn


def to_numpy(x, dtype="float32"):
    """A backend tensor (or nested tuple of them) as numpy arrays of `dtype`."""
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(t, dtype) for t in x)
    return np.asarray(ops.convert_to_numpy(x), dtype)
