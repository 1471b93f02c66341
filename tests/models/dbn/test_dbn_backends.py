"""The DBN family's zoo entries compute the same on TensorFlow and JAX.

The deterministic methods of `dbn.fashion_mnist` and `dbn_classifier.fashion_mnist` are run
on the first 64 Fashion-MNIST test images in this process (whatever `KERAS_BACKEND` is) and
in a fresh process on the other backend; the outputs must agree to 1e-5.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import datasets

REPO = Path(__file__).resolve().parents[3]

#: Runs in a subprocess: prints `RESULT <json>` with each output as a nested list.
SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {tests!r})
from kerazoo import datasets
from test_dbn_backends import deterministic_outputs
x = datasets.load_fashion_mnist("test")[0][:64]
out = {{k: v.tolist() for k, v in deterministic_outputs(x).items()}}
print("RESULT " + json.dumps(out))
"""


def deterministic_outputs(x):
    """{name: float32 array} of the DBN entries' deterministic methods on images `x`."""
    dbn = kerazoo.load("dbn.fashion_mnist")
    clf = kerazoo.load("dbn_classifier.fashion_mnist")
    return {
        "dbn.encode": dbn.encode(x),
        "dbn.reconstruct": dbn.reconstruct(x),
        "dbn.call": keras.ops.convert_to_numpy(dbn(x)),
        "dbn_classifier.predict": clf.predict(x, verbose=0),
        "dbn_classifier.encode": clf.encode(x),
    }


def _other_backend():
    return "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"


def _run_on(backend):
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parent))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {k: np.asarray(v, np.float32) for k, v in json.loads(lines[0][7:]).items()}


@pytest.mark.skipif(
    keras.backend.backend() not in ("tensorflow", "jax"),
    reason="compares the TensorFlow and JAX backends",
)
def test_zoo_entries_give_the_same_outputs_on_both_backends():
    x = datasets.load_fashion_mnist("test")[0][:64]
    here = deterministic_outputs(x)
    there = _run_on(_other_backend())
    assert set(here) == set(there)
    for name, value in here.items():
        assert value.shape == there[name].shape, name
        assert value.dtype == np.float32, name
        diff = float(np.max(np.abs(value - there[name])))
        assert diff <= 1e-5, f"{name}: max abs difference {diff:.3g} between backends"
    # The features are not trivially equal (all zeros or all ones would also agree).
    assert here["dbn.encode"].std() > 0.05
    assert np.argmax(here["dbn_classifier.predict"], axis=1).tolist() != [0] * 64


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="the error is for other backends")
def test_savedmodel_endpoints_name_the_backend_they_need():
    from kerazoo.models import DBN, DBNClassifier, DeepAutoencoder

    for model in (DBN([784, 8], seed=0), DBNClassifier([8], seed=0), DeepAutoencoder([784, 8])):
        with pytest.raises(NotImplementedError, match=(
            rf"{type(model).__name__}\.serving_endpoints\(\).*needs the TensorFlow backend\. "
            rf"Received: backend='{keras.backend.backend()}'"
        )):
            model.serving_endpoints()
