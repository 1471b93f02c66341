"""Generative adversarial networks: `GAN` (DCGAN by default, WGAN-GP as an option)."""

from kerazoo.models.gan.gan import GAN, gradient_penalty

__all__ = ["GAN", "gradient_penalty"]
