"""The rbm_cf and autorec families: job files, example data for the zoo sweep, a shrunk
recipe run end to end (fit, five-fold-style evaluate, card, picture)."""

from pathlib import Path

import numpy as np
import pytest

from kerazoo.recipes import Run, get_family, load_job

ROOT = Path(__file__).resolve().parents[2]
JOBS = {
    "rbm_cf": ROOT / "tuning" / "rbm_cf.movielens_100k.toml",
    "autorec": ROOT / "tuning" / "autorec.movielens_100k.toml",
}
TINY = {"rbm_cf": {"n_hidden": 4, "cd_k": 1}, "autorec": {"n_hidden": 8}}
TINY_TRAIN = {"rbm_cf": {"epochs": 1, "batch_size": 100},
              "autorec": {"epochs": 10, "batch_size": 100, "learning_rate": 0.03}}


@pytest.mark.parametrize("family", list(JOBS))
def test_job_files_parse_and_train_on_fold_1(family):
    job = load_job(JOBS[family])
    assert job.family == family and job.name == f"{family}.movielens_100k"
    assert job.data == {"dataset": "movielens_100k", "fold": 1}
    assert job.train["evaluate_folds"] == [1, 2, 3, 4, 5]
    model = get_family(family).build(job)
    assert model.history_fold == 1 and model.seed == job.seed


@pytest.mark.parametrize("family", list(JOBS))
def test_example_data_fine_tunes_a_model_with_keras_fit(family, fold1):
    job = load_job(JOBS[family])
    job = job.replace(model={**job.model, **TINY[family]})
    fam = get_family(family)
    x, y = fam.example_data(job, n=32)
    train, _ = fold1
    if family == "rbm_cf":
        assert y is None and set(x) == {"ratings", "rated"}
        assert x["ratings"].shape == (32, 1682) and x["ratings"].dtype == np.int32
        assert np.count_nonzero(x["ratings"]) == np.sum(train[:, 0] <= 32)
    else:
        assert x.shape == (32, 943) and np.array_equal(x, y)
        assert np.count_nonzero(x) == np.sum(train[:, 1] <= 32)
    model = fam.build(job)
    model.compile()
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.parametrize("family", list(JOBS))
def test_a_shrunk_recipe_trains_evaluates_and_describes_itself(family, tmp_path):
    job = load_job(JOBS[family])
    job = job.replace(model={**job.model, **TINY[family]},
                      train={**job.train, **TINY_TRAIN[family], "evaluate_folds": [1, 3]},
                      data={**job.data, "subset": 20000})
    fam = get_family(family)
    data = fam.load_data(job)
    assert len(data["train"]) == 20000 and len(data["test"]) == 20000
    run = Run(job=job, model=fam.build(job), data=data)
    history = run.history = fam.fit(run, verbose=0)
    assert "val_rmse" in history.history
    metrics = run.metrics = fam.evaluate(run)
    assert {"rmse", "mae", "precision@10", "recall@10", "ndcg@10", "rmse_u1", "rmse_u3",
            "mae_u1", "mae_u3", "folds"} <= set(metrics)
    assert metrics["rmse"] == pytest.approx((metrics["rmse_u1"] + metrics["rmse_u3"]) / 2)
    assert 0.8 < metrics["rmse"] < 1.4
    card = fam.card(run)
    assert {"SVD (Surprise)", "SVD++ (Surprise)", "user+item biases (this harness)",
            "global mean (this harness)"} <= set(card["anchors"])
    assert "| u3 |" in card["evaluation"] and "| mean |" in card["evaluation"]
    paths = fam.artifacts(run, tmp_path)
    assert [Path(p).name for p in paths] == ["fold_rmse.png"]
    assert Path(paths[0]).stat().st_size > 5000


def test_validation_fraction_holds_out_training_ratings(fold1):
    job = load_job(JOBS["autorec"])
    job = job.replace(train={**job.train, "validation_fraction": 0.1})
    fam = get_family("autorec")
    train, held_out = fam._validation({"train": fold1[0], "test": fold1[1]}, job)
    assert len(train) == 72000 and len(held_out) == 8000
    keys = lambda a: set(map(tuple, a[:, :2].tolist()))  # noqa: E731
    assert not keys(train) & keys(held_out)
    assert keys(train) | keys(held_out) == keys(fold1[0])


def test_bad_evaluate_folds_are_rejected():
    job = load_job(JOBS["autorec"])
    job = job.replace(train={**job.train, "evaluate_folds": [0, 6]})
    with pytest.raises(ValueError, match="evaluate_folds"):
        get_family("autorec").evaluate(Run(job=job, model=None, data={"fold": 1}))
