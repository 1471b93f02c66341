"""Named hypermodels for the zoo's families (the style of keras-tuner's `HyperXception`).

Each class fixes the facts of the problem in its constructor (the data set, the model's
architecture as `[model]` keyword arguments, the number of epochs) and names every
hyperparameter it tunes, each defaulting to the recipe's value:

```python
hypermodel = RBMHyperModel(n_hidden=500, subset=10000, epochs=5)
tuner = keras_tuner.RandomSearch(hypermodel, objective=keras_tuner.Objective(
    "val_pseudo_log_likelihood", "max"), max_trials=10)
```

or wraps a job file (`RBMHyperModel("tuning/rbm.fashion_mnist.toml")`). `hypermodel_for(job)`
picks the class of a job's family, and `JobHyperModel` itself for a family without one (any
registered family can be tuned through its job's space).

Where the search space comes from: a job file's `[search.space]` is the only statement of a
search space in kerazoo. Each class names the zoo entry whose job file is its family's
reference (`entry`, e.g. "rbm.fashion_mnist" for `tuning/rbm.fashion_mnist.toml`), and a
hypermodel whose job states no space (one made from the problem's facts, or a job file
without `[search.space]`) searches that job file's space (`shipped_space()`), fitted around
its own recipe: a range is widened (a value added to a choice) to hold the recipe's value,
and a key its recipe leaves to the model is left out, so the default trial is the recipe.
Reading the job file, rather than restating its space here, keeps `kerazoo tune
tuning/<entry>.toml` and `<Family>HyperModel(...)` searching the same space, and a change to
a space is made in one place. The job files come with a kerazoo clone (`tuning/`); without
one, pass a job file or `space=` (in the layout of `[search.space]`). With `epochs=`, the
number of epochs is a fact of the problem, so `epochs` leaves the space (as `kerazoo tune
--epochs` does). The entry's name also gives the default data set, `<architecture>.<dataset>`.
"""

from kerazoo.models.dbn.classifier import DBNClassifier
from kerazoo.recipes.dbn import CLASSIFIER_KEYS
from kerazoo.recipes.schema import Job, JobError, load_job, parse_job, shipped_job_path
from kerazoo.tuning.hypermodel import JobHyperModel, constructor_defaults

_HYPERMODELS = {}


def _register(cls):
    _HYPERMODELS[cls.family_name] = cls
    return cls


def hypermodel_for(job, **kwargs):
    """The named hypermodel of a job's family (`JobHyperModel` when it has none)."""
    if not isinstance(job, Job):
        job = load_job(job)
    return _HYPERMODELS.get(job.family, JobHyperModel)(job, **kwargs)


class FamilyHyperModel(JobHyperModel):
    """Base of the named hypermodels: a job file, or the problem's facts as arguments.

    Args:
        job: a job file or `Job` of this family; when None, a job is made of the other
            arguments (the family's recipe defaults for everything they leave out).
        dataset: the data set, e.g. "fashion_mnist" (default: that of `entry`).
        subset: train on the first N training examples only.
        epochs: epochs per trial (then `epochs` is not searched).
        seed: the seed every trial starts from.
        space: the search space, in the layout of `[search.space]` (default: the job's,
            else `shipped_space()` fitted around the job's recipe; see the module).
        name, tunable: as for `keras_tuner.HyperModel`.
        **model: fixed `[model]` arguments (the architecture), e.g. `n_hidden=500`.
    """

    #: The zoo entry whose job file, `tuning/<entry>.toml`, states the family's search space.
    entry = None

    def __init__(self, job=None, *, dataset=None, subset=None, epochs=None, seed=0,
                 space=None, name=None, tunable=True, **model):
        if job is None:
            dataset = dataset or self.entry.split(".", 1)[1]
            data = {"dataset": dataset, **({"subset": int(subset)} if subset else {})}
            job = parse_job(
                {
                    "job": {"name": f"{self.family_name}.{dataset}", "family": self.family_name,
                            "seed": int(seed)},
                    "model": model,
                    "data": data,
                    "train": {"epochs": int(epochs)} if epochs else {},
                },
                where=type(self).__name__,
            )
        elif model or dataset or subset or epochs:
            raise TypeError(
                f"{type(self).__name__}: give either a job or the problem's facts "
                f"(dataset, subset, epochs, model arguments), not both. Received: job={job!r} "
                f"and {sorted(k for k, v in dict(model, dataset=dataset, subset=subset, epochs=epochs).items() if v)}"
            )
        self._fixed_epochs = bool(epochs)
        super().__init__(job, space=space, name=name, tunable=tunable)

    @classmethod
    def job_file(cls):
        """The path of the family's reference job file, `tuning/<entry>.toml`."""
        return shipped_job_path(cls.entry)

    @classmethod
    def shipped_space(cls):
        """The `[search.space]` of `tuning/<entry>.toml`: `{key: spec}`."""
        path = cls.job_file()
        if not path.is_file():
            raise JobError(
                f"{cls.__name__}: its search space is the [search.space] of the job file "
                f"tuning/{cls.entry}.toml, which is not here ({path}); job files come with a "
                "kerazoo clone. Pass a job file, or the space as space={...}."
            )
        return load_job(path).search["space"]

    def default_space(self):
        space = dict(self.shipped_space())
        if self._fixed_epochs:
            space.pop("epochs", None)
        return space


