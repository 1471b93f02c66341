"""The `vae` family: how a `VariationalAutoencoder` zoo entry is trained and described.

The recipe trains on the official Fashion-MNIST training images minus the validation
split (the last 6,000), with the validation split's negative ELBO as `val_loss`, and
evaluates on the 10,000 test images: the test ELBO and its two terms, the
importance-sampled test log-likelihood (`ll_samples` draws per image over the first
`ll_images` test images), the reconstruction MSE per pixel, and the number of active
latent units. The card sets these next to PCA with as many components as the latent
size, fitted to the same (binarized, for a binarizing model) training images.
"""

import time
from pathlib import Path

import keras
import numpy as np

from kerazoo.datasets import load_fashion_mnist
from kerazoo.metrics import gaussian_kl_divergence
from kerazoo.models.autoencoders.variational import VariationalAutoencoder
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz import image_grid, interpolation_grid, latent_grid

#: A latent unit is active when the variance over the data of its posterior mean exceeds
#: this (Burda, Grosse & Salakhutdinov, 2016, section 5.2).
ACTIVE_UNIT_THRESHOLD = 0.01
TEXT = CardText("vae")


def model_targets(model, x):
    """The images as the model sees them: thresholded if it binarizes."""
    if model.binarize is None:
        return x
    return (x > model.binarize).astype("float32")


def active_units(mean):
    """The latent dimensions whose posterior mean varies over the data, most active first.

    Args:
        mean: posterior means E[z|x], (N, latent_dim).

    Returns:
        (indices sorted by decreasing variance, the variances), active when above
        `ACTIVE_UNIT_THRESHOLD`.
    """
    var = np.var(np.asarray(mean, dtype=np.float64), axis=0)
    order = np.argsort(-var)
    return order, var


def pca_test_mse(x_train, x_test, n_components, seed=0):
    """Test MSE per pixel of PCA with `n_components` fitted on `x_train` (scikit-learn)."""
    from sklearn.decomposition import PCA

    flat_train = x_train.reshape(len(x_train), -1)
    flat_test = x_test.reshape(len(x_test), -1)
    pca = PCA(n_components=n_components, svd_solver="randomized", random_state=seed).fit(flat_train)
    recon = pca.inverse_transform(pca.transform(flat_test))
    return float(np.mean((recon - flat_test) ** 2))


