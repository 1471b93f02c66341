"""`kerazoo tune` killed by SIGKILL in the middle of a trial, then the same command again."""

import json
import signal
import time

import keras

from kerazoo.tuning import prepare_job, project_name, run_search
from tuning_helpers import popen, tiny_tune_toml


class CountTrainings(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.count = 0

    def on_train_begin(self, logs=None):
        self.count += 1


def _status(path):
    try:
        return json.loads(path.read_text())["status"]
    except (OSError, ValueError, KeyError):
        return None


def test_sigkill_mid_trial_then_the_same_command_resumes(tmp_path):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    # About a second per trial (1,000 images, 10 epochs), so the kill lands mid-trial.
    job.write_text(tiny_tune_toml(max_trials=3, epochs=10, subset=1000))
    runs = tmp_path / "runs"
    project = runs / project_name(prepare_job(job), "random")
    argv = ["tune", job, "--directory", runs]

    proc = popen(argv, tmp_path / "first.log")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if (_status(project / "trial_0" / "trial.json") == "COMPLETED"
                and _status(project / "trial_1" / "trial.json") == "RUNNING"):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    log = (tmp_path / "first.log").read_text()
    assert proc.returncode == -signal.SIGKILL, log
    # Killed in the middle of trial 1: trial 0 finished, trial 1 never ended, no trial 2.
    assert _status(project / "trial_0" / "trial.json") == "COMPLETED", log
    assert _status(project / "trial_1" / "trial.json") == "RUNNING", log
    assert not (project / "trial_1" / "model.keras").exists()
    assert not (project / "trial_2").exists()
    trial_0 = (project / "trial_0" / "trial.json").read_text()
    model_0 = (project / "trial_0" / "model.keras").stat().st_mtime_ns

    counter = CountTrainings()
    result = run_search(job, directory=runs, verbose=0, callbacks=[counter], out=lambda *a: None)
    assert counter.count == 2  # trial 1 again, then trial 2; trial 0 is not re-run
    trials = result.tuner.oracle.trials
    assert sorted(trials) == ["0", "1", "2"]
    assert all(t.status == "COMPLETED" for t in trials.values())
    assert (project / "trial_0" / "trial.json").read_text() == trial_0
    assert (project / "trial_0" / "model.keras").stat().st_mtime_ns == model_0
    assert result.project_dir == project

    # The search is complete: the same command returns at once with its leaderboard.
    counter.count = 0
    lines = []
    start = time.monotonic()
    again = run_search(job, directory=runs, verbose=1, callbacks=[counter], out=lines.append)
    assert time.monotonic() - start < 5 and counter.count == 0
    assert again.leaderboard == result.leaderboard and again.leaderboard in lines
    assert "3 trials (3 completed)" in "\n".join(lines)
