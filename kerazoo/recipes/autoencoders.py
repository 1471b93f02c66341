"""The autoencoder families of the zoo: how each is trained, evaluated and described.

Four registered families share one recipe, data split and evaluation:

- `autoencoder` (`Autoencoder`), `sparse_autoencoder` (`SparseAutoencoder`),
  `denoising_autoencoder` (`DenoisingAutoencoder`), `contractive_autoencoder`
  (`ContractiveAutoencoder`).
- Data: the official training images minus the last 6,000 (validation), the 10,000
  official test images for every number on the card.
- Recipe (`[train]`): Adam with `learning_rate`, a cosine decay to 1% of it over the run
  (`schedule = "cosine"`, or "constant"), `epochs`, `batch_size`, the reconstruction
  `loss` ("mean_squared_error" or "binary_crossentropy"), and `weight_decay` (0: Adam;
  above 0: AdamW, the decoupled weight decay of Loshchilov & Hutter, 2019); the training
  images in a new order every epoch, drawn from the job's seed.
- Evaluation: test MSE per pixel, PSNR, and the 5-NN accuracy of the codes, next to PCA
  with as many components as the code (the anchor, `PCA-k`); the denoising family adds
  denoising (Gaussian sigma = 0.3) and inpainting PSNRs, the sparse family the mean code
  activation, the contractive family the mean Frobenius norm of the encoder's Jacobian.
"""

import inspect

import keras
import numpy as np

from kerazoo.applications import (
    block_masks,
    corrupt,
    denoising_report,
    fit_pca,
    inpaint,
    inpainting_report,
    pca_encode,
    pca_reconstruct,
    reduction_metrics,
)
from kerazoo.datasets import FASHION_MNIST_CLASS_NAMES, image_loader, make_image_dataset
from kerazoo.layers.augmentation import augmentation_text
from kerazoo.metrics import encoder_jacobian_norm
from kerazoo.models.autoencoders.autoencoder import Autoencoder
from kerazoo.models.autoencoders.contractive import ContractiveAutoencoder
from kerazoo.models.autoencoders.denoising import DenoisingAutoencoder
from kerazoo.models.autoencoders.sparse import SparseAutoencoder
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz import latent_manifold, latent_scatter, reconstruction_grid

#: Gaussian noise level of the denoising evaluation (issue 5).
DENOISING_SIGMA = 0.3
#: Side of the hidden square of the inpainting evaluation, as a fraction of the image side.
INPAINTING_SIZE = 0.4
#: Test images the Jacobian norm is averaged over.
JACOBIAN_IMAGES = 2000
EVAL_SEED = 0

_PROSE_DEFAULTS = {
    "intended_use": (
        "Dimensionality reduction of 28x28 grayscale images (`encode`), reconstruction "
        "(`reconstruct`), and generating images from codes (`decode`); a starting point to "
        "fine-tune on similar images, or an encoder to build a classifier on "
        "(`model.encoder`). Inputs are float32 images (N, 28, 28, 1) in [0, 1]."
    ),
    "limitations": (
        "Trained on Fashion-MNIST only: other images (other sizes, colour, natural images) "
        "are out of distribution and reconstruct poorly. The code is not a probabilistic "
        "latent space: decoding arbitrary codes far from the training codes gives blurry "
        "or meaningless images (use a VAE to sample). Reconstructions are blurrier than the "
        "originals, especially textures and fine patterns."
    ),
}


def _augmentation_text(job):
    text = augmentation_text(job.model.get("random_flip", False),
                             job.model.get("random_translation", 0.0))
    return (f" Training pairs augmented with {text} (the same transform for the input and its "
            "target).") if text else ""


def _optimizer_text(train):
    decay = train["weight_decay"]
    return f"AdamW (weight decay {decay:g})" if decay else "Adam"


def _load_split(dataset, split):
    return image_loader(dataset)(split)


