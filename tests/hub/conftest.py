import keras
import pytest

from tiny_family import TinyAutoencoder, bernoulli_images


@pytest.fixture(scope="module")
def model():
    """An untrained, built tiny autoencoder (seed 0) to publish; a module may override it."""
    keras.utils.set_random_seed(0)
    model = TinyAutoencoder(code_size=4, seed=0)
    model(bernoulli_images(2))
    return model
