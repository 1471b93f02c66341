"""The `rbm` and `grbm` families, called directly: build, fit, evaluate, card, artifacts."""

from pathlib import Path

import keras
import numpy as np
import pytest

from kerazoo.models import BernoulliRBM, GaussianBernoulliRBM
from kerazoo.recipes import Run, get_family, load_job

TUNING = Path(__file__).resolve().parents[2] / "tuning"
CARD_KEYS = {"summary", "model_details", "intended_use", "training", "evaluation", "anchors",
             "limitations", "tags", "datasets", "license", "pictures"}


class _Record(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)


def _small(job, **train):
    job = job.with_overrides({"n_hidden": 30, "epochs": 1, **train})
    return job.replace(data={**job.data, "subset": 600})


def test_job_files_parse_and_name_the_families():
    rbm = load_job(TUNING / "rbm.fashion_mnist.toml")
    grbm = load_job(TUNING / "grbm.fashion_mnist.toml")
    assert (rbm.family, rbm.model["n_hidden"], rbm.model["binarize"]) == ("rbm", 500, 0.5)
    assert (grbm.family, grbm.model["n_hidden"]) == ("grbm", 500)
    assert set(rbm.train) == set(get_family("rbm").train_defaults)
    assert set(grbm.train) == set(get_family("grbm").train_defaults)
    assert get_family("rbm").objective == ("val_pseudo_log_likelihood", "max")
    for job in (rbm, grbm):
        assert job.search["space"], job.name


def test_rbm_family_end_to_end(tmp_path):
    pytest.importorskip("kerazoo.datasets")
    pytest.importorskip("kerazoo.metrics")
    family = get_family("rbm")
    job = _small(load_job(TUNING / "rbm.fashion_mnist.toml"), ais_betas=300, ais_chains=10,
                 sample_gibbs_steps=20)
    data = family.load_data(job)
    assert data["x_train"].shape == (600, 28, 28, 1) and len(data["x_val"]) == 100
    assert data["x_test"].shape == (10000, 28, 28, 1)
    model = family.build(job)
    assert isinstance(model, BernoulliRBM) and model.seed == job.seed and model.n_hidden == 30
    run = Run(job=job, model=model, data=data)
    record = _Record()
    history = run.history = family.fit(run, callbacks=[record], verbose=0)
    assert record.epochs == [0] and "val_pseudo_log_likelihood" in history.history
    assert model.optimizer.get_config()["momentum"] == job.train["momentum"]
    assert run.notes["train_seconds"] > 0

    metrics = run.metrics = family.evaluate(run)
    for key in ("test_log_likelihood", "test_log_likelihood_std", "train_log_likelihood",
                "test_reconstruction_error", "test_pseudo_log_likelihood", "test_free_energy_gap"):
        assert np.isfinite(metrics[key]), key
    assert -543.5 < metrics["test_log_likelihood"] < -100  # above the uniform model's 784 log 2
    assert all(isinstance(v, float) for v in metrics.values())

    card = family.card(run)
    assert set(card) <= CARD_KEYS and {"summary", "evaluation", "anchors", "pictures"} <= set(card)
    sk = card["anchors"]["scikit-learn BernoulliRBM"]
    assert np.isfinite(sk["test_log_likelihood"]) and "binarized at 0.5" in card["summary"]

    paths = family.artifacts(run, tmp_path)
    assert sorted(Path(p).name for p in paths) == sorted(card["pictures"])
    for path in paths:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grbm_family_end_to_end(tmp_path):
    pytest.importorskip("kerazoo.datasets")
    family = get_family("grbm")
    job = _small(load_job(TUNING / "grbm.fashion_mnist.toml"), sample_gibbs_steps=20,
                 learning_rate_final_fraction=0.0, ais_betas=500, ais_chains=20)
    data = family.load_data(job)
    model = family.build(job)
    assert isinstance(model, GaussianBernoulliRBM)
    run = Run(job=job, model=model, data=data)
    history = family.fit(run, verbose=0)
    assert "val_reconstruction_error" in history.history
    # the linear decay reaches 0 at the last step
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.0, abs=1e-9)
    metrics = run.metrics = family.evaluate(run)
    anchors = family.card(run)["anchors"]
    anchor = anchors["mean training image (no model)"]
    assert metrics["test_reconstruction_mse"] < anchor["test_reconstruction_mse"]
    # hidden units model pixel correlations: a higher density than independent pixels
    independent = anchors["independent Gaussian pixels (same standardization)"]
    assert metrics["test_log_density"] > independent["test_log_density"]
    assert 0.0 < metrics["test_log_density_std"] < 5.0
    assert len(family.artifacts(run, tmp_path)) == 3
