"""What the hash chain covers (issue 31, F11 and F7's damaged index and metadata).

- the index's `summary` and `class` (what `kerazoo list` shows) are checked against the
  hashed metadata;
- symbolic links (dangling, to files, to folders) and empty folders inside an entry count as
  files added after publishing;
- the bytes `load` deserializes are the bytes it verified (a file swapped after the check is
  not loaded);
- a wrong-shaped `index.json` or metadata `files` is an `IntegrityError` naming the file.
"""

import json
import os
import shutil

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.hub import IntegrityError
from kerazoo.utils.io import sha256_file
from tiny_family import TinyAutoencoder, bernoulli_images

NAME = "tiny_ae.fashion_mnist"


def tiny(seed):
    keras.utils.set_random_seed(seed)
    model = TinyAutoencoder(code_size=4, seed=seed)
    model(bernoulli_images(2))
    return model


@pytest.fixture(scope="module")
def model():
    return tiny(0)


@pytest.fixture
def entry(tmp_zoo, model):
    return kerazoo.publish(model, NAME, card={"summary": "A tiny autoencoder."},
                           metrics={"test_bce": 0.42})


def edit_index(zoo, fn):
    path = zoo / "index.json"
    index = json.loads(path.read_text())
    fn(index)
    path.write_text(json.dumps(index))


# -- the index's summary and class -------------------------------------------------------------


def test_list_entries_gives_the_index_records_when_they_agree(entry, capsys):
    records = kerazoo.hub.list_entries()
    assert records[NAME]["summary"] == "A tiny autoencoder."
    assert records[NAME]["class"] == "kerazoo_tests>TinyAutoencoder"
    assert cli.main(["list"]) == 0
    assert "A tiny autoencoder." in capsys.readouterr().out


@pytest.mark.parametrize("field, value", [("summary", "The best model ever, certified."),
                                          ("class", "kerazoo>Autoencoder")])
def test_edited_summary_or_class_in_the_index_is_an_integrity_error(entry, tmp_zoo, capsys, field, value):
    edit_index(tmp_zoo, lambda index: index["entries"][NAME].update({field: value}))
    with pytest.raises(IntegrityError, match=rf"index.json: the `{field}` of '{NAME}' differs"):
        kerazoo.hub.list_entries()
    assert cli.main(["list"]) == 1
    out, err = capsys.readouterr()
    assert value not in out and "IntegrityError" in err and field in err


# -- links and folders inside an entry ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["dangling symlink", "symlink to a folder", "symlink to a file",
                                  "empty folder"])
def test_links_and_empty_folders_in_an_entry_are_extra_files(entry, tmp_path, kind):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "payload.txt").write_text("x")
    where = entry / "saved_model" / "extra"
    if kind == "dangling symlink":
        where.symlink_to(tmp_path / "nothing-here")
    elif kind == "symlink to a folder":
        where.symlink_to(outside, target_is_directory=True)
    elif kind == "symlink to a file":
        where.symlink_to(outside / "payload.txt")
    else:
        where.mkdir()
    with pytest.raises(IntegrityError, match=r"saved_model/extra is not listed in metadata.json"):
        kerazoo.load(NAME)
    with pytest.raises(IntegrityError, match="extra"):
        kerazoo.verify(NAME, run_signatures=False)


def test_a_listed_file_replaced_by_a_symlink_to_the_same_bytes_is_refused(entry, tmp_path):
    copy = tmp_path / "model.keras"
    shutil.copyfile(entry / "model.keras", copy)
    (entry / "model.keras").unlink()
    (entry / "model.keras").symlink_to(copy)
    with pytest.raises(IntegrityError, match="model.keras is a symbolic link"):
        kerazoo.load(NAME)


def test_fresh_publish_verifies_with_no_empty_folders(entry):
    assert not [p for p in entry.rglob("*") if p.is_dir() and not any(p.iterdir())]
    kerazoo.verify(NAME, run_signatures=False)


# -- the bytes loaded are the bytes verified ---------------------------------------------------


def test_a_file_swapped_after_the_hash_check_is_not_loaded(entry, tmp_path, monkeypatch, model):
    other = tiny(5)
    swapped = tmp_path / "other.keras"
    other.save(swapped)
    real_load_model = keras.saving.load_model

    def swap_then_load(path, *args, **kwargs):
        # Between the check and the deserialization, the zoo's file changes.
        shutil.copyfile(swapped, entry / "model.keras")
        return real_load_model(path, *args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", swap_then_load)
    loaded = kerazoo.load(NAME)
    x = bernoulli_images(8, seed=3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    monkeypatch.setattr(keras.saving, "load_model", real_load_model)
    with pytest.raises(IntegrityError, match="model.keras does not match"):
        kerazoo.load(NAME)  # the swapped file itself is refused


# -- wrong-shaped index and metadata (F7) ------------------------------------------------------


@pytest.mark.parametrize("index, key", [
    ({"format": 1, "entries": {NAME: {"sha": "00"}}}, "metadata_sha256"),
    ({"format": 1, "entries": {NAME: "00"}}, "metadata_sha256"),
    ({"format": 1, "entries": [NAME]}, "`entries` must be an object"),
    ([NAME], "must hold a JSON object"),
    ({"format": 1, "entries": {"../escape": {"metadata_sha256": "00"}}}, "not a valid zoo name"),
])
def test_wrong_shaped_index_is_an_integrity_error_naming_it(tmp_zoo, capsys, index, key):
    (tmp_zoo / "index.json").write_text(json.dumps(index))
    for call in (kerazoo.list_models, lambda: kerazoo.load(NAME)):
        with pytest.raises(IntegrityError, match="index.json") as info:
            call()
        assert key in str(info.value)
    for argv in (["list"], ["info", NAME], ["verify"]):
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert "IntegrityError" in err and "index.json" in err and "Traceback" not in err


@pytest.mark.parametrize("files, key", [
    (["model.keras", "README.md"], "`files` must be an object"),
    ({"../../outside.txt": "00"}, "not a file inside the entry"),
    ({"/etc/passwd": "00"}, "not a file inside the entry"),
])
def test_wrong_shaped_metadata_files_is_an_integrity_error(entry, tmp_zoo, files, key):
    meta_path = entry / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["files"] = files
    meta_path.write_text(json.dumps(meta))
    # re-hash it in the index, as an attacker who can write the zoo would
    edit_index(tmp_zoo, lambda index: index["entries"][NAME].update(
        {"metadata_sha256": sha256_file(meta_path)}))
    with pytest.raises(IntegrityError, match=key):
        kerazoo.load(NAME)


def test_unreadable_metadata_names_the_file(entry):
    os.chmod(entry / "metadata.json", 0o644)
    (entry / "metadata.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(IntegrityError, match="metadata.json"):
        kerazoo.load(entry)
