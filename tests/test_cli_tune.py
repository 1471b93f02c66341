import json

import pytest

import kerazoo
from kerazoo import cli
from kerazoo.tuning import prepare_job, project_name

from tuning.tuning_helpers import tiny_tune_toml


def test_tune_publishes_the_best_trial_with_the_search_in_its_card(tmp_path, tmp_zoo, capsys):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_tune_toml(max_trials=3, epochs=2))
    runs = tmp_path / "runs"
    code = cli.main(["tune", str(job), "--max-trials", "2", "--directory", str(runs),
                     "--publish", "tiny_ae.fashion_mnist"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "random search of 2 hyperparameters (learning_rate, batch_size)" in out
    assert "2 trials (2 completed)" in out and "rank  trial   status     loss" in out
    project = runs / project_name(prepare_job(job), "random")
    trials = {p.parent.name: json.loads(p.read_text()) for p in project.glob("trial_*/trial.json")}
    assert sorted(trials) == ["trial_0", "trial_1"]
    assert {t["status"] for t in trials.values()} == {"COMPLETED"}
    best = min(trials.values(), key=lambda t: t["score"])
    values = best["hyperparameters"]["values"]

    meta = kerazoo.hub.entry_metadata("tiny_ae.fashion_mnist")
    assert meta["recipe"]["train"]["learning_rate"] == values["learning_rate"]
    assert meta["recipe"]["train"]["batch_size"] == values["batch_size"]
    card = kerazoo.model_card("tiny_ae.fashion_mnist")
    assert "**Hyperparameter search.**" in card and "random search (`kerazoo tune`) of 2 trials" in card
    assert f"Best trial {best['trial_id']}: loss = {best['score']:.6g}" in card
    assert "`learning_rate` 0.01 ->" in card
    assert f"published as tiny_ae.fashion_mnist in {tmp_zoo / 'tiny_ae.fashion_mnist'}" in out
    assert kerazoo.load("tiny_ae.fashion_mnist").code_size == 4


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda t: t.replace('family = "tiny_ae"', 'family = "tiny_autoencoder"'), "unknown family 'tiny_autoencoder'"),
        (lambda t: t.replace("learning_rate = 0.01", "learning_rat = 0.01"), "train.learning_rat"),
        (lambda t: t.replace("min = 0.001\nmax = 0.1", "min = 0.1\nmax = 0.1"), "search.space.learning_rate is an empty range"),
        (lambda t: t.replace("[search.space.batch_size]", "[search.space.batch_sise]"), "search.space.batch_sise"),
    ],
    ids=["unknown-family", "misspelled-key", "empty-range", "misspelled-space-key"],
)
def test_tune_rejects_bad_job_files_before_any_training(tmp_path, capsys, edit, key):
    job = tmp_path / "bad.toml"
    job.write_text(edit(tiny_tune_toml()))
    runs = tmp_path / "runs"
    assert cli.main(["tune", str(job), "--directory", str(runs)]) == 1
    err = capsys.readouterr().err
    assert "kerazoo tune: JobError" in err and key in err and str(job) in err
    assert not runs.exists()  # nothing started


def test_tune_help_lists_its_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["tune", "--help"])
    out = capsys.readouterr().out
    for option in ("--max-trials", "--directory", "--epochs", "--subset", "--publish",
                   "--trial-timeout", "KERASTUNER_TUNER_ID"):
        assert option in out


@pytest.mark.parametrize("value", ["0", "-1"])
def test_tune_refuses_max_trials_below_one(tmp_path, capsys, value):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_tune_toml(max_trials=3, epochs=1))
    runs = tmp_path / "runs"
    assert cli.main(["tune", str(job), "--max-trials", value, "--directory", str(runs)]) == 1
    err = capsys.readouterr().err
    assert "kerazoo tune: JobError: --max-trials must be >= 1" in err and f"Received: {value}" in err
    assert len(err.strip().splitlines()) == 1
    assert not runs.exists()  # no trial ran
