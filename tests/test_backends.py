"""kerazoo on the Keras backends: JAX as well as TensorFlow, and a clear error elsewhere.

- `test_model_tests_pass_on_jax` runs the model-level test folders again in a subprocess with
  `KERAS_BACKEND=jax`, so the default `python -m pytest` covers both backends.
- Without TensorFlow: a subprocess on JAX with an import hook that refuses `tensorflow`
  (a machine where it is not installed) imports kerazoo and uses what must work there.
- Data-parallel training on JAX goes through `keras.distribution` (two CPU devices from
  `XLA_FLAGS=--xla_force_host_platform_device_count=2`, set in a subprocess).
- PyTorch, NumPy, OpenVINO: every model refuses to be constructed, naming the backend.

The backend is chosen when Keras is imported, so everything on another backend than this
process's runs in a subprocess.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kerazoo.utils.backend import (
    SUPPORTED_BACKENDS,
    UnsupportedBackendError,
    check_backend,
    configured_backend,
)

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent

# The model-level tests that run a second time on JAX, chosen to fit the 30-minute budget beside
# the TensorFlow run (about 20 minutes on 2 CPU cores): the layers, metrics (but the AIS
# schedules of test_rbm_partition.py) and backend helpers, the classifier, the GAN (its own
# JAX training step), the calling convention and the input checks of every model, and the RBM's
# learning-rate schedule (its JAX-only state hand-off). Every zoo entry is also compared across
# backends in the TensorFlow run (the test_*_backends.py files run the other backend in a
# subprocess), test_kerazoo_runs_on_jax_without_tensorflow loads and runs all 16 entries on JAX,
# and `KERAS_BACKEND=jax python -m pytest tests/models` runs every model test on JAX (about 35
# minutes here; every family's folder passed on JAX when its port landed).
JAX_TEST_PATHS = [
    "tests/datasets/test_image_batches.py",
    "tests/layers",
    "tests/metrics",
    "tests/utils",
    "tests/models/classifier",
    "tests/models/gan",
    "tests/models/test_calling_convention.py",
    "tests/models/test_inference_input_checks.py",
    "tests/models/rbm/test_rbm_schedules.py",
]

# Modules that must import on JAX without TensorFlow.
MODULES_WITHOUT_TF = [
    "kerazoo",
    "kerazoo.utils",
    "kerazoo.utils.backend",
    "kerazoo.utils.distribution",
    "kerazoo.utils.precision",
    "kerazoo.utils.compile",
    "kerazoo.datasets",
    "kerazoo.hub",
    "kerazoo.callbacks",
    "kerazoo.cli",
    "kerazoo.models",
    "kerazoo.layers",
    "kerazoo.metrics",
    "kerazoo.recipes",
    "kerazoo.tuning",
    "kerazoo.applications",
    "kerazoo.viz",
    "kerazoo.demo",
]

# Zoo entries loaded and used on JAX without TensorFlow (each: load, the entry's deterministic
# method on 8 test images, and `sample` where the model has one): all of them.
ENTRIES_WITHOUT_TF = [
    "ae.fashion_mnist", "ae2d.fashion_mnist", "autorec.movielens_100k",
    "classifier.fashion_mnist", "contractive_ae.fashion_mnist", "dae.fashion_mnist",
    "dbn.fashion_mnist", "dbn_classifier.fashion_mnist", "dcgan.fashion_mnist",
    "dec.fashion_mnist", "grbm.fashion_mnist", "imsat.fashion_mnist", "rbm.fashion_mnist",
    "rbm_cf.movielens_100k", "sparse_ae.fashion_mnist", "vae.fashion_mnist",
]

# A one-trial `run_search` of tests/tiny_family.py on JAX, TensorFlow refused.
TUNE_WITHOUT_TF = True


# The only modules that import TensorFlow when they are imported (not lazily, inside the
# function that needs it): those that only TensorFlow can run.
MODULES_IMPORTING_TF = [
    "kerazoo/hub/export.py",  # the SavedModel export
    "kerazoo/models/gan/_tf_step.py",  # the GAN's TensorFlow training step
]


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(TESTS_DIR), env.get("PYTHONPATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(extra)
    return env


def _run(script, timeout=900, **env):
    """Runs `script` in a fresh Python; returns (the JSON after its `RESULT ` line, output)."""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=_env(**env), cwd=REPO, timeout=timeout)
    output = proc.stdout[-4000:] + proc.stderr[-4000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, output
    return json.loads(lines[-1][len("RESULT "):]), output


def _has_jax():
    try:
        import importlib.util

        return importlib.util.find_spec("jax") is not None
    except (ImportError, ValueError):
        return False


needs_jax = pytest.mark.skipif(not _has_jax(), reason="jax is not installed (pip install jax)")

#: A `sys.meta_path` finder that refuses TensorFlow, as on a machine without it, and records
#: the kerazoo modules that tried to import it (Keras probes for TensorFlow on its own, and
#: copes with its absence; kerazoo must not even try).
BLOCK_TENSORFLOW = textwrap.dedent("""
    import importlib.abc, sys, traceback

    class NoTensorFlow(importlib.abc.MetaPathFinder):
        tried = []

        def find_spec(self, name, path, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                for frame in reversed(traceback.extract_stack()[:-1]):
                    if "importlib" in frame.filename or frame.filename.startswith("<"):
                        continue
                    if "/kerazoo/" in frame.filename.replace("\\\\", "/"):
                        self.tried.append(f"{frame.filename}:{frame.lineno} ({name})")
                    break
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    NO_TF = NoTensorFlow()
    sys.meta_path.insert(0, NO_TF)
""")


# -- the tensorflow_only marker --------------------------------------------------------------


class _Item:
    def __init__(self, *marks):
        self.keywords = dict.fromkeys(marks, True)
        self.added = []

    def add_marker(self, marker):
        self.added.append(marker)


def _root_conftest(config):
    for plugin in config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == str(TESTS_DIR / "conftest.py"):
            return plugin
    raise AssertionError("tests/conftest.py is not loaded")


def test_tensorflow_only_tests_are_skipped_under_jax_with_the_reason(monkeypatch, pytestconfig):
    conftest = _root_conftest(pytestconfig)
    items = [_Item("tensorflow_only"), _Item("slow")]
    monkeypatch.setattr("kerazoo.utils.backend.configured_backend", lambda: "jax")
    conftest.pytest_collection_modifyitems(None, items)
    assert [m.kwargs["reason"] for m in items[0].added] == [
        "needs the TensorFlow backend (skipped under JAX)"]
    assert items[1].added == []

    items = [_Item("tensorflow_only")]
    monkeypatch.setattr("kerazoo.utils.backend.configured_backend", lambda: "tensorflow")
    conftest.pytest_collection_modifyitems(None, items)
    assert items[0].added == []


def test_the_marker_text_is_registered(pytestconfig):
    markers = pytestconfig.getini("markers")
    assert "tensorflow_only: needs the TensorFlow backend (skipped under JAX)" in markers


# -- unsupported backends --------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["torch", "numpy", "openvino"])
def test_an_unsupported_backend_is_refused_naming_backend_class_and_remedy(backend):
    with pytest.raises(UnsupportedBackendError) as info:
        check_backend("BernoulliRBM", backend=backend)
    message = str(info.value)
    assert message.startswith("BernoulliRBM runs on the Keras backends 'tensorflow', 'jax', "
                              f"not on {backend!r}.")
    assert "KERAS_BACKEND to tensorflow or jax" in message
    assert message.endswith(f"Received: keras.config.backend()={backend!r}")
    assert isinstance(info.value, ValueError)  # the CLI reports it on one line


def test_supported_backends_pass_and_the_active_one_is_returned():
    assert SUPPORTED_BACKENDS == ("tensorflow", "jax")
    for backend in SUPPORTED_BACKENDS:
        assert check_backend("X", backend=backend) == backend
    assert check_backend("X") == configured_backend()


def test_configured_backend_reads_keras_json_without_keras(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "jax"}))
    script = ("import json, sys\nfrom kerazoo.utils.backend import configured_backend\n"
              "print('RESULT ' + json.dumps([configured_backend(), 'keras' in sys.modules]))")
    env = {"KERAS_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={k: v for k, v in _env(**env).items() if k != "KERAS_BACKEND"},
                          cwd=REPO, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == 'RESULT ["jax", false]', proc.stderr


def test_models_and_the_command_line_refuse_the_numpy_backend():
    """NumPy stands in for every backend kerazoo does not run on (PyTorch is not installed
    here): a model's constructor, a zoo entry's load and the CLI refuse it, naming it."""
    script = textwrap.dedent("""
        import contextlib, io, json
        import kerazoo
        from kerazoo.models import Autoencoder
        from kerazoo.cli import main
        errors = {}
        for what, call in [("construct", lambda: Autoencoder(code_size=4)),
                           ("load", lambda: kerazoo.load("ae.fashion_mnist"))]:
            try:
                call()
                errors[what] = None
            except Exception as e:
                errors[what] = [type(e).__name__, str(e)]
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["encode", "ae.fashion_mnist", "--n", "4", "--out", "unused"])
        print("RESULT " + json.dumps({"errors": errors, "code": code, "stderr": err.getvalue()}))
    """)
    result, output = _run(script, KERAS_BACKEND="numpy")
    for what, name in [("construct", "Autoencoder"), ("load", "Autoencoder")]:
        kind, message = result["errors"][what]
        assert kind == "UnsupportedBackendError", output
        assert message.startswith(f"{name} runs on the Keras backends 'tensorflow', 'jax', "
                                  "not on 'numpy'.")
    assert result["code"] == 1
    assert result["stderr"].startswith(
        "kerazoo encode: UnsupportedBackendError: kerazoo encode runs on the Keras backends "
        "'tensorflow', 'jax', not on 'numpy'.")
    assert len(result["stderr"].strip().splitlines()) == 1
    assert not (REPO / "unused").exists()


# -- no TensorFlow on JAX --------------------------------------------------------------------

NO_TF_SCRIPT = BLOCK_TENSORFLOW + textwrap.dedent("""
    import importlib, json, sys, traceback

    results = {}

    def check(name, fn):
        before = len(NO_TF.tried)
        try:
            value = fn()
            results[name] = {"ok": True, "value": value}
        except BaseException as e:
            results[name] = {"ok": False, "error": f"{type(e).__name__}: {e}",
                             "where": traceback.format_exc()[-1500:]}
        results[name]["tried"] = NO_TF.tried[before:]

    for module in MODULES:
        check(f"import {module}", lambda module=module: importlib.import_module(module) and None)

    import kerazoo

    check("list and read cards", lambda: [len(kerazoo.list_models()),
                                          kerazoo.model_card("rbm.fashion_mnist")[:1]])

    def backend():
        import keras
        from kerazoo.utils import check_backend, data_parallel
        return [keras.config.backend(), check_backend("X"), type(data_parallel()).__name__]
    check("backend and data_parallel", backend)

    def pipeline_error():
        import numpy as np
        from kerazoo.datasets import make_image_dataset
        try:
            make_image_dataset(np.zeros((4, 28, 28, 1), "float32"), batch_size=2)
        except ImportError as e:
            return str(e)
        return None
    check("tf.data pipeline error", pipeline_error)

    def keras_training():
        # The recipes' batches on JAX: make_image_batches is a NumPy PyDataset there.
        import keras, numpy as np
        from kerazoo.datasets.pipeline import make_image_batches
        model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))])
        model.compile("adam", "mse")
        x = np.random.default_rng(0).random((12, 28, 28, 1)).astype("float32")
        batches = make_image_batches(x, batch_size=4, seed=0)
        history = model.fit(batches, epochs=2, shuffle=False, verbose=0).history["loss"]
        return [type(batches).__name__, len(batches), len(history)]
    check("keras fit on make_image_batches", keras_training)

    def entry(name):
        import numpy as np
        model = kerazoo.load(name)
        x = (np.random.default_rng(0).random((8, 28, 28, 1)) < 0.3).astype("float32")
        used = []
        # The entry's deterministic method on images (a GAN's predict takes latent codes, a
        # recommender's methods a rating history: they are only sampled / loaded here).
        methods = () if hasattr(model, "recommend") else ("reconstruct", "encode", "predict")
        for method in methods if not hasattr(model, "generator") else ():
            if hasattr(model, method):
                out = getattr(model, method)(x)
                assert np.all(np.isfinite(np.asarray(out))), method
                used.append(method)
                break
        if hasattr(model, "sample"):
            out = np.asarray(model.sample(4, seed=0))
            assert out.shape[0] == 4 and np.all(np.isfinite(out))
            used.append("sample")
        return used
    for name in ENTRIES:
        check(f"entry {name}", lambda name=name: entry(name))

    def tune():
        import tempfile
        import tiny_family  # noqa: F401  (registers the tiny family)
        from tuning.tuning_helpers import tiny_tune_toml
        from kerazoo.tuning import run_search
        tmp = tempfile.mkdtemp()
        job = f"{tmp}/tiny.toml"
        open(job, "w").write(tiny_tune_toml(max_trials=1, epochs=1, subset=64))
        result = run_search(job, directory=f"{tmp}/runs", verbose=0, out=lambda *a: None)
        return [t.status for t in result.tuner.oracle.trials.values()]
    if TUNE:
        check("tune one trial", tune)

    print("RESULT " + json.dumps({"results": results,
                                  "tensorflow_loaded": "tensorflow" in sys.modules}))
