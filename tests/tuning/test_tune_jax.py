"""A search on the JAX backend, its trials trained data-parallel on two CPU devices through
`keras.distribution` (the JAX counterpart of test_tune_mirrored.py)."""

import pytest

from tuning_helpers import TESTS_DIR, run_script, tiny_tune_toml

pytest.importorskip("jax", reason="jax is not installed (pip install jax)")

SCRIPT = """
import json, os, sys
os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
sys.path.insert(0, {tests!r})
import keras
import tiny_family
from kerazoo.tuning import run_search
from kerazoo.utils import data_parallel

class Seen(keras.callbacks.Callback):
    seen = []
    def on_train_end(self, logs=None):
        kernel = self.model.trainable_variables[0].value
        Seen.seen.append([keras.config.backend(), len(kernel.sharding.device_set)])

result = run_search({job!r}, directory={runs!r}, distribution_strategy=data_parallel(),
                    verbose=0, callbacks=[Seen()], out=lambda *a: None)
best = result.tuner.get_best_models(1)[0]
x = tiny_family.bernoulli_images(8, seed=5)
print("RESULT " + json.dumps({{
    "statuses": [t.status for t in result.tuner.oracle.trials.values()],
    "scores": [t.score for t in result.tuner.oracle.trials.values()],
    "seen": Seen.seen,
    "best_loads": type(best).__name__,
    "best_output": list(keras.ops.convert_to_numpy(best(x)).shape),
}}))
"""


def test_a_search_runs_on_jax_with_trials_data_parallel_on_two_cpus(tmp_path):
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=2, epochs=2, subset=256))
    script = SCRIPT.format(tests=str(TESTS_DIR), job=str(job), runs=str(tmp_path / "runs"))
    result = run_script(script)
    assert result["statuses"] == ["COMPLETED", "COMPLETED"]
    assert all(0.5 < s < 0.7 for s in result["scores"])  # Bernoulli(0.3) pixels: H = 0.611
    assert result["seen"] == [["jax", 2], ["jax", 2]]  # each trial's weights on both devices
    assert result["best_loads"] == "TinyAutoencoder"
    assert result["best_output"] == [8, 28, 28, 1]
