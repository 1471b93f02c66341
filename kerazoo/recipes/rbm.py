"""The `rbm` and `grbm` families: how the zoo's RBMs are built, trained and described.

Job files `tuning/rbm.<dataset>.toml` and `tuning/grbm.<dataset>.toml` name these
families. `[model]` holds the constructor arguments of `BernoulliRBM` /
`GaussianBernoulliRBM` (including `weight_decay`, which is part of the training
objective); `[train]` holds the optimizer and the loop:

- `epochs`, `batch_size`;
- `optimizer` (a Keras optimizer name, "sgd" by default), `learning_rate`, `momentum`
  (SGD only) and `learning_rate_final_fraction`: the learning rate decays linearly to
  this fraction of its initial value over the run (1.0: constant);
- `steps_per_execution` (CD steps per call into TensorFlow);
- evaluation: `ais_chains`, `ais_betas` (the Bernoulli RBM's AIS estimate of log Z),
  `sklearn_anchor` (train scikit-learn's `BernoulliRBM` with the same hidden units,
  batch size and epochs for the card's comparison), `sample_gibbs_steps` (the sample
  grid).

Data: the official training images minus the last 6,000 (validation), the official
test images for evaluation; `[data] subset = N` trains on the first N images (and
validates on at most N / 9).
"""

import time
from pathlib import Path

import keras
import numpy as np

import kerazoo.metrics as kz_metrics
from kerazoo.models.rbm.bernoulli_rbm import BernoulliRBM
from kerazoo.models.rbm.gaussian_bernoulli_rbm import GaussianBernoulliRBM
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family
from kerazoo.utils.distribution import num_replicas
from kerazoo.viz import filter_grid, image_grid

_COMMON_TRAIN = {
    "epochs": 20,
    "batch_size": 100,
    "optimizer": "sgd",
    "learning_rate": 0.05,
    "momentum": 0.9,
    "learning_rate_final_fraction": 1.0,
    "steps_per_execution": 100,
    "sample_gibbs_steps": 1000,
}

_DATASET_NAMES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST"}
TEXT = CardText("rbm")


def make_optimizer(train, steps_per_epoch):
    """The Keras optimizer of a `[train]` table (see the module docstring)."""
    learning_rate = float(train["learning_rate"])
    fraction = float(train.get("learning_rate_final_fraction", 1.0))
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(
            "`learning_rate_final_fraction` must lie in [0, 1]. Received: "
            f"learning_rate_final_fraction={fraction}"
        )
    schedule = learning_rate
    if fraction < 1.0:
        schedule = keras.optimizers.schedules.PolynomialDecay(
            learning_rate,
            decay_steps=max(1, int(train["epochs"]) * int(steps_per_epoch)),
            end_learning_rate=learning_rate * fraction,
        )
    name = str(train.get("optimizer", "sgd")).lower()
    if name == "sgd":
        return keras.optimizers.SGD(schedule, momentum=float(train.get("momentum", 0.0)))
    optimizer = keras.optimizers.get(name)
    return optimizer.__class__(learning_rate=schedule)


def _fit(run, callbacks, verbose):
    model, data, job = run.model, run.data, run.job
    train = job.train
    keras.utils.set_random_seed(job.seed)
    x = data["x_train"]
    steps_per_epoch = int(np.ceil(len(x) / train["batch_size"]))
    spe = int(train["steps_per_execution"])
    if num_replicas() > 1:
        spe = 1  # keras-team/keras#19246 (several steps per execution under a strategy)
    model.compile(optimizer=make_optimizer(train, steps_per_epoch), steps_per_execution=spe)
    start = time.perf_counter()
    history = model.fit(
        x,
        epochs=int(train["epochs"]),
        batch_size=int(train["batch_size"]),
        validation_data=data.get("x_val"),
        callbacks=list(callbacks),
        verbose=verbose,
        shuffle=True,
    )
    run.notes["train_seconds"] = time.perf_counter() - start
    return history


def _evaluate_monitors(model, x, batch_size):
    logs = model.evaluate(x, batch_size=batch_size, verbose=0, return_dict=True)
    return {f"test_{name}": float(value) for name, value in logs.items()}


def _recon_grid(model, x):
    originals = x[:16]
    reconstructions = model.reconstruct(originals)
    return np.concatenate([originals, reconstructions])


