"""Regularizers of autoencoders: sparsity of activations and contraction of the encoder.

Sparsity (Ng, "Sparse autoencoder", CS294A lecture notes, 2011). For hidden activations
a_j(x) in (0, 1) (sigmoid units) and a target mean activation rho, let
rho_hat_j = mean over the batch of a_j(x). The penalty is

    weight * sum_j KL(rho || rho_hat_j),
    KL(rho || rho_hat) = rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat)),

which is zero exactly when every unit's mean activation equals rho. The L1 option is
weight * mean over the batch of sum_j |a_j(x)| (any activation).

`KLSparsityRegularizer` and `L1SparsityRegularizer` are `keras.regularizers.Regularizer`
objects: callables from a batch of activations to a scalar. Keras divides an
`activity_regularizer=` penalty by the batch size, which is right for L1 (a sum over the
batch) but wrong for the KL penalty (already a function of the batch mean), so apply them
with the `SparsityRegularization` layer, which adds the penalty as it is:

```python
h = keras.layers.Dense(200, activation="sigmoid")(x)
h = SparsityRegularization(KLSparsityRegularizer(target=0.05, weight=0.1))(h)
```

Contraction (Rifai et al., 2011). The contractive autoencoder penalizes the squared
Frobenius norm of the encoder's Jacobian J(x) = dh/dx, averaged over the batch:

- for one sigmoid layer h = sigmoid(W^T x + b) it has the closed form
  ||J(x)||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ij^2   (`sigmoid_jacobian_sq_norm`);
- for a deep encoder, with v ~ N(0, I) in input space, E ||J v||^2 = ||J||_F^2, so the
  mean of ||J v_k||^2 over a few random projections v_k, each a Jacobian-vector product
  (one forward-mode pass), is an unbiased estimate (`jacobian_sq_norm_estimate`); the
  full Jacobian would cost one backward pass per code unit.

References:
    A. Ng, "Sparse autoencoder", CS294A Lecture notes, Stanford, 2011.
    S. Rifai, P. Vincent, X. Muller, X. Glorot and Y. Bengio, "Contractive auto-encoders:
    explicit invariance during feature extraction", ICML 2011.
    M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
    Laplacian smoothing splines", Comm. Statistics - Simulation and Computation, 1990.
"""

import numbers

import keras
from keras import ops

from kerazoo.utils.backend_ops import jvp


def _check_weight(weight):
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
        raise ValueError(f"`weight` must be a non-negative number. Received: weight={weight!r}")
    return float(weight)


def kl_sparsity(activations, target, epsilon=1e-6):
    """sum_j KL(target || rho_hat_j), rho_hat_j the batch mean of unit j (activations in (0, 1)).

    Args:
        activations: (N, units) or (N, ..., units) tensor of values in [0, 1].
        target: the target mean activation rho in (0, 1).
        epsilon: rho_hat is clipped to [epsilon, 1 - epsilon] to keep the logs finite.
    Returns:
        A scalar tensor.
    """
    a = ops.reshape(activations, (-1, ops.shape(activations)[-1]))
    rho_hat = ops.clip(ops.mean(a, axis=0), epsilon, 1.0 - epsilon)
    rho = ops.cast(target, rho_hat.dtype)
    kl = rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))
    return ops.sum(kl)


@keras.saving.register_keras_serializable(package="kerazoo")
class KLSparsityRegularizer(keras.regularizers.Regularizer):
    """`weight * sum_j KL(target || rho_hat_j)`: pulls each unit's mean activation to `target`.

    For sigmoid-like activations in [0, 1]. Apply it with `SparsityRegularization` (Keras
    divides `activity_regularizer=` penalties by the batch size; see the module docstring).

    Args:
        target: the target mean activation rho, in (0, 1), e.g. 0.05.
        weight: the penalty's weight beta >= 0.
    """

    def __init__(self, target=0.05, weight=1.0):
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not 0.0 < target < 1.0:
            raise ValueError(
                "`target` (the target mean activation rho) must be in (0, 1). "
                f"Received: target={target!r}"
            )
        self.target = float(target)
        self.weight = _check_weight(weight)

    def __call__(self, activations):
        return self.weight * kl_sparsity(activations, self.target)

    def get_config(self):
        return {"target": self.target, "weight": self.weight}


