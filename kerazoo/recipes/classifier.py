"""The `classifier` family: small CNN classifiers, trained with plain `fit`.

`classifier.fashion_mnist` is the feature space in which kerazoo compares generative
models (`kerazoo.metrics.frechet_distance` on `features(x)`) and the classifier of their
class coverage. Data: the first 54,000 official training images (the last 6,000 are the
validation split), the 10,000 test images for evaluation. Recipe `[train]`: `epochs`,
`batch_size`, `learning_rate` (Adam, cosine decay to 0 over the run).
"""

import time

import keras
import numpy as np

from kerazoo.datasets import FASHION_MNIST_CLASS_NAMES, image_loader
from kerazoo.models.classifier.cnn import CNNClassifier
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family

#: "0 T-shirt/top, 1 Trouser, ...": the class ids the cards of the image families list.
CLASS_ID_LIST = ", ".join(f"{c} {name}" for c, name in enumerate(FASHION_MNIST_CLASS_NAMES))
TEXT = CardText("classifier")


@register_family
class ClassifierFamily(Family):
    name = "classifier"
    model_class = CNNClassifier
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {"epochs": 8, "batch_size": 128, "learning_rate": 1e-3}
    objective = ("val_accuracy", "max")

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        t = job.train
        steps = int(np.ceil(len(data["x_train"]) / int(t["batch_size"]))) * int(t["epochs"])
        model.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(float(t["learning_rate"]), steps)))
        start = time.perf_counter()
        history = model.fit(
            data["x_train"], data["y_train"], epochs=int(t["epochs"]), batch_size=int(t["batch_size"]),
            validation_data=(data["x_val"], data["y_val"]), callbacks=list(callbacks), verbose=verbose,
            shuffle=True,
        )
        run.notes["train_seconds"] = time.perf_counter() - start
        # Publish with a plain Adam (a schedule's step count means nothing to a user).
        model.compile(keras.optimizers.Adam(1e-4))
        return history

    def evaluate(self, run):
        model, data = run.model, run.data
        probs = model.predict_proba(data["x_test"])
        y = data["y_test"]
        pred = np.argmax(probs, axis=1)
        metrics = {
            "test_accuracy": float(np.mean(pred == y)),
            "test_loss": float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)))),
        }
        for c in range(model.n_classes):
            metrics[f"test_accuracy_class_{c}"] = float(np.mean(pred[y == c] == c))
        if run.notes.get("train_seconds") is not None:
            metrics["train_seconds"] = float(run.notes["train_seconds"])
        return metrics

    def example_data(self, job, n=64):
        x, y = image_loader(job.data["dataset"])("test")
        return x[:n], y[:n]

    def card(self, run):
        model, job = run.model, run.job
        f = model.filters
        sections = TEXT.sections(
            "classifier", f0=f[0], f1=f[1], f2=f[2], feature_units=model.feature_units,
            dropout=model.dropout, n_classes=model.n_classes, train=job.train, seed=job.seed,
            class_ids=CLASS_ID_LIST,
        )
        return {
            **sections,
            "tags": ["image-classification", "cnn", "feature-extractor", "fashion-mnist"],
            "datasets": [job.data["dataset"]],
        }
