"""Job files: the recipe of a zoo entry and the search space around it.

A job file is TOML, one per zoo entry, stored as `tuning/<entry>.toml`:

```toml
[job]
name = "rbm.fashion_mnist"      # the zoo entry it (re-)creates
family = "rbm"                  # a registered family (see `kerazoo.recipes.family`)
seed = 1234
description = "Bernoulli RBM, 500 hidden units, CD-1."

[model]                         # keyword arguments of the family's model class
n_hidden = 500
cd_k = 1

[data]
dataset = "fashion_mnist"       # fashion_mnist | mnist | movielens_100k
# fold = 1                      # MovieLens only
# subset = 10000                # train on the first N training examples only

[train]                         # the recipe: the family's training hyperparameters
epochs = 20
batch_size = 100
learning_rate = 0.05

[card]                          # optional prose for the model card
summary = "..."
intended_use = "..."
limitations = "..."

[search]                        # the search space around the recipe
tuner = "random"                # random | bayesian | hyperband
max_trials = 10
objective = "val_loss"
direction = "min"

[search.space.learning_rate]    # each name is a key of [model] or [train]
type = "float"                  # float | int | choice | bool
min = 0.01
max = 0.2
sampling = "log"                # linear | log (float and int)
# step = ...                    # int and float
# values = [...]                # choice
```

Validation happens at load time, before any training: an unknown section or key, a
value of the wrong type, an empty range or a recipe value outside its search range is
a `JobError` that names the key and the file. Keys of `[model]` and `[train]` are
checked against the family (its model's constructor and its training defaults).
"""

import dataclasses
import difflib
import json
import math
from pathlib import Path

from kerazoo.utils.validation import check_positive_int, check_zoo_name

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

DATASETS = ("fashion_mnist", "mnist", "movielens_100k")
TUNERS = ("random", "bayesian", "hyperband")
SPACE_TYPES = ("float", "int", "choice", "bool")

_SECTIONS = ("job", "model", "data", "train", "card", "search")
_JOB_KEYS = {"name": str, "family": str, "seed": int, "description": str}
_DATA_KEYS = {"dataset": str, "fold": int, "subset": int}
_CARD_KEYS = {
    "summary": str,
    "intended_use": str,
    "limitations": str,
    "license": str,
    "tags": list,
}
_SEARCH_KEYS = {
    "tuner": str,
    "max_trials": int,
    "objective": str,
    "direction": str,
    "executions_per_trial": int,
    "space": dict,
}
_SPACE_KEYS = {"type", "min", "max", "step", "sampling", "values"}


class JobError(ValueError):
    """A job file that does not follow the schema; the message names the key and file."""


@dataclasses.dataclass
class Job:
    """A parsed, validated job file.

    Attributes:
        name: the zoo entry this job re-creates, `<architecture>.<dataset>`.
        family: the registered family that builds and trains the model.
        seed: the random seed of the recipe.
        model: keyword arguments for the family's model class.
        data: `dataset`, and optionally `fold` (MovieLens) and `subset`.
        train: the family's training hyperparameters, defaults filled in.
        card: prose for the model card.
        search: tuner settings and the search space (`search["space"]`).
        path: where the job was read from, if from a file.
        description: one line on what the job trains.
    """

    name: str
    family: str
    seed: int = 0
    description: str = ""
    model: dict = dataclasses.field(default_factory=dict)
    data: dict = dataclasses.field(default_factory=dict)
    train: dict = dataclasses.field(default_factory=dict)
    card: dict = dataclasses.field(default_factory=dict)
    search: dict = dataclasses.field(default_factory=dict)
    path: str = None

    def to_dict(self):
        """The job as plain data, in the layout of the TOML file (for metadata)."""
        job = {"name": self.name, "family": self.family, "seed": self.seed}
        if self.description:
            job["description"] = self.description
        out = {"job": job, "model": dict(self.model), "data": dict(self.data)}
        out["train"] = dict(self.train)
        if self.card:
            out["card"] = dict(self.card)
        if self.search:
            out["search"] = json.loads(json.dumps(self.search))
        return out

    def replace(self, **changes):
        """A copy with whole sections or fields replaced (`train={...}`)."""
        return dataclasses.replace(self, **changes)

    def with_overrides(self, values):
        """A copy with hyperparameters set by name, each in `model` or `train`.

        This is how a search trial (or `--epochs`) turns the recipe into a variant: a
        name is looked up in `[model]` first, then `[train]`.
        """
        model, train = dict(self.model), dict(self.train)
        for key, value in values.items():
            if key in model:
                model[key] = value
            elif key in train:
                train[key] = value
            else:
                raise JobError(
                    f"{self._where()}: cannot set `{key}`: it is neither a [model] nor a "
                    f"[train] key. Known: {sorted(set(model) | set(train))}"
                )
        return self.replace(model=model, train=train)

    def _where(self):
        return self.path or f"job {self.name!r}"


