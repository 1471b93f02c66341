"""Card prose: the text of each family's model card lives in `templates/<recipe>.toml`.

A recipe computes values (sizes, rates, measured numbers, which variant of a sentence
applies) and renders them into the strings of its template file with `str.format_map`:
`{n_hidden}`, `{learning_rate:g}`, `{seconds:.1f}`, `{train[epochs]}` are format fields as
in `str.format`, and `{{` / `}}` are literal braces. A template file is TOML with one table
per family and one of phrases:

```toml
[phrases]                       # the sentences a recipe chooses among
chain_cd = "CD-{cd_k}"

[rbm]                           # the card's sections, rendered all together
summary = "A Bernoulli restricted Boltzmann machine with {n_hidden} binary hidden units..."

[rbm.pictures]                  # picture file -> caption
"samples.png" = "64 independent samples..."
```

A family's table holds only card fields (`summary`, `model_details`, `intended_use`,
`training`, `evaluation`, `limitations`, `pictures`; `kerazoo.hub.ModelCard` says what each
is); other tables hold what several families share (e.g. `[pictures]`). TOML's line-ending backslash joins wrapped lines; a multi-line string without it keeps
its line breaks.
"""

import functools
from importlib import resources

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib


@functools.lru_cache(maxsize=None)
def _load(name):
    text = resources.files(__package__).joinpath("templates", f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _render(value, values, where):
    if isinstance(value, dict):
        return {key: _render(v, values, f"{where}.{key}") for key, v in value.items()}
    try:
        return value.format_map(values)
    except KeyError as e:
        raise KeyError(f"card template {where} needs the value {e.args[0]!r}") from None


class CardText:
    """The card text of one recipe module, `templates/<name>.toml`.

    Args:
        name: the template file's name without `.toml` (the recipe module's, e.g. "rbm").
    """

    def __init__(self, name):
        self.name = name

    def render(self, path, /, **values):
        """The string or table at `path` ("rbm", "phrases.chain_cd", "pictures"), every
        string rendered with `values`."""
        node = _load(self.name)
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"templates/{self.name}.toml has no {path!r}")
            node = node[key]
        return _render(node, values, f"{self.name}.{path}")

    def phrase(self, key, /, **values):
        """The phrase `key` of the `[phrases]` table, rendered with `values`."""
        return self.render(f"phrases.{key}", **values)

    def sections(self, family, /, **values):
        """The card sections of `[family]`, every string rendered with `values`:
        `{field: text}`, with `pictures` as `{file: caption}`."""
        return self.render(family, **values)


def augmentation_text(random_flip, random_translation):
    """The training-time augmentation in words for a model card ("random left-right flips
    and random shifts by up to 0.1 of the height and width"); an empty string when both are
    off."""
    parts = (["random left-right flips"] if random_flip else []) + (
        [f"random shifts by up to {random_translation:g} of the height and width"]
        if random_translation else [])
    return " and ".join(parts)
