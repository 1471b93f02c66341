"""The TensorFlow half of the GAN's training step: gradients by `tf.GradientTape`.

`GAN.train_step` (kerazoo.models.gan.gan) is written once, on top of three primitives that
this module and `_jax_step` provide per backend (the keras.io "customizing fit" guides keep
the backend-specific part of a custom step this small):

- `value_and_grad(fn, variables)`: runs `fn()` -> (scaled_loss, aux) and returns
  (aux, gradients of scaled_loss with respect to `variables`); variable updates made by
  `fn` (batch-norm statistics, seed generators) take effect;
- `apply(optimizer, grads, variables)`: one optimizer step;
- `input_gradient(fn, x)`: the gradient of sum(fn(x)) with respect to the tensor x (the
  WGAN-GP penalty), differentiable again with respect to the weights `fn` reads.

On TensorFlow, Keras calls `train_step(data)` and `test_step(data)` and the variables are
updated in place, so the step needs no more than these.
"""

import tensorflow as tf


def value_and_grad(fn, variables):
    with tf.GradientTape() as tape:
        scaled, aux = fn()
    return aux, tape.gradient(scaled, variables)


def apply(optimizer, grads, variables):
    optimizer.apply_gradients(zip(grads, variables))


def input_gradient(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = fn(x)
    return tape.gradient(scores, x)


def train_step(model, data):
    return model._train_step_body(data)


def test_step(model, data):
    return model._test_step_body(data)


def inference_function(model, method, latent_dim):
    """`method` (latents -> images) as a graph function, traced once for any batch size."""
    return tf.function(method, input_signature=[tf.TensorSpec((None, latent_dim), tf.float32)],
                       reduce_retracing=True)
