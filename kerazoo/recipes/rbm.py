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
import tensorflow as tf

import kerazoo.metrics as kz_metrics
from kerazoo.models.rbm.bernoulli_rbm import BernoulliRBM
from kerazoo.models.rbm.gaussian_bernoulli_rbm import GaussianBernoulliRBM
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family
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
    if tf.distribute.get_strategy().num_replicas_in_sync > 1:
        spe = 1  # keras-team/keras#19246
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


def _pictures(job):
    steps = int(job.train["sample_gibbs_steps"])
    return {
        "samples.png": f"64 independent samples: {steps} steps of block Gibbs sampling from "
        "h = 0, showing E[v | h] of the last step.",
        "filters.png": "The first 100 hidden units' weights W[:, j] as images (white "
        "positive, black negative, each scaled to its own largest weight).",
        "reconstructions.png": "Test images (top row) and their mean-field reconstructions "
        "E[v | h = p(h | v)] (bottom row).",
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
        data_name = _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])
        t = job.train
        chain = f"PCD-{model.cd_k} with {model.n_chains} persistent chains" if model.persistent else f"CD-{model.cd_k}"
        binar = (
            f"binarized at {model.binarize} (a pixel is on when its value exceeds {model.binarize})"
            if model.binarize is not None else "taken as probabilities (no binarization)"
        )
        estimator = notes.get("estimator", "ais")
        if estimator == "exact":
            how = "exactly (all 2^n_hidden hidden states summed)"
        else:
            how = (
                f"by annealed importance sampling (Salakhutdinov & Murray 2008): {t['ais_chains']} "
                f"chains, {t['ais_betas']:,} inverse temperatures, a base-rate model from the "
                f"training pixels, seed {job.seed}; `test_log_likelihood_std` is the spread of "
                "the AIS estimate of log Z"
            )
        decay = t["learning_rate_final_fraction"]
        schedule = (
            "constant" if decay >= 1.0 else f"decaying linearly to {decay:g}x by the last step"
        )
        seconds = notes.get("train_seconds")
        anchors = notes.get("anchors", {})
        evaluation = (
            f"Log-likelihoods are mean nats per image on the binarized {data_name} test set "
            f"(10,000 images) and on 10,000 training images, with log Z computed {how}. "
            "The `test_*` monitors are those of `model.evaluate` on the test set: the "
            "reconstruction error after one Gibbs step, the one-flip pseudo-log-likelihood "
            "estimate, the mean free energy and its gap to the training data."
        )
        if anchors:
            sk = anchors["scikit-learn BernoulliRBM"]
            gain = metrics.get("test_log_likelihood", float("nan")) - sk["test_log_likelihood"]
            evaluation += (
                f"\n\nThe anchor is scikit-learn's `BernoulliRBM` (PCD, learning rate 0.05) "
                f"trained in the same run with the same number of hidden units ({model.n_hidden}), "
                f"batch size ({t['batch_size']}) and epochs ({t['epochs']}) on the same binarized "
                f"images, scored by the same estimator with the same seed: this model is "
                f"{gain:+.1f} nats per test image against it."
            )
        return {
            "summary": (
                f"A Bernoulli restricted Boltzmann machine with {model.n_hidden} binary hidden "
                f"units, trained by {chain} on {data_name} images {binar}."
            ),
            "model_details": (
                "`kerazoo.models.BernoulliRBM`: p(v, h) ∝ exp(b·v + c·h + vᵀWh) on 784 binary "
                f"pixels and {model.n_hidden} binary hidden units, with `kernel` W (784 x "
                f"{model.n_hidden}), `visible_bias` b and `hidden_bias` c. Inputs are float32 "
                f"images (N, 28, 28, 1) in [0, 1], {binar} inside the model. "
                "`transform(x)` gives p(h = 1 | v), `reconstruct(x)` the mean-field "
                "reconstruction, `free_energy(x)` F(v), `sample(n, gibbs_steps)` images by block "
                "Gibbs sampling and `log_likelihood(x, method='ais')` the AIS estimate."
            ),
            "intended_use": (
                "Features for downstream models (`transform`), pretraining the first layer of a "
                "deep belief net, generative sampling and teaching energy-based models. "
                "The SavedModel serves `transform`, `reconstruct`, `sample(n, seed, "
                "gibbs_steps)` and `free_energy` without kerazoo."
            ),
            "training": (
                f"{data_name}: the first 54,000 official training images (the last 6,000 are "
                f"the validation set), {binar}. {chain}, {t['epochs']} epochs of batches of "
                f"{t['batch_size']}, {t['optimizer']} (learning rate {t['learning_rate']:g} per "
                f"example, {schedule}; momentum {t['momentum']:g}), weight decay "
                f"{model.weight_decay:g}; the visible biases start at the log-odds of the "
                "training pixels' base rates."
                + (f" Training took {seconds / 60:.1f} minutes on 2 CPU cores." if seconds else "")
            ),
            "evaluation": evaluation,
            "anchors": anchors,
            "limitations": (
                f"The model sees binarized images: grey levels are lost, and its likelihood is "
                f"that of the binarized data. The AIS estimate of log Z is stochastic and, with "
                "too short a schedule, biased low (which biases the log-likelihood high); "
                "its spread does not show that bias. Samples after a finite number of Gibbs "
                "steps are not exact draws from the model. Not a classifier."
            ),
            "tags": ["rbm", "energy-based", "contrastive-divergence", "generative",
                     job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": _pictures(job),
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
        model, metrics, job, notes = run.model, run.metrics, run.job, run.notes
        data_name = _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])
        t = job.train
        chain = f"PCD-{model.cd_k} with {model.n_chains} persistent chains" if model.persistent else f"CD-{model.cd_k}"
        sigma = "learned per-pixel standard deviations" if model.learn_sigma else "unit variances"
        seconds = notes.get("train_seconds")
        decay = t["learning_rate_final_fraction"]
        schedule = "constant" if decay >= 1.0 else f"decaying linearly to {decay:g}x by the last step"
        return {
            "summary": (
                f"A Gaussian-Bernoulli restricted Boltzmann machine with {model.n_hidden} binary "
                f"hidden units on {data_name} images, standardized inside the model, trained by "
                f"{chain}."
            ),
            "model_details": (
                "`kerazoo.models.GaussianBernoulliRBM`: E(v, h) = Σ (v_i - b_i)² / (2σ_i²) - c·h - "
                f"Σ (v_i/σ_i) W_ij h_j with {sigma}, on the standardized pixels v = (x - mean) / "
                f"std; `data_mean` and `data_std` (floored at {model.min_std:g}) come from the "
                "training images and are saved in the model. It takes float32 images "
                "(N, 28, 28, 1) in [0, 1] and returns images in the same layout and range."
            ),
            "intended_use": (
                "Features of grey-level images (`transform`), the first layer of a deep belief "
                "net on real-valued data, reconstruction and sampling demonstrations."
            ),
            "training": (
                f"{data_name}: the first 54,000 official training images (the last 6,000 "
                f"validate). {chain}, {t['epochs']} epochs of batches of {t['batch_size']}, "
                f"{t['optimizer']} (learning rate {t['learning_rate']:g} per example, {schedule}; "
                f"momentum {t['momentum']:g}), weight decay {model.weight_decay:g}."
                + (f" Training took {seconds / 60:.1f} minutes on 2 CPU cores." if seconds else "")
            ),
            "evaluation": (
                f"On the {data_name} test set: `test_reconstruction_mse` is the mean squared "
                "error in pixel units of the mean-field reconstruction E[v | h = p(h | v)]; the "
                "`test_*` monitors are those of `model.evaluate` (reconstruction after one Gibbs "
                "step, in pixel units; mean free energy; its gap to the training data). The "
                "first anchor predicts every image by the mean training image. "
                "`test_log_density` is the mean log-density of the test images in pixel "
                "units (nats per image, continuous pixels: not comparable with the "
                "probabilities of binarized images), with log Z estimated by annealed "
                f"importance sampling ({t['ais_chains']} chains, {t['ais_betas']:,} "
                "temperatures, a Gaussian base model at the standardized data mean; "
                "`test_log_density_std` is the spread of that estimate). Its anchor is the "
                "same density without hidden units: independent Gaussian pixels with the "
                "model's means and floored standard deviations. Pixels that hardly vary "
                "(floored std) dominate both numbers."
            ),
            "anchors": notes.get("anchors", {}),
            "limitations": (
                "Gaussian visible units put mass outside [0, 1]; returned images are clipped. "
                "Samples of Gaussian-Bernoulli RBMs are blurrier than the data. Pixels that "
                "hardly vary in the training data are standardized with the floor std, so "
                "out-of-distribution images can get extreme standardized values."
            ),
            "tags": ["rbm", "gaussian-bernoulli-rbm", "energy-based", "contrastive-divergence",
                     job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": _pictures(job),
        }

    def artifacts(self, run, directory):
        return _artifacts(run, directory)
