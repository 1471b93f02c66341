import json
import os

import keras_tuner
import numpy as np
import pytest

from kerazoo.tuning import atomic_save_json, run_search
from tiny_family import TinyAutoencoder
from tuning_helpers import tiny_tune_toml


def _quiet(*args):
    pass


def test_search_completes_its_trials_and_the_best_model_is_the_scored_one(tmp_path):
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=3, epochs=2))
    result = run_search(job, directory=tmp_path / "runs", verbose=0, out=_quiet)
    oracle = result.tuner.oracle
    assert len(oracle.trials) == 3
    assert [t.status for t in oracle.trials.values()] == ["COMPLETED"] * 3
    scores = [t.score for t in oracle.trials.values()]
    assert all(np.isfinite(scores)) and len(set(scores)) == 3  # three different settings
    assert result.best["score"] == min(scores) and result.trials[0] == result.best
    for line in result.leaderboard.splitlines()[2:]:
        assert "COMPLETED" in line

    best_model = result.tuner.get_best_models(1)[0]
    assert isinstance(best_model, TinyAutoencoder)
    # Retraining the best values from the same seed reproduces the score and the weights.
    hp = result.tuner.get_best_hyperparameters(1)[0]
    hypermodel = result.tuner.hypermodel
    model = hypermodel.build(hp)
    metrics = hypermodel.fit(hp, model, verbose=0)
    np.testing.assert_allclose(metrics["loss"], result.best["score"], rtol=1e-5)
    for a, b in zip(model.get_weights(), best_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_an_objective_the_family_does_not_log_fails_the_trial_clearly(tmp_path):
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=1, epochs=1, objective="val_loss"))
    result = run_search(job, directory=tmp_path / "runs", verbose=0, out=_quiet)
    (trial,) = result.tuner.oracle.trials.values()
    assert trial.status == "FAILED" and result.best is None
    assert "the search objective `val_loss` is not among the metrics" in trial.message
    assert "['loss']" in trial.message and "tiny.toml" in trial.message


def test_atomic_save_json_keeps_the_old_file_when_the_write_is_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "oracle.json"
    atomic_save_json(path, {"version": 1})

    def crash(*args):
        raise KeyboardInterrupt("killed between write and rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_save_json(path, {"version": 2, "big": list(range(10000))})
    assert json.loads(path.read_text()) == {"version": 1}


def test_a_trial_written_but_not_yet_recorded_by_the_oracle_runs_again(tmp_path):
    """A kill between `trial.json` and `oracle.json` (keras-tuner writes them in turn)."""
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=2, epochs=1))
    first = run_search(job, max_trials=1, directory=tmp_path / "runs", verbose=0, out=_quiet)
    project = first.project_dir
    oracle_state = (project / "oracle.json").read_text()
    # Trial 1 as create_trial writes it, then the kill: oracle.json never learns of it.
    state = json.loads((project / "trial_0" / "trial.json").read_text())
    state.update(trial_id="1", status="RUNNING", score=None, best_step=0)
    state["metrics"] = {"metrics": {}}
    (project / "trial_1").mkdir()
    (project / "trial_1" / "trial.json").write_text(json.dumps(state))
    assert (project / "oracle.json").read_text() == oracle_state

    second = run_search(job, max_trials=2, directory=tmp_path / "runs", verbose=0, out=_quiet)
    trials = second.tuner.oracle.trials
    assert sorted(trials) == ["0", "1"]
    assert [trials[i].status for i in ("0", "1")] == ["COMPLETED", "COMPLETED"]
    assert (project / "trial_1" / "model.keras").is_file()


def test_an_objective_measured_after_training_comes_from_search_metrics(tmp_path, monkeypatch):
    from kerazoo.recipes import get_family

    family = get_family("tiny_ae")
    seen = []

    def search_metrics(run):  # e.g. a Frechet distance of validation samples
        assert run.history is not None and set(run.data) == {"train", "test"}
        seen.append(run.job.train["learning_rate"])
        return {"val_score": 2.0 * run.job.train["learning_rate"]}

    monkeypatch.setattr(family, "search_metrics", search_metrics, raising=False)
    job = tmp_path / "tiny.toml"
    job.write_text(tiny_tune_toml(max_trials=2, epochs=1, objective="val_score"))
    result = run_search(job, directory=tmp_path / "runs", verbose=0, out=_quiet)
    trials = list(result.tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["COMPLETED", "COMPLETED"]
    for trial in trials:
        assert trial.score == pytest.approx(2.0 * trial.hyperparameters.values["learning_rate"])
    assert len(seen) == 2 and result.best["score"] == min(t.score for t in trials)
