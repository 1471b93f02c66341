"""The family registry: how each model family is built, trained and described from a job.

The hub and the command line know no family by name. Each recipe module of
`kerazoo.recipes` subclasses `Family` and registers it with `@register_family`;
`kerazoo.recipes.registry` imports every recipe module, so `get_family` finds them all.

A family answers these questions about a job (see `kerazoo.recipes.schema.Job`):

- `load_data(job)`: the data the recipe trains and evaluates on;
- `build(job)`: the untrained model (by default `model_class(**job.model)`, with the
  job's seed passed as `seed=` when the constructor takes one);
- `example_data(job, n)`: a small real batch `(x, y)` to fine-tune an entry with `fit`.

Everything after `build` happens to one `Run`, which carries the job, the model, the data
and what the run learns on the way (`kerazoo.recipes.runner.train_job` makes it):

- `fit(run, callbacks, verbose)`: trains `run.model` with the recipe in `run.job.train`,
  returns the Keras `History` (or a dict of per-epoch logs); it may write facts for the
  card into `run.notes` (timings, restarts, ...);
- `evaluate(run)`: the metrics of the model card, a dict of floats (it may add to
  `run.notes`, e.g. the anchors measured next to the model);
- `card(run)`: the card's sections (`kerazoo.hub.ModelCard` fields), from `run.metrics`
  and `run.notes`: the recipe computes the values, and its prose lives in
  `kerazoo/recipes/templates/<recipe module>.toml` (`kerazoo.recipes.card_text`);
- `artifacts(run, directory)`: pictures for the entry (sample grids), their paths.

A registered family is one shared instance: it holds constants only, and everything a
run gathers lives in its `Run`, so two runs of one family never see each other's facts.
"""

import dataclasses
import inspect
from pathlib import Path

import keras

from kerazoo.datasets import image_loader
from kerazoo.recipes.schema import Job

_FAMILIES = {}


@dataclasses.dataclass
class Run:
    """One recipe run: a job, the model it trains, and what the run gathers on the way.

    `kerazoo.recipes.train_job` makes a `Run` and passes it through the family's
    `fit`, `evaluate`, `card` and `artifacts`, then publishes it; it returns the run.
    Code that drives a family itself (a tuner, a benchmark) makes one the same way:

    ```python
    family = get_family(job.family)
    run = Run(job=job, model=family.build(job), data=family.load_data(job))
    run.history = family.fit(run, verbose=0)
    run.metrics = family.evaluate(run)
    card = family.card(run)
    ```

    Attributes:
        job: the `Job` (recipe, data, seed) the run follows.
        model: the `keras.Model` it trains (`family.build(job)`).
        data: the family's data (`family.load_data(job)`), usually a dict of arrays.
        history: what `fit` returned: a Keras `History` or a dict of per-epoch logs.
        metrics: what `evaluate` returned: the card's metrics, `{name: float}`.
        notes: facts the recipe gathers for the card and pictures, `{name: value}`: wall
            times (`train_seconds`, ...), the anchors measured next to the model
            (`anchors`), restarts, label changes, samples of an intermediate model, ...
            Plain Python and numpy values; they are never saved with the model.
        entry: the published entry's folder, when the run was published.
    """

    job: Job
    model: keras.Model
    data: object
    history: object = None
    metrics: dict = dataclasses.field(default_factory=dict)
    notes: dict = dataclasses.field(default_factory=dict)
    entry: Path = None


class Family:
    """Base class of a model family; subclasses set the class attributes and `fit`.

    A registered family is shared by every run: set no attribute on it after `__init__`
    (keep a run's facts in `run.notes`).
    """

    #: The name used as `job.family` in job files.
    name = None
    #: The model class whose constructor arguments form `[model]`.
    model_class = None
    #: Datasets the family trains on (empty: any).
    datasets = ()
    #: The recipe's training hyperparameters and their defaults: the keys of `[train]`.
    train_defaults = {}
    #: The default search objective and its direction.
    objective = ("val_loss", "min")

    def model_keys(self):
        """The keys allowed in `[model]`: the model constructor's named parameters."""
        if self.model_class is None:
            return None
        params = inspect.signature(self.model_class.__init__).parameters
        return {
            name
            for name, p in params.items()
            if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }

    def build(self, job):
        kwargs = dict(job.model)
        if "seed" in (self.model_keys() or ()) and "seed" not in kwargs:
            kwargs["seed"] = job.seed
        return self.model_class(**kwargs)

    def load_data(self, job):
        raise NotImplementedError(f"family {self.name!r} does not define load_data()")

    def fit(self, run, callbacks=(), verbose="auto"):
        """Trains `run.model`; returns the History (or a dict of per-epoch logs)."""
        raise NotImplementedError(f"family {self.name!r} does not define fit()")

    def evaluate(self, run):
        """The card's metrics of the trained `run.model`, `{name: float}`."""
        return {}

    def card(self, run):
        """The card's sections (`kerazoo.hub.ModelCard` fields) of an evaluated run."""
        return {}

    def artifacts(self, run, directory):
        """Writes the entry's pictures into `directory`; returns their paths."""
        return []

    def example_data(self, job, n=64):
        """A small real batch `(x, y)` for `model.fit(x, y)` (y None when unsupervised).

        The zoo tests fine-tune every entry for a step on it. The default takes the first
        `n` test images of the job's image data set.
        """
        x, _ = image_loader(job.data["dataset"])("test")
        return x[:n], None


def register_family(cls):
    """Class decorator: registers a `Family` subclass under `cls.name`."""
    if not (isinstance(cls, type) and issubclass(cls, Family)) or not cls.name:
        raise TypeError(f"register_family expects a Family subclass with a name. Received: {cls!r}")
    _FAMILIES[cls.name] = cls()
    return cls
