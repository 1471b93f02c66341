"""50 consecutive small trials in one process: memory does not grow without bound."""

import keras
import numpy as np

from kerazoo.tuning import run_search
from tuning_helpers import tiny_tune_toml

#: Bound on the resident memory gained over the last 25 trials (the first 25 warm up
#: TensorFlow's caches). Measured: +1.5 MB. Before `JobTuner` released the
#: `tf.custom_gradient` registrations of each trial's traced train step, the same 25
#: trials gained 101 MB (about 4 MB a trial, for ever) despite `clear_session()`.
LAST_25_GROWTH_MB = 10.0


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


class RecordRSS(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rss = []

    def on_train_end(self, logs=None):
        self.rss.append(_rss_mb())


def test_fifty_trials_do_not_grow_memory(tmp_path):
    job = tmp_path / "tiny.toml"
    space = ('[search.space.learning_rate]\ntype = "float"\nmin = 0.0001\nmax = 0.1\n'
             'sampling = "log"\n')
    job.write_text(tiny_tune_toml(max_trials=50, epochs=1, subset=64, space=space))
    recorder = RecordRSS()
    result = run_search(job, directory=tmp_path / "runs", verbose=0, callbacks=[recorder],
                        out=lambda *a: None)
    statuses = [t.status for t in result.tuner.oracle.trials.values()]
    assert statuses == ["COMPLETED"] * 50
    rss = np.array(recorder.rss)
    assert len(rss) == 50
    first, last = rss[:25], rss[25:]
    growth_last = float(last.max() - rss[24])
    print(f"RSS MB: trial 1 {rss[0]:.1f}, trial 25 {rss[24]:.1f}, trial 50 {rss[49]:.1f}; "
          f"first 25 gained {first.max() - first[0]:.1f}, last 25 gained {growth_last:.1f}")
    assert growth_last < LAST_25_GROWTH_MB