class AutoencoderFamily(Family):
    """The recipe, data and evaluation shared by the autoencoder families."""

    name = None
    model_class = Autoencoder
    datasets = ("fashion_mnist",)
    train_defaults = {
        "epochs": 30,
        "batch_size": 128,
        "learning_rate": 1e-3,
        "schedule": "cosine",
        "loss": "mean_squared_error",
        "weight_decay": 0.0,
    }
    objective = ("val_loss", "min")
    tags = ["autoencoder", "dimensionality-reduction", "image-reconstruction"]

    def model_keys(self):
        keys = set()
        for cls in (self.model_class, Autoencoder):
            params = inspect.signature(cls.__init__).parameters
            keys |= {
                n for n, p in params.items()
                if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            }
        return keys

    # -- data and training -----------------------------------------------------------------

    def load_data(self, job):
        dataset = job.data["dataset"]
        x_train, y_train = _load_split(dataset, "train")
        if "subset" in job.data:
            x_train, y_train = x_train[: job.data["subset"]], y_train[: job.data["subset"]]
        x_val, _ = _load_split(dataset, "validation")
        x_test, y_test = _load_split(dataset, "test")
        return {"train": x_train, "y_train": y_train, "validation": x_val,
                "test": x_test, "y_test": y_test}

    def compile(self, model, job, n_train):
        train = job.train
        steps = int(np.ceil(n_train / train["batch_size"])) * train["epochs"]
        if train["schedule"] == "cosine":
            lr = keras.optimizers.schedules.CosineDecay(
                train["learning_rate"], decay_steps=max(steps, 1), alpha=0.01
            )
        elif train["schedule"] == "constant":
            lr = train["learning_rate"]
        else:
            raise ValueError(
                f"train.schedule must be 'cosine' or 'constant'. Received: {train['schedule']!r}"
            )
        decay = train["weight_decay"]
        if not isinstance(decay, (int, float)) or isinstance(decay, bool) or decay < 0:
            raise ValueError(
                f"train.weight_decay must be a number >= 0. Received: {decay!r}"
            )
        optimizer = (keras.optimizers.AdamW(lr, weight_decay=decay) if decay
                     else keras.optimizers.Adam(lr))
        model.compile(optimizer=optimizer, loss=train["loss"])

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        x = data["train"]
        self.compile(model, job, len(x))
        # The batches come from `make_image_dataset`, which draws a new order every epoch
        # from the job's seed. `fit` on the arrays would not: once the runner has called
        # `keras.utils.set_random_seed`, Keras' array adapter (TensorFlow backend, Keras
        # 3.15) shuffles them into the same order at every epoch.
        batches = make_image_dataset(x, batch_size=job.train["batch_size"], seed=job.seed)
        return model.fit(
            batches,
            epochs=job.train["epochs"],
            shuffle=False,
            validation_data=(data["validation"], data["validation"]),
            callbacks=list(callbacks),
            verbose=verbose,
        )

    # -- evaluation --------------------------------------------------------------------------

    def _pca(self, model, data):
        """PCA with as many components as the code, fitted on the training images once
        per data (kept in `data`, which every trial of a search shares)."""
        key = ("pca", model.code_size)
        if key not in data:
            data[key] = fit_pca(data["train"], model.code_size, seed=EVAL_SEED)
        return data[key]

    def evaluate(self, run):
        model, data = run.model, run.data
        pca = self._pca(model, data)
        args = (data["train"], data["test"], data.get("y_train"), data.get("y_test"))
        metrics = reduction_metrics(model.encode, model.reconstruct, *args)
        anchor = reduction_metrics(
            lambda x: pca_encode(pca, x), lambda x: pca_reconstruct(pca, x), *args
        )
        metrics["mse_ratio_to_pca"] = metrics["test_mse"] / anchor["test_mse"]
        anchor["mse_ratio_to_pca"] = 1.0
        extra, extra_anchor = self.evaluate_more(model, data, pca)
        metrics.update(extra)
        anchor.update(extra_anchor)
        run.notes["anchors"] = {f"PCA-{model.code_size}": anchor}
        return {k: float(v) for k, v in metrics.items()}

    def evaluate_more(self, model, data, pca):
        """Family-specific metrics and the PCA anchor's values of the same metrics."""
        return {}, {}

    # -- card and pictures ----------------------------------------------------------------

    def describe(self, model):
        if model.architecture == "conv":
            filters, more = model.conv_filters, model.conv_depth - 1
            enc = " -> ".join(" -> ".join([f"conv{f}/2"] + [f"conv{f}"] * more) for f in filters)
            steps = []
            for i in reversed(range(len(filters))):
                steps += [f"conv{filters[i]}"] * more
                if i > 0:
                    steps.append(f"deconv{filters[i - 1]}x2")
            steps.append(f"deconv{model.refine_filters}x2 -> conv{model.image_shape[-1]}"
                         if model.refine_filters else f"deconv{model.image_shape[-1]}x2")
            dec = " -> ".join(steps)
        else:
            enc, dec = "784", "784"
        dense = "-".join(str(u) for u in model.hidden_units)
        shape = (
            f"encoder {enc}{' -> ' + dense if dense else ''} -> code {model.code_size} "
            f"({model.code_activation or 'linear'}); decoder mirrored "
            f"({dense + ' -> ' if dense else ''}{dec}, {model.output_activation} output)"
        )
        norm = ", batch normalization" if model.batch_norm else ""
        stride_1 = "convN: the same with stride 1; " if model.conv_depth > 1 else ""
        return (
            f"{type(model).__name__}, {model.architecture}: {shape}; {model.activation} hidden "
            f"units{norm}; {model.count_params():,} parameters (convN/2: a 3x3 convolution with N "
            f"filters and stride 2; {stride_1}deconvNx2: a 3x3 transposed convolution doubling the "
            "size). `encode` gives the "
            f"{model.code_size}-dimensional code, `decode` maps codes to images, "
            "`reconstruct` does both. SavedModel signatures `reconstruct` "
            "(= `serving_default`), `encode`, `decode`."
        )

    def training_text(self, job):
        t = job.train
        sched = "cosine decay to 1%" if t["schedule"] == "cosine" else "constant rate"
        return (
            f"Fashion-MNIST: the first {54000 if 'subset' not in job.data else job.data['subset']:,} "
            "official training images (the last 6,000 are the validation set). "
            f"{_optimizer_text(t)}, learning rate {t['learning_rate']:g} with {sched}, "
            f"{t['epochs']} epochs, "
            f"batch {t['batch_size']}, loss `{t['loss']}`, seed {job.seed}.{_augmentation_text(job)}"
        )

    def evaluation_text(self, model, metrics):
        k = model.code_size
        return (
            f"On the 10,000 Fashion-MNIST test images, next to PCA with {k} components (the "
            "same dimension; scikit-learn, fitted on the same training images, "
            "reconstructions not clipped): `test_mse` is the mean squared error per pixel, "
            "`test_psnr` the mean per-image PSNR in dB, `knn_accuracy` the accuracy of a "
            f"5-nearest-neighbour classifier on the {k}-dimensional codes of the training "
            "images, `mse_ratio_to_pca` the test MSE over PCA's. "
            f"This model's test MSE is {metrics['test_mse']:.5f} against PCA-{k}'s "
            f"{metrics['test_mse'] / metrics['mse_ratio_to_pca']:.5f} "
            f"({metrics['mse_ratio_to_pca']:.3f}x)."
        )

    def card(self, run):
        model, metrics, job = run.model, run.metrics, run.job
        return {
            "summary": job.description or f"{type(model).__name__} on Fashion-MNIST.",
            "model_details": self.describe(model),
            "intended_use": _PROSE_DEFAULTS["intended_use"],
            "training": self.training_text(job),
            "evaluation": self.evaluation_text(model, metrics),
            "limitations": _PROSE_DEFAULTS["limitations"],
            "anchors": run.notes.get("anchors", {}),
            "tags": list(self.tags),
            "datasets": [job.data["dataset"]],
            "pictures": self.pictures(model),
        }

    def pictures(self, model):
        return {
            "reconstructions.png": (
                f"First row: test images; second: this model's reconstructions; "
                f"third: PCA-{model.code_size}'s."
            )
        }

    def artifacts(self, run, directory):
        model, data = run.model, run.data
        x = _one_per_class(data["test"], data.get("y_test"), n=12)
        pca = self._pca(model, data)
        path = reconstruction_grid(
            [x, model.reconstruct(x), pca_reconstruct(pca, x, clip=True)],
            directory / "reconstructions.png",
            labels=["test image", type(model).__name__, f"PCA-{model.code_size}"],
            n=len(x),
        )
        return [path]


