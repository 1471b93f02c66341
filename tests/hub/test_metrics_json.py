"""Non-finite metrics are written as standard JSON (issue 31, F13).

`json.dumps` writes NaN and infinity as the bare words `NaN` / `Infinity`, which standard JSON
parsers (JavaScript's `JSON.parse`, `jq`, Go, Rust's serde) refuse. kerazoo writes them as the
strings "NaN", "Infinity" and "-Infinity" (`float(...)` reads each back in Python).
"""

import json
import math

import keras
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.utils.io import atomic_write_json
from tiny_family import TinyAutoencoder, bernoulli_images

NAME = "tiny_ae.fashion_mnist"


def strict_loads(text):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_metrics_are_written_as_strings(tmp_zoo, capsys):
    keras.utils.set_random_seed(0)
    model = TinyAutoencoder(code_size=4, seed=0)
    model(bernoulli_images(2))
    entry = kerazoo.publish(
        model, NAME, metrics={"fd": float("nan"), "ll": float("-inf"), "gap": float("inf"), "mse": 0.5},
        card={"summary": "s", "anchors": {"chance": {"fd": float("nan")}}},
        recipe={"job": {"name": NAME}, "train": {"learning_rate": float("nan")}})
    metadata = strict_loads((entry / "metadata.json").read_text())
    assert metadata["metrics"] == {"fd": "NaN", "ll": "-Infinity", "gap": "Infinity", "mse": 0.5}
    assert metadata["card"]["anchors"] == {"chance": {"fd": "NaN"}}
    assert metadata["recipe"]["train"]["learning_rate"] == "NaN"
    assert math.isnan(float(metadata["metrics"]["fd"])) and float(metadata["metrics"]["ll"]) == -math.inf
    strict_loads((tmp_zoo / "index.json").read_text())
    card = kerazoo.model_card(NAME)
    assert "| `fd` | NaN |" in card and "| `ll` | -Infinity |" in card and "NaN" in card
    assert cli.main(["info", NAME]) == 0
    assert "fd: NaN" in capsys.readouterr().out


@pytest.mark.parametrize("value, text", [(float("nan"), '"NaN"'), (float("inf"), '"Infinity"'),
                                         (-float("inf"), '"-Infinity"')])
def test_atomic_write_json_never_writes_non_standard_json(tmp_path, value, text):
    atomic_write_json(tmp_path / "x.json", {"a": [value, 1.0, {"b": value}]})
    written = (tmp_path / "x.json").read_text()
    assert strict_loads(written) == {"a": [text.strip('"'), 1.0, {"b": text.strip('"')}]}
