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
from kerazoo.metrics import encoder_jacobian_norm
from kerazoo.models.autoencoders.autoencoder import Autoencoder
from kerazoo.models.autoencoders.contractive import ContractiveAutoencoder
from kerazoo.models.autoencoders.denoising import DenoisingAutoencoder
from kerazoo.models.autoencoders.sparse import SparseAutoencoder
from kerazoo.recipes.card_text import CardText, augmentation_text
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz import latent_manifold, latent_scatter, reconstruction_grid

#: Gaussian noise level of the denoising evaluation.
DENOISING_SIGMA = 0.3
#: Side of the hidden square of the inpainting evaluation, as a fraction of the image side.
INPAINTING_SIZE = 0.4
#: Test images the Jacobian norm is averaged over.
JACOBIAN_IMAGES = 2000
EVAL_SEED = 0

TEXT = CardText("autoencoders")


def _augmentation_text(job):
    text = augmentation_text(job.model.get("random_flip", False),
                             job.model.get("random_translation", 0.0))
    return TEXT.phrase("augmentation", augmentation=text) if text else ""


def _optimizer_text(train):
    decay = train["weight_decay"]
    return TEXT.phrase("adamw", weight_decay=decay) if decay else TEXT.phrase("adam")


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
        """The card's paragraph on the model's architecture and methods."""
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
        return TEXT.phrase(
            "architecture",
            model_class=type(model).__name__,
            architecture=model.architecture,
            encoder_layers=f"{enc} -> {dense}" if dense else enc,
            decoder_layers=f"{dense} -> {dec}" if dense else dec,
            code_size=model.code_size,
            code_activation=model.code_activation or "linear",
            output_activation=model.output_activation,
            activation=model.activation,
            batch_norm=TEXT.phrase("batch_norm") if model.batch_norm else "",
            parameters=model.count_params(),
            stride_1=TEXT.phrase("stride_1") if model.conv_depth > 1 else "",
        )

    def training_text(self, job):
        """The card's paragraph on the data and the recipe."""
        t = job.train
        return TEXT.phrase(
            "training",
            n_train=job.data.get("subset", 54000),
            optimizer=_optimizer_text(t),
            schedule=TEXT.phrase(
                "schedule_cosine" if t["schedule"] == "cosine" else "schedule_constant"),
            train=t,
            seed=job.seed,
            augmentation=_augmentation_text(job),
        )

    def evaluation_text(self, model, metrics):
        """The card's paragraph on the metrics and the PCA anchor."""
        return TEXT.phrase(
            "evaluation",
            code_size=model.code_size,
            test_mse=metrics["test_mse"],
            pca_mse=metrics["test_mse"] / metrics["mse_ratio_to_pca"],
            ratio=metrics["mse_ratio_to_pca"],
        ) + self.evaluation_more(model)

    def evaluation_more(self, model):
        """The family's sentences on its own metrics (`evaluate_more`)."""
        return ""

    def card(self, run):
        model, metrics, job = run.model, run.metrics, run.job
        return {
            **TEXT.sections(
                "autoencoder",
                summary=job.description or TEXT.phrase("summary", model_class=type(model).__name__),
                model_details=self.describe(model),
                training=self.training_text(job),
                evaluation=self.evaluation_text(model, metrics),
            ),
            "anchors": run.notes.get("anchors", {}),
            "tags": list(self.tags),
            "datasets": [job.data["dataset"]],
            "pictures": self.pictures(model),
        }

    def pictures(self, model):
        return TEXT.render("pictures.autoencoder", code_size=model.code_size)

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
            pics.update(TEXT.render("pictures.code_2d"))
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

    def evaluation_more(self, model):
        if model.sparsity != "kl":
            return ""
        return TEXT.phrase("evaluation_sparse", target_activation=model.target_activation)


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

    def evaluation_more(self, model):
        return TEXT.phrase("evaluation_denoising", sigma=DENOISING_SIGMA, seed=EVAL_SEED,
                           side=int(round(INPAINTING_SIZE * model.image_shape[0])))

    def pictures(self, model):
        return TEXT.render("pictures.denoising_autoencoder", code_size=model.code_size,
                           sigma=DENOISING_SIGMA)

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

    def evaluation_more(self, model):
        return TEXT.phrase("evaluation_contractive", images=JACOBIAN_IMAGES,
                           code_size=model.code_size)