def _one_per_class(x, y, n=12):
    """The first test image of each class, then the next images, n in all."""
    if y is None:
        return x[:n]
    first = [int(np.flatnonzero(y == c)[0]) for c in np.unique(y)]
    rest = [i for i in range(len(x)) if i not in set(first)]
    return x[(first + rest)[:n]]


@register_family
class PlainAutoencoderFamily(AutoencoderFamily):
    name = "autoencoder"
    model_class = Autoencoder

    def pictures(self, model):
        pics = super().pictures(model)
        if model.code_size == 2:
            pics["latent_map.png"] = "The 2-D codes of the 10,000 test images, coloured by class."
            pics["latent_manifold.png"] = "Images decoded on a grid over the 2-D code space."
        return pics

    def artifacts(self, run, directory):
        model, data, job = run.model, run.data, run.job
        paths = super().artifacts(run, directory)
        if model.code_size == 2:
            codes = model.encode(data["test"])
            names = FASHION_MNIST_CLASS_NAMES if job.data["dataset"] == "fashion_mnist" else None
            paths.append(latent_scatter(codes, data["y_test"], directory / "latent_map.png",
                                        class_names=names, title=job.name))
            paths.append(latent_manifold(model.decode, codes, directory / "latent_manifold.png",
                                         title=job.name))
        return paths


