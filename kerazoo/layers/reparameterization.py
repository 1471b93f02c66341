"""The reparameterization trick of variational autoencoders.

A Gaussian posterior q(z|x) = N(mu, diag(sigma^2)) is sampled as

    z = mu + sigma * eps,   eps ~ N(0, I),   sigma = exp(log_var / 2),

so that z is a differentiable function of (mu, log_var) and the noise eps carries all the
randomness: gradients of a Monte Carlo estimate of E_q[f(z)] flow to the encoder
(Kingma & Welling, 2014, section 2.4; Rezende, Mohamed & Wierstra, 2014).

The KL divergence of that posterior from the standard normal prior has the closed form

    KL(N(mu, diag sigma^2) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)

(Kingma & Welling, 2014, appendix B).

References:
    D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014,
    arXiv:1312.6114.
    D. J. Rezende, S. Mohamed and D. Wierstra, "Stochastic Backpropagation and
    Approximate Inference in Deep Generative Models", ICML 2014, arXiv:1401.4082.
"""

import keras
from keras import ops


def gaussian_kl(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per row, summed over the last axis.

    Args:
        mean, log_var: tensors or arrays of the same shape `(..., latent_dim)`.

    Returns:
        A tensor of shape `(...)`, in nats.
    """
    mean = ops.convert_to_tensor(mean)
    log_var = ops.convert_to_tensor(log_var, dtype=mean.dtype)
    return 0.5 * ops.sum(ops.square(mean) + ops.exp(log_var) - log_var - 1.0, axis=-1)


@keras.saving.register_keras_serializable(package="kerazoo")
class Sampling(keras.layers.Layer):
    """Draws z = mean + exp(log_var / 2) * eps, eps ~ N(0, I): the reparameterization trick.

    The layer samples in training and in inference alike (it draws from the posterior, it
    is not a regularizer): a VAE's test-time ELBO needs the sample too. Use the mean
    itself for a deterministic code.

    With `add_kl_loss=True`, the layer also adds the closed-form
    KL(N(mean, diag exp(log_var)) || N(0, I)), summed over the latent axis and averaged
    over the batch, to its `losses`: the prior term of the negative ELBO, in nats per
    example (see `gaussian_kl`).

    Args:
        seed: integer, optional random seed for reproducible draws (the layer holds a
            `keras.random.SeedGenerator`).
        add_kl_loss: whether to add the KL term to the layer's losses.

    Call arguments:
        inputs: a list `[mean, log_var]` of two tensors of the same shape
            `(batch, latent_dim)`.

    Returns:
        z, a tensor of the shape of `mean`.

    Example:

    >>> mean, log_var = keras.ops.zeros((4, 2)), keras.ops.zeros((4, 2))
    >>> Sampling(seed=1)([mean, log_var]).shape
    (4, 2)
    """

    def __init__(self, seed=None, add_kl_loss=False, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(
                f"`seed` must be an integer or None. Received: seed={seed!r} "
                f"(of type {type(seed).__name__})"
            )
        if not isinstance(add_kl_loss, bool):
            raise TypeError(f"`add_kl_loss` must be a bool. Received: add_kl_loss={add_kl_loss!r}")
        self.seed = seed
        self.add_kl_loss = add_kl_loss
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._build_at_init()

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "Sampling expects a list [mean, log_var] of two tensors. "
                f"Received: {type(inputs).__name__} of length "
                f"{len(inputs) if isinstance(inputs, (list, tuple)) else 'n/a'}"
            )
        mean, log_var = inputs
        if tuple(mean.shape) != tuple(log_var.shape):
            raise ValueError(
                "Sampling expects `mean` and `log_var` of the same shape. "
                f"Received: mean.shape={tuple(mean.shape)}, log_var.shape={tuple(log_var.shape)}"
            )
        if self.add_kl_loss:
            self.add_loss(ops.mean(gaussian_kl(mean, log_var)))
        eps = keras.random.normal(ops.shape(mean), dtype=self.compute_dtype, seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "add_kl_loss": self.add_kl_loss}
