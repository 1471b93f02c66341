"""One zoo for both backends: the published GAN's generator and EMA generator give the same
images under TensorFlow and JAX on fixed latent codes (issue 29). The other backend runs in
a subprocess (a process imports one Keras backend); the images agree within 1e-5."""

import sys

import numpy as np
import pytest
from other_backend import outputs_on_other_backend

NAMES = ["dcgan.fashion_mnist"]
N = 64  # latent codes


def outputs(name):
    import keras

    import kerazoo

    model = kerazoo.load(name)
    z = np.random.default_rng(0).standard_normal((N, model.latent_dim)).astype("float32")
    return {
        "generator": np.asarray(keras.ops.convert_to_numpy(model.generator(z, training=False))),
        "ema_generator": np.asarray(keras.ops.convert_to_numpy(model.ema_generator(z, training=False))),
        "generate": model.generate(z),
        "predict": np.asarray(model.predict(z, batch_size=32, verbose=0)),
    }


@pytest.fixture(autouse=True)
def repository_zoo(monkeypatch):
    monkeypatch.delenv("KERAZOO_ZOO", raising=False)


@pytest.mark.parametrize("name", NAMES)
def test_the_entry_gives_the_same_images_on_tensorflow_and_jax(name, tmp_path):
    _, theirs = outputs_on_other_backend(__file__, name, tmp_path)
    ours = outputs(name)
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        assert ours[key].shape == theirs[key].shape == (N, 28, 28, 1), key
        np.testing.assert_allclose(ours[key], theirs[key], atol=1e-5, rtol=0, err_msg=key)
    # The EMA generator is a different network from the generator (both are compared).
    assert np.abs(ours["generator"] - ours["ema_generator"]).max() > 1e-2
    np.testing.assert_allclose(ours["predict"], ours["ema_generator"], atol=1e-5)


if __name__ == "__main__":
    import keras

    result = outputs(sys.argv[1])
    np.savez(sys.argv[2], backend=np.array(keras.backend.backend()), **result)
