"""The family registry: how each model family is built, trained and described from a job.

The hub and the command line know no family by name. Each recipe module of
`kerazoo.recipes` subclasses `Family` and registers it with `@register_family`;
`kerazoo.recipes.registry` imports every recipe module, so `get_family` finds them all.

A family answers five questions about a job (see `kerazoo.recipes.schema.Job`):

- `build(job)`: the untrained model (by default `model_class(**job.model)`, with the
  job's seed passed as `seed=` when the constructor takes one);
- `load_data(job)`: the data the recipe trains and evaluates on;
- `fit(model, data, job, callbacks)`: trains with the recipe in `job.train`, returns
  the Keras `History` (or a dict of per-epoch logs);
- `evaluate(model, data, job)`: the metrics of the model card, a dict of floats;
- `card(model, metrics, job)`: the card's sections (`kerazoo.hub.ModelCard` fields),
  and `artifacts(model, data, job, directory)`: pictures for the entry (sample grids);
- `example_data(job, n)`: a small real batch `(x, y)` to fine-tune an entry with `fit`.
"""

import inspect

_FAMILIES = {}


class Family:
    """Base class of a model family; subclasses set the class attributes and `fit`."""

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

    def fit(self, model, data, job, callbacks=(), verbose="auto"):
        raise NotImplementedError(f"family {self.name!r} does not define fit()")

    def evaluate(self, model, data, job):
        return {}

    def card(self, model, metrics, job):
        return {}

    def artifacts(self, model, data, job, directory):
        return []

    def example_data(self, job, n=64):
        """A small real batch `(x, y)` for `model.fit(x, y)` (y None when unsupervised).

        The zoo tests fine-tune every entry for a step on it. The default takes the first
        `n` test images of the job's image data set.
        """
        from kerazoo.datasets import image_loader

        x, _ = image_loader(job.data["dataset"])("test")
        return x[:n], None


def register_family(cls):
    """Class decorator: registers a `Family` subclass under `cls.name`."""
    if not (isinstance(cls, type) and issubclass(cls, Family)) or not cls.name:
        raise TypeError(f"register_family expects a Family subclass with a name. Received: {cls!r}")
    _FAMILIES[cls.name] = cls()
    return cls
