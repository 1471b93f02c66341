"""The `dbn` and `dbn_classifier` families: deep belief nets in the zoo.

Job files `tuning/dbn.<dataset>.toml` and `tuning/dbn_classifier.<dataset>.toml`.
`[model]` holds the `DBN` constructor's arguments (`layer_sizes`, `visible`,
`binarize`, `cd_k`, `persistent`, `weight_decay`, ...); `dbn_classifier` adds
`CLASSIFIER_KEYS` (`dropout`, `input_dropout`, `random_flip`, `random_translation`:
regularization of the fine-tuned network, see `DBNClassifier`). `[train]`:

- pretraining: `epochs` (per RBM; `layer_epochs = [..]` sets them one by one),
  `batch_size`, `learning_rate` and `momentum` (SGD; a number or one per RBM; absent:
  the RBM classes' defaults), `steps_per_execution`;
- `dbn`: `sample_gibbs_steps` (the sample grid);
- `dbn_classifier`: `finetune_epochs`, `finetune_batch_size`, `finetune_learning_rate`
  (Adam; cosine decay to `finetune_final_fraction` of it).

Data: Fashion-MNIST's official training images minus the last 6,000 (validation)
for pretraining and fine-tuning; the official test images for the card's numbers.
`[data] subset = N` trains on the first N images.
"""

import time
from pathlib import Path

import keras
import numpy as np

from kerazoo.datasets import image_loader
from kerazoo.models.dbn.classifier import DBNClassifier
from kerazoo.models.dbn.dbn import DBN
from kerazoo.recipes.card_text import CardText, augmentation_text
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz import filter_grid, image_grid

_DATASET_NAMES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST"}
TEXT = CardText("dbn")
_PRETRAIN_DEFAULTS = {
    "epochs": 10,
    "layer_epochs": None,
    "batch_size": 100,
    "learning_rate": None,
    "momentum": None,
    "steps_per_execution": 100,
}
#: `[model]` keys of `dbn_classifier` that go to the fine-tuned network, not to the DBN.
CLASSIFIER_KEYS = ("dropout", "input_dropout", "random_flip", "random_translation")
HINTON_2006_MNIST_ERROR = 0.0125


def _value(v):
    return list(v) if isinstance(v, (list, tuple)) else v


def _pretrain(dbn, data, job, callbacks, verbose):
    t = job.train
    keras.utils.set_random_seed(job.seed)
    start = time.perf_counter()
    histories = dbn.pretrain(
        data["x_train"],
        epochs=_value(t["layer_epochs"]) if t["layer_epochs"] is not None else int(t["epochs"]),
        batch_size=int(t["batch_size"]),
        validation_data=data["x_val"],
        learning_rate=_value(t["learning_rate"]),
        momentum=_value(t["momentum"]),
        steps_per_execution=int(t["steps_per_execution"]),
        callbacks=list(callbacks),
        verbose=verbose,
    )
    return histories, time.perf_counter() - start


def _one_or_list(values):
    values = list(values)
    return values[0] if len(set(map(str, values))) == 1 else values


def _recipe_text(model, t, data_name, seconds):
    """The card's paragraph on the greedy pretraining of `model`."""
    chains = _one_or_list(
        TEXT.phrase("chain_pcd" if p else "chain_cd", cd_k=k)
        for k, p in zip(model.cd_k, model.persistent)
    )
    epochs = _one_or_list(
        t["layer_epochs"] if t["layer_epochs"] is not None else [t["epochs"]] * model.n_layers
    )
    defaults = TEXT.phrase("class_defaults")
    text = TEXT.phrase(
        "pretraining", data_name=data_name, chains=chains, epochs=epochs,
        batch_size=t["batch_size"],
        learning_rate=t["learning_rate"] if t["learning_rate"] is not None else defaults,
        momentum=t["momentum"] if t["momentum"] is not None else defaults,
        weight_decay=_one_or_list(model.weight_decay),
    )
    if seconds:
        text += TEXT.phrase("pretraining_time", minutes=seconds / 60)
    return text


def _input_text(model):
    if model.visible == "gaussian":
        return TEXT.phrase("input_gaussian")
    if model.binarize is None:
        return TEXT.phrase("input_probabilities")
    return TEXT.phrase("input_binarized", binarize=model.binarize)


def _data_name(job):
    return _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])


