"""`JobHyperModel`: a keras-tuner `HyperModel` for any registered family, from a job.

A job file (`kerazoo.recipes.schema`) holds a recipe and a search space around it. The
hypermodel declares one hyperparameter per `[search.space]` entry, named after the
`[model]` or `[train]` key it varies and defaulting to the recipe's value, so a trial
with default values *is* the recipe. `build(hp)` is the family's `build` on the job with
the trial's values; `fit(hp, model)` makes the trial's `kerazoo.recipes.Run` and runs the
family's own training on it (Keras `fit`, CD, greedy pretraining, `fit_ratings`, ...),
then reads the objective from its logs: the last epoch's value, the model that `fit`
returns (a family whose objective is measured after training, e.g. a Frechet distance,
adds it with an optional `search_metrics(run) -> {name: value}` method). `fit` returns the final
value of every logged metric as a dict; the tuner's `keras_tuner.Objective` states the
objective's name and direction (from `[search]`, else the family's default).
"""

import inspect
import json

import keras
import keras_tuner
import numpy as np

from kerazoo.callbacks import DivergenceGuard
from kerazoo.recipes.family import Run
from kerazoo.recipes.registry import get_family
from kerazoo.recipes.schema import Job, JobError, _parse_space_entry, load_job


def constructor_defaults(model_class):
    """Constructor defaults of a Keras model class and its Keras-model bases."""
    defaults = {}
    for cls in getattr(model_class, "__mro__", ()):
        if cls is keras.Model or not issubclass(cls, keras.Model):
            continue
        params = inspect.signature(cls.__init__).parameters
        for n, p in params.items():
            if p.default is not inspect.Parameter.empty:
                defaults.setdefault(n, p.default)
    return defaults