def _artifacts(run, directory, binarize=None):
    model, data, job = run.model, run.data, run.job
    directory = Path(directory)
    name = _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])
    steps = int(job.train["sample_gibbs_steps"])
    samples = model.sample(64, gibbs_steps=steps, seed=job.seed)
    x_test = data["x_test"]
    if binarize is not None:
        x_test = (x_test > binarize).astype(np.float32)
    return [
        image_grid(samples, directory / "samples.png", ncols=8,
                   title=f"{job.name}: 64 samples after {steps} Gibbs steps"),
        filter_grid(model.kernel, directory / "filters.png", n_filters=100, ncols=10,
                    title=f"{job.name}: first 100 filters"),
        image_grid(_recon_grid(model, x_test), directory / "reconstructions.png", ncols=16,
                   title=f"{name} test images (top) and reconstructions (bottom)"),
    ]


def _chain(model):
    if model.persistent:
        return TEXT.phrase("chain_pcd", cd_k=model.cd_k, n_chains=model.n_chains)
    return TEXT.phrase("chain_cd", cd_k=model.cd_k)


def _card_values(model, job, notes):
    """The values that the card text of both families shares."""
    t = job.train
    decay = t["learning_rate_final_fraction"]
    seconds = notes.get("train_seconds")
    return {
        "data_name": _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"]),
        "train": t,
        "seed": job.seed,
        "n_hidden": model.n_hidden,
        "weight_decay": model.weight_decay,
        "chain": _chain(model),
        "schedule": (TEXT.phrase("schedule_constant") if decay >= 1.0
                     else TEXT.phrase("schedule_linear", fraction=decay)),
        "training_time": TEXT.phrase("training_time", minutes=seconds / 60) if seconds else "",
    }


