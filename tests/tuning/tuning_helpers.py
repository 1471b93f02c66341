"""Helpers of the tuning tests: tiny job files and the command line in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO = TESTS_DIR.parent


def tiny_tune_toml(max_trials=3, epochs=2, subset=128, objective="loss", space=None, tuner="random"):
    """A job of the tests' tiny autoencoder family (i.i.d. Bernoulli(0.3) images)."""
    space = space or (
        '[search.space.learning_rate]\ntype = "float"\nmin = 0.001\nmax = 0.1\nsampling = "log"\n'
        '\n[search.space.batch_size]\ntype = "choice"\nvalues = [16, 32, 64]\n'
    )
    return f"""
[job]
name = "tiny_ae.fashion_mnist"
family = "tiny_ae"
seed = 7

[model]
code_size = 4

[data]
dataset = "fashion_mnist"
subset = {subset}

[train]
epochs = {epochs}
batch_size = 32
learning_rate = 0.01

[search]
tuner = "{tuner}"
max_trials = {max_trials}
objective = "{objective}"
direction = "min"

{space}"""


def cli_command(*argv, prelude=""):
    """`python -c ...` running `kerazoo.cli.main(argv)` with the tiny family registered."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS_DIR)!r})\n"
        "import tiny_family\n"
        f"{prelude}\n"
        "from kerazoo.cli import main\n"
        f"sys.exit(main({list(map(str, argv))!r}))\n"
    )
    return [sys.executable, "-c", code]


def subprocess_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def popen(argv, log_path, prelude="", **env):
    log = open(log_path, "w")
    return subprocess.Popen(cli_command(*argv, prelude=prelude), stdout=log,
                            stderr=subprocess.STDOUT, env=subprocess_env(**env), cwd=REPO)


def run_script(script, timeout=900):
    """Runs a Python script in a fresh process; returns the JSON after its `RESULT ` line."""
    import json

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=subprocess_env(), cwd=REPO, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[0][len("RESULT "):])