def _final_logs(history):
    """`{metric: last epoch's value}` from a Keras `History` or a dict of per-epoch logs."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            "A family's fit() must return a keras History or a dict of per-epoch logs. "
            f"Received: {type(history).__name__}"
        )
    out = {}
    for key, values in logs.items():
        value = values[-1] if isinstance(values, (list, tuple, np.ndarray)) and len(values) else values
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            continue
    return out


class JobHyperModel(keras_tuner.HyperModel):
    """A keras-tuner `HyperModel` built on a job file and its family.

    Args:
        job: a `kerazoo.recipes.Job` or the path of a job file (`tuning/<name>.toml`).
        space: the search space, in the layout of `[search.space]` (default: the job's;
            for a job without one, `default_space()` fitted around the job's recipe: none
            here, the family's reference job file's for the named hypermodels of
            `kerazoo.tuning.family_hypermodels`).
        data: the family's data (`family.load_data(job)`), loaded on the first `fit` when
            not given and shared by every trial.
        name, tunable: as for `keras_tuner.HyperModel`.

    Every hyperparameter is named after its `[model]` / `[train]` key and defaults to the
    recipe's value (else the model constructor's default). Hyperband's `tuner/epochs`
    sets `epochs`; each trial trains from scratch.
    """

    #: The family this class is for (None: any, taken from the job).
    family_name = None
    #: Recipe defaults of keys the model class's constructor does not show.
    extra_defaults = {}

    def __init__(self, job, space=None, data=None, name=None, tunable=True):
        super().__init__(name=name or getattr(job, "name", None), tunable=tunable)
        if not isinstance(job, Job):
            job = load_job(job)
        if self.family_name is not None and job.family != self.family_name:
            raise ValueError(
                f"{type(self).__name__} tunes family {self.family_name!r}. "
                f"Received: a job of family {job.family!r} ({job.path or job.name})"
            )
        self.job = job
        self.family = get_family(job.family)
        self.data = data
        if space is None:
            space = job.search.get("space") or self._fitted_default_space()
        self.space = self._checked_space(space)

    def default_space(self):
        """The search space of a job that states none, `{key: spec}` as in
        `[search.space]` (here none: a generic job must state its own)."""
        return {}

    # -- the search space ----------------------------------------------------------------

    def recipe_value(self, key):
        """The recipe's value of a hyperparameter (`[model]`, `[train]`, then the model's
        constructor default); None when the recipe does not set it."""
        if key in self.job.model:
            return self.job.model[key]
        if key in self.job.train:
            return self.job.train[key]
        if key in self.extra_defaults:
            return self.extra_defaults[key]
        return constructor_defaults(self.family.model_class).get(key)

    def _fitted_default_space(self):
        """`default_space()` around this job's recipe: a range is widened (a value added to
        a choice) to hold the recipe's value, and a key the recipe leaves to the model
        (None) or sets to something else than a number is left out, so the default trial
        is always the recipe."""
        space = {}
        for key, spec in self.default_space().items():
            spec, value = dict(spec), self.recipe_value(key)
            if spec["type"] == "bool":
                if not isinstance(value, bool):
                    continue
            elif spec["type"] == "choice":
                if value is None or type(value) is not type(spec["values"][0]):
                    continue
                if value not in spec["values"]:
                    spec["values"] = sorted([*spec["values"], value])
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                spec["min"], spec["max"] = min(spec["min"], value), max(spec["max"], value)
            space[key] = spec
        return space

    def _checked_space(self, space):
        where = self.job.path or f"job {self.job.name!r}"
        model_keys = self.family.model_keys() or set(self.job.model)
        checked = {}
        for key, spec in space.items():
            if key not in model_keys and key not in self.job.train:
                raise JobError(
                    f"{where}: search.space.{key}: `{key}` is neither a [model] nor a [train] "
                    f"key of family {self.family.name!r}."
                )
            spec = dict(spec)
            fixed = self.recipe_value(key)
            if fixed is None:  # not in the recipe: the space's own first value
                fixed = spec["values"][0] if spec.get("type") == "choice" else spec.get("min", False)
            checked[key] = (_parse_space_entry(spec, fixed, f"search.space.{key}", where), fixed)
        return checked

    def declare(self, hp):
        """Declares every hyperparameter of the space on `hp`; returns `{key: value}`."""
        values = {}
        for key, (spec, default) in self.space.items():
            kind = spec["type"]
            if kind == "bool":
                values[key] = hp.Boolean(key, default=bool(default))
            elif kind == "choice":
                choices = spec["values"]
                if all(isinstance(v, (bool, int, float, str)) for v in choices) and len(
                    {type(v) for v in choices}
                ) == 1:
                    values[key] = hp.Choice(key, choices, default=default)
                else:  # lists or mixed types: choose among their JSON texts
                    texts = [json.dumps(v) for v in choices]
                    values[key] = json.loads(hp.Choice(key, texts, default=json.dumps(default)))
            elif kind == "int":
                values[key] = hp.Int(key, spec["min"], spec["max"], step=spec.get("step"),
                                     sampling=spec["sampling"], default=int(default))
            else:
                values[key] = hp.Float(key, spec["min"], spec["max"], step=spec.get("step"),
                                       sampling=spec["sampling"], default=float(default))
        return values

    def declare_hyperparameters(self, hp):
        self.declare(hp)

    def trial_job(self, hp):
        """The job with the trial's hyperparameter values in `[model]` / `[train]`."""
        values = self.declare(hp)
        if "tuner/epochs" in hp.values:  # Hyperband's budget for this trial
            values["epochs"] = int(hp.values["tuner/epochs"])
        model, train = dict(self.job.model), dict(self.job.train)
        for key, value in values.items():
            (train if key in train and key not in model else model)[key] = value
        return self.job.replace(model=model, train=train)

    # -- keras-tuner's interface -----------------------------------------------------------

    def build(self, hp):
        job = self.trial_job(hp)
        keras.utils.set_random_seed(job.seed)
        return self.family.build(job)

    def load_data(self):
        if self.data is None:
            self.data = self.family.load_data(self.job)
        return self.data

    def fit(self, hp, model, *args, callbacks=None, verbose="auto", **kwargs):
        """Trains `model` with the family's recipe and the trial's values.

        Returns:
            `{metric: value}`: the last epoch's value of every metric the family's `fit`
            logged, which includes the search objective.
        """
        run = Run(job=self.trial_job(hp), model=model, data=self.load_data())
        callbacks = [c for c in (callbacks or []) if not _is_checkpoint(c)]
        run.history = self.family.fit(
            run, callbacks=[*callbacks, DivergenceGuard()], verbose=verbose,
        )
        metrics = _final_logs(run.history)
        objective = self.job.search["objective"]
        if objective not in metrics and callable(getattr(self.family, "search_metrics", None)):
            # Objectives measured after training (e.g. a Frechet distance on validation
            # samples): the family's `search_metrics(run) -> {name: value}`.
            metrics.update({k: float(v) for k, v in self.family.search_metrics(run).items()})
        if objective not in metrics:
            raise ValueError(
                f"{self.job.path or self.job.name}: the search objective `{objective}` is not "
                f"among the metrics family {self.family.name!r} logged: {sorted(metrics)}. "
                "Set search.objective to one of them (or give the family a search_metrics())."
            )
        return metrics


def _is_checkpoint(callback):
    """keras-tuner's own best-epoch checkpoint: kerazoo saves the whole trial model instead."""
    return type(callback).__name__ == "SaveBestEpoch"
