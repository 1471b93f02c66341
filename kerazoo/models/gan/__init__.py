"""Generative adversarial networks: `GAN` (DCGAN by default, WGAN-GP as an option), the
sample-grid callback, and the `gan` family (`family.py`)."""

from kerazoo.models.gan import family  # noqa: F401  (registers the family)
from kerazoo.models.gan.callbacks import SampleGridCallback
from kerazoo.models.gan.gan import GAN, gradient_penalty

__all__ = ["GAN", "SampleGridCallback", "gradient_penalty"]