@register_family
class DBNFamily(Family):
    """Deep belief nets pretrained greedily; evaluated by reconstructions and samples."""

    name = "dbn"
    model_class = DBN
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {**_PRETRAIN_DEFAULTS, "sample_gibbs_steps": 1000}
    objective = ("val_reconstruction_error", "min")

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        model, job = run.model, run.job
        histories, seconds = _pretrain(model, run.data, job, callbacks, verbose)
        run.notes["pretrain_seconds"] = seconds
        # Published compiled: `fit` after `kerazoo.load` continues CD on every layer.
        model.compile(steps_per_execution=int(job.train["steps_per_execution"]))
        logs = {}
        for i, h in enumerate(histories):
            for key, values in h.history.items():
                logs[f"layer_{i + 1}_{key}"] = values
        # The last layer's validation monitor names the search objective.
        for key, values in histories[-1].history.items():
            logs[key] = values
        return logs

    def example_data(self, job, n=64):
        x, _ = image_loader(job.data["dataset"])("test")
        return x[:n], None

    def evaluate(self, run):
        model, data = run.model, run.data
        x_test = data["x_test"]
        results = {}
        h = x_test
        for i, rbm in enumerate(model.rbms):
            v = rbm.visible_numpy(h) if i == 0 else h.reshape(len(h), -1)
            recon = rbm.reconstruct(h).reshape(len(h), -1)
            if i == 0 and model.visible == "gaussian":
                v = h.reshape(len(h), -1)
            results[f"test_reconstruction_error_{i + 1}"] = float(np.mean((v - recon) ** 2))
            if i < model.n_layers - 1:
                h = rbm.encode(h)
        recon = model.reconstruct(x_test)
        results["test_reconstruction_mse"] = float(np.mean((recon - x_test) ** 2))
        results["test_rbm1_reconstruction_mse"] = float(
            np.mean((model.rbms[0].reconstruct(x_test) - x_test) ** 2)
        )
        seconds = run.notes.get("pretrain_seconds")
        if seconds:
            results["pretrain_seconds"] = float(seconds)
        mean_image = data["x_train"].mean(axis=0, keepdims=True)
        run.notes["anchors"] = {
            "mean training image (no model)": {
                "test_reconstruction_mse": float(np.mean((x_test - mean_image) ** 2))
            }
        }
        return results

    def card(self, run):
        model, job, notes = run.model, run.job, run.notes
        data_name = _data_name(job)
        values = {
            "data_name": data_name,
            "sizes": "-".join(map(str, model.layer_sizes)),
            "input": _input_text(model),
            "layer_sizes": model.layer_sizes,
            "n_layers": model.n_layers,
            "bottom_rbm": "GaussianBernoulliRBM" if model.visible == "gaussian" else "BernoulliRBM",
            "top_size": model.layer_sizes[-1],
            "pretraining": _recipe_text(model, job.train, data_name, notes.get("pretrain_seconds")),
            "sample_gibbs_steps": job.train["sample_gibbs_steps"],
        }
        return {
            **TEXT.sections("dbn", **values),
            "anchors": dict(notes.get("anchors", {})),
            "tags": ["dbn", "deep-belief-network", "rbm", "energy-based", "generative",
                     "pretraining", job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
        }

    def artifacts(self, run, directory):
        model, data, job = run.model, run.data, run.job
        directory = Path(directory)
        steps = int(job.train["sample_gibbs_steps"])
        samples = model.sample(64, gibbs_steps=steps, seed=job.seed)
        originals = data["x_test"][:16]
        return [
            image_grid(samples, directory / "samples.png", ncols=8,
                       title=f"{job.name}: 64 samples ({steps} Gibbs steps in the top RBM)"),
            image_grid(np.concatenate([originals, model.reconstruct(originals)]),
                       directory / "reconstructions.png", ncols=16,
                       title="Test images (top), up-down reconstructions (bottom)"),
            filter_grid(model.rbms[0].kernel, directory / "filters.png", n_filters=100, ncols=10,
                        title=f"{job.name}: first 100 filters of the bottom RBM"),
        ]


def finetune_optimizer(t, steps_per_epoch):
    """Adam with cosine decay from `finetune_learning_rate` to its final fraction."""
    lr = float(t["finetune_learning_rate"])
    fraction = float(t["finetune_final_fraction"])
    schedule = lr
    if fraction < 1.0:
        schedule = keras.optimizers.schedules.CosineDecay(
            lr, decay_steps=max(1, int(t["finetune_epochs"]) * steps_per_epoch), alpha=fraction
        )
    return keras.optimizers.Adam(schedule)


@register_family
class DBNClassifierFamily(Family):
    """A DBN pretrained greedily, then fine-tuned as a sigmoid classifier with `fit`."""

    name = "dbn_classifier"
    model_class = DBN
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {
        **_PRETRAIN_DEFAULTS,
        "finetune_epochs": 20,
        "finetune_batch_size": 100,
        "finetune_learning_rate": 1e-3,
        "finetune_final_fraction": 1.0,
    }
    objective = ("val_accuracy", "max")

    def model_keys(self):
        return super().model_keys() | set(CLASSIFIER_KEYS)

    def _split(self, job):
        kwargs = dict(job.model)
        head = {k: kwargs.pop(k) for k in CLASSIFIER_KEYS if k in kwargs}
        kwargs.setdefault("seed", job.seed)
        return kwargs, head

    def build(self, job):
        kwargs, head = self._split(job)
        dbn = DBN(**kwargs)
        binarize = dbn.binarize if dbn.visible == "bernoulli" else None
        return DBNClassifier(
            hidden_units=dbn.layer_sizes[1:],
            n_classes=10,
            binarize=binarize,
            standardize=dbn.visible == "gaussian",
            image_shape=dbn.image_shape,
            seed=job.seed,
            name="dbn_classifier",
            **head,
        )

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        kwargs, _ = self._split(job)
        dbn = DBN(**kwargs)
        histories, seconds = _pretrain(dbn, data, job, (), verbose)
        dbn.initialize_classifier(model)
        t = job.train
        steps = int(np.ceil(len(data["x_train"]) / int(t["finetune_batch_size"])))
        model.compile(optimizer=finetune_optimizer(t, steps))
        start = time.perf_counter()
        history = model.fit(
            data["x_train"], data["y_train"],
            epochs=int(t["finetune_epochs"]),
            batch_size=int(t["finetune_batch_size"]),
            validation_data=(data["x_val"], data["y_val"]),
            callbacks=list(callbacks),
            verbose=verbose,
            shuffle=True,
        )
        notes = run.notes
        notes["pretrain_seconds"] = seconds
        notes["finetune_seconds"] = time.perf_counter() - start
        # What the card and pictures need of the pretrained DBN (not the DBN itself).
        notes["pretrain_text"] = _recipe_text(dbn, t, _data_name(job), seconds)
        notes["dbn_samples"] = dbn.sample(64, gibbs_steps=1000, seed=job.seed)
        # Publish with a plain Adam (a schedule's step count means nothing to a user).
        model.compile(optimizer=keras.optimizers.Adam(1e-4))
        return history

    def example_data(self, job, n=64):
        x, y = image_loader(job.data["dataset"])("test")
        return x[:n], y[:n]

    def evaluate(self, run):
        model, data, notes = run.model, run.data, run.notes
        probs = model.predict(data["x_test"], batch_size=1000, verbose=0)
        y = data["y_test"]
        accuracy = float(np.mean(np.argmax(probs, axis=1) == y))
        nll = float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))
        results = {"test_accuracy": accuracy, "test_error": 1.0 - accuracy, "test_nll": nll}
        for key in ("pretrain_seconds", "finetune_seconds"):
            if key in notes:
                results[key] = float(notes[key])
        notes["anchors"] = {
            "Hinton, Osindero & Teh (2006) DBN on MNIST (historical, another data set)": {
                "test_error": HINTON_2006_MNIST_ERROR
            }
        }
        return results

    def card(self, run):
        model, job, notes = run.model, run.job, run.notes
        t = job.train
        fraction = float(t["finetune_final_fraction"])
        seconds = notes.get("finetune_seconds")
        augmentation = augmentation_text(model.random_flip, model.random_translation)
        values = {
            "data_name": _data_name(job),
            "sizes": "-".join(map(str, [model.n_visible] + model.hidden_units + [model.n_classes])),
            "pretraining": notes.get("pretrain_text", ""),
            "train": t,
            "finetune_learning_rate": float(t["finetune_learning_rate"]),
            "schedule": (TEXT.phrase("finetune_constant") if fraction >= 1.0
                         else TEXT.phrase("finetune_cosine", fraction=fraction)),
            "finetune_time": TEXT.phrase("finetune_time", minutes=seconds / 60) if seconds else "",
            "dropout": model.dropout,
            "input_dropout": model.input_dropout,
            "augmentation": (TEXT.phrase("augmentation", augmentation=augmentation)
                             if augmentation else ""),
        }
        return {
            **TEXT.sections("dbn_classifier", **values),
            "anchors": notes.get("anchors", {}),
            "tags": ["dbn", "deep-belief-network", "classifier", "pretraining",
                     "image-classification", job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
        }

    def artifacts(self, run, directory):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.metrics import ConfusionMatrixDisplay

        model, data, job = run.model, run.data, run.job
        directory = Path(directory)
        paths = []
        samples = run.notes.get("dbn_samples")
        if samples is not None:
            paths.append(image_grid(samples, directory / "samples.png", ncols=8,
                                    title="Samples of the pretrained DBN"))
        probs = model.predict(data["x_test"], batch_size=1000, verbose=0)
        fig, ax = plt.subplots(figsize=(7, 6))
        ConfusionMatrixDisplay.from_predictions(
            data["y_test"], np.argmax(probs, axis=1), ax=ax, colorbar=False
        )
        ax.set_title(f"{job.name}: test confusion matrix")
        fig.tight_layout()
        path = directory / "confusion.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        paths.append(path)
        return paths