@register_family
class SparseAutoencoderFamily(AutoencoderFamily):
    name = "sparse_autoencoder"
    model_class = SparseAutoencoder
    tags = AutoencoderFamily.tags + ["sparse-autoencoder"]

    def evaluate_more(self, model, data, pca):
        codes = model.encode(data["test"])
        return {
            "mean_activation": float(np.mean(codes)),
            "fraction_below_0.01": float(np.mean(codes < 0.01)),
        }, {}

    def evaluation_text(self, model, metrics):
        text = super().evaluation_text(model, metrics)
        if model.sparsity == "kl":
            text += (
                f" `mean_activation` is the code units' mean activation on the test images "
                f"(target rho = {model.target_activation:g}); `fraction_below_0.01` the "
                "fraction of code activations below 0.01."
            )
        return text


@register_family
class DenoisingAutoencoderFamily(AutoencoderFamily):
    name = "denoising_autoencoder"
    model_class = DenoisingAutoencoder
    tags = AutoencoderFamily.tags + ["denoising-autoencoder", "denoising", "inpainting"]

    def _restorers(self, model, pca):
        return model.reconstruct, (lambda x: pca_reconstruct(pca, x, clip=True))

    def evaluate_more(self, model, data, pca):
        ours, theirs = self._restorers(model, pca)
        out, anchor = {}, {}
        for restore, dest in ((ours, out), (theirs, anchor)):
            den = denoising_report(restore, data["test"], sigma=DENOISING_SIGMA, seed=EVAL_SEED)
            inp = inpainting_report(restore, data["test"], size=INPAINTING_SIZE, seed=EVAL_SEED)
            dest.update({
                "noisy_psnr": den["noisy_psnr"],
                "denoised_psnr": den["denoised_psnr"],
                "denoising_psnr_gain": den["psnr_gain"],
                "masked_psnr": inp["masked_psnr"],
                "inpainted_psnr": inp["inpainted_psnr"],
                "inpainting_psnr_gain": inp["psnr_gain"],
                "hole_mse": inp["hole_mse"],
            })
        return out, anchor

    def evaluation_text(self, model, metrics):
        side = int(round(INPAINTING_SIZE * model.image_shape[0]))
        return super().evaluation_text(model, metrics) + (
            f" Denoising: the test images with Gaussian noise sigma = {DENOISING_SIGMA} "
            f"(clipped to [0, 1], seed {EVAL_SEED}) have `noisy_psnr`; restored by "
            "`reconstruct` they have `denoised_psnr` (`denoising_psnr_gain` is the "
            f"difference). Inpainting: a {side}x{side} square at a random position is set to 0 "
            "in each test image (`masked_psnr`); the model fills it in and the known pixels "
            "are kept (`inpainted_psnr`; `hole_mse` is the error inside the squares). PCA "
            "restores by projecting the corrupted image onto its components."
        )

    def pictures(self, model):
        return {
            "reconstructions.png": (
                f"Test images; this model's reconstructions; PCA-{model.code_size}'s."
            ),
            "denoising.png": (
                f"Test images; with Gaussian noise sigma = {DENOISING_SIGMA}; denoised by this "
                f"model; by PCA-{model.code_size}."
            ),
            "inpainting.png": "Test images; a square hidden; inpainted by this model; by PCA.",
        }

    def artifacts(self, run, directory):
        model, data = run.model, run.data
        paths = super().artifacts(run, directory)
        x = _one_per_class(data["test"], data.get("y_test"), n=12)
        ours, theirs = self._restorers(model, self._pca(model, data))
        noisy = corrupt(x, "gaussian", DENOISING_SIGMA, seed=EVAL_SEED)
        paths.append(reconstruction_grid(
            [x, noisy, ours(noisy), theirs(noisy)], directory / "denoising.png",
            labels=["test image", f"noise {DENOISING_SIGMA}", "denoised", f"PCA-{model.code_size}"],
            n=len(x),
        ))
        mask = block_masks(len(x), x.shape[1:], size=INPAINTING_SIZE, seed=EVAL_SEED)
        paths.append(reconstruction_grid(
            [x, x * (1 - mask), inpaint(ours, x, mask), inpaint(theirs, x, mask)],
            directory / "inpainting.png",
            labels=["test image", "masked", "inpainted", f"PCA-{model.code_size}"],
            n=len(x),
        ))
        return paths


@register_family
class ContractiveAutoencoderFamily(AutoencoderFamily):
    name = "contractive_autoencoder"
    model_class = ContractiveAutoencoder
    tags = AutoencoderFamily.tags + ["contractive-autoencoder"]

    def evaluate_more(self, model, data, pca):
        x = data["test"][:JACOBIAN_IMAGES]
        # PCA's encoder z = C (x - mean) has Jacobian C with orthonormal rows: norm sqrt(k).
        return (
            {"jacobian_norm": encoder_jacobian_norm(model.encode_tensor, x)},
            {"jacobian_norm": float(np.sqrt(model.code_size))},
        )

    def evaluation_text(self, model, metrics):
        return super().evaluation_text(model, metrics) + (
            f" `jacobian_norm` is the mean Frobenius norm of the encoder's Jacobian dz/dx, "
            f"computed exactly on the first {JACOBIAN_IMAGES:,} test images (PCA's is "
            f"sqrt({model.code_size}): its encoder is an orthonormal projection). The norm "
            "depends on the code's scale, so compare it between models with the same kind of "
            "code layer."
        )
