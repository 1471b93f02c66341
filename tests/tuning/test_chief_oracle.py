"""The chief's oracle with silent workers, on a fake clock (no processes, no training)."""

import keras_tuner
import pytest

from kerazoo.tuning import make_oracle
from kerazoo.tuning import tuners


@pytest.fixture
def chief_oracle(tmp_path, monkeypatch):
    for key, value in {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "1",
                       "KERASTUNER_TUNER_ID": "chief"}.items():
        monkeypatch.setenv(key, value)
    clock = [1000.0]
    monkeypatch.setattr(tuners.time, "monotonic", lambda: clock[0])
    oracle = make_oracle("random", keras_tuner.Objective("loss", "min"), max_trials=3, seed=1,
                         trial_timeout=10)
    oracle._set_project_dir(str(tmp_path), "project")
    oracle.hyperparameters.Float("x", 0.0, 1.0)
    oracle.verbose = 0
    return oracle, clock


def _finish(oracle, trial, loss):
    oracle.update_trial(trial.trial_id, {"loss": loss})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def test_silent_workers_trials_are_requeued_then_failed_and_late_ends_ignored(chief_oracle):
    oracle, clock = chief_oracle
    a = oracle.create_trial("w1")
    b = oracle.create_trial("w2")
    clock[0] += 6
    oracle.get_trial(b.trial_id)  # w2's heartbeat; w1 stays silent
    clock[0] += 6
    # w3 asks for work: w1's trial (12 s without heartbeat) is requeued and given to w3.
    again = oracle.create_trial("w3")
    assert again.trial_id == a.trial_id and again.status == "RUNNING"
    assert "w1" not in oracle.tuner_ids and oracle.ongoing_trials["w2"].trial_id == b.trial_id
    _finish(oracle, b, 0.5)
    c = oracle.create_trial("w2")
    assert c.status == "RUNNING" and len(oracle.trials) == 3
    _finish(oracle, c, 0.4)
    # All 3 trials exist but w3's may come back: w2 is told to wait, not to stop.
    assert oracle.create_trial("w2").status == "IDLE"
    clock[0] += 11  # w3 falls silent: requeued a second time, w2 takes it
    assert oracle.create_trial("w2").trial_id == a.trial_id
    clock[0] += 11  # and w2 too: a third time is too many, the trial fails
    assert oracle.create_trial("w4").status == "STOPPED"
    assert oracle.trials[a.trial_id].status == "FAILED"
    assert "3 times: given up" in oracle.trials[a.trial_id].message
    # w3 was alive after all: its late end does not overwrite the record.
    late = oracle.trials[a.trial_id].__class__(oracle.get_space(), a.trial_id, "COMPLETED")
    oracle.end_trial(late)
    assert oracle.trials[a.trial_id].status == "FAILED"
    assert [t.status for t in oracle.get_best_trials(3)] == ["COMPLETED", "COMPLETED", "FAILED"]


def test_a_late_completed_result_counts_when_nobody_took_the_trial_yet(chief_oracle):
    oracle, clock = chief_oracle
    a = oracle.create_trial("w1")
    clock[0] += 11
    oracle._reap()  # what the chief's server loop does between requests
    assert oracle._retry_queue == [a.trial_id] and not oracle.ongoing_trials
    _finish(oracle, a, 0.3)  # w1 was slow, not dead
    assert oracle.trials[a.trial_id].status == "COMPLETED" and oracle._retry_queue == []
    assert oracle.trials[a.trial_id].score == 0.3
