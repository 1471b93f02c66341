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
from kerazoo.layers.augmentation import augmentation_text
from kerazoo.models.dbn.classifier import DBNClassifier
from kerazoo.models.dbn.dbn import DBN
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz import filter_grid, image_grid

_DATASET_NAMES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST"}
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
    chains = _one_or_list(
        f"PCD-{k}" if p else f"CD-{k}" for k, p in zip(model.cd_k, model.persistent)
    )
    epochs = _one_or_list(
        t["layer_epochs"] if t["layer_epochs"] is not None else [t["epochs"]] * model.n_layers
    )
    lr = t["learning_rate"] if t["learning_rate"] is not None else "the RBM class defaults"
    mom = t["momentum"] if t["momentum"] is not None else "the RBM class defaults"
    text = (
        f"Greedy layer-wise pretraining on the first 54,000 official {data_name} training "
        f"images (the last 6,000 are the validation set): RBM by RBM ({chains}), "
        f"{epochs} epochs per RBM, batches of {t['batch_size']}, SGD with learning rate {lr} "
        f"(per example) and momentum {mom}, weight decay {_one_or_list(model.weight_decay)}; each "
        "RBM above the first is trained on the hidden probabilities of the one below."
    )
    if seconds:
        text += f" Pretraining took {seconds / 60:.1f} minutes on 2 shared CPU cores."
    return text


