"""The published dcgan.fashion_mnist: its numbers, its card and its SavedModel's `sample`."""

import numpy as np
import pytest

import kerazoo

NAME = "dcgan.fashion_mnist"


@pytest.fixture(scope="module")
def entry():
    zoo = kerazoo.hub.default_zoo_dir()
    if NAME not in kerazoo.list_models(zoo_dir=zoo):
        pytest.skip(f"{NAME} is not published")
    return zoo / NAME


def test_card_states_the_distance_coverage_and_anchors(entry):
    meta = kerazoo.hub.entry_metadata(NAME, zoo_dir=entry.parent)
    m = meta["metrics"]
    assert m["fd"] > 0 and 0 <= m["class_coverage_min"] <= 0.1 and m["train_seconds"] > 0
    assert sum(m[f"class_coverage_{c}"] for c in range(10)) == pytest.approx(1.0)
    card = (entry / "README.md").read_text()
    for text in ("real training images", "blurred training images", "classifier.fashion_mnist"):
        assert text in card


@pytest.mark.tensorflow_only
def test_saved_model_sample_matches_the_keras_model(entry):
    import tensorflow as tf

    model = kerazoo.load(NAME, zoo_dir=entry.parent)
    served = tf.saved_model.load(str(entry / "saved_model"))
    (out,) = served.signatures["sample"](count=tf.constant(5, tf.int32), seed=tf.constant(3, tf.int32)).values()
    np.testing.assert_allclose(out.numpy(), model.sample(5, seed=3), atol=1e-5)
    assert out.numpy().min() >= 0 and out.numpy().max() <= 1


def test_the_entry_loads_by_structure_with_distinct_ema_paths(entry):
    # The EMA copy's layers moved under the name scope `ema_generator` (issue 32). A .keras
    # file stores weights by structure, so the published entry loads unchanged: every
    # variable holds the array stored at its place in the file (and the samples match the
    # SavedModel exported before the change, test above).
    import zipfile

    import h5py

    model = kerazoo.load(NAME, zoo_dir=entry.parent)
    paths = [w.path for w in model.weights]
    assert len(paths) == len(set(paths)) and "ema_generator/project/kernel" in paths
    with zipfile.ZipFile(entry / "model.keras") as archive, archive.open("model.weights.h5") as raw:
        with h5py.File(raw, "r") as store:
            stored = store["ema_generator/layers/dense/vars"]
            np.testing.assert_array_equal(stored["0"][()], model.ema_generator.get_layer("project").kernel.numpy())
            stored = store["generator/layers/dense/vars"]
            np.testing.assert_array_equal(stored["0"][()], model.generator.get_layer("project").kernel.numpy())
    assert not np.array_equal(model.ema_generator.get_layer("project").kernel.numpy(),
                              model.generator.get_layer("project").kernel.numpy())
