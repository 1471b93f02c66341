"""The `gan` family: how a `GAN` zoo entry is trained and described.

Recipe (`[train]`): `epochs`, `batch_size`, the two Adam optimizers (`d_learning_rate`,
`g_learning_rate`, shared `beta_1`, `beta_2`), their `lr_schedule` ("constant", or "cosine":
both learning rates decay from their value to 0 along a half cosine over the training's
generator steps, `keras.optimizers.schedules.CosineDecay`), and the evaluation's `fd_seed`. Data: the
first 54,000 Fashion-MNIST training images (the last 6,000 are the validation split, not
used by the GAN). The GAN never sees labels, the evaluator's classifier or its features.

Evaluation in the feature space of `classifier.fashion_mnist`
(`kerazoo.recipes.sample_quality.SampleEvaluator`): the Fréchet distance of 10,000
samples to the 10,000 test images (`fd`) and class coverage (the share of each predicted
class among the samples; `class_coverage_min` is the rarest class's), next to two
anchors scored the same way: 10,000 real training images and the same images blurred
(each pixel averaged with its four neighbours). `benchmarks/gan.py` adds the textbook
DCGAN anchor and the VAE.
"""

import time
from pathlib import Path

import keras

from kerazoo.datasets.pipeline import make_image_batches
from kerazoo.models.gan.architectures import NORM_DESCRIPTIONS, resolve_discriminator_norm
from kerazoo.models.gan.gan import GAN
from kerazoo.recipes.classifier import CLASS_ID_LIST
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.family import Family, register_family
from kerazoo.recipes.sample_quality import FD_SAMPLES, SampleEvaluator, blur_plus
from kerazoo.viz import image_grid, latent_walks


LR_SCHEDULES = ("constant", "cosine")
TEXT = CardText("gan")


def compile_recipe(model, train, total_steps=None):
    """Compiles a GAN with the two Adam optimizers of a `[train]` table.

    With `lr_schedule = "cosine"`, `total_steps` (the generator steps of the whole
    training) sets the decay's length; the discriminator's optimizer steps
    `critic_steps` times as often, so its decay is that many times longer.
    Pass `total_steps=None` to get constant learning rates whatever the table says
    (a caller that drives the rates itself, as `benchmarks/gan.py` does by wall clock).
    """
    schedule = train["lr_schedule"]
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"`lr_schedule` must be one of {LR_SCHEDULES}. Received: lr_schedule={schedule!r}")

    def adam(key, steps_per_generator_step):
        rate = float(train[key])
        if schedule == "cosine" and total_steps is not None:
            rate = keras.optimizers.schedules.CosineDecay(
                rate, decay_steps=max(1, int(total_steps) * steps_per_generator_step))
        return keras.optimizers.Adam(rate, beta_1=float(train["beta_1"]), beta_2=float(train["beta_2"]))

    model.compile(d_optimizer=adam("d_learning_rate", model.critic_steps), g_optimizer=adam("g_learning_rate", 1))
    return model


def score_anchors(evaluator, x_train):
    """FD and coverage of 10,000 real training images and of the same images blurred."""
    real = x_train[:FD_SAMPLES]
    return {"real training images": evaluator(real), "blurred training images": evaluator(blur_plus(real))}


@register_family
class GANFamily(Family):
    name = "gan"
    model_class = GAN
    datasets = ("fashion_mnist",)
    train_defaults = {
        "epochs": 10,
        "batch_size": 64,
        "d_learning_rate": 2e-4,
        "g_learning_rate": 2e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        "lr_schedule": "constant",
        "fd_seed": 0,
    }
    objective = ("val_fd", "min")

    def load_data(self, job):
        return load_image_splits(job)

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        t = job.train
        # A tf.data pipeline (a PyDataset on JAX) draws a new batch order every epoch (Keras's
        # array adapter repeats one order per epoch after `keras.utils.set_random_seed`).
        batches = make_image_batches(data["x_train"], batch_size=int(t["batch_size"]), seed=job.seed, target=None)
        compile_recipe(model, t, total_steps=int(t["epochs"]) * len(batches))
        start = time.perf_counter()
        history = model.fit(batches, epochs=int(t["epochs"]), callbacks=list(callbacks), verbose=verbose,
                            shuffle=False)
        run.notes["train_seconds"] = time.perf_counter() - start
        return history

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        evaluator = SampleEvaluator.from_zoo()
        scores = evaluator(model.sample(FD_SAMPLES, seed=int(job.train["fd_seed"])))
        metrics = {"fd": scores["fd"], "class_coverage_min": scores["class_coverage_min"]}
        for c, share in enumerate(scores["class_coverage"]):
            metrics[f"class_coverage_{c}"] = share
        run.notes["anchors"] = {
            name: {"fd": s["fd"], "class_coverage_min": s["class_coverage_min"]}
            for name, s in score_anchors(evaluator, data["x_train"]).items()
        }
        if run.notes.get("train_seconds") is not None:
            metrics["train_seconds"] = float(run.notes["train_seconds"])
        return metrics

    def search_metrics(self, run):
        """The tuning objective `val_fd`: the Fréchet distance of as many samples as there
        are validation images to those images, in the evaluator's features (a search never
        looks at the test images; the sample count, and so the distance's bias, is the same
        for every trial of a search). Also `val_class_coverage_min`."""
        model, data, job = run.model, run.data, run.job
        evaluator = SampleEvaluator.from_zoo(reference=data["x_val"])
        scores = evaluator(model.sample(len(data["x_val"]), seed=int(job.train["fd_seed"])))
        return {"val_fd": scores["fd"], "val_class_coverage_min": scores["class_coverage_min"]}

    def card(self, run):
        model, metrics, job = run.model, run.metrics, run.job
        t = job.train
        g = model.generator_filters
        if model.loss_name == "non_saturating":
            smoothing = (TEXT.phrase("label_smoothing", label_smoothing=model.label_smoothing)
                         if model.label_smoothing else "")
            loss = TEXT.phrase("loss_non_saturating", smoothing=smoothing)
        else:
            loss = TEXT.phrase("loss_wgan_gp", gp_weight=model.gp_weight)
        sections = TEXT.sections(
            "gan",
            latent_dim=model.latent_dim,
            g0=g[0],
            g1=g[1],
            to_image=(TEXT.phrase("to_pixels") if len(g) == 2
                      else TEXT.phrase("to_pixels_refined", filters=g[2])),
            discriminator_channels=", ".join(map(str, model.discriminator_filters)),
            norm=NORM_DESCRIPTIONS[resolve_discriminator_norm(model.discriminator_norm, model.loss_name)],
            loss=loss,
            critic_steps=model.critic_steps,
            ema=TEXT.phrase("ema", ema_decay=model.ema_decay) if model.ema_decay else TEXT.phrase("no_ema"),
            train=t,
            schedule=TEXT.phrase("schedule_cosine" if t["lr_schedule"] == "cosine" else "schedule_constant"),
            seed=job.seed,
            minutes=metrics.get("train_seconds", float("nan")) / 60,
            class_ids=CLASS_ID_LIST,
        )
        return {
            **sections,
            "anchors": dict(run.notes.get("anchors", {})),
            "tags": ["gan", "dcgan", "generative", "fashion-mnist"],
            "datasets": ["fashion_mnist"],
        }

    def artifacts(self, run, directory):
        model, job = run.model, run.job
        directory = Path(directory)
        paths = [image_grid(model.sample(64, seed=0), directory / "samples.png", ncols=8, title="Samples")]
        paths += latent_walks(model, model.latent_dim, directory, seed=job.seed)
        return [str(p) for p in paths]
