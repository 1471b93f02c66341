"""Runs a cross-backend test file's `outputs(name)` on the other Keras backend.

A process has one Keras backend, so the cross-backend tests run the file itself in a
subprocess with the other `KERAS_BACKEND` (its `__main__` block saves `outputs(name)` to an
`.npz` with the backend's name), and compare with `outputs(name)` in this process.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def outputs_on_other_backend(test_file, name, tmp_path):
    """`(other backend, {key: array})` from `python test_file name out.npz` on the other backend."""
    import keras

    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    env = {k: v for k, v in os.environ.items() if k != "KERAZOO_ZOO"}
    env["KERAS_BACKEND"] = other
    # The repository, and tests/ for this module (the file runs as a script there).
    paths = [str(REPO), str(REPO / "tests")] + [p for p in [env.get("PYTHONPATH")] if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    out_file = tmp_path / "other.npz"
    done = subprocess.run([sys.executable, str(test_file), name, str(out_file)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    theirs = dict(np.load(out_file))
    assert theirs.pop("backend") == other
    return other, theirs
