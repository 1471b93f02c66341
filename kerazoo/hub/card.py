"""Model cards: Hugging Face front matter, then model details, intended use, training data
and recipe, evaluation against the named anchors, limitations, and how to load.

A card is rendered from a `ModelCard` (the prose a family writes) and the entry's
metadata (metrics, recipe, versions), so `update_card` can re-render it with new numbers
without retraining. The metrics table puts the model's numbers side by side with its
anchors (`anchors={"PCA-30": {"test_mse": 0.0156}}`).
"""

import dataclasses
import json
import math

from kerazoo.utils.io import json_safe

_SECTIONS = ("summary", "model_details", "intended_use", "training", "evaluation", "limitations")


@dataclasses.dataclass
class ModelCard:
    """The prose and comparisons of a model card.

    Attributes:
        summary: one paragraph under the title.
        model_details, intended_use, training, evaluation, limitations: markdown sections.
        anchors: `{anchor_name: {metric_name: value}}`, compared with the model's metrics.
        tags, datasets, license: Hugging Face front matter.
        pictures: `{file_name: caption}` for picture files shipped in the entry.
    """

    summary: str = ""
    model_details: str = ""
    intended_use: str = ""
    training: str = ""
    evaluation: str = ""
    limitations: str = ""
    anchors: dict = dataclasses.field(default_factory=dict)
    tags: list = dataclasses.field(default_factory=list)
    datasets: list = dataclasses.field(default_factory=list)
    license: str = "apache-2.0"
    pictures: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_any(cls, card):
        """A `ModelCard` from a `ModelCard`, a dict of its fields, or None."""
        if card is None:
            return cls()
        if isinstance(card, cls):
            return dataclasses.replace(card)
        if isinstance(card, dict):
            unknown = set(card) - {f.name for f in dataclasses.fields(cls)}
            if unknown:
                raise ValueError(
                    f"Unknown model card fields {sorted(unknown)}. Known: "
                    f"{[f.name for f in dataclasses.fields(cls)]}"
                )
            return cls(**card)
        raise TypeError(f"`card` must be a ModelCard, a dict or None. Received: {type(card).__name__}")

    def to_dict(self):
        return dataclasses.asdict(self)

    def merged(self, **changes):
        """A copy with fields replaced; `anchors` are merged per anchor and metric."""
        card = dataclasses.replace(self)
        for key, value in changes.items():
            if key == "anchors":
                anchors = {k: dict(v) for k, v in card.anchors.items()}
                for anchor, values in value.items():
                    anchors.setdefault(anchor, {}).update(values)
                card.anchors = anchors
            elif key == "pictures":
                card.pictures = {**card.pictures, **value}
            else:
                if key not in {f.name for f in dataclasses.fields(card)}:
                    raise ValueError(f"Unknown model card field {key!r}.")
                setattr(card, key, value)
        return card


def _yaml_str(value):
    return json.dumps(str(value))  # a JSON string is a valid YAML scalar


