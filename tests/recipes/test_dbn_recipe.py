"""The `dbn` and `dbn_classifier` families end to end on a subset: job file, train, publish,
load, fine-tune with `fit`."""

from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo.models import DBN, DBNClassifier
from kerazoo.recipes import Run, get_family, load_job
from kerazoo.recipes.runner import train_job

TUNING = Path(__file__).resolve().parents[2] / "tuning"
SMALL = {"layer_sizes": [784, 32, 24], "epochs": 1}


def _small(job, **train):
    job = job.with_overrides({**SMALL, **train})
    return job.replace(data={**job.data, "subset": 300})


class _Record(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.models = []

    def on_train_begin(self, logs=None):
        self.models.append(self.model.name)


def test_job_files_parse_and_name_the_families():
    dbn = load_job(TUNING / "dbn.fashion_mnist.toml")
    clf = load_job(TUNING / "dbn_classifier.fashion_mnist.toml")
    assert (dbn.family, dbn.model["layer_sizes"]) == ("dbn", [784, 500, 500, 2000])
    assert (clf.family, clf.model["layer_sizes"]) == ("dbn_classifier", [784, 500, 500, 2000])
    assert set(dbn.train) == set(get_family("dbn").train_defaults)
    assert set(clf.train) == set(get_family("dbn_classifier").train_defaults)
    # The classifier is pretrained with the generative entry's recipe.
    for key in ("layer_sizes", "visible", "cd_k", "persistent", "weight_decay"):
        assert clf.model[key] == dbn.model[key], key
    for key in ("epochs", "batch_size", "learning_rate", "momentum"):
        assert clf.train[key] == dbn.train[key], key
    assert dbn.search["space"] and clf.search["space"]


def test_dbn_family_builds_fits_evaluates_and_describes(tmp_path):
    job = _small(load_job(TUNING / "dbn.fashion_mnist.toml"), sample_gibbs_steps=20)
    family = get_family("dbn")
    model = family.build(job)
    assert isinstance(model, DBN) and model.seed == job.seed
    data = family.load_data(job)
    assert data["x_train"].shape == (300, 28, 28, 1) and len(data["x_val"]) == 100
    run = Run(job=job, model=model, data=data)
    record = _Record()
    logs = run.history = family.fit(run, callbacks=[record], verbose=0)
    assert record.models == ["rbm_1", "rbm_2"]  # the callbacks see every layer's fit
    assert "layer_2_val_reconstruction_error" in logs and "val_reconstruction_error" in logs
    assert model.is_pretrained and model.compiled
    assert run.notes["pretrain_seconds"] > 0
    metrics = run.metrics = family.evaluate(run)
    x_test = data["x_test"]
    assert metrics["test_reconstruction_mse"] == pytest.approx(
        float(np.mean((model.reconstruct(x_test) - x_test) ** 2)), rel=1e-5)
    assert metrics["test_rbm1_reconstruction_mse"] < metrics["test_reconstruction_mse"]
    assert metrics["pretrain_seconds"] == run.notes["pretrain_seconds"]
    card = family.card(run)
    assert "784-32-24" in card["summary"] and "mean training image (no model)" in card["anchors"]
    assert "benchmarks/" not in card["evaluation"]  # benchmark numbers come from the benchmark
    paths = family.artifacts(run, tmp_path)
    assert sorted(p.name for p in paths) == ["filters.png", "reconstructions.png", "samples.png"]


@pytest.mark.slow
def test_dbn_family_publishes_a_loadable_trainable_entry(tmp_path):
    job = _small(load_job(TUNING / "dbn.fashion_mnist.toml"), sample_gibbs_steps=20)
    family = get_family("dbn")
    result = train_job(job, publish="dbn.fashion_mnist", zoo_dir=tmp_path, verbose=0)
    for key in ("test_reconstruction_error_1", "test_reconstruction_error_2",
                "test_reconstruction_mse", "pretrain_seconds"):
        assert np.isfinite(result.metrics[key]), key
    assert sorted(p.name for p in result.entry.glob("*.png")) == [
        "filters.png", "reconstructions.png", "samples.png"]
    loaded = kerazoo.load(str(result.entry))
    x, y = family.example_data(job, n=32)
    assert y is None
    np.testing.assert_allclose(loaded.transform(x), result.model.transform(x), atol=1e-6)
    history = loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


@pytest.mark.slow
def test_dbn_classifier_family_publishes_a_classifier(tmp_path):
    job = _small(load_job(TUNING / "dbn_classifier.fashion_mnist.toml"), finetune_epochs=2)
    family = get_family("dbn_classifier")
    result = train_job(job, publish="dbn_classifier.fashion_mnist", zoo_dir=tmp_path, verbose=0)
    model = result.model
    assert isinstance(model, DBNClassifier) and model.hidden_units == [32, 24]
    assert len(result.history.history["val_accuracy"]) == 2
    data = family.load_data(job)
    predicted = np.argmax(model.predict(data["x_test"], verbose=0), axis=1)
    assert result.metrics["test_accuracy"] == pytest.approx(np.mean(predicted == data["y_test"]))
    assert result.metrics["test_error"] == pytest.approx(1 - result.metrics["test_accuracy"])
    card = (result.entry / "README.md").read_text()
    assert "1.25%" in card and "Hinton, Osindero & Teh (2006)" in card
    assert "Side by side" not in card  # benchmarks/dbn.py --update-card adds the benchmark
    loaded = kerazoo.load(str(result.entry))
    x, y = family.example_data(job, n=32)
    probs = loaded.predict(x, verbose=0)
    assert probs.shape == (32, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probs, model.predict(x, verbose=0), atol=1e-6)
    history = loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def test_the_classifier_file_holds_one_copy_of_its_weights(tmp_path):
    """Nothing the family keeps for the card (the pretrained DBN) is saved with the model."""
    job = _small(load_job(TUNING / "dbn_classifier.fashion_mnist.toml"), finetune_epochs=1)
    family = get_family("dbn_classifier")
    model = family.build(job)
    run = Run(job=job, model=model, data=family.load_data(job))
    family.fit(run, verbose=0)
    assert run.notes["dbn_samples"].shape == (64, 28, 28, 1)
    assert not hasattr(model, "_kerazoo_card_notes")
    from kerazoo.hub.export import save_keras

    save_keras(model, tmp_path / "clf.keras")
    loaded = keras.models.load_model(tmp_path / "clf.keras")
    assert len(loaded.weights) == len(model.weights)
    n_bytes = 4 * model.count_params()
    assert (tmp_path / "clf.keras").stat().st_size < 1.2 * n_bytes + 100_000


def test_the_classifier_job_sets_data_augmentation():
    """`random_flip` / `random_translation` in `[model]` go to the fine-tuned network."""
    job = load_job(TUNING / "dbn_classifier.fashion_mnist.toml")
    family = get_family("dbn_classifier")
    assert not family.build(job).augmentation
    job = job.replace(model={**job.model, "random_flip": True, "random_translation": 0.1})
    model = family.build(job)
    assert model.random_flip and model.random_translation == pytest.approx(0.1)
    assert [layer.name for layer in model.augmentation] == ["random_flip", "random_translation"]
    details = family.card(Run(job=job, model=model, data=None))["model_details"]
    assert ("data augmentation (random left-right flips and random shifts by up to 0.1 of the "
            "height and width) in training") in details


def _benchmark_script():
    """benchmarks/dbn.py as a module (the recipes never read the benchmark's results)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "dbn.py"
    spec = importlib.util.spec_from_file_location("benchmark_dbn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("entry, start", [
    ("dbn_classifier.fashion_mnist", "Side by side"),
    ("dbn.fashion_mnist", "The point of pretraining"),
])
def test_the_benchmark_script_writes_its_paragraph_into_the_cards(entry, start):
    """`benchmarks/dbn.py --update-card` gives the shipped cards their benchmark paragraph
    from benchmarks/results/dbn.json: it re-renders the shipped text, and puts the paragraph
    second in a freshly trained card, which has none."""
    import json

    from kerazoo.hub import entry_metadata

    bench = _benchmark_script()
    root = Path(__file__).resolve().parents[2]
    summary = json.loads((root / "benchmarks" / "results" / "dbn.json").read_text())
    paragraph = {"Side by side": bench.benchmark_paragraph,
                 "The point of pretraining": bench.classifier_paragraph}[start](summary)
    shipped = entry_metadata(entry)["card"]["evaluation"]
    assert bench.with_paragraph(shipped, paragraph, start) == shipped
    fresh = "\n\n".join(p for p in shipped.split("\n\n") if not p.startswith(start))
    assert start not in fresh
    assert bench.with_paragraph(fresh, paragraph, start) == shipped
