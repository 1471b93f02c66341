"""A damaged tuning project is named, file and all (issue 31, F7: a truncated `oracle.json`
or `trial.json` raised a bare `JSONDecodeError` naming no file)."""

import pytest

from kerazoo import cli
from kerazoo.tuning import prepare_job, project_name, run_search
from tuning_helpers import tiny_tune_toml


@pytest.fixture
def project(tmp_path):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_tune_toml(max_trials=1, epochs=1, subset=64))
    runs = tmp_path / "runs"
    run_search(job, directory=runs, verbose=0, out=lambda *a: None)
    return job, runs, runs / project_name(prepare_job(job), "random")


@pytest.mark.parametrize("damaged", ["oracle.json", "trial_0/trial.json", "tuner0.json"])
def test_truncated_state_file_is_named(project, capsys, damaged):
    job, runs, folder = project
    path = folder / damaged
    assert path.exists(), sorted(p.name for p in folder.iterdir())
    path.write_text(path.read_text()[: len(path.read_text()) // 2])
    assert cli.main(["tune", str(job), "--directory", str(runs), "--max-trials", "2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kerazoo tune: TuningStateError: ") and str(path) in err
    assert "not valid JSON" in err and len(err.strip().splitlines()) == 1