def _fmt(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return json_safe(value)  # "NaN", "Infinity", "-Infinity", as metadata.json stores them
    return f"{value:.5g}"


def front_matter(name, card, metadata):
    metrics = metadata.get("metrics", {})
    data = metadata.get("recipe", {}) or {}
    tags = ["kerazoo", "keras", "unsupervised"] + [t for t in card.tags if t]
    lines = ["---", "library_name: keras", f"license: {card.license}", "tags:"]
    lines += [f"- {_yaml_str(t)}" for t in dict.fromkeys(tags)]
    datasets = card.datasets or ([data["data"]["dataset"]] if data.get("data") else [])
    if datasets:
        lines.append("datasets:")
        lines += [f"- {_yaml_str(d)}" for d in datasets]
    if metrics:
        lines.append("metrics:")
        lines += [f"- {_yaml_str(m)}" for m in metrics]
        lines += ["model-index:", f"- name: {_yaml_str(name)}", "  results:", "  - task:"]
        lines.append(f"      type: {_yaml_str(metadata.get('family') or 'unsupervised')}")
        if datasets:
            lines += ["    dataset:", f"      name: {_yaml_str(datasets[0])}",
                      f"      type: {_yaml_str(datasets[0])}"]
        lines.append("    metrics:")
        for metric, value in metrics.items():
            lines += [f"    - type: {_yaml_str(metric)}", f"      value: {json.dumps(json_safe(value))}"]
    lines.append("---")
    return "\n".join(lines)


def metrics_table(metrics, anchors):
    """Markdown table: one row per metric, this model then each anchor side by side."""
    if not metrics and not anchors:
        return ""
    names = list(metrics)
    for values in anchors.values():
        names += [m for m in values if m not in names]
    header = ["metric", "this model"] + list(anchors)
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for metric in names:
        cells = [f"`{metric}`", _fmt(metrics[metric]) if metric in metrics else "—"]
        cells += [_fmt(a[metric]) if metric in a else "—" for a in anchors.values()]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _recipe_table(recipe):
    rows = []
    for section in ("model", "train", "data"):
        for key, value in (recipe.get(section) or {}).items():
            rows.append(f"| {section} | `{key}` | `{json.dumps(json_safe(value))}` |")
    if not rows:
        return ""
    return "| section | key | value |\n|---|---|---|\n" + "\n".join(rows)


def render_card(name, card, metadata):
    """The card's markdown text (README.md of the entry)."""
    card = ModelCard.from_any(card)
    recipe = metadata.get("recipe") or {}
    seed = (recipe.get("job") or {}).get("seed")
    out = [front_matter(name, card, metadata), "", f"# {name}", ""]
    if card.summary:
        out += [card.summary.strip(), ""]

    out += ["## Model details", ""]
    out += [
        f"- Class: `{metadata.get('class', '?')}` (family `{metadata.get('family') or '-'}`)",
        f"- Parameters: {_fmt(metadata.get('parameters', 0))}",
        f"- Published: {metadata.get('date', '?')} with kerazoo {metadata.get('kerazoo', '?')}, "
        f"Keras {metadata.get('keras', '?')}, TensorFlow {metadata.get('tensorflow', '?')}",
        "- SavedModel signatures: " + ", ".join(f"`{s}`" for s in metadata.get("signatures", [])),
        "",
    ]
    if card.model_details:
        out += [card.model_details.strip(), ""]

    if card.intended_use:
        out += ["## Intended use", "", card.intended_use.strip(), ""]

    out += ["## Training data and recipe", ""]
    if card.training:
        out += [card.training.strip(), ""]
    if recipe:
        table = _recipe_table(recipe)
        if table:
            out += [table, ""]
        out += [
            f"Re-create it with `kerazoo train tuning/{name}.toml --publish {name} --force`"
            + (f" (seed {seed})." if seed is not None else "."),
            "",
        ]

    out += ["## Evaluation", ""]
    if card.evaluation:
        out += [card.evaluation.strip(), ""]
    table = metrics_table(metadata.get("metrics", {}), card.anchors)
    if table:
        out += [table, ""]

    if card.pictures:
        out += ["## Pictures", ""]
        for file_name, caption in card.pictures.items():
            out += [f"![{caption}]({file_name})", "", f"*{caption}*", ""]

    if card.limitations:
        out += ["## Limitations", "", card.limitations.strip(), ""]

    signatures = metadata.get("signatures", [])
    out += [
        "## How to load",
        "",
        "```python",
        "import kerazoo",
        f'model = kerazoo.load("{name}")  # checks every sha256, loads with safe_mode=True',
        "```",
        "",
        "Or serve the SavedModel with TensorFlow alone:",
        "",
        "```python",
        "import tensorflow as tf",
        f'served = tf.saved_model.load("zoo/{name}/saved_model")',
    ]
    if signatures:
        out.append(f'fn = served.signatures["{signatures[0]}"]')
    out += ["```", ""]
    return "\n".join(out)
