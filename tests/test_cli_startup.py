"""The command line starts instantly and quietly (the house issue, item 5).

`--help`, `list` and `info` read files only: neither Keras nor TensorFlow is imported. A verb
that needs TensorFlow hides its native start-up lines (absl, CUDA probes, oneDNN, CPU
features) unless the user set TF_CPP_MIN_LOG_LEVEL or passed --verbose. Output piped into a
reader that stops early (`| head`) ends quietly.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOISE = ("absl::InitializeLog", "cudart_stub", "cuda_platform", "cuInit", "oneDNN",
         "cpu_feature_guard", "rebuild TensorFlow")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["info", "dae.fashion_mnist"]],
                         ids=["help", "list", "info"])
def test_reading_verbs_import_neither_keras_nor_tensorflow(argv):
    code = (
        "import sys\n"
        "from kerazoo.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HEAVY []" in proc.stderr, proc.stderr[-2000:]
    assert proc.stdout.strip()


def test_import_kerazoo_is_lazy_and_resolves_names_on_use():
    code = (
        "import sys, kerazoo\n"
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules\n"
        "assert 'rbm.fashion_mnist' in kerazoo.list_models()\n"
        "assert 'keras' not in sys.modules\n"
        "assert kerazoo.models.BernoulliRBM.__name__ == 'BernoulliRBM'\n"
        "assert callable(kerazoo.publish) and callable(kerazoo.hub.publish)\n"
        "print('OK')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=300)
    assert proc.stdout.strip() == "OK", proc.stderr[-2000:]


def test_a_tensorflow_verb_prints_no_start_up_lines(tmp_path):
    out = tmp_path / "codes.npy"
    proc = subprocess.run(
        [sys.executable, "-m", "kerazoo.cli", "encode", "ae.fashion_mnist", "--n", "4",
         "--out", str(out)],
        capture_output=True, text=True, env=_env(), timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [line for line in proc.stderr.splitlines() if any(n in line for n in NOISE)], (
        proc.stderr[-2000:])


def test_output_piped_into_an_early_exit_ends_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerazoo.cli", "info", "dae.fashion_mnist"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=ROOT,
    )
    proc.stdout.close()  # the reader is gone before the first line is written (`| head -0`)
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()[-2000:]
    assert proc.returncode == 0
