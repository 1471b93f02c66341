"""An outside pass over kerazoo as an attacker and a newcomer would try it (issue 31's attacks
repeated, and new ones). Each test failed before its fix:

- `kerazoo cache --clear` with `$KERAZOO_CACHE` pointed at a folder of one's own deleted every
  folder named like a zoo entry (`my.thesis/`), although it promises to remove only its own;
- a reader (`load`, `info`, `list`) running while another process republished the entry
  (`overwrite=True`) saw one version's index with the other's files and reported tampering;
- a job's learning rate of 0 (trains nothing), < 0 (climbs the loss) or NaN was accepted, so
  `kerazoo train --publish` could publish an untrained model; a seed out of range was
  Keras' message naming no file or key;
- `kerazoo demo --out DIR` replaced an `index.html` of someone else's in DIR;
- JSON nested too deep in `index.json` or `metadata.json` was a `RecursionError` traceback;
- a card or summary holding terminal control sequences (ANSI escapes) reached the terminal
  through `kerazoo info` and `kerazoo list`;
- a symbolic link planted as the zoo's `.lock` was followed (creating its target);
- `verify` ran the SavedModel from the zoo folder after checking its hashes, so a graph
  swapped in between ran (F6 closed the forged-entry case; this is its race).
"""

import hashlib
import importlib
import json
import os
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import cli, hub
from kerazoo.hub import IntegrityError
from kerazoo.hub import index as zoo_index
from kerazoo.recipes import JobError, parse_job
from tiny_family import TinyAutoencoder, bernoulli_images, tiny_job_toml

NAME = "tiny_ae.fashion_mnist"
hub_load = importlib.import_module("kerazoo.hub.load")  # the module (hub.load is the function)

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib


def tiny(seed):
    keras.utils.set_random_seed(seed)
    model = TinyAutoencoder(code_size=4, seed=seed)
    model(bernoulli_images(2))
    return model


@pytest.fixture(scope="module")
def models():
    return tiny(0), tiny(1)


def _weights(model):
    return [np.asarray(w) for w in model.weights]


# ------------------------------------------------------------------- the cache folder


def test_cache_clear_keeps_folders_that_are_not_cached_entries(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "home"
    (cache / "my.thesis").mkdir(parents=True)
    (cache / "my.thesis" / "ch1.tex").write_text("years of work")
    (cache / "notes.d").mkdir()
    (cache / "notes.d" / "metadata.json").write_text("[1, 2]")  # not kerazoo's metadata
    entry = cache / "rbm.fashion_mnist"  # what a fetch leaves: an entry with its metadata
    entry.mkdir()
    (entry / "model.keras").write_bytes(b"x")
    (entry / "metadata.json").write_text(json.dumps({"files": {"model.keras": "00"}}))
    monkeypatch.setenv("KERAZOO_CACHE", str(cache))
    assert cli.main(["cache", "--clear"]) == 0
    assert "Removed 1 cached entries" in capsys.readouterr().out
    assert (cache / "my.thesis" / "ch1.tex").read_text() == "years of work"
    assert (cache / "notes.d" / "metadata.json").exists()
    assert not entry.exists()


# ------------------------------------------------- reading while an entry is republished


def _republish_once(model, zoo):
    done = []

    def republish():
        if not done:
            done.append(True)
            kerazoo.publish(model, NAME, zoo_dir=zoo, overwrite=True, metrics={"version": 2})

    return republish


def test_a_load_during_a_republish_is_not_called_tampering(tmp_zoo, models, monkeypatch):
    first, second = models
    kerazoo.publish(first, NAME, metrics={"version": 1})
    republish = _republish_once(second, tmp_zoo)
    real_verify = hub_load._verify

    def verify_after_the_swap(directory, index_record=None, keep=()):
        # The reader has resolved the name with the old index record; the publish of
        # another process now swaps the new entry in before the reader checks the files.
        republish()
        return real_verify(directory, index_record, keep)

    monkeypatch.setattr(hub_load, "_verify", verify_after_the_swap)
    loaded = kerazoo.load(NAME)
    for got, want in zip(_weights(loaded), _weights(second)):
        np.testing.assert_array_equal(got, want)


def test_list_and_info_during_a_republish_are_not_called_tampering(tmp_zoo, models, monkeypatch,
                                                                   capsys):
    first, second = models
    kerazoo.publish(first, NAME, metrics={"version": 1})
    republish = _republish_once(second, tmp_zoo)
    real_read_index = zoo_index.read_index

    def read_then_swap(zoo):
        index = real_read_index(zoo)
        republish()  # between reading the index and reading the entry's metadata
        return index

    monkeypatch.setattr(zoo_index, "read_index", read_then_swap)
    assert list(hub.list_entries()) == [NAME]
    assert cli.main(["info", NAME]) == 0
    assert "version: 2" in capsys.readouterr().out


def test_a_tampered_entry_is_still_refused_at_once(tmp_zoo, models):
    kerazoo.publish(models[0], NAME)
    metadata = tmp_zoo / NAME / "metadata.json"
    metadata.write_text(metadata.read_text().replace('"metrics": {', '"metrics": {"x": 1, ', 1))
    with pytest.raises(IntegrityError, match="metadata.json does not match the sha256"):
        kerazoo.load(NAME)
    with pytest.raises(IntegrityError, match="metadata.json does not match the sha256"):
        hub.list_entries()


# --------------------------------------------------------------- job files


@pytest.mark.parametrize("value", ["0.0", "-0.01", "nan", "inf"])
def test_a_job_learning_rate_must_be_a_finite_number_above_zero(value):
    raw = tomllib.loads(tiny_job_toml().replace("learning_rate = 0.01", f"learning_rate = {value}"))
    with pytest.raises(JobError, match=rf"job.toml: `train.learning_rate` must be a finite "
                       rf"number > 0. Received: {value.replace('.', '[.]')}"):
        parse_job(raw, "job.toml")


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_a_job_seed_out_of_range_names_the_key(seed):
    raw = tomllib.loads(tiny_job_toml().replace("seed = 7", f"seed = {seed}"))
    with pytest.raises(JobError, match=rf"job.toml: `job.seed` must be in 0..2\*\*32-1. "
                       rf"Received: {seed}"):
        parse_job(raw, "job.toml")


# ---------------------------------------------------------------------- the demo


def test_demo_never_replaces_someone_elses_index_html(tmp_path, monkeypatch):
    from kerazoo.demo import build_gallery
    from kerazoo.demo.gallery import PAGE_MARK, check_output_dir

    def load(*args, **kwargs):
        raise AssertionError("a model was loaded before the output folder was checked")

    monkeypatch.setattr(hub, "load", load)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>my web site</html>")
    with pytest.raises(ValueError, match=r"already holds .*index.html, which kerazoo demo did "
                       "not write; the gallery would replace it"):
        build_gallery(site)
    assert (site / "index.html").read_text() == "<html>my web site</html>"
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
    assert cli.main(["demo", "--out", str(site)]) == 1
    # An earlier gallery is replaced as before.
    (site / "index.html").write_text(f"<!DOCTYPE html><html><head>{PAGE_MARK}</head></html>")
    assert check_output_dir(site) == site


# ------------------------------------------------------------ deeply nested JSON


def test_json_nested_too_deep_is_an_integrity_error_not_a_traceback(tmp_zoo, models, capsys):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_zoo / "index.json").write_text(deep)
    with pytest.raises(IntegrityError, match="index.json is not valid JSON"):
        hub.list_models()
    assert cli.main(["list"]) == 1
    assert "kerazoo list: IntegrityError:" in capsys.readouterr().err
    # The same in an entry's metadata.json, re-hashed into the index.
    (tmp_zoo / "index.json").unlink()
    kerazoo.publish(models[0], NAME)
    metadata = tmp_zoo / NAME / "metadata.json"
    metadata.write_text(deep)
    index = json.loads((tmp_zoo / "index.json").read_text())
    index["entries"][NAME]["metadata_sha256"] = hashlib.sha256(metadata.read_bytes()).hexdigest()
    (tmp_zoo / "index.json").write_text(json.dumps(index))
    for read in (hub.list_entries, lambda: hub.entry_metadata(NAME)):
        with pytest.raises(IntegrityError, match="metadata.json is not valid kerazoo metadata"):
            read()


