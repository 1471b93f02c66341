import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerazoo
from kerazoo import cli
from kerazoo.hub import IntegrityError, ModelCard, UnknownModelError
from tiny_family import TinyAutoencoder, bernoulli_images

NAME = "tiny_ae.fashion_mnist"


def trained_tiny(seed=0, epochs=1):
    keras.utils.set_random_seed(seed)
    model = TinyAutoencoder(code_size=4, seed=seed)
    x = bernoulli_images(128, seed=seed)
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    model.fit(x, x, epochs=epochs, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def model():
    return trained_tiny()


@pytest.fixture
def entry(tmp_zoo, model):
    card = ModelCard(summary="A tiny autoencoder.", anchors={"PCA-4": {"test_bce": 0.5}})
    return kerazoo.publish(model, NAME, card=card, metrics={"test_bce": 0.42},
                           recipe={"job": {"name": NAME, "family": "tiny_ae", "seed": 0}})


def test_publish_writes_the_entry_format(entry, tmp_zoo, model):
    assert sorted(p.name for p in entry.iterdir()) == [
        "README.md", "metadata.json", "model.keras", "saved_model"]
    metadata = json.loads((entry / "metadata.json").read_text())
    assert metadata["parameters"] == model.count_params() == 784 * 4 + 4 + 4 * 784 + 784
    assert metadata["keras"] == keras.__version__ and metadata["tensorflow"] == tf.__version__
    assert metadata["metrics"] == {"test_bce": 0.42}
    files = {p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file()}
    assert set(metadata["files"]) == files - {"metadata.json"}
    index = json.loads((tmp_zoo / "index.json").read_text())
    assert list(index["entries"]) == [NAME]
    assert kerazoo.list_models() == [NAME]
    assert {"encode", "reconstruct", "serving_default"} <= set(metadata["signatures"])


def test_loaded_model_gives_identical_outputs(entry, model):
    x = bernoulli_images(16, seed=5)
    loaded = kerazoo.load(NAME)
    assert type(loaded) is TinyAutoencoder
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # the same entry loads by path, too
    np.testing.assert_array_equal(kerazoo.load(entry).predict(x, verbose=0), model.predict(x, verbose=0))


def test_saved_model_runs_with_tensorflow_alone(entry, model):
    x = bernoulli_images(16, seed=6)
    served = tf.saved_model.load(str(entry / "saved_model"))
    codes = served.signatures["encode"](images=tf.constant(x))
    np.testing.assert_allclose(next(iter(codes.values())).numpy(), model.encode(x).numpy(), atol=1e-6)
    recon = served.reconstruct(tf.constant(x)).numpy()
    np.testing.assert_allclose(recon, model.predict(x, verbose=0), atol=1e-6)


def test_saved_model_stores_each_weight_once(entry):
    weights = sum(p.stat().st_size for p in (entry / "saved_model" / "variables").iterdir())
    assert weights < 1.3 * (2 * 784 * 4 + 4 + 784) * 4


def test_entry_carries_no_optimizer_state(entry, model, tmp_path):
    with_optimizer = tmp_path / "full.keras"
    model.save(with_optimizer)  # Adam's two slots per weight: about 3x the weights
    assert (entry / "model.keras").stat().st_size < 0.5 * with_optimizer.stat().st_size
    assert model.optimizer is not None  # publish gave the optimizer back


def test_loaded_entry_is_compiled_and_fine_tunes(entry):
    loaded = kerazoo.load(NAME)
    x = bernoulli_images(64, seed=7)
    before = loaded.evaluate(x, x, verbose=0)
    history = loaded.fit(x, x, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < before


def entry_files(entry):
    return sorted(p for p in entry.rglob("*") if p.is_file())


@pytest.mark.parametrize("which", ["model.keras", "README.md", "metadata.json",
                                   "saved_model/saved_model.pb", "saved_model/variables"])
def test_flipped_byte_fails_load_and_verify_naming_the_file(entry, which, capsys):
    path = next(p for p in entry_files(entry) if p.relative_to(entry).as_posix().startswith(which))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=str(path.name)):
        kerazoo.load(NAME)
    assert cli.main(["verify", NAME]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and path.name in out


def test_added_file_fails_load(entry):
    (entry / "saved_model" / "extra.pb").write_bytes(b"\0")
    with pytest.raises(IntegrityError, match="extra.pb"):
        kerazoo.load(NAME)


def test_missing_file_fails_load(entry):
    (entry / "model.keras").unlink()
    with pytest.raises(IntegrityError, match="model.keras"):
        kerazoo.load(NAME)


def test_unknown_name_lists_close_matches(entry):
    with pytest.raises(UnknownModelError, match="tiny_ae.fashion_mnist"):
        kerazoo.load("tiny_ae.fashion_mnst")
    with pytest.raises(UnknownModelError, match="Available"):
        kerazoo.load("nothing_like_it.at_all")


def test_verify_runs_every_signature(entry, capsys):
    # The entry is the user's own, not pinned by the package's registry: its signatures run
    # on request only (issue 31, F6).
    assert kerazoo.verify(NAME)[NAME] == {}
    report = kerazoo.verify(NAME, run_untrusted_signatures=True)
    assert report[NAME]["encode"] == {"output_0": (2, 4)}
    assert cli.main(["verify", "--run-untrusted-signatures"]) == 0
    assert "1 ok, 0 failed" in capsys.readouterr().out


def test_card_has_front_matter_and_sections(entry):
    card = kerazoo.model_card(NAME)
    assert card.startswith("---\nlibrary_name: keras\nlicense: apache-2.0\n")
    for heading in ("## Model details", "## Training data and recipe", "## Evaluation",
                    "## How to load"):
        assert heading in card
    assert "| `test_bce` | 0.42 | 0.5 |" in card


def test_update_card_adds_a_comparison_without_retraining(entry, model):
    weights_before = (entry / "model.keras").read_bytes()
    kerazoo.update_card(NAME, metrics={"fid": 12.5}, anchors={"GAN": {"fid": 10.0}})
    card = kerazoo.model_card(NAME)
    assert "| metric | this model | PCA-4 | GAN |" in card
    assert "| `fid` | 12.5 | — | 10 |" in card
    assert (entry / "model.keras").read_bytes() == weights_before
    x = bernoulli_images(4, seed=8)
    np.testing.assert_array_equal(kerazoo.load(NAME).predict(x, verbose=0), model.predict(x, verbose=0))


def test_update_card_refuses_a_tampered_entry(entry):
    (entry / "README.md").write_text("tampered")
    with pytest.raises(IntegrityError, match="README.md"):
        kerazoo.update_card(NAME, metrics={"x": 1.0})


def test_publish_rejects_bad_names_and_unbuilt_models(tmp_zoo, model):
    with pytest.raises(ValueError, match="<architecture>.<dataset>"):
        kerazoo.publish(model, "NoDot")
    with pytest.raises(ValueError, match="Build"):
        kerazoo.publish(TinyAutoencoder(), "tiny.unbuilt")
    with pytest.raises(TypeError, match="metrics must be numbers"):
        kerazoo.publish(model, "tiny.bad_metric", metrics={"acc": "high"})
    assert kerazoo.list_models() == [] and os.listdir(tmp_zoo) in ([".lock"], [".lock", "index.json"])


def test_oversized_entry_is_refused_and_leaves_nothing(tmp_zoo, model):
    with pytest.raises(ValueError, match="under 0.01 MB"):
        kerazoo.publish(model, NAME, max_size_mb=0.01)
    assert kerazoo.list_models() == []
    assert not [p for p in tmp_zoo.iterdir() if p.name not in (".lock", "index.json")]


def test_unpublish_removes_the_entry_and_its_index_record(entry, tmp_zoo):
    kerazoo.hub.unpublish(NAME)
    assert kerazoo.list_models() == [] and not entry.exists()
    with pytest.raises(UnknownModelError, match="No zoo entry named"):
        kerazoo.hub.unpublish(NAME)
