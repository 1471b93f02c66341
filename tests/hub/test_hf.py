"""`kerazoo export`, `kerazoo push` and `hf://` handles (issue 28, item 2), end to end.

How it is done: `huggingface_hub`'s real code (`snapshot_download`, `HfApi.create_repo`,
`HfApi.upload_folder`, and Keras's own `keras.saving.load_model("hf://...")`, which calls
`snapshot_download`) runs against `LoopbackHub` (tests/hub/conftest.py), a small HTTP server
on 127.0.0.1 that `HF_ENDPOINT` points at. It answers what those calls ask: the model info
and tree APIs, `resolve` URLs (HEAD and GET, with `X-Repo-Commit` and `ETag`), repository
creation, `preupload` and the NDJSON `commit`. One simplification, on the upload side: the
server asks for every file inline ("regular" upload mode), where the real Hub would take
large binaries through LFS or Xet storage; the commit, the repository and every download
are otherwise the real protocol over a real socket.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.hub import FetchError, IntegrityError
from kerazoo.hub.hf import parse_handle
from kerazoo.hub.unzipped import CONFIG_FILE, WEIGHTS_FILE
from kerazoo.hub.unzipped import export_entry as export

SMALL = "grbm.fashion_mnist"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return export(SMALL, tmp_path_factory.mktemp("export") / SMALL)


@pytest.fixture(scope="module")
def reference():
    return kerazoo.load(SMALL)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAZOO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _same_weights(a, b):
    assert [w.path for w in a.weights] == [w.path for w in b.weights]
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y))


def test_export_writes_the_keras_unzipped_layout_with_the_card(exported):
    names = sorted(p.name for p in exported.iterdir())
    assert {CONFIG_FILE, WEIGHTS_FILE, "metadata.json", "README.md"} <= set(names)
    assert "model.keras" not in names and "saved_model" not in names
    meta = json.loads((exported / "metadata.json").read_text())
    assert meta["layout"] == "keras-unzipped"
    assert meta["keras_version"] == keras.__version__
    assert meta["exported_from"]["entry"] == SMALL
    assert sorted(meta["files"]) == sorted(n for n in names if n != "metadata.json")
    card = (exported / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: keras\n")
    assert json.loads((exported / CONFIG_FILE).read_text())["class_name"] == "GaussianBernoulliRBM"
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in exported.iterdir())


def test_keras_reads_the_exported_folder_after_import_kerazoo(exported, reference):
    model = keras.saving.load_model(exported)
    assert type(model).__name__ == "GaussianBernoulliRBM"
    _same_weights(model, reference)
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(model.encode(x), reference.encode(x), rtol=1e-6, atol=1e-6)


def test_kerazoo_loads_the_exported_folder_and_checks_its_hashes(exported, reference, tmp_path):
    _same_weights(kerazoo.load(exported), reference)
    import shutil

    copy = shutil.copytree(exported, tmp_path / "copy")
    data = bytearray((copy / WEIGHTS_FILE).read_bytes())
    data[-10] ^= 1
    (copy / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=WEIGHTS_FILE):
        kerazoo.load(copy)


def test_export_refuses_a_folder_that_is_not_empty_unless_forced(exported, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        export(SMALL, out)
    assert (out / "keep.txt").read_text() == "mine"
    export(SMALL, out, overwrite=True)
    assert not (out / "keep.txt").exists()
    assert (out / WEIGHTS_FILE).read_bytes() == (exported / WEIGHTS_FILE).read_bytes()


def test_cli_export(tmp_path, capsys):
    assert cli.main(["export", SMALL, str(tmp_path / "e")]) == 0
    assert str(tmp_path / "e") in capsys.readouterr().out
    assert (tmp_path / "e" / CONFIG_FILE).is_file()
    assert cli.main(["export", SMALL, str(tmp_path / "e")]) != 0
    assert "--force" in capsys.readouterr().err
    assert cli.main(["export", SMALL, str(tmp_path / "e"), "--force"]) == 0


def test_parse_handle():
    assert parse_handle("hf://org/repo") == ("org/repo", None)
    assert parse_handle("hf://org/repo@v1") == ("org/repo", "v1")
    for bad in ("hf://repo", "hf://a/b/c", "hf://org/", "hf://org/repo@", "hf://../x"):
        with pytest.raises(ValueError, match="hf://org/repo"):
            parse_handle(bad)


def test_push_then_load_through_the_hub(hf_hub, cache, reference, recwarn):
    url = kerazoo.hub.push(SMALL, "hf://kerazoo/grbm")
    assert hf_hub.repos["kerazoo/grbm"]["sha"] in url
    served = hf_hub.repos["kerazoo/grbm"]["files"]
    assert {CONFIG_FILE, WEIGHTS_FILE, "metadata.json", "README.md"} <= set(served)
    assert ("POST", "/api/repos/create") in hf_hub.requests
    assert hf_hub.validated == [served["README.md"].decode()]
    assert any(path.endswith("/commit/main") for _, path in hf_hub.requests)

    hf_hub.requests.clear()
    with pytest.warns(UserWarning, match="not pinned by kerazoo's registry"):
        model = kerazoo.load("hf://kerazoo/grbm")
    _same_weights(model, reference)
    assert ("GET", "/api/models/kerazoo/grbm/revision/main") in hf_hub.requests
    assert ("GET", f"/kerazoo/grbm/resolve/{hf_hub.repos['kerazoo/grbm']['sha']}/{WEIGHTS_FILE}") \
        in hf_hub.requests
    copies = list((cache / ".hf").glob("*/grbm"))
    assert len(copies) == 1 and sorted(p.name for p in copies[0].iterdir()) == sorted(served)

    # Keras's own hf:// loader reads the same repository (after `import kerazoo`).
    _same_weights(keras.saving.load_model("hf://kerazoo/grbm"), reference)

    # Offline afterwards: the verified copy in the cache, no request.
    hf_hub.stop()
    hf_hub.requests.clear()
    with pytest.warns(UserWarning, match="not pinned"):
        _same_weights(kerazoo.load("hf://kerazoo/grbm"), reference)
    assert hf_hub.requests == []


def test_a_changed_file_on_the_hub_is_refused_and_nothing_is_cached(hf_hub, cache, exported):
    hf_hub.put("org/bad", exported)
    data = bytearray(hf_hub.repos["org/bad"]["files"][WEIGHTS_FILE])
    data[-10] ^= 1
    hf_hub.repos["org/bad"]["files"][WEIGHTS_FILE] = bytes(data)
    with pytest.raises(IntegrityError, match=WEIGHTS_FILE):
        kerazoo.load("hf://org/bad")
    assert [p for p in (cache / ".hf").rglob("*") if p.is_file()] == []


def test_a_repository_without_kerazoo_metadata_is_refused(hf_hub, cache, exported):
    hf_hub.put("org/plain", exported)
    del hf_hub.repos["org/plain"]["files"]["metadata.json"]
    with pytest.raises(IntegrityError, match="not a kerazoo entry"):
        kerazoo.load("hf://org/plain")


def test_extra_files_in_the_repository_are_left_out(hf_hub, cache, exported, reference):
    hf_hub.put("org/extra", exported)
    hf_hub.repos["org/extra"]["files"][".gitattributes"] = b"*.h5 filter=lfs\n"
    with pytest.warns(UserWarning):
        _same_weights(kerazoo.load("hf://org/extra"), reference)
    (copy,) = (cache / ".hf").glob("*/extra")
    assert not (copy / ".gitattributes").exists()


def test_a_missing_repository_names_it_and_the_endpoint(hf_hub, cache):
    with pytest.raises(FetchError, match=r"hf://org/nothing.*127\.0\.0\.1"):
        kerazoo.load("hf://org/nothing")


def test_cli_push(hf_hub, cache, capsys):
    assert cli.main(["push", SMALL, "hf://org/cli"]) == 0
    out = capsys.readouterr().out
    assert "hf://org/cli" in out
    assert "model.weights.h5" in hf_hub.repos["org/cli"]["files"]
    assert cli.main(["push", SMALL, "https://example.org/x"]) != 0
    assert "hf://org/repo" in capsys.readouterr().err
