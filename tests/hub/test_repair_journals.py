"""Repair of an interrupted publish touches only entries inside the zoo folder (finding F1).

A `.journal-*.json` is data an attacker can write into a zoo folder; a read-only command
(`list`, `info`, `load`, `verify`) runs repair, so a journal that names a path outside the zoo
must be reported and never acted on. Each case below deleted or moved the victim before.
"""

import json
import subprocess
import sys

import pytest

import kerazoo
from kerazoo.hub import index as zoo_index


def _victim(root):
    victim = root / "V" / "victim2"
    victim.mkdir(parents=True)
    (victim / "data.txt").write_text("precious")
    return victim


def _journal(zoo, file_name, name, sha="00"):
    (zoo / file_name).write_text(
        json.dumps({"name": name, "record": {"metadata_sha256": sha}, "new": "x"})
    )


def _intact(victim):
    return (victim / "data.txt").is_file() and (victim / "data.txt").read_text() == "precious"


def test_absolute_name_in_a_journal_is_reported_not_acted_on(tmp_path):
    zoo = tmp_path / "Z"
    zoo.mkdir()
    victim = _victim(tmp_path)
    # The reproduction of F1: `.old-<absolute path>` inside the zoo and a journal naming it.
    (zoo / f".old-{victim}" / "x").mkdir(parents=True)
    _journal(zoo, ".journal-b.json", str(victim))
    with pytest.warns(UserWarning, match=r"Ignored the publish journal .*journal-b\.json"):
        assert kerazoo.list_models(zoo_dir=zoo) == []
    assert _intact(victim)
    assert (zoo / ".journal-b.json").is_file()  # left for a person to look at


def test_relative_name_escaping_the_zoo_is_reported_not_acted_on(tmp_path):
    zoo = tmp_path / "Z"
    zoo.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data.txt").write_text("precious")
    (zoo / ".old-.." / "victim").mkdir(parents=True)  # what `.old-<name>` is for this name
    _journal(zoo, ".journal-b.json", "../victim")
    with pytest.warns(UserWarning, match="is not the entry name"):
        assert kerazoo.list_models(zoo_dir=zoo) == []
    assert _intact(victim)


def test_a_journal_whose_name_disagrees_with_its_file_is_not_acted_on(tmp_path):
    zoo = tmp_path / "Z"
    (zoo / "good.entry").mkdir(parents=True)
    (zoo / "good.entry" / "keep.txt").write_text("entry")
    (zoo / ".old-good.entry").mkdir()
    # A valid entry name, but not the one the file is named after.
    _journal(zoo, ".journal-other.entry.json", "good.entry")
    with pytest.warns(UserWarning, match="is not the entry name 'other.entry'"):
        zoo_index.repair(zoo)
    assert (zoo / "good.entry" / "keep.txt").read_text() == "entry"


def test_a_symlinked_entry_is_never_replaced_through_the_link(tmp_path):
    zoo = tmp_path / "Z"
    zoo.mkdir()
    victim = _victim(tmp_path)
    (zoo / "a.b").symlink_to(victim, target_is_directory=True)
    (zoo / ".old-a.b").mkdir()
    _journal(zoo, ".journal-a.b.json", "a.b")
    with pytest.warns(UserWarning, match="symbolic link"):
        zoo_index.repair(zoo)
    assert _intact(victim) and (zoo / "a.b").is_symlink()


def test_a_valid_journal_still_rolls_back(tmp_path):
    zoo = tmp_path / "Z"
    (zoo / ".old-a.b").mkdir(parents=True)
    (zoo / ".old-a.b" / "weights").write_text("old")
    (zoo / "a.b").mkdir()
    _journal(zoo, ".journal-a.b.json", "a.b", sha="not the new metadata")
    zoo_index.repair(zoo)
    assert (zoo / "a.b" / "weights").read_text() == "old"
    assert sorted(p.name for p in zoo.iterdir()) == ["a.b"]


def test_a_leftover_index_temporary_is_removed(tmp_path):
    # F12: a kill during the index write leaves `.index.json.*.tmp`.
    zoo = tmp_path / "Z"
    zoo.mkdir()
    (zoo / ".index.json.abc123.tmp").write_text("{")
    (zoo / ".journal-a.b.json").write_text("{")  # a cut journal write: nothing moved
    zoo_index.repair(zoo)
    assert list(zoo.iterdir()) == []


def test_the_cli_info_reproduction_leaves_the_victim(tmp_path):
    zoo = tmp_path / "Z"
    zoo.mkdir()
    victim = _victim(tmp_path)
    (zoo / f".old-{victim}" / "x").mkdir(parents=True)
    _journal(zoo, ".journal-b.json", str(victim))
    proc = subprocess.run(
        [sys.executable, "-m", "kerazoo.cli", "info", "rbm.fashion_mnist", "--zoo", str(zoo)],
        capture_output=True, text=True, timeout=300,
    )
    assert _intact(victim), proc.stderr[-2000:]
    assert "Ignored the publish journal" in proc.stderr