""")


@pytest.fixture(scope="module")
def without_tensorflow():
    script = (f"MODULES = {MODULES_WITHOUT_TF!r}\nENTRIES = {ENTRIES_WITHOUT_TF!r}\n"
              f"TUNE = {TUNE_WITHOUT_TF!r}\n" + NO_TF_SCRIPT)
    result, output = _run(script, KERAS_BACKEND="jax")
    return result, output


@needs_jax
def test_kerazoo_runs_on_jax_without_tensorflow(without_tensorflow):
    result, output = without_tensorflow
    failed = {k: v for k, v in result["results"].items() if not v["ok"]}
    assert not failed, json.dumps(failed, indent=1)
    tried = {k: v["tried"] for k, v in result["results"].items() if v["tried"]}
    # No kerazoo module even tries to import TensorFlow, but the one feature that needs it
    # (through require_tensorflow, which then raises the error checked below):
    assert list(tried) == ["tf.data pipeline error"], tried
    assert len(tried["tf.data pipeline error"]) == 1
    assert "kerazoo/utils/backend.py" in tried["tf.data pipeline error"][0]
    assert result["tensorflow_loaded"] is False
    values = {k: v["value"] for k, v in result["results"].items()}
    assert values["backend and data_parallel"] == ["jax", "jax", "DataParallel"]
    assert values["list and read cards"][0] >= 16
    assert values["keras fit on make_image_batches"] == ["ImageBatches", 3, 2]
    message = values["tf.data pipeline error"]
    assert message.startswith("kerazoo.datasets.make_image_dataset (a tf.data pipeline) needs "
                              "TensorFlow, which is not installed (Keras runs on 'jax').")
    if TUNE_WITHOUT_TF:
        assert values["tune one trial"] == ["COMPLETED"]


def test_no_other_module_imports_tensorflow_when_imported():
    """TensorFlow is imported inside the functions that need it (`require_tensorflow`), never
    at the top of a module, but in the modules still listed in MODULES_IMPORTING_TF."""
    import ast

    found = []
    for path in sorted((REPO / "kerazoo").rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "tensorflow" or n.startswith("tensorflow.") for n in names):
                found.append(path.relative_to(REPO).as_posix())
                break
    assert sorted(set(found) - set(MODULES_IMPORTING_TF)) == []


# -- data parallel on JAX --------------------------------------------------------------------

DATA_PARALLEL_SCRIPT = BLOCK_TENSORFLOW + textwrap.dedent("""
    import json
    import jax, keras, numpy as np
    from kerazoo.utils import check_strategy, data_parallel, num_replicas

    x = np.random.default_rng(0).random((64, 8)).astype("float32")
    y = x @ np.linspace(-1, 1, 8, dtype="float32")[:, None]

    def fit():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        return model

    single = fit()
    strategy = check_strategy(data_parallel())
    replicas_outside = num_replicas()
    with strategy.scope():
        replicas = num_replicas()
        model = fit()
    kernel = model.layers[0].kernel.value
    a = keras.ops.convert_to_numpy(kernel)
    b = keras.ops.convert_to_numpy(single.layers[0].kernel.value)
    print("RESULT " + json.dumps({
        "devices": [str(d) for d in jax.devices()],
        "mesh": dict(zip(strategy.device_mesh.axis_names, strategy.device_mesh.shape)),
        "replicas": replicas, "replicas_outside": replicas_outside,
        "kernel_devices": len(kernel.sharding.device_set),
        "max_diff": float(np.abs(a - b).max()), "moved": float(np.abs(b).max()),
        "tried": NO_TF.tried,
    }))
