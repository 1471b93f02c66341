"""`kerazoo tune` as keras-tuner chief + two workers on loopback, with workers killed."""

import json
import re
import signal
import socket
import time

from kerazoo.tuning import prepare_job, project_name
from tuning_helpers import popen, tiny_tune_toml

TIMEOUT = 15  # seconds without a heartbeat before the chief requeues a worker's trial


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read(path):
    return path.read_text() if path.exists() else ""


def _running(log):
    """The trial a worker's log says it is running (started, not ended), or None."""
    started = re.findall(r"\] running trial (\S+)", log)
    ended = set(re.findall(r"\] trial (\S+) (?:COMPLETED|FAILED|INVALID)", log))
    return started[-1] if started and started[-1] not in ended else None


def _wait_for_new_trial(log_path, procs):
    """Waits until the worker logs the start of a trial after this call, and returns its id.

    A trial caught just after it started is still running a moment later; one that was
    already running when the test looked may end before the kill (a race seen once)."""
    seen = len(re.findall(r"\] running trial ", _read(log_path)))
    return _wait(lambda: len(re.findall(r"\] running trial ", _read(log_path))) > seen
                 and _running(_read(log_path)), procs)


def _wait(condition, procs, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert all(p.poll() is None for p in procs), "a process ended early"
        time.sleep(0.05)
    raise AssertionError("timed out")


# Four TensorFlow processes and a 15 s heartbeat timeout: 37-41 s at load ~2.5 (127 s at
# load ~12); all the default tuning tests together take 71 s at load ~2.3. The chief's
# logic is also tested alone, on a fake clock, in test_chief_oracle.py.
def test_chief_and_two_workers_survive_a_killed_and_a_dead_worker(tmp_path):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_tune_toml(max_trials=6, epochs=8, subset=1000))
    runs = tmp_path / "runs"
    project = runs / project_name(prepare_job(job), "random")
    argv = ["tune", job, "--directory", runs, "--trial-timeout", TIMEOUT]
    env = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": _free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ("chief", "worker1", "worker2", "worker1b")}
    chief = popen(argv, logs["chief"], KERASTUNER_TUNER_ID="chief", **env)
    w1 = popen(argv, logs["worker1"], KERASTUNER_TUNER_ID="worker1", **env)
    w2 = popen(argv, logs["worker2"], KERASTUNER_TUNER_ID="worker2", **env)
    procs = [chief, w1, w2]
    try:
        # Both workers finish a trial: the trials are split between them.
        _wait(lambda: all("COMPLETED" in _read(logs[w]) for w in ("worker1", "worker2")), procs)
        # worker2 dies in the middle of a trial and stays dead.
        dead_trial = _wait_for_new_trial(logs["worker2"], procs)
        time.sleep(0.3)
        w2.send_signal(signal.SIGKILL)
        w2.wait()
        assert _running(_read(logs["worker2"])) == dead_trial
        # worker1 is killed in the middle of a trial and restarted with the same id.
        killed_trial = _wait_for_new_trial(logs["worker1"], procs[:2])
        time.sleep(0.3)
        w1.send_signal(signal.SIGKILL)
        w1.wait()
        assert _running(_read(logs["worker1"])) == killed_trial
        w1b = popen(argv, logs["worker1b"], KERASTUNER_TUNER_ID="worker1", **env)
        procs = [chief, w1b]
        assert chief.wait(timeout=300) == 0, _read(logs["chief"])
        assert w1b.wait(timeout=60) == 0, _read(logs["worker1b"])
    finally:
        for p in (chief, w1, w2, *procs):
            if p.poll() is None:
                p.kill()
                p.wait()

    statuses = {
        p.parent.name: json.loads(p.read_text())["status"] for p in project.glob("trial_*/trial.json")
    }
    assert len(statuses) == 6 and set(statuses.values()) == {"COMPLETED"}, statuses
    done = {w: set(re.findall(r"\] trial (\S+) COMPLETED", _read(logs[w]))) for w in logs if w != "chief"}
    assert done["worker1"] and done["worker2"]  # both workers completed trials
    # The restarted worker carried on: it ran both interrupted trials, and the rest.
    assert {killed_trial, dead_trial} <= done["worker1b"]
    assert set().union(*done.values()) == {s.split("_")[1] for s in statuses}
    chief_log = _read(logs["chief"])
    assert f"Trial {dead_trial}: no heartbeat from worker worker2" in chief_log
    assert "6 trials (6 completed)" in chief_log and "rank  trial" in chief_log
