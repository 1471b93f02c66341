"""One zoo for both backends: the published RBMs give the same deterministic outputs on
TensorFlow and JAX, and a model trained under one backend loads under the other.

The other backend runs in a subprocess (a Keras backend is fixed at import)."""

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo.models  # noqa: F401  (registers the classes)
from kerazoo.datasets import load_fashion_mnist

REPO = Path(__file__).resolve().parents[3]
ENTRIES = ("rbm.fashion_mnist", "grbm.fashion_mnist")
OTHER = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"

_CHILD = r"""
import sys
import numpy as np
import keras
import kerazoo.models
from kerazoo.datasets import load_fashion_mnist

path, out = sys.argv[1], sys.argv[2]
x = load_fashion_mnist("test")[0][:64]
model = keras.saving.load_model(path)
np.savez(out, encode=model.encode(x), reconstruct=model.reconstruct(x),
         free_energy=model.free_energy(x), backend=keras.backend.backend())
"""


def _other_backend(path, out):
    env = dict(os.environ, KERAS_BACKEND=OTHER, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([str(REPO)] + sys.path))
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = np.load(out)
    assert str(result["backend"]) == OTHER
    return result


@pytest.mark.parametrize("entry", ENTRIES)
def test_zoo_entry_gives_the_same_outputs_on_both_backends(entry, tmp_path):
    path = REPO / "zoo" / entry / "model.keras"
    if not path.exists():
        pytest.skip(f"zoo entry {entry} is not in this checkout")
    x = load_fashion_mnist("test")[0][:64]
    model = keras.saving.load_model(path)
    other = _other_backend(path, tmp_path / "other.npz")
    for name in ("encode", "reconstruct"):
        ours = getattr(model, name)(x)
        assert ours.shape == other[name].shape
        np.testing.assert_allclose(ours, other[name], rtol=0, atol=1e-5, err_msg=name)
    # the free energy is a sum over 784 + 500 units (values of hundreds of nats): the
    # same float32 sums in a different order agree to a relative 1e-6
    np.testing.assert_allclose(model.free_energy(x), other["free_energy"], rtol=1e-5, atol=1e-3)


def test_a_model_trained_here_loads_under_the_other_backend(tmp_path, fmnist_train):
    from kerazoo.models import BernoulliRBM

    model = BernoulliRBM(16, seed=0)
    model.compile()
    model.fit(fmnist_train[:500], batch_size=100, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    x = load_fashion_mnist("test")[0][:64]
    other = _other_backend(tmp_path / "m.keras", tmp_path / "other.npz")
    np.testing.assert_allclose(model.encode(x), other["encode"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(model.reconstruct(x), other["reconstruct"], rtol=0, atol=1e-5)


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="the error of other backends")
def test_saved_model_export_asks_for_tensorflow():
    from kerazoo.models import BernoulliRBM

    with pytest.raises(NotImplementedError, match="BernoulliRBM.serving_endpoints.*backend='jax'"):
        BernoulliRBM(4, seed=0).serving_endpoints()