""")


@needs_jax
def test_data_parallel_fit_on_two_cpu_devices_matches_one_device():
    """Under `kerazoo.utils.data_parallel()` on JAX, `fit` replicates the variables on both
    devices, splits each batch of 16 into two of 8 and averages the gradients: the same
    weights as on one device, up to float32 rounding."""
    result, output = _run(DATA_PARALLEL_SCRIPT, KERAS_BACKEND="jax",
                          XLA_FLAGS="--xla_force_host_platform_device_count=2")
    assert len(result["devices"]) == 2, output
    assert result["mesh"] == {"batch": 2}
    assert result["replicas"] == 2 and result["replicas_outside"] == 1
    assert result["kernel_devices"] == 2  # replicated on both
    assert result["moved"] > 0.05  # it trained
    assert result["max_diff"] < 1e-5
    assert result["tried"] == []


def test_check_strategy_refuses_the_other_backends_kind():
    """On TensorFlow, a keras.distribution object is refused (and on JAX a tf.distribute
    strategy; that side is checked in the JAX pass through the same function)."""
    from kerazoo.utils import check_strategy

    assert check_strategy(None) is None
    backend = configured_backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.get_strategy()
        assert check_strategy(strategy) is strategy
        with pytest.raises(UnsupportedBackendError, match=r"must be a tf.distribute.Strategy.*"
                                                          r"Received: DataParallel"):
            import keras

            check_strategy(keras.distribution.DataParallel(devices=["cpu:0"]))
    else:
        import keras

        strategy = keras.distribution.DataParallel()
        assert check_strategy(strategy) is strategy
        with pytest.raises(UnsupportedBackendError, match=r"must be a keras.distribution"
                                                          r".DataParallel.*Received: object"):
            check_strategy(object())


# -- the model tests, again on JAX -----------------------------------------------------------


@needs_jax
def test_model_tests_pass_on_jax():
    """The default run covers both backends: the model-level tests run again on JAX (a
    second pytest in a subprocess, never this file), and must all pass or be skipped."""
    paths = [p for p in JAX_TEST_PATHS if "test_backends.py" not in p]
    assert paths
    # The cross-backend files compare JAX with TensorFlow already, in the TensorFlow run.
    ignore = [f"--ignore={p.relative_to(REPO)}" for p in sorted(TESTS_DIR.glob("models/*/test_*backends.py"))]
    ignore.append("--ignore=tests/metrics/test_rbm_partition.py")
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *ignore, *paths]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=1500,
                          env=_env(KERAS_BACKEND="jax"))
    summary = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
    print(f"JAX pass over {len(paths)} paths: {summary}")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
