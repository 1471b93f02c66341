"""The newcomer's first hour with the command line (issue 31, "The newcomer's journey").

`kerazoo list` fits the terminal with aligned columns and no word cut in half; `kerazoo info`
starts with the card's title (the YAML front matter only on request) and suggests names.
"""

import json
import re
from pathlib import Path

import pytest

from kerazoo import cli

ROOT = Path(__file__).resolve().parents[1]
INDEX = json.loads((ROOT / "zoo" / "index.json").read_text())["entries"]


def _summary_lines(out):
    return [l for l in out.splitlines() if l.split(" ", 1)[0] in INDEX]


def test_list_fits_the_terminal_aligned_and_cuts_only_at_words(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["list", "--zoo", str(ROOT / "zoo")]) == 0
    lines = _summary_lines(capsys.readouterr().out)
    assert len(lines) == len(INDEX)
    starts = set()
    for line in lines:
        assert len(line) <= 100, line
        name, cls = line.split()[:2]
        assert cls == INDEX[name]["class"]
        start = re.search(r"\S", line[line.index(cls) + len(cls):]).start() + line.index(cls) + len(cls)
        starts.add(start)
        shown, full = line[start:], " ".join(INDEX[name]["summary"].split())
        if shown.endswith(("…", "...")):
            kept = shown.rstrip(".…")
            assert full.startswith(kept), (shown, full)
            assert full[len(kept):][:1] in (" ", ",", ";", ":", "-", "("), f"cut mid-word: {line}"
        else:
            assert shown == full
    assert len(starts) == 1, "the summaries do not start in one column"


def test_list_wide_never_cuts_mid_word_either(capsys):
    assert cli.main(["list", "--wide", "--zoo", str(ROOT / "zoo")]) == 0
    for line in _summary_lines(capsys.readouterr().out):
        name = line.split()[0]
        if len(INDEX[name]["summary"]) >= 200:  # the index keeps 200 characters
            assert line.endswith(("…", "...")), line


def test_info_starts_with_the_title_and_hides_the_front_matter(capsys):
    assert cli.main(["info", "rbm.fashion_mnist"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# rbm.fashion_mnist\n")
    assert "library_name: keras" not in out and "model-index:" not in out
    assert "--front-matter" in out
    assert "metrics:" in out


@pytest.mark.parametrize("flag", ["--front-matter", "--raw"])
def test_info_front_matter_prints_the_whole_card(capsys, flag):
    assert cli.main(["info", "rbm.fashion_mnist", flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\nlibrary_name: keras\n")
    assert "\n# rbm.fashion_mnist\n" in out


@pytest.mark.parametrize("typed, expected", [
    ("rbm", ["rbm.fashion_mnist", "rbm_cf.movielens_100k"]),
    ("dbn", ["dbn.fashion_mnist", "dbn_classifier.fashion_mnist"]),
    ("rbm.fashion_mnst", ["rbm.fashion_mnist"]),
])
def test_info_unknown_name_suggests_names_by_prefix_and_spelling(capsys, typed, expected):
    assert cli.main(["info", typed]) == 1
    err = capsys.readouterr().err
    hint = err[err.index("Did you mean"):err.index("?")]
    for name in expected:
        assert repr(name) in hint


# -- warnings that are not the user's concern ---------------------------------------------------


def test_verbs_do_not_show_kerazoos_internal_warnings(monkeypatch, capsys):
    import logging
    import warnings

    def noisy(sub):
        def run(args):
            warnings.warn("Skipping variable loading for optimizer 'adam', because it has "
                          "13 variables whereas the saved optimizer has 1 variables.")
            logging.getLogger("tensorflow").warning(
                "5 out of the last 5 calls to <function f at 0x1> triggered tf.function "
                "retracing. Tracing is expensive ...")
            warnings.warn("the user's own warning")
            logging.getLogger("tensorflow").warning("a real TensorFlow warning")
            return 0
        return run

    monkeypatch.setitem(cli.VERBS, "noisy", (noisy, "test"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    logged = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert cli.main(["noisy"]) == 0
    finally:
        logger.removeHandler(handler)
    shown = [str(w.message) for w in caught]
    assert shown == ["the user's own warning"]
    assert logged == ["a real TensorFlow warning"]
