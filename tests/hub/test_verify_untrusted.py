"""`kerazoo verify` runs SavedModel signatures only for entries pinned by the package's
registry, or on request (issue 31, F6).

A SavedModel is a TensorFlow graph: running a forged one (e.g. a signature calling
`tf.io.write_file`) runs the forger's program. An entry whose metadata and index were
re-hashed around a different `saved_model/` passes the hash chain, so the hash chain alone
cannot be the reason to run it.
"""

import hashlib
import importlib
import json
import shutil
from pathlib import Path

import pytest

from kerazoo import cli
from kerazoo.hub import index as zoo_index
from kerazoo.utils.io import sha256_file


REPO_ZOO = Path(__file__).resolve().parents[2] / "zoo"
NAME = "rbm.fashion_mnist"
OTHER = "grbm.fashion_mnist"


def copy_entry(zoo, name=NAME):
    zoo.mkdir(exist_ok=True)
    shutil.copytree(REPO_ZOO / name, zoo / name)
    index = json.loads((REPO_ZOO / "index.json").read_text())
    index["entries"] = {name: index["entries"][name]}
    (zoo / "index.json").write_text(json.dumps(index))
    return zoo / name


def forge(entry):
    """Replaces the entry's saved_model with another graph; re-hashes metadata and index."""
    shutil.rmtree(entry / "saved_model")
    shutil.copytree(REPO_ZOO / OTHER / "saved_model", entry / "saved_model")
    meta_path = entry / "metadata.json"
    metadata = json.loads(meta_path.read_text())
    metadata["files"] = {
        p.relative_to(entry).as_posix(): sha256_file(p)
        for p in sorted(entry.rglob("*")) if p.is_file() and p.name != "metadata.json"
    }
    meta_path.write_text(json.dumps(metadata))
    digest = hashlib.sha256(meta_path.read_bytes()).hexdigest()
    index_path = entry.parent / "index.json"
    index = json.loads(index_path.read_text())
    index["entries"][entry.name] = zoo_index.record_for(metadata, digest)
    index_path.write_text(json.dumps(index))


def tree(directory):
    """{relative path: bytes} of the files under `directory`."""
    directory = Path(directory)
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def ran(monkeypatch):
    calls = []

    def fake_run(saved_model_dir, batch=2):
        calls.append(tree(saved_model_dir))  # what would run: the files, byte for byte
        return {"serving_default": {"images": (2, 28, 28, 1)}}

    # Where every version of `verify` finds the runner (imported when called): the test also
    # fails on a `verify` that runs the forged graph, not only on one without the hook.
    export = importlib.import_module("kerazoo.hub.export")
    monkeypatch.setattr(export, "run_signatures", fake_run)
    return calls


def test_a_forged_entry_is_checked_but_its_signatures_are_not_run(tmp_path, ran, capsys):
    entry = copy_entry(tmp_path / "zoo")
    forge(entry)
    assert cli.main(["verify", NAME, "--zoo", str(tmp_path / "zoo")]) == 0
    out = capsys.readouterr().out
    assert ran == []  # the forged graph never ran
    assert "signatures not run" in out and "pinned" in out
    assert "saved_model/saved_model.pb" in out  # what differs from the registry
    assert "--run-untrusted-signatures" in out


def test_the_flag_runs_an_unpinned_entry_and_says_so(tmp_path, ran, capsys):
    entry = copy_entry(tmp_path / "zoo")
    forge(entry)
    argv = ["verify", NAME, "--zoo", str(tmp_path / "zoo"), "--run-untrusted-signatures"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert ran == [tree(entry / "saved_model")]
    assert "run on request" in out


def test_an_entry_matching_the_registry_is_run(tmp_path, ran, capsys):
    entry = copy_entry(tmp_path / "zoo")
    assert cli.main(["verify", NAME, "--zoo", str(tmp_path / "zoo")]) == 0
    out = capsys.readouterr().out
    assert ran == [tree(entry / "saved_model")]
    assert "match the package's pinned registry" in out


def test_the_python_api_does_not_run_a_forged_entry(tmp_path, ran):
    import kerazoo

    entry = copy_entry(tmp_path / "zoo")
    forge(entry)
    assert kerazoo.verify(NAME, tmp_path / "zoo") == {NAME: {}}
    assert ran == []
    report = kerazoo.hub.verify_report(NAME, tmp_path / "zoo")
    assert report["signatures"] is None and not report["pinned"]