@register_family
class RBMFamily(Family):
    """Bernoulli RBMs on binarized images; evaluated by the AIS (or exact) log-likelihood."""

    name = "rbm"
    model_class = BernoulliRBM
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {
        **_COMMON_TRAIN,
        "ais_chains": 100,
        "ais_betas": 14500,
        "sklearn_anchor": True,
    }
    objective = ("val_pseudo_log_likelihood", "max")

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        return _fit(run, callbacks, verbose)

    def _score(self, kernel, visible_bias, hidden_bias, v_test, v_train, base, job):
        """(test LL, its AIS spread, train LL, log Z) with the family's estimator."""
        log_z, std, _ = kz_metrics.bernoulli_rbm_log_partition(
            kernel, visible_bias, hidden_bias, n_chains=int(job.train["ais_chains"]),
            n_betas=int(job.train["ais_betas"]), base_visible_bias=base, seed=job.seed,
        )
        test = -np.mean(kz_metrics.bernoulli_rbm_free_energy(v_test, kernel, visible_bias, hidden_bias))
        train = -np.mean(kz_metrics.bernoulli_rbm_free_energy(v_train, kernel, visible_bias, hidden_bias))
        return float(test - log_z), float(std), float(train - log_z), float(log_z)

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        x_test = data["x_test"]
        results = _evaluate_monitors(model, x_test, int(job.train["batch_size"]))
        v_train = model.visible_numpy(data["x_train"])
        v_test = model.visible_numpy(x_test)
        base = kz_metrics.base_rate_visible_bias(v_train)
        kernel, visible_bias, hidden_bias = model.weights_numpy()
        test_ll, std, train_ll, log_z = self._score(
            kernel, visible_bias, hidden_bias, v_test, v_train[:10000], base, job
        )
        results.update(
            {
                "test_log_likelihood": test_ll,
                "test_log_likelihood_std": std,
                "train_log_likelihood": train_ll,
                "log_partition": log_z,
            }
        )
        notes = run.notes
        notes["estimator"] = "exact" if model.n_hidden <= kz_metrics.MAX_EXACT_HIDDEN else "ais"
        if job.train["sklearn_anchor"]:
            anchor, notes["sklearn_seconds"] = self._sklearn_anchor(model, job, v_train, v_test, base)
            notes["anchors"] = {"scikit-learn BernoulliRBM": anchor}
        return results

    def _sklearn_anchor(self, model, job, v_train, v_test, base):
        """scikit-learn's BernoulliRBM at the same size, batch and epochs, same estimator:
        its scores and its training time in seconds."""
        from sklearn.neural_network import BernoulliRBM as SklearnRBM

        sk = SklearnRBM(
            n_components=model.n_hidden,
            learning_rate=0.05,
            batch_size=int(job.train["batch_size"]),
            n_iter=int(job.train["epochs"]),
            random_state=job.seed,
        )
        start = time.perf_counter()
        sk.fit(v_train)
        seconds = time.perf_counter() - start
        test_ll, std, train_ll, log_z = self._score(
            sk.components_.T.astype(np.float64), sk.intercept_visible_.astype(np.float64),
            sk.intercept_hidden_.astype(np.float64), v_test, v_train[:10000], base, job,
        )
        return {
            "test_log_likelihood": test_ll,
            "test_log_likelihood_std": std,
            "train_log_likelihood": train_ll,
            "log_partition": log_z,
        }, seconds

    def card(self, run):
        model, metrics, job, notes = run.model, run.metrics, run.job, run.notes
        values = _card_values(model, job, notes)
        values["binar"] = (TEXT.phrase("binarized", binarize=model.binarize)
                           if model.binarize is not None else TEXT.phrase("not_binarized"))
        if notes.get("estimator", "ais") == "exact":
            values["log_z"] = TEXT.phrase("log_z_exact")
        else:
            values["log_z"] = TEXT.phrase("log_z_ais", **values)
        anchors = notes.get("anchors", {})
        values["sklearn_comparison"] = ""
        if anchors:
            sk = anchors["scikit-learn BernoulliRBM"]
            gain = metrics.get("test_log_likelihood", float("nan")) - sk["test_log_likelihood"]
            values["sklearn_comparison"] = TEXT.phrase("sklearn_comparison", gain=gain, **values)
        return {
            **TEXT.sections("rbm", **values),
            "anchors": anchors,
            "tags": ["rbm", "energy-based", "contrastive-divergence", "generative",
                     job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": TEXT.render("pictures", **values),
        }

    def artifacts(self, run, directory):
        return _artifacts(run, directory, binarize=run.model.binarize)


@register_family
class GRBMFamily(Family):
    """Gaussian-Bernoulli RBMs on standardized images; evaluated by reconstruction error."""

    name = "grbm"
    model_class = GaussianBernoulliRBM
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {**_COMMON_TRAIN, "learning_rate": 0.005, "ais_chains": 100, "ais_betas": 14500}
    objective = ("val_reconstruction_error", "min")

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        return _fit(run, callbacks, verbose)

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        x_test = data["x_test"]
        results = _evaluate_monitors(model, x_test, int(job.train["batch_size"]))
        recon = model.reconstruct(x_test)
        results["test_reconstruction_mse"] = float(np.mean((recon - x_test) ** 2))
        mean_image = data["x_train"].mean(axis=0, keepdims=True)
        anchors = {
            "mean training image (no model)": {
                "test_reconstruction_mse": float(np.mean((x_test - mean_image) ** 2)),
            }
        }
        if int(job.train["ais_betas"]):
            ll = model.log_likelihood(
                x_test, method="ais", n_chains=int(job.train["ais_chains"]),
                n_betas=int(job.train["ais_betas"]), seed=job.seed,
            )
            results["test_log_density"] = ll.value
            results["test_log_density_std"] = ll.std
            # The same density without hidden units: independent Gaussian pixels with
            # the model's own means and (floored) standard deviations.
            mean = np.asarray(model.data_mean.numpy(), np.float64)
            std = np.asarray(model.data_std.numpy(), np.float64)
            z = (x_test.reshape(len(x_test), -1) - mean) / std
            anchors["independent Gaussian pixels (same standardization)"] = {
                "test_log_density": float(np.mean(
                    -0.5 * np.sum(z**2, axis=1)
                    - 0.5 * z.shape[1] * np.log(2.0 * np.pi) - np.log(std).sum()
                )),
            }
        run.notes["anchors"] = anchors
        return results

    def card(self, run):
        model, job = run.model, run.job
        values = _card_values(model, job, run.notes)
        values["sigma"] = TEXT.phrase("sigma_learned" if model.learn_sigma else "sigma_unit")
        values["min_std"] = model.min_std
        return {
            **TEXT.sections("grbm", **values),
            "anchors": run.notes.get("anchors", {}),
            "tags": ["rbm", "gaussian-bernoulli-rbm", "energy-based", "contrastive-divergence",
                     job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": TEXT.render("pictures", **values),
        }

    def artifacts(self, run, directory):
        return _artifacts(run, directory)
