"""Card prose lives in `kerazoo/recipes/templates/*.toml`; the recipes only fill in values."""

import configparser
import dataclasses
import fnmatch
import string
from pathlib import Path

import pytest

from kerazoo.hub import ModelCard
from kerazoo.recipes import list_families
from kerazoo.recipes.card_text import CardText, _load

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "kerazoo" / "recipes" / "templates"
CARD_FIELDS = {f.name for f in dataclasses.fields(ModelCard)}


def _strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


def test_every_template_file_ships_with_the_package():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["kerazoo.recipes"].split(",")]
    files = sorted(p.relative_to(TEMPLATES.parent).as_posix() for p in TEMPLATES.iterdir())
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.toml")), ids=lambda p: p.stem)
def test_templates_hold_card_fields_and_well_formed_fields(path):
    tables = _load(path.stem)
    families = set(tables) & set(list_families())
    assert families or "pictures" in tables, f"{path.name} names no registered family"
    for family in families:
        assert set(tables[family]) <= CARD_FIELDS, (family, set(tables[family]) - CARD_FIELDS)
        assert isinstance(tables[family].get("pictures", {}), dict)
    for where, text in _strings(tables):
        assert isinstance(text, str), where
        # Parses as a format string: literal braces are doubled, every field is named.
        for _, field, _, _ in string.Formatter().parse(text):
            assert field is None or field.split("[")[0].isidentifier(), (where, field)


def test_a_missing_value_names_the_template_and_the_value():
    text = CardText("rbm")
    assert text.phrase("chain_cd", cd_k=3) == "CD-3"
    with pytest.raises(KeyError, match=r"rbm.phrases.chain_pcd needs the value 'n_chains'"):
        text.phrase("chain_pcd", cd_k=1)
    with pytest.raises(KeyError, match="templates/rbm.toml has no 'phrases.nothing'"):
        text.phrase("nothing")
    assert text.render("pictures", train={"sample_gibbs_steps": 7})["samples.png"].startswith(
        "64 independent samples: 7 steps")