@keras.saving.register_keras_serializable(package="kerazoo")
class L1SparsityRegularizer(keras.regularizers.Regularizer):
    """`weight * mean_n sum_j |a_nj|`: the L1 norm of each example's activations, averaged.

    Args:
        weight: the penalty's weight >= 0.
    """

    def __init__(self, weight=1e-4):
        self.weight = _check_weight(weight)

    def __call__(self, activations):
        a = ops.reshape(activations, (ops.shape(activations)[0], -1))
        return self.weight * ops.mean(ops.sum(ops.abs(a), axis=1))

    def get_config(self):
        return {"weight": self.weight}


@keras.saving.register_keras_serializable(package="kerazoo")
class SparsityRegularization(keras.layers.Layer):
    """Identity layer that adds `regularizer(inputs)` to the model's losses (`add_loss`).

    Like `keras.layers.ActivityRegularization`, but the penalty is added as computed, not
    divided by the batch size, so batch-level penalties such as the KL sparsity penalty
    keep their meaning. The penalty is added on every call (it shows in `loss` and
    `val_loss` alike, as Keras's activity regularizers do), computed in float32 under any
    dtype policy.

    Args:
        regularizer: a `KLSparsityRegularizer`, `L1SparsityRegularizer` or any callable
            regularizer (a serializable `keras.regularizers.Regularizer`).
    """

    def __init__(self, regularizer, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = keras.regularizers.get(regularizer)
        if self.regularizer is None:
            raise ValueError("`regularizer` must be a regularizer. Received: None")
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        self.add_loss(self.regularizer(ops.cast(inputs, "float32")))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "regularizer": keras.regularizers.serialize(self.regularizer),
        }


def sigmoid_jacobian_sq_norm(hidden, kernel):
    """||J(x)||_F^2 per example for h = sigmoid(x W + b), in closed form.

    J_ji = h_j (1 - h_j) W_ij, so ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ij^2.

    Args:
        hidden: (N, units) sigmoid activations h.
        kernel: (inputs, units) weight matrix W.
    Returns:
        (N,) tensor.
    """
    slope = ops.square(hidden * (1.0 - hidden))
    return ops.sum(slope * ops.sum(ops.square(kernel), axis=0), axis=-1)


def jacobian_sq_norm_estimate(fn, x, n_projections=1, seed=None, variables=None):
    """Unbiased estimate of ||d fn(x) / dx||_F^2 per example by random projections.

    With v ~ N(0, I) of x's shape, E ||J v||^2 = trace(J^T J) = ||J||_F^2; each ||J v||^2
    is one Jacobian-vector product, computed in forward mode alongside `fn(x)`
    (`kerazoo.utils.backend_ops.jvp`: `tf.autodiff.ForwardAccumulator` on TensorFlow,
    `jax.jvp` on JAX). It is differentiable, so it can be minimized (double
    differentiation through the forward-mode pass).

    Args:
        fn: a function from a batch x to codes (N, ...), examples independent.
        x: the input batch.
        n_projections: the number of random projections averaged (>= 1).
        seed: an int, a `keras.random.SeedGenerator` or None.
        variables: the Keras variables `fn` reads or updates (e.g. `encoder.variables`;
            needed on JAX when `fn` updates some, such as batch-normalization statistics
            in training mode; see `kerazoo.utils.backend_ops`).
    Returns:
        `(codes, sq_norms)`: fn(x) and the (N,) estimates.
    """
    x = ops.convert_to_tensor(x)
    sq = None
    codes = None
    for _ in range(int(n_projections)):
        v = keras.random.normal(ops.shape(x), dtype=x.dtype, seed=seed)
        out, jv = jvp(fn, x, v, variables=variables)
        if codes is None:
            codes = out
        term = ops.sum(ops.reshape(ops.square(jv), (ops.shape(jv)[0], -1)), axis=1)
        sq = term if sq is None else sq + term
    return codes, sq / float(n_projections)
