"""The JAX half of the GAN's training step: the same step, run statelessly.

Keras's JAX trainer calls `train_step(state, data)` with the model's whole state as an
explicit tuple (trainable, non-trainable, optimizer and metric variables) and expects
`(logs, new_state)` back, so that it can jit-compile the step (the keras.io guide
"Customizing what happens in fit() with JAX"). `train_step` below opens one
`keras.StatelessScope` that maps every variable to its value in `state`, runs the
backend-independent `GAN._train_step_body` inside it, and reads the new state off the
scope. The three primitives the body uses (see `_tf_step`) are written here with
`jax.value_and_grad` / `jax.grad` over the values of the variables, and
`optimizer.stateless_apply`:

- `value_and_grad(fn, variables)` differentiates `fn` with respect to the values of
  `variables`, all other variables held at their current values in the scope; the
  updates `fn` makes (batch-norm statistics, spectral-norm vectors, seed generators)
  come back as auxiliary outputs and are written into the enclosing scope;
- `apply(optimizer, grads, variables)` is `optimizer.stateless_apply` on the scope's
  values;
- `input_gradient(fn, x)` is `jax.grad` of sum(fn(x)) with respect to x, itself
  differentiable with respect to the weights (WGAN-GP's double backpropagation).

The GAN has two optimizers where Keras keeps one: `OptimizerPair` shows Keras the
variables of both as `model.optimizer.variables`, so that they travel in the state.
"""

import jax
import keras
from keras import ops

# The scopes (and the variables they map) of the steps being traced, innermost last.
_ACTIVE = []


class OptimizerPair:
    """`model.optimizer` of a GAN on JAX: the variables of the discriminator's and the
    generator's optimizers, in that order (Keras's JAX trainer carries
    `model.optimizer.variables` through the training step's state)."""

    built = True

    def __init__(self, d_optimizer, g_optimizer):
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def variables(self):
        return list(self.d_optimizer.variables) + list(self.g_optimizer.variables)

    @property
    def iterations(self):
        return self.g_optimizer.iterations


def attach_optimizers(model):
    model.optimizer = OptimizerPair(model.d_optimizer, model.g_optimizer)


def _current(scope, variable):
    value = scope.get_current_value(variable)
    return variable.value if value is None else value


def value_and_grad(fn, variables):
    scope, everything = _ACTIVE[-1]
    differentiated = {id(v) for v in variables}
    others = [v for v in everything if id(v) not in differentiated]
    held = [_current(scope, v) for v in others]

    def scaled_loss(values):
        mapping = list(zip(variables, values)) + list(zip(others, held))
        with keras.StatelessScope(state_mapping=mapping) as inner:
            _ACTIVE.append((inner, everything))
            try:
                scaled, aux = fn()
            finally:
                _ACTIVE.pop()
        return scaled, (aux, [_current(inner, v) for v in others])

    (_, (aux, updated)), grads = jax.value_and_grad(scaled_loss, has_aux=True)(
        [_current(scope, v) for v in variables])
    for variable, value in zip(others, updated):
        scope.add_update((variable, value))
    return aux, grads


def apply(optimizer, grads, variables):
    scope, _ = _ACTIVE[-1]
    new_values, new_state = optimizer.stateless_apply(
        [_current(scope, v) for v in optimizer.variables], grads,
        [_current(scope, v) for v in variables])
    for variable, value in zip(list(variables) + list(optimizer.variables),
                               list(new_values) + list(new_state)):
        scope.add_update((variable, value))


def input_gradient(fn, x):
    if not _ACTIVE:
        # Called outside a training step (e.g. `gradient_penalty` on its own): the
        # variables keep their values, and updates made by `fn` are dropped.
        def total(x):
            with keras.StatelessScope():
                return ops.sum(ops.cast(fn(x), "float32"))

        return jax.grad(total)(x)
    scope, everything = _ACTIVE[-1]
    held = [_current(scope, v) for v in everything]

    def total(x):
        with keras.StatelessScope(state_mapping=list(zip(everything, held))) as inner:
            score = ops.sum(ops.cast(fn(x), "float32"))
        return score, [_current(inner, v) for v in everything]

    grads, updated = jax.grad(total, has_aux=True)(x)
    for variable, value in zip(everything, updated):
        scope.add_update((variable, value))
    return grads


def _run(groups, values, body, data):
    variables = [v for group in groups for v in group]
    flat = [v for group in values for v in group]
    with keras.StatelessScope(state_mapping=list(zip(variables, flat))) as scope:
        _ACTIVE.append((scope, variables))
        try:
            logs = body(data)
        finally:
            _ACTIVE.pop()
    new_state = []
    for group in groups:
        new_state.append([_current(scope, v) for v in group])
    return logs, tuple(new_state)


def train_step(model, state, data):
    groups = (model.trainable_variables, model.non_trainable_variables,
              model.optimizer.variables, model.metrics_variables)
    return _run(groups, state, model._train_step_body, data)


def test_step(model, state, data):
    groups = (model.trainable_variables, model.non_trainable_variables, model.metrics_variables)
    return _run(groups, state, model._test_step_body, data)


def inference_function(model, method, latent_dim):
    """`method` (latents -> images) jit-compiled over the values of the model's variables."""
    del latent_dim  # jax.jit traces once per batch shape
    variables = list(model.variables)

    @jax.jit
    def run(values, z):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return method(z)

    return lambda z: run([v.value for v in variables], z)
