"""Publishing never replaces an entry by accident (issue 31, F2; DESIGN.md: "Publishing refuses
an existing name unless overwrite=True (--force on the command line)")."""

import json

import keras
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.hub import EntryExistsError
from tiny_family import TinyAutoencoder, bernoulli_images, tiny_job_toml
from tuning.tuning_helpers import tiny_tune_toml

NAME = "tiny_ae.fashion_mnist"


def tiny(seed):
    keras.utils.set_random_seed(seed)
    model = TinyAutoencoder(code_size=4, seed=seed)
    model.compile("adam", "binary_crossentropy")
    x = bernoulli_images(32, seed=seed)
    model.fit(x, x, epochs=1, verbose=0)
    return model


def metadata_sha(zoo):
    return json.loads((zoo / "index.json").read_text())["entries"][NAME]["metadata_sha256"]


def test_publish_refuses_an_existing_name_naming_the_entry_and_its_metric(tmp_zoo):
    kerazoo.publish(tiny(0), NAME, metrics={"test_mse": 0.125, "knn_accuracy": 0.5})
    before = metadata_sha(tmp_zoo)
    with pytest.raises(EntryExistsError, match=r"'tiny_ae.fashion_mnist'.*test_mse = 0.125.*overwrite=True"):
        kerazoo.publish(tiny(1), NAME, metrics={"test_mse": 0.5})
    assert metadata_sha(tmp_zoo) == before  # untouched
    assert kerazoo.hub.entry_metadata(NAME)["metrics"]["test_mse"] == 0.125
    assert sorted(p.name for p in tmp_zoo.iterdir()) == [".lock", "index.json", NAME]


def test_publish_with_overwrite_replaces_the_entry(tmp_zoo):
    kerazoo.publish(tiny(0), NAME, metrics={"test_mse": 0.125})
    kerazoo.publish(tiny(1), NAME, metrics={"test_mse": 0.5}, overwrite=True)
    assert kerazoo.hub.entry_metadata(NAME)["metrics"]["test_mse"] == 0.5


def test_publish_refuses_an_unindexed_folder_of_that_name(tmp_zoo):
    (tmp_zoo / NAME).mkdir()
    (tmp_zoo / NAME / "notes.txt").write_text("someone's work")
    with pytest.raises(EntryExistsError, match="not in the zoo index"):
        kerazoo.publish(tiny(0), NAME)
    assert (tmp_zoo / NAME / "notes.txt").read_text() == "someone's work"


def write_job(tmp_path, tune=False):
    job = tmp_path / f"{NAME}.toml"
    job.write_text(tiny_tune_toml(max_trials=1, epochs=1) if tune else tiny_job_toml(epochs=1))
    return job


def test_train_publish_refuses_an_existing_entry_before_training(tmp_path, tmp_zoo, capsys):
    kerazoo.publish(tiny(0), NAME, metrics={"test_mse": 0.125})
    before = metadata_sha(tmp_zoo)
    runs = tmp_path / "runs"
    code = cli.main(["train", str(write_job(tmp_path)), "--publish", NAME,
                     "--checkpoint-dir", str(runs)])
    err = capsys.readouterr().err
    assert code == 1
    assert "kerazoo train: EntryExistsError" in err and NAME in err and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert not runs.exists()  # refused before any training
    assert metadata_sha(tmp_zoo) == before


def test_train_publish_force_replaces_the_entry(tmp_path, tmp_zoo, capsys):
    kerazoo.publish(tiny(0), NAME, metrics={"test_bce": 9.0})
    code = cli.main(["train", str(write_job(tmp_path)), "--publish", NAME, "--force",
                     "--checkpoint-dir", str(tmp_path / "runs")])
    assert code == 0, capsys.readouterr().err
    assert kerazoo.hub.entry_metadata(NAME)["metrics"]["test_bce"] < 1.0


def test_tune_publish_refuses_an_existing_entry_before_searching(tmp_path, tmp_zoo, capsys):
    kerazoo.publish(tiny(0), NAME, metrics={"test_mse": 0.125})
    runs = tmp_path / "runs"
    code = cli.main(["tune", str(write_job(tmp_path, tune=True)), "--max-trials", "1", "--directory",
                     str(runs), "--publish", NAME])
    err = capsys.readouterr().err
    assert code == 1 and "kerazoo tune: EntryExistsError" in err and "--force" in err
    assert not runs.exists()  # no trial ran


def test_tune_help_offers_force(capsys):
    for verb in ("train", "tune"):
        with pytest.raises(SystemExit):
            cli.main([verb, "--help"])
        assert "--force" in capsys.readouterr().out


def test_tune_publish_force_replaces_the_entry(tmp_path, tmp_zoo, capsys):
    kerazoo.publish(tiny(0), NAME, metrics={"test_bce": 9.0})
    code = cli.main(["tune", str(write_job(tmp_path, tune=True)), "--max-trials", "1", "--directory",
                     str(tmp_path / "runs"), "--publish", NAME, "--force"])
    assert code == 0, capsys.readouterr().err
    assert kerazoo.hub.entry_metadata(NAME)["metrics"]["test_bce"] < 1.0
