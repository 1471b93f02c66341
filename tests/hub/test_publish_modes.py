"""Publishing safely (issue 28, item 6): every published file and folder is readable by all,
and publishing into the repository's own zoo regenerates the package's registry (publishing
anywhere else leaves it untouched)."""

import json
import os
import stat

import pytest

import kerazoo
from kerazoo.hub import paths, registry

NAME = "tiny_ae.fashion_mnist"


@pytest.fixture
def strict_umask():
    old = os.umask(0o077)
    yield
    os.umask(old)


def modes(zoo):
    out = {}
    for path in [zoo / NAME, *(zoo / NAME).rglob("*"), zoo / "index.json"]:
        out[path.relative_to(zoo).as_posix()] = stat.S_IMODE(path.lstat().st_mode)
    return out


def test_published_files_are_0644_and_folders_0755_whatever_the_umask(tmp_zoo, model, strict_umask):
    kerazoo.publish(model, NAME, metrics={"test_mse": 0.5})
    got = modes(tmp_zoo)
    assert {"tiny_ae.fashion_mnist/metadata.json", "tiny_ae.fashion_mnist/README.md",
            "tiny_ae.fashion_mnist/model.keras", "index.json"} <= set(got)
    wrong = {rel: oct(mode) for rel, mode in got.items()
             if mode != (0o755 if (tmp_zoo / rel).is_dir() else 0o644)}
    assert wrong == {}

    kerazoo.hub.update_card(NAME, metrics={"test_mse": 0.25})  # a re-rendered card too
    wrong = {rel: oct(mode) for rel, mode in modes(tmp_zoo).items()
             if mode != (0o755 if (tmp_zoo / rel).is_dir() else 0o644)}
    assert wrong == {}


def test_publishing_into_another_zoo_leaves_the_package_registry_alone(tmp_zoo, model):
    before = registry.REGISTRY_FILE.read_bytes(), registry.REGISTRY_FILE.stat().st_mtime_ns
    kerazoo.publish(model, NAME)
    kerazoo.hub.unpublish(NAME)
    assert (registry.REGISTRY_FILE.read_bytes(), registry.REGISTRY_FILE.stat().st_mtime_ns) == before


def test_publishing_into_the_repository_zoo_regenerates_the_registry(tmp_zoo, model, monkeypatch, tmp_path):
    """The repository's zoo and the package's registry.json are stood in for by temporary
    copies (the real ones are not touched by tests)."""
    monkeypatch.setattr(paths, "default_zoo_dir", lambda: tmp_zoo)
    monkeypatch.setattr(registry, "REGISTRY_FILE", tmp_path / "registry.json")
    registry.read_registry.cache_clear()
    try:
        kerazoo.publish(model, NAME, metrics={"test_mse": 0.5})
        written = json.loads((tmp_path / "registry.json").read_text())
        files = written["entries"][NAME]["files"]
        index = json.loads((tmp_zoo / "index.json").read_text())
        assert files["metadata.json"]["sha256"] == index["entries"][NAME]["metadata_sha256"]
        assert registry.registered(NAME) is not None
        assert registry.render(registry.build_registry(tmp_zoo)) == (tmp_path / "registry.json").read_text()

        kerazoo.hub.update_card(NAME, metrics={"test_mse": 0.25})
        index = json.loads((tmp_zoo / "index.json").read_text())
        written = json.loads((tmp_path / "registry.json").read_text())
        assert written["entries"][NAME]["files"]["metadata.json"]["sha256"] == \
            index["entries"][NAME]["metadata_sha256"]

        kerazoo.hub.unpublish(NAME)
        assert json.loads((tmp_path / "registry.json").read_text())["entries"] == {}
    finally:
        registry.read_registry.cache_clear()
