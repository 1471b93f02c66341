"""The registry shipped in the package (`kerazoo/hub/registry.json`) agrees with `zoo/`.

The registry pins the sha256 of every file a mirror may serve; it is generated from
`zoo/index.json` and each entry's `metadata.json`. If the two drift, this test fails: run
`python -m kerazoo.hub.registry --write`.
"""

import json

from kerazoo.hub import registry
from kerazoo.hub.paths import default_zoo_dir


def test_registry_json_matches_the_repository_zoo():
    expected = registry.render(registry.build_registry(default_zoo_dir()))
    actual = registry.REGISTRY_FILE.read_text(encoding="utf-8")
    assert actual == expected, "registry.json differs from zoo/: run `python -m kerazoo.hub.registry --write`"


def test_registry_names_every_file_with_size_and_hash():
    reg = json.loads(registry.REGISTRY_FILE.read_text(encoding="utf-8"))
    index = json.loads((default_zoo_dir() / "index.json").read_text(encoding="utf-8"))
    assert sorted(reg["entries"]) == sorted(index["entries"])
    for name, record in reg["entries"].items():
        assert {"class", "family", "summary", "files"} <= set(record)
        files = record["files"]
        assert files["metadata.json"]["sha256"] == index["entries"][name]["metadata_sha256"]
        for rel, info in files.items():
            assert (default_zoo_dir() / name / rel).stat().st_size == info["size"], (name, rel)
            assert len(info["sha256"]) == 64


def test_check_command_reports_a_drift(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "registry.json"
    stale.write_text('{"format": 1, "entries": {}}\n')
    monkeypatch.setattr(registry, "REGISTRY_FILE", stale)
    assert registry.main(["--check"]) == 1
    assert "--write" in capsys.readouterr().err


def test_registry_json_is_package_data():
    from configparser import ConfigParser
    from pathlib import Path

    cfg = ConfigParser()
    cfg.read(Path(registry.__file__).resolve().parents[2] / "setup.cfg")
    assert "registry.json" in cfg["options.package_data"]["kerazoo.hub"]
