"""Training inside trials under tf.distribute.MirroredStrategy on two logical CPUs."""

import pytest

from tuning_helpers import TESTS_DIR, run_script, tiny_tune_toml

pytestmark = pytest.mark.tensorflow_only  # tf.distribute; on JAX: test_tune_jax.py

SCRIPT = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, {tests!r})
import keras
import tiny_family
from kerazoo.tuning import run_search

devices = [d.name for d in tf.config.list_logical_devices("CPU")]
strategy = tf.distribute.MirroredStrategy(devices)

class Seen(keras.callbacks.Callback):
    seen = []
    def on_train_begin(self, logs=None):
        kernel = self.model.trainable_variables[0].value
        Seen.seen.append([self.model.distribute_strategy.num_replicas_in_sync,
                          type(kernel).__name__])

result = run_search({job!r}, directory={runs!r}, distribution_strategy=strategy, verbose=0,
                    callbacks=[Seen()], out=lambda *a: None)
best = result.tuner.get_best_models(1)[0]
print("RESULT " + json.dumps({{
    "devices": devices,
    "statuses": [t.status for t in result.tuner.oracle.trials.values()],
    "scores": [t.score for t in result.tuner.oracle.trials.values()],
    "seen": Seen.seen,
    "best_loads": type(best).__name__,
}}))
"""


def test_trials_train_under_a_mirrored_strategy_on_two_logical_cpus(tmp_path):
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=2, epochs=2, subset=256))
    script = SCRIPT.format(tests=str(TESTS_DIR), job=str(job), runs=str(tmp_path / "runs"))
    result = run_script(script)
    assert len(result["devices"]) == 2
    assert result["statuses"] == ["COMPLETED", "COMPLETED"]
    assert all(0.5 < s < 0.7 for s in result["scores"])  # Bernoulli(0.3) pixels: H = 0.611
    assert [n for n, _ in result["seen"]] == [2, 2]
    assert all("Mirrored" in kind for _, kind in result["seen"]), result["seen"]
    assert result["best_loads"] == "TinyAutoencoder"
