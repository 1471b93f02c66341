"""The imsat family: the job file builds the recipe's model; restarts keep the consensus partition."""

import pathlib

import keras
import numpy as np
import pytest

from kerazoo.models import IMSAT
from kerazoo.recipes import Run, get_family, load_job

JOB = pathlib.Path(__file__).resolve().parents[2] / "tuning" / "imsat.fashion_mnist.toml"


def test_job_builds_the_papers_network():
    job = load_job(JOB)
    model = get_family(job.family).build(job)
    assert isinstance(model, IMSAT)
    assert model.hidden_units == [1200, 1200] and model.n_clusters == 10 and model.seed == job.seed
    assert (model.information_weight, model.marginal_entropy_weight, model.eps_scale) == (0.1, 4.0, 0.25)


def test_restarts_keep_the_model_that_agrees_most_with_the_others_and_report_each():
    job = load_job(JOB).with_overrides({"epochs": 2, "restarts": 3})
    job = job.replace(data={**job.data, "subset": 300}, model={**job.model, "hidden_units": [64]})
    family = get_family(job.family)
    keras.utils.set_random_seed(job.seed)
    data = family.load_data(job)
    data["test"], data["y_test"] = data["test"][:500], data["y_test"][:500]
    model = family.build(job)
    run = Run(job=job, model=model, data=data)
    family.fit(run, verbose=0)
    notes = run.notes
    runs = notes["restarts"]
    assert [r["seed"] for r in runs] == [job.seed, job.seed + 1, job.seed + 2]
    objectives = [r["objective"] for r in runs]
    assert len(set(objectives)) == 3  # three different models
    agreements = [r["agreement"] for r in runs]
    assert all(0 < a <= 1 for a in agreements)
    assert notes["chosen"] == int(np.argmax(agreements))
    # The returned model is the chosen restart: same objective on the training images.
    x = data["train"]
    assert model.objective(x)["loss"] == pytest.approx(objectives[notes["chosen"]], rel=1e-5)
    metrics = run.metrics = family.evaluate(run)
    assert set(metrics) == {"accuracy", "nmi", "ari"}
    assert metrics["accuracy"] == pytest.approx(runs[notes["chosen"]]["test_accuracy"])
    card = family.card(run)
    assert sum(k.startswith("restart seed") for k in card["anchors"]) == 3
    assert "k-means on raw pixels" in card["anchors"] and "agrees most" in card["training"]


def test_bad_restarts_are_refused():
    job = load_job(JOB).with_overrides({"restarts": 0})
    family = get_family(job.family)
    data = {"train": np.zeros((20, 28, 28, 1), "float32")}
    with pytest.raises(ValueError, match=r"train.restarts must be a positive integer. Received: 0"):
        family.fit(Run(job=job, model=family.build(job), data=data))