@register_family
class VAEFamily(Family):
    name = "vae"
    model_class = VariationalAutoencoder
    datasets = ("fashion_mnist",)
    train_defaults = {
        "epochs": 30,
        "batch_size": 128,
        "learning_rate": 1e-3,
        "ll_samples": 1000,
        "ll_images": 10000,
        "elbo_samples": 10,
    }
    objective = ("val_loss", "min")

    def load_data(self, job):
        x_train, _ = load_fashion_mnist("train")
        if "subset" in job.data:
            x_train = x_train[: job.data["subset"]]
        x_val, _ = load_fashion_mnist("validation")
        x_test, y_test = load_fashion_mnist("test")
        return {"train": x_train, "validation": x_val, "test": x_test, "test_labels": y_test}

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        model.compile(keras.optimizers.Adam(job.train["learning_rate"]))
        start = time.perf_counter()
        history = model.fit(
            data["train"],
            epochs=job.train["epochs"],
            batch_size=job.train["batch_size"],
            validation_data=(data["validation"],),
            callbacks=list(callbacks),
            verbose=verbose,
        )
        run.notes["train_seconds"] = time.perf_counter() - start
        return history

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        x_test = data["test"]
        targets = model_targets(model, x_test)
        mean, log_var = model.posterior(x_test)
        kl = gaussian_kl_divergence(mean, log_var)
        # The ELBO and log-likelihood are defined for binary images (or a Gaussian decoder).
        scored = model.binarize is not None or model.likelihood == "gaussian"
        elbo = model.elbo(x_test, n_samples=job.train["elbo_samples"], seed=job.seed) if scored else None
        recon = model.reconstruct(x_test)
        order, var = active_units(mean)
        metrics = {
            "test_kl": float(np.mean(kl)),
            "test_mse": float(np.mean((recon - targets) ** 2)),
            "active_units": int(np.sum(var > ACTIVE_UNIT_THRESHOLD)),
        }
        if elbo is not None:
            metrics["test_elbo"] = float(np.mean(elbo))
            metrics["test_reconstruction_nll"] = float(np.mean(-(elbo + kl)))
            n = min(job.train["ll_images"], len(x_test))
            start = time.perf_counter()
            ll = model.log_likelihood(x_test[:n], n_samples=job.train["ll_samples"], seed=job.seed)
            metrics["test_log_likelihood"] = float(np.mean(ll))
            metrics["test_log_likelihood_stderr"] = float(np.std(ll, ddof=1) / np.sqrt(n))
            metrics["ll_seconds"] = float(time.perf_counter() - start)
        # The wall time of the run's `fit`.
        if run.notes.get("train_seconds") is not None:
            metrics["train_seconds"] = float(run.notes["train_seconds"])
        return metrics

    def _pca_anchor(self, model, data, job):
        return pca_test_mse(
            model_targets(model, data["train"]), model_targets(model, data["test"]),
            model.latent_dim, seed=job.seed,
        )

    def card(self, run):
        model, job = run.model, run.job
        d = model.latent_dim
        binarized = model.binarize is not None
        if binarized:
            seen = TEXT.phrase("seen_binarized", binarize=model.binarize)
            binar = TEXT.phrase("input_binarized", seen=seen)
        else:
            seen = binar = TEXT.phrase("grey")
        sections = TEXT.sections(
            "vae",
            latent_dim=d,
            likelihood=model.likelihood.capitalize(),
            binarized=TEXT.phrase("summary_binarized", binarize=model.binarize) if binarized else "",
            encoder_units="-".join(map(str, model.hidden_units)),
            decoder_units="-".join(map(str, reversed(model.hidden_units))),
            activation=model.activation,
            kl_weight=model.kl_weight,
            input=binar,
            seen=seen,
            train=job.train,
            plural="s" if job.train["epochs"] != 1 else "",
            seed=job.seed,
            ll_images=min(job.train["ll_images"], 10000),
            active_threshold=ACTIVE_UNIT_THRESHOLD,
            binarized_limitation=TEXT.phrase("limitation_binarized") if binarized else "",
        )
        return {
            **sections,
            "anchors": {f"PCA-{d}": {"test_mse": self._pca_anchor(model, run.data, job)}},
            "tags": ["variational-autoencoder", "vae", "generative", "fashion-mnist"],
            "datasets": ["fashion_mnist"],
        }

    def artifacts(self, run, directory):
        model, data = run.model, run.data
        directory = Path(directory)
        x_test, y_test = data["test"], data["test_labels"]
        seen = model_targets(model, x_test[:16])
        recon = model.reconstruct(x_test[:16])
        rows = np.concatenate([seen[:8], recon[:8], seen[8:], recon[8:]])
        image_grid(rows, directory / "reconstructions.png", ncols=8,
                   title="Test images and reconstructions")
        image_grid(model.sample(64, seed=0), directory / "samples.png", ncols=8, title="Samples")
        order, _ = active_units(model.encode(x_test[:2000]))
        dims = tuple(int(i) for i in order[:2])
        latent_grid(model, model.latent_dim, path=directory / "latent_grid.png", n=15, dims=dims,
                    title=f"Latent map over dimensions {dims}")
        # One pair of different classes per row: the first test image of each class.
        first = {int(c): int(np.argmax(y_test == c)) for c in np.unique(y_test)}
        pairs = [(0, 7), (1, 3), (5, 9), (2, 8)]
        z = model.encode(x_test[[first[c] for pair in pairs for c in pair]])
        interpolation_grid(model, [(z[2 * i], z[2 * i + 1]) for i in range(len(pairs))], n=10,
                           path=directory / "interpolation.png", method="slerp",
                           title="Interpolation between test images")
        return [str(directory / f) for f in
                ("reconstructions.png", "samples.png", "latent_grid.png", "interpolation.png")]
