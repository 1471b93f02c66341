"""One `Run` carries a recipe run's state: two runs of one family in one process never see
each other's facts, and a registered family keeps no state of its own."""

from pathlib import Path

import numpy as np

from kerazoo.recipes import Run, TrainResult, get_family, list_families, load_job

TUNING = Path(__file__).resolve().parents[2] / "tuning"


def _small(epochs):
    """dbn_classifier's recipe shrunk: a 784-16-12 DBN pretrained `epochs` epochs per RBM."""
    job = load_job(TUNING / "dbn_classifier.fashion_mnist.toml").with_overrides(
        {"layer_sizes": [784, 16, 12], "epochs": epochs, "finetune_epochs": 1})
    return job.replace(data={**job.data, "subset": 200})


def test_interleaved_runs_of_one_family_keep_their_own_facts(tmp_path):
    family = get_family("dbn_classifier")
    data = family.load_data(_small(1))  # the same images for both runs
    a, b = (Run(job=job, model=family.build(job), data=data) for job in (_small(1), _small(2)))
    a.history = family.fit(a, verbose=0)
    b.history = family.fit(b, verbose=0)

    # A's card, written after B trained, tells A's pretraining (the facts `fit` noted).
    card = family.card(a)
    assert "1 epochs per RBM" in card["training"] and "2 epochs per RBM" not in card["training"]
    assert a.notes["pretrain_text"] in card["training"]
    assert "2 epochs per RBM" in family.card(b)["training"]

    a.metrics = family.evaluate(a)
    for key in ("pretrain_seconds", "finetune_seconds"):
        assert a.metrics[key] == a.notes[key] != b.notes[key]
    assert not np.array_equal(a.notes["dbn_samples"], b.notes["dbn_samples"])
    assert [Path(p).name for p in family.artifacts(a, tmp_path)] == ["samples.png", "confusion.png"]

    # Nothing of either run is kept on the family or on the models.
    assert vars(family) == {}
    for run in (a, b):
        assert not any(name.startswith("_kerazoo") for name in vars(run.model))


def test_registered_families_hold_no_state():
    for name in list_families():
        assert vars(get_family(name)) == {}, name


def test_train_result_is_the_run():
    assert TrainResult is Run
    run = Run(job=_small(1), model=None, data=None)
    assert (run.history, run.metrics, run.notes, run.entry) == (None, {}, {}, None)
    assert Run(job=run.job, model=None, data=None).notes is not run.notes