# ------------------------------------------------- terminal control sequences


def test_info_and_list_print_control_characters_as_escapes(tmp_zoo, models, capsys):
    evil = "Harmless\x1b]0;retitled\x07\x1b[2J\x1b[31m summary\rOVER"
    kerazoo.publish(models[0], NAME, card={"summary": evil, "intended_use": "use \x1b[8m hidden"})
    assert cli.main(["list", "--wide"]) == 0
    assert cli.main(["info", NAME]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\r")
    assert r"Harmless\x1b]0;retitled\x07\x1b[2J\x1b[31m summary\x0dOVER" in out
    assert r"use \x1b[8m hidden" in out


# ----------------------------------------------------------------- the lock file


def test_a_symlinked_lock_file_is_refused_not_followed(tmp_zoo, models):
    target = tmp_zoo.parent / "elsewhere" / "created-by-kerazoo"
    target.parent.mkdir()
    os.symlink(target, tmp_zoo / ".lock")
    with pytest.raises(IntegrityError, match=r"\.lock, the zoo's lock file, is a symbolic link"):
        kerazoo.publish(models[0], NAME)
    assert not target.exists()
    assert json.loads(json.dumps(hub.list_models(tmp_zoo))) == []


# ------------------------------------------------ verify runs the bytes it checked


def test_verify_runs_the_saved_model_it_hashed_not_a_file_swapped_after(tmp_zoo, models,
                                                                        monkeypatch):
    kerazoo.publish(models[0], NAME)
    graph = tmp_zoo / NAME / "saved_model" / "saved_model.pb"
    hashed = graph.read_bytes()
    real_pinned = hub_load.pinned_by_registry

    def pinned_then_swap(*args):
        result = real_pinned(*args)
        graph.write_bytes(b"a forged graph, written after the hashes were checked")
        return result

    ran = []

    def run_signatures(saved_model_dir, batch=2):
        pb = (Path(saved_model_dir) / "saved_model.pb").read_bytes()
        ran.append((os.fspath(saved_model_dir), pb))
        return {}

    monkeypatch.setattr(hub_load, "pinned_by_registry", pinned_then_swap)
    monkeypatch.setattr(importlib.import_module("kerazoo.hub.export"), "run_signatures",
                        run_signatures)
    report = hub.verify_report(NAME, run_untrusted_signatures=True)
    assert "run on request" in report["reason"]
    [(where, pb)] = ran
    assert pb == hashed and not where.startswith(str(tmp_zoo))
