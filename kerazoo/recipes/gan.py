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

from kerazoo.datasets import make_image_dataset
from kerazoo.models.gan.architectures import NORM_DESCRIPTIONS, resolve_discriminator_norm
from kerazoo.models.gan.gan import GAN
from kerazoo.recipes.classifier import CLASS_ID_LIST
from kerazoo.recipes.data import load_image_splits
from kerazoo.recipes.family import Family, register_family
from kerazoo.recipes.sample_quality import FD_SAMPLES, SampleEvaluator, blur_plus
from kerazoo.viz import image_grid, latent_walks


LR_SCHEDULES = ("constant", "cosine")


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
        # A tf.data pipeline draws a new batch order every epoch (Keras's array adapter
        # repeats one order per epoch after `keras.utils.set_random_seed`).
        batches = make_image_dataset(data["x_train"], batch_size=int(t["batch_size"]), seed=job.seed, target=None)
        compile_recipe(model, t, total_steps=int(t["epochs"]) * int(batches.cardinality()))
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
        g, d = model.generator_filters, model.discriminator_filters
        minutes = metrics.get("train_seconds", float("nan")) / 60
        schedule = ("both decaying to 0 along a half cosine over the training's steps"
                    if t["lr_schedule"] == "cosine" else "constant")
        loss = ("the non-saturating GAN loss" + (f" with one-sided label smoothing {model.label_smoothing}"
                                                 if model.label_smoothing else "")
                if model.loss_name == "non_saturating"
                else f"WGAN-GP (penalty weight {model.gp_weight})")
        ema = (f"an exponential moving average of the generator's weights (decay {model.ema_decay}, "
               "warmed up as min(decay, (1 + t) / (10 + t)) at step t) is the generator that "
               "`sample` uses" if model.ema_decay else "no weight averaging")
        to_image = ("4x4 transposed convolution stride 2 to 28x28x1" if len(g) == 2 else
                    f"4x4 transposed convolution stride 2 to 28x28x{g[2]} -> batch norm -> ReLU -> "
                    "3x3 convolution to 28x28x1")
        return {
            "summary": (
                "A DCGAN for Fashion-MNIST (28x28 grey images) with an EMA generator, scored by "
                "Fréchet distance and class coverage in the features of classifier.fashion_mnist."
            ),
            "model_details": f"""
Generator: z ~ N(0, I_{model.latent_dim}) -> dense 7x7x{g[0]} -> batch norm -> ReLU -> 4x4
transposed convolution stride 2 to 14x14x{g[1]} -> batch norm -> ReLU -> {to_image}
-> tanh, rescaled to [0, 1]. Discriminator: images rescaled
to [-1, 1] -> 4x4 convolutions stride 2 with {', '.join(map(str, d))} channels, LeakyReLU(0.2),
{NORM_DESCRIPTIONS[resolve_discriminator_norm(model.discriminator_norm, model.loss_name)]}
-> dense logit. Weights initialised from N(0, 0.02) (DCGAN).
Trained with {loss}, {model.critic_steps} discriminator step(s) per generator step; {ema}.

Methods: `sample(n, seed=None)` (float32 (n, 28, 28, 1) in [0, 1]), `generate(z)`,
`sample_latents(n, seed)`; `generator`, `discriminator` and `ema_generator` are Keras models.
SavedModel signatures `sample` (scalar int32 `count` and `seed`; equal to
`model.sample(count, seed=seed)`) and `generate` (latents -> images).
""",
            "intended_use": (
                "Sampling Fashion-MNIST-like images, latent interpolation and latent walks, and "
                "as the GAN point of comparison among the zoo's generative models (VAE, DBN, RBM) "
                "in one feature space. Fine-tune with `model.fit(x)` (no labels)."
            ),
            "training": f"""
Fashion-MNIST training images 1-54,000, no labels. Adam for both networks (discriminator
learning rate {t['d_learning_rate']}, generator {t['g_learning_rate']}, {schedule}, beta_1 {t['beta_1']},
beta_2 {t['beta_2']}), batch size {t['batch_size']}, {t['epochs']} epochs, seed {job.seed}:
{minutes:.1f} minutes of training on 2 shared CPU cores (`train_seconds`). The GAN never trains
against the evaluator's classifier or its features.
""",
            "evaluation": f"""
In the feature space of `classifier.fashion_mnist` (its 128-unit penultimate layer): `fd` is
the Fréchet distance between 10,000 samples (`sample(10000, seed={t['fd_seed']})`) and the
10,000 test images; `class_coverage_c` is the share of samples the classifier puts in class
c ({CLASS_ID_LIST}); `class_coverage_min` the smallest share (target: at least 0.05). The anchors,
scored the same way: 10,000 real training images, and the same images blurred (each pixel
averaged with its four neighbours). Fréchet distances compare only within this feature space
and at 10,000 samples. `benchmarks/gan.py` compares the recipe with the textbook DCGAN recipe
(Radford et al., 2015) trained for the same wall-clock time, and with the VAE.
""",
            "anchors": dict(run.notes.get("anchors", {})),
            "limitations": (
                "Fashion-MNIST only. A GAN has no likelihood and no encoder: it cannot score or "
                "encode images. Fine details (prints, text on bags) are often garbled; the "
                "Fréchet distance measures the match of feature statistics, not of every image. "
                "Trained for minutes on CPU: far from the state of the art."
            ),
            "tags": ["gan", "dcgan", "generative", "fashion-mnist"],
            "datasets": ["fashion_mnist"],
            "pictures": {
                "samples.png": f"64 samples (seed 0) after {t['epochs']} epochs.",
                "interpolation.png": "Spherical interpolation between pairs of random latents (one pair per row).",
                "latent_grid.png": "Images over latent dimensions 0 and 1 (Gaussian quantiles 0.05-0.95; the others at 0).",
            },
        }

    def artifacts(self, run, directory):
        model, job = run.model, run.job
        directory = Path(directory)
        paths = [image_grid(model.sample(64, seed=0), directory / "samples.png", ncols=8, title="Samples")]
        paths += latent_walks(model, model.latent_dim, directory, seed=job.seed)
        return [str(p) for p in paths]