#: The job files of the zoo's entries: `tuning/` of the clone kerazoo is installed from
#: (`pip install -e .`); an installation without the clone has none.
JOBS_DIR = Path(__file__).resolve().parents[2] / "tuning"


def shipped_job_path(name):
    """The job file of the zoo entry `name`, `tuning/<name>.toml` (it may not exist)."""
    return JOBS_DIR / f"{name}.toml"


def load_job(path):
    """Reads and validates a job file. Raises `JobError` naming the key and the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No job file at {path}. Job files live in tuning/<name>.toml.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise JobError(f"{path}: not valid TOML: {e}") from None
    return parse_job(raw, where=str(path))


def parse_job(raw, where="<job>"):
    """Validates a job given as a dict in the layout of the TOML file."""
    _check_keys(raw, _SECTIONS, where, "")
    for section in _SECTIONS:
        if section in raw and not isinstance(raw[section], dict):
            raise JobError(f"{where}: [{section}] must be a table. Received: {raw[section]!r}")

    job_sec = raw.get("job")
    if job_sec is None:
        raise JobError(f"{where}: missing the [job] section (with `name` and `family`).")
    _check_typed(job_sec, _JOB_KEYS, where, "job")
    for key in ("name", "family"):
        if key not in job_sec:
            raise JobError(f"{where}: [job] needs `{key}`.")
    if not 0 <= job_sec.get("seed", 0) < 2**32:  # what keras.utils.set_random_seed takes
        raise JobError(f"{where}: `job.seed` must be in 0..2**32-1. Received: {job_sec['seed']}")
    name = job_sec["name"]
    try:
        check_zoo_name(name, "job.name")  # it names the zoo entry and the files under runs/
    except ValueError as e:
        raise JobError(f"{where}: {e}") from None

    from kerazoo.recipes.registry import get_family

    family = get_family(job_sec["family"], where=where)

    data = dict(raw.get("data", {}))
    _check_typed(data, _DATA_KEYS, where, "data")
    if "dataset" not in data:
        raise JobError(f"{where}: [data] needs `dataset`, one of {list(DATASETS)}.")
    if data["dataset"] not in DATASETS:
        raise JobError(
            f"{where}: data.dataset must be one of {list(DATASETS)}. Received: {data['dataset']!r}"
        )
    if family.datasets and data["dataset"] not in family.datasets:
        raise JobError(
            f"{where}: family {family.name!r} trains on {list(family.datasets)}. "
            f"Received: data.dataset={data['dataset']!r}"
        )
    if "fold" in data and not 1 <= data["fold"] <= 5:
        raise JobError(f"{where}: data.fold must be in 1..5. Received: {data['fold']}")
    if "subset" in data and data["subset"] < 1:
        raise JobError(f"{where}: data.subset must be >= 1. Received: {data['subset']}")

    model = dict(raw.get("model", {}))
    allowed_model = family.model_keys()
    if allowed_model is not None:
        _check_keys(model, allowed_model, where, "model")

    train = dict(family.train_defaults)
    given_train = raw.get("train", {})
    train_types = {k: object if v is None else type(v) for k, v in family.train_defaults.items()}
    _check_typed(given_train, train_types, where, "train")
    train.update(given_train)
    _check_counts(given_train, where)

    card = dict(raw.get("card", {}))
    _check_typed(card, _CARD_KEYS, where, "card")

    search = _parse_search(raw.get("search", {}), model, train, family, where)

    return Job(
        name=name,
        family=family.name,
        seed=job_sec.get("seed", 0),
        description=job_sec.get("description", ""),
        model=model,
        data=data,
        train=train,
        card=card,
        search=search,
        path=where,
    )


def _count_minimum(key):
    """The least value of a [train] count: epochs and batch sizes >= 1, other epochs >= 0."""
    if key in ("epochs", "steps_per_execution") or key.endswith("batch_size"):
        return 1
    if key.endswith("_epochs"):
        return 0
    return None


def _check_counts(train, where):
    for key, value in train.items():
        if key.endswith("learning_rate") and not (
                isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise JobError(  # 0 trains nothing, < 0 climbs the loss, NaN / inf diverge
                f"{where}: `train.{key}` must be a finite number > 0. Received: {value}"
            )
        least = _count_minimum(key)
        if least is not None and isinstance(value, int) and not isinstance(value, bool) and value < least:
            raise JobError(
                f"{where}: `train.{key}` must be >= {least}. Received: {value}"
                + (" (a job that trains nothing would publish an untrained model)"
                   if key == "epochs" else "")
            )


def check_count_flag(value, flag):
    """A `--epochs` / `--subset` / `--max-trials` value as a positive int, else a `JobError`."""
    try:
        return check_positive_int(value, flag)
    except ValueError:
        raise JobError(f"{flag} must be >= 1. Received: {value!r}") from None


def _parse_search(raw, model, train, family, where):
    search = dict(raw)
    _check_typed(search, _SEARCH_KEYS, where, "search")
    search.setdefault("tuner", "random")
    search.setdefault("max_trials", 10)
    search.setdefault("executions_per_trial", 1)
    objective, direction = family.objective
    search.setdefault("objective", objective)
    search.setdefault("direction", direction)
    if search["tuner"] not in TUNERS:
        raise JobError(
            f"{where}: search.tuner must be one of {list(TUNERS)}. Received: {search['tuner']!r}"
        )
    if search["direction"] not in ("min", "max"):
        raise JobError(
            f"{where}: search.direction must be 'min' or 'max'. Received: {search['direction']!r}"
        )
    for key in ("max_trials", "executions_per_trial"):
        if search[key] < 1:
            raise JobError(f"{where}: search.{key} must be >= 1. Received: {search[key]}")

    space = {}
    for hp_name, spec in search.get("space", {}).items():
        key = f"search.space.{hp_name}"
        if hp_name in model:
            fixed = model[hp_name]
        elif hp_name in train:
            fixed = train[hp_name]
        else:
            close = difflib.get_close_matches(hp_name, list(model) + list(train), n=3)
            raise JobError(
                f"{where}: {key}: `{hp_name}` is neither a [model] nor a [train] key, so the "
                f"search has nothing to vary."
                + (f" Did you mean {close}?" if close else "")
            )
        if not isinstance(spec, dict):
            raise JobError(f"{where}: {key} must be a table. Received: {spec!r}")
        space[hp_name] = _parse_space_entry(dict(spec), fixed, key, where)
    search["space"] = space
    return search


def _parse_space_entry(spec, fixed, key, where):
    _check_keys(spec, _SPACE_KEYS, where, key)
    kind = spec.get("type")
    if kind not in SPACE_TYPES:
        raise JobError(f"{where}: {key}.type must be one of {list(SPACE_TYPES)}. Received: {kind!r}")
    if kind == "bool":
        extra = set(spec) - {"type"}
        if extra:
            raise JobError(f"{where}: {key}: a bool takes no {sorted(extra)}.")
        return spec
    if kind == "choice":
        values = spec.get("values")
        extra = set(spec) - {"type", "values"}
        if extra:
            raise JobError(f"{where}: {key}: a choice takes only `values`, not {sorted(extra)}.")
        if not isinstance(values, list) or not values:
            raise JobError(f"{where}: {key}.values must be a non-empty list. Received: {values!r}")
        if fixed not in values:
            raise JobError(
                f"{where}: {key}: the recipe's value {fixed!r} is not among the choices {values}."
            )
        return spec
    if "values" in spec:
        raise JobError(f"{where}: {key}: `values` belongs to type = \"choice\".")
    for bound in ("min", "max"):
        if bound not in spec:
            raise JobError(f"{where}: {key} needs `{bound}`.")
        num_type = int if kind == "int" else (int, float)
        if isinstance(spec[bound], bool) or not isinstance(spec[bound], num_type):
            raise JobError(f"{where}: {key}.{bound} must be a{'n int' if kind == 'int' else ' number'}. "
                           f"Received: {spec[bound]!r}")
    lo, hi = spec["min"], spec["max"]
    if not lo < hi:
        raise JobError(f"{where}: {key} is an empty range: min={lo!r} must be below max={hi!r}.")
    sampling = spec.setdefault("sampling", "linear")
    if sampling not in ("linear", "log"):
        raise JobError(f"{where}: {key}.sampling must be 'linear' or 'log'. Received: {sampling!r}")
    if sampling == "log" and lo <= 0:
        raise JobError(f"{where}: {key}: log sampling needs min > 0. Received: min={lo!r}")
    if "step" in spec:
        step = spec["step"]
        if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0:
            raise JobError(f"{where}: {key}.step must be a positive number. Received: {step!r}")
    if isinstance(fixed, bool) or not isinstance(fixed, (int, float)) or not (
        lo <= fixed <= hi or math.isclose(fixed, lo) or math.isclose(fixed, hi)
    ):
        raise JobError(
            f"{where}: {key}: the recipe's value {fixed!r} lies outside the range [{lo}, {hi}]."
        )
    return spec


def _check_keys(table, allowed, where, section):
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=3)
            prefix = f"{section}." if section else ""
            hint = f" Did you mean {close}?" if close else f" Known keys: {sorted(allowed)}"
            raise JobError(f"{where}: unknown key `{prefix}{key}`.{hint}")


def _check_typed(table, types, where, section):
    _check_keys(table, types, where, section)
    for key, value in table.items():
        expected = types[key]
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise JobError(
                f"{where}: `{section}.{key}` must be of type {expected.__name__}. "
                f"Received: {value!r}"
            )