def _named(class_name, family_name, entry, model, objective, **attributes):
    """A registered `FamilyHyperModel` subclass for one family: the family's registered
    name, its reference entry (`tuning/<entry>.toml` states the space), the model it tunes
    and the objective, in the docstring."""
    doc = (f"{model}: the search space of `tuning/{entry}.toml`.\n\n"
           f"    Objective: {objective}.")
    namespace = {"__doc__": doc, "__module__": __name__, "__qualname__": class_name,
                 "family_name": family_name, "entry": entry, **attributes}
    return _register(type(class_name, (FamilyHyperModel,), namespace))


# One row per family: (class, registered family, reference entry, what it tunes, objective).
AutoencoderHyperModel = _named(
    "AutoencoderHyperModel", "autoencoder", "ae.fashion_mnist",
    "`Autoencoder`", "the validation loss (min)")
SparseAutoencoderHyperModel = _named(
    "SparseAutoencoderHyperModel", "sparse_autoencoder", "sparse_ae.fashion_mnist",
    "`SparseAutoencoder`", "the validation loss (min)")
DenoisingAutoencoderHyperModel = _named(
    "DenoisingAutoencoderHyperModel", "denoising_autoencoder", "dae.fashion_mnist",
    "`DenoisingAutoencoder`", "the validation loss (min)")
ContractiveAutoencoderHyperModel = _named(
    "ContractiveAutoencoderHyperModel", "contractive_autoencoder", "contractive_ae.fashion_mnist",
    "`ContractiveAutoencoder`", "the validation loss (min)")
VAEHyperModel = _named(
    "VAEHyperModel", "vae", "vae.fashion_mnist",
    "`VariationalAutoencoder`", "the validation negative ELBO (min)")
RBMHyperModel = _named(
    "RBMHyperModel", "rbm", "rbm.fashion_mnist",
    "`BernoulliRBM` trained by CD", "the validation pseudo-log-likelihood (max)")
GRBMHyperModel = _named(
    "GRBMHyperModel", "grbm", "grbm.fashion_mnist",
    "`GaussianBernoulliRBM`", "the validation reconstruction error (min)")
DBNHyperModel = _named(
    "DBNHyperModel", "dbn", "dbn.fashion_mnist",
    "`DBN` pretrained greedily", "the top layer's validation reconstruction error (min)")
DBNClassifierHyperModel = _named(
    "DBNClassifierHyperModel", "dbn_classifier", "dbn_classifier.fashion_mnist",
    "A DBN pretrained, then fine-tuned as a classifier", "the validation accuracy (max)",
    # The fine-tuned network's keys take `DBNClassifier`'s defaults (the family's model
    # class is the `DBN`, whose constructor does not show them).
    extra_defaults={k: v for k, v in constructor_defaults(DBNClassifier).items()
                    if k in CLASSIFIER_KEYS})
AutoRecHyperModel = _named(
    "AutoRecHyperModel", "autorec", "autorec.movielens_100k",
    "`AutoRec` on MovieLens-100k", "the validation RMSE (min)")
RBMCFHyperModel = _named(
    "RBMCFHyperModel", "rbm_cf", "rbm_cf.movielens_100k",
    "`RBMRecommender` on MovieLens-100k", "the validation RMSE (min)")
DeepClusteringHyperModel = _named(
    "DeepClusteringHyperModel", "deep_clustering", "dec.fashion_mnist",
    "`DeepClustering` (DEC / IDEC)", "the clustering loss (min)")
IMSATHyperModel = _named(
    "IMSATHyperModel", "imsat", "imsat.fashion_mnist",
    "`IMSAT`", "the training loss, VAT minus the weighted mutual information (min)")
GANHyperModel = _named(
    "GANHyperModel", "gan", "dcgan.fashion_mnist",
    "`GAN` (DCGAN by default)",
    "`val_fd`, the Fréchet distance of samples to the validation images in the features of "
    "`classifier.fashion_mnist` (min), which the gan family measures after training "
    "(`search_metrics`); the GAN itself never sees the classifier")
ClassifierHyperModel = _named(
    "ClassifierHyperModel", "classifier", "classifier.fashion_mnist",
    "`CNNClassifier`, the evaluator of the generative models", "the validation accuracy (max)")
