"""How `load`, `entry_metadata` and `model_card` find what they read (issue 31, F3 and F4).

A zoo name is looked up in the zoo index only (never in the working directory); a path is a
`pathlib.Path`, or a string with a separator or ending in `.keras`. An indexed entry that is
not a folder is an integrity error: nothing reaches Keras.
"""

import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.hub import IntegrityError
from kerazoo.utils.io import sha256_file
from tiny_family import TinyAutoencoder, bernoulli_images

NAME = "tiny_ae.fashion_mnist"


@pytest.fixture
def entry(tmp_zoo, model):
    return kerazoo.publish(model, NAME, metrics={"test_bce": 0.42})


@pytest.fixture
def no_keras_load(monkeypatch):
    """Fails the test if anything reaches Keras' deserialization."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"keras.saving.load_model reached with {args}")
    monkeypatch.setattr(keras.saving, "load_model", refuse)


def add_index_record(zoo, name, record):
    path = zoo / "index.json"
    index = json.loads(path.read_text()) if path.exists() else {"format": 1, "entries": {}}
    index["entries"][name] = record
    path.write_text(json.dumps(index))


# -- F3: an indexed entry that is not a folder ---------------------------------------------


def test_indexed_legacy_h5_file_is_an_integrity_error_not_a_load(tmp_zoo, model, no_keras_load):
    model.save_weights(tmp_zoo / "evil.weights.h5")
    (tmp_zoo / "evil.weights.h5").rename(tmp_zoo / "evil.h5")
    add_index_record(tmp_zoo, "evil.h5", {"metadata_sha256": "00" * 32})
    for call in (kerazoo.load, kerazoo.hub.entry_metadata, kerazoo.model_card):
        with pytest.raises(IntegrityError, match=r"evil\.h5 is a file, not an entry folder"):
            call("evil.h5")
    with pytest.raises(IntegrityError, match=r"evil\.h5"):
        kerazoo.verify("evil.h5", run_signatures=False)


def test_indexed_entry_without_its_folder_is_an_integrity_error(entry, tmp_zoo, no_keras_load):
    shutil.rmtree(entry)
    with pytest.raises(IntegrityError, match=rf"{NAME} is missing: the zoo index lists"):
        kerazoo.load(NAME)


def test_indexed_entry_that_is_a_symlink_to_a_folder_is_refused(entry, tmp_zoo, tmp_path, no_keras_load):
    elsewhere = tmp_path / "elsewhere"
    entry.rename(elsewhere)
    (tmp_zoo / NAME).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(IntegrityError, match="is a symbolic link"):
        kerazoo.load(NAME)


def test_cli_reports_a_non_folder_entry_in_one_line(tmp_zoo, capsys, no_keras_load):
    (tmp_zoo / "evil.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    add_index_record(tmp_zoo, "evil.h5", {"metadata_sha256": "00" * 32})
    assert cli.main(["info", "evil.h5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kerazoo info: IntegrityError:") and "evil.h5" in err
    assert len(err.strip().splitlines()) == 1


# -- F4: names are never resolved against the working directory ------------------------------


def test_a_folder_in_the_working_directory_does_not_shadow_the_entry(entry, tmp_path, monkeypatch, model):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    shadow = cwd / NAME
    shutil.copytree(entry, shadow)
    meta = json.loads((shadow / "metadata.json").read_text())
    meta["metrics"]["test_bce"] = 0.01  # an edited metric, consistent in the copy itself
    (shadow / "metadata.json").write_text(json.dumps(meta))
    monkeypatch.chdir(cwd)

    assert kerazoo.hub.entry_metadata(NAME)["metrics"]["test_bce"] == 0.42  # the zoo's entry
    # The copy is still reachable, explicitly, as a path.
    assert kerazoo.hub.entry_metadata(f"./{NAME}")["metrics"]["test_bce"] == 0.01
    assert kerazoo.hub.entry_metadata(Path(NAME))["metrics"]["test_bce"] == 0.01


def test_a_name_with_no_entry_is_unknown_even_if_the_working_directory_has_it(tmp_zoo, tmp_path, monkeypatch, model):
    monkeypatch.chdir(tmp_path)
    kerazoo.publish(model, "other.fashion_mnist", zoo_dir=tmp_path / "local_zoo")
    shutil.copytree(tmp_path / "local_zoo" / "other.fashion_mnist", tmp_path / "other.fashion_mnist")
    with pytest.raises(kerazoo.UnknownModelError, match="No zoo entry named 'other.fashion_mnist'"):
        kerazoo.load("other.fashion_mnist")
    assert type(kerazoo.load("./other.fashion_mnist")) is TinyAutoencoder


def test_publish_refuses_a_name_that_reads_as_a_keras_file(tmp_zoo, model):
    with pytest.raises(ValueError, match=r"must not end in '\.keras'.*Received: 'x\.keras'"):
        kerazoo.publish(model, "x.keras")
    assert kerazoo.list_models() == []


def test_keras_files_load_as_paths_and_other_files_are_refused(tmp_path, monkeypatch, model):
    monkeypatch.chdir(tmp_path)
    model.save("mine.keras")
    x = bernoulli_images(4, seed=1)
    np.testing.assert_array_equal(kerazoo.load("mine.keras").predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    model.save_weights("mine.weights.h5")
    with pytest.raises(ValueError, match=r"mine\.weights\.h5 is not a zoo entry folder or a \.keras file"):
        kerazoo.load(Path("mine.weights.h5"))
    with pytest.raises(TypeError, match="Received: int"):
        kerazoo.load(3)


def test_tampered_entry_reached_by_path_still_fails_its_own_hashes(entry, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(entry, copy)
    (copy / "README.md").write_text("tampered")
    with pytest.raises(IntegrityError, match="README.md"):
        kerazoo.load(copy)
    assert sha256_file(entry / "README.md") != sha256_file(copy / "README.md")