def _input_text(model):
    if model.visible == "gaussian":
        return "standardized per pixel (Gaussian-Bernoulli bottom RBM)"
    if model.binarize is None:
        return "grey levels taken as the probabilities of binary pixels (no binarization)"
    return f"binarized at {model.binarize}"


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
                h = rbm.transform(h)
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
        t = job.train
        data_name = _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])
        sizes = "-".join(map(str, model.layer_sizes))
        anchors = dict(notes.get("anchors", {}))
        evaluation = (
            f"On the {data_name} test set (10,000 images): `test_reconstruction_error_l` is "
            "the l-th RBM's mean-field reconstruction error E[v | h = p(h | v)] (mean squared "
            "error per unit) on the up pass of the test images; `test_reconstruction_mse` is the error in pixel "
            "units of the full up pass to the top hidden layer and down pass back to the "
            "pixels (what the whole stack keeps of an image), `test_rbm1_reconstruction_mse` "
            "that of the bottom RBM alone. The anchor predicts every image by the mean "
            "training image. The sample grid shows what the generative model has learned."
        )
        return {
            "summary": (
                f"A {sizes} deep belief net on {data_name}, pretrained greedily layer by layer "
                f"(Hinton, Osindero & Teh 2006), with {_input_text(model)}: a generative model "
                "of images and the initialisation of a classifier or a deep autoencoder."
            ),
            "model_details": (
                f"`kerazoo.models.DBN({model.layer_sizes})`: a stack of {model.n_layers} RBMs "
                f"(`model.rbms`, bottom first; the first a "
                f"{'GaussianBernoulliRBM' if model.visible == 'gaussian' else 'BernoulliRBM'}, "
                "the others BernoulliRBMs on the probabilities of the layer below). Inputs are "
                "float32 images (N, 28, 28, 1) in [0, 1]. `transform(x)` is the up pass "
                f"(N, {model.layer_sizes[-1]}); `sample(n, gibbs_steps)` runs Gibbs sampling "
                "in the top RBM and a mean-field down pass to images in [0, 1]; "
                "`reconstruct(x)` goes up and down; `to_classifier(n_classes)` and "
                "`to_autoencoder()` turn it into a sigmoid classifier or the unrolled "
                "autoencoder of Hinton & Salakhutdinov (2006), initialised from its weights. "
                "`fit(x)` continues CD training of all layers at once."
            ),
            "intended_use": (
                "Initialising classifiers and autoencoders (`to_classifier`, "
                "`to_autoencoder`), features (`transform`), sampling demonstrations and "
                "teaching deep belief nets. The SavedModel serves `transform`, `reconstruct` "
                "and `sample(n, seed, gibbs_steps)` without kerazoo."
            ),
            "training": _recipe_text(model, t, data_name, notes.get("pretrain_seconds")),
            "evaluation": evaluation,
            "anchors": anchors,
            "limitations": (
                "Greedy pretraining optimizes each layer's RBM separately, not the likelihood "
                "of the whole DBN (no up-down fine-tuning); there is no log-likelihood "
                "estimate for the stack. Samples are the means of a deterministic down pass "
                "after finite Gibbs chains in the top RBM (started at hL = 0), so they are "
                "smooth and not exact draws. The input is read as "
                f"{_input_text(model)}. Not a classifier by itself."
            ),
            "tags": ["dbn", "deep-belief-network", "rbm", "energy-based", "generative",
                     "pretraining", job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": {
                "samples.png": f"64 samples: {t['sample_gibbs_steps']} Gibbs steps in the top "
                "RBM from hL = 0, then the mean-field down pass to the pixels.",
                "reconstructions.png": "Test images (top) and their reconstructions through "
                "the whole stack (up pass to the top layer, down pass back; bottom).",
                "filters.png": "The first 100 hidden units of the bottom RBM (W[:, j] as "
                "images).",
            },
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
        notes["pretrain_text"] = _recipe_text(dbn, t, _DATASET_NAMES.get(
            job.data["dataset"], job.data["dataset"]), seconds)
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
        data_name = _DATASET_NAMES.get(job.data["dataset"], job.data["dataset"])
        sizes = "-".join(map(str, [model.n_visible] + model.hidden_units + [model.n_classes]))
        pretrain = notes.get("pretrain_text", "")
        schedule = (
            "constant" if float(t["finetune_final_fraction"]) >= 1.0
            else f"cosine decay to {float(t['finetune_final_fraction']):g} times that by the last step"
        )
        seconds = notes.get("finetune_seconds")
        evaluation = (
            f"`test_accuracy`, `test_error` and `test_nll` (mean negative log-probability of "
            f"the true class) on the {data_name} test set (10,000 images), measured once after "
            "the last fine-tuning epoch (no model selection on the test set).\n\n"
            "Historical reference: Hinton, Osindero & Teh (2006) report 1.25% test error "
            "on MNIST (not Fashion-MNIST, a much easier data set) for a 784-500-500-2000 DBN "
            "fine-tuned by the up-down algorithm."
        )
        augmentation = augmentation_text(model.random_flip, model.random_translation)
        augmentation = f" and data augmentation ({augmentation})" if augmentation else ""
        return {
            "summary": (
                f"A {sizes} sigmoid network on {data_name}, initialised from a greedily "
                "pretrained deep belief net and fine-tuned with backpropagation; `predict` "
                "returns class probabilities (N, 10)."
            ),
            "model_details": (
                "`kerazoo.models.dbn.DBNClassifier`, as `DBN.to_classifier(10)` returns it: "
                "dense sigmoid layers with the RBMs' weights and hidden biases as initial values, "
                f"and a softmax layer; dropout {model.dropout:g} (input {model.input_dropout:g})"
                f"{augmentation} in training. Inputs are float32 images (N, 28, 28, 1) in [0, 1]. "
                "Classes: "
                "0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, "
                "7 sneaker, 8 bag, 9 ankle boot."
            ),
            "intended_use": (
                "Fashion-MNIST classification, a starting point for fine-tuning on related "
                "28x28 grey images (`model.fit(x, y)` with class ids), and a demonstration of "
                "what unsupervised pretraining does for a deep sigmoid network. The SavedModel "
                "serves `predict` and `features` (the last hidden layer) without kerazoo."
            ),
            "training": (
                pretrain + f" Fine-tuning: the DBN's weights copied into the network, "
                f"{t['finetune_epochs']} epochs of Adam (learning rate "
                f"{float(t['finetune_learning_rate']):g}, {schedule}) on batches of "
                f"{t['finetune_batch_size']} from the same 54,000 labelled images, sparse "
                "categorical cross-entropy."
                + (f" Fine-tuning took {seconds / 60:.1f} minutes." if seconds else "")
            ),
            "evaluation": evaluation,
            "anchors": notes.get("anchors", {}),
            "limitations": (
                "A fully connected network: it ignores the images' spatial structure, and "
                "convolutional networks do better on Fashion-MNIST. Its probabilities are not "
                "calibrated on other data; shirts, T-shirts, pullovers and coats are its most "
                "confused classes."
            ),
            "tags": ["dbn", "deep-belief-network", "classifier", "pretraining",
                     "image-classification", job.data["dataset"].replace("_", "-")],
            "datasets": [job.data["dataset"]],
            "pictures": {
                "samples.png": "64 samples of the pretrained DBN before fine-tuning (Gibbs "
                "sampling in the top RBM, then the down pass).",
                "confusion.png": "Confusion matrix on the test set (rows: true class).",
            },
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
