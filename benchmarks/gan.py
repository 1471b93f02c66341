"""kerazoo's default GAN recipe against the textbook DCGAN recipe, for equal wall-clock time.

    PYTHONPATH=$PWD python benchmarks/gan.py                 # the full benchmark: 45 minutes per recipe
    PYTHONPATH=$PWD python benchmarks/gan.py --minutes 6     # a short equal-time proxy

Both recipes train in this process, one after the other, for the same wall-clock budget
(`--minutes`, counted from the start of `fit`, tracing included), on the first 54,000
Fashion-MNIST training images (`make_image_dataset`: a new batch order every epoch). Both are also scored at the `--checkpoints` minutes along
the way (the scoring time is not counted as training time, and the EMA generator's weights
are restored after each score, so training is the same as without checkpoints):

- anchor: the textbook DCGAN recipe (Radford et al., 2015): batch norm in both networks,
  LeakyReLU(0.2) in the discriminator, Adam(2e-4, beta_1=0.5) for both, batch 128, the
  non-saturating loss, no weight averaging; the networks at `GAN`'s defaults (latent 64,
  generator filters (128, 64), discriminator filters (64, 128));
- kerazoo: the recipe of tuning/dcgan.fashion_mnist.toml (for development, --job names
  another gan job file, and --batch-size, --ema-decay, --d-lr, --g-lr, --lr-schedule
  override single values). A recipe with
  `lr_schedule = "cosine"` decays over the budget: before each step both learning rates
  are set to peak * (1 + cos(pi * trained / budget)) / 2, the job's cosine over epochs
  turned into a cosine over wall-clock training time.

kerazoo's recipe trains first, the anchor second.

Every row is scored in the feature space of classifier.fashion_mnist: the Fréchet distance
of 10,000 images to the 10,000 test images and the smallest class share among them
(class coverage), next to 10,000 real training images, the same images blurred (each pixel
averaged with its four neighbours) and 10,000 samples of the zoo's vae.fashion_mnist. The
ratios at the end are the targets of issue 6: kerazoo/anchor <= 0.5, kerazoo/VAE <= 0.5,
kerazoo/blurred < 1, every class >= 5%. Times are wall-clock on shared CPU cores: run it
on a quiet machine and note `uptime`.
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = ROOT / "tuning" / "dcgan.fashion_mnist.toml"


def load_average():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=45.0, help="training budget per recipe")
    parser.add_argument("--checkpoints", default="5,10,20,30",
                        help="comma-separated training minutes (below --minutes) at which both recipes are also scored")
    parser.add_argument("--job", default=str(JOB), help="kerazoo's recipe (a gan job file; default: the zoo entry's)")
    parser.add_argument("--batch-size", type=int, help="override kerazoo's batch size")
    parser.add_argument("--ema-decay", type=float, help="override kerazoo's EMA decay")
    parser.add_argument("--d-lr", type=float, help="override kerazoo's discriminator learning rate")
    parser.add_argument("--g-lr", type=float, help="override kerazoo's generator learning rate")
    parser.add_argument("--lr-schedule", choices=("constant", "cosine"), help="override kerazoo's lr_schedule")
    parser.add_argument("--skip-anchor", action="store_true", help="train kerazoo's recipe only (development)")
    parser.add_argument("--update-card", action="store_true",
                        help="add both GAN rows, named with the budget, as anchors to dcgan.fashion_mnist's card")
    args = parser.parse_args(argv)
    if args.update_card and Path(args.job).resolve() != JOB:
        parser.error(f"--update-card records the zoo entry's recipe ({JOB.relative_to(ROOT)}) only. "
                     f"Received: --job {args.job}")

    import keras

    import kerazoo
    from kerazoo.datasets import make_image_dataset
    from kerazoo.recipes import load_job
    from kerazoo.models import GAN
    from kerazoo.recipes.sample_quality import FD_SAMPLES, SampleEvaluator
    from kerazoo.recipes.gan import compile_recipe, score_anchors
    from kerazoo.recipes.data import load_image_splits

    job = load_job(args.job)
    model_kwargs, train = dict(job.model), dict(job.train)
    if args.ema_decay is not None:
        model_kwargs["ema_decay"] = args.ema_decay if args.ema_decay > 0 else None
    for key, value in (("batch_size", args.batch_size), ("d_learning_rate", args.d_lr),
                       ("g_learning_rate", args.g_lr), ("lr_schedule", args.lr_schedule)):
        if value is not None:
            train[key] = value
    budget = 60.0 * args.minutes
    checkpoints = sorted(float(m) for m in args.checkpoints.split(",") if m.strip())
    checkpoints = [m for m in checkpoints if 0 < m < args.minutes]
    x_train = load_image_splits(job)["x_train"]
    evaluator = SampleEvaluator.from_zoo()
    print(f"budget {args.minutes:g} min per recipe; {len(x_train)} training images; "
          f"load average {load_average()} at start", flush=True)

    def score(model):
        """FD and coverage of 10,000 samples; the EMA generator is left as it was."""
        ema = model.ema_generator
        saved = ema.get_weights() if ema is not None else None
        model.recalibrate_ema()
        scores = evaluator(model.sample(FD_SAMPLES, seed=0))
        if saved is not None:
            ema.set_weights(saved)
        return scores

    class WallClockBudget(keras.callbacks.Callback):
        """Stops `fit` after `budget` seconds of training; scores the model at the checkpoints;
        with `peaks` (discriminator and generator learning rates), decays both to 0 along a half
        cosine over the budget, its steps counted in seconds of training.

        The cosine is `CosineDecay`'s (alpha 0) written in Python: this runs twice before every
        step, where an eager call of a Keras schedule plus the rate assignment took 0.89 ms and
        the Python formula plus the assignment 0.15 ms, at about 26 steps per second (session 15's
        probe in benchmarks/results/gan.txt)."""

        def __init__(self, name, peaks=None):
            super().__init__()
            self.name, self.curve, self.peaks = name, {}, peaks

        def on_train_batch_begin(self, batch, logs=None):
            if self.peaks is not None:
                factor = 0.5 * (1.0 + math.cos(math.pi * min(self.trained(), budget) / budget))
                self.model.d_optimizer.learning_rate = self.peaks[0] * factor
                self.model.g_optimizer.learning_rate = self.peaks[1] * factor

        def on_train_begin(self, logs=None):
            self.start, self.paused = time.perf_counter(), 0.0
            self.pending = list(checkpoints)

        def trained(self):
            return time.perf_counter() - self.start - self.paused

        def on_train_batch_end(self, batch, logs=None):
            if self.pending and self.trained() >= 60.0 * self.pending[0]:
                minutes = self.pending.pop(0)
                pause = time.perf_counter()
                scores = score(self.model)
                self.curve[minutes] = {**scores, "steps": int(self.model.g_optimizer.iterations.numpy())}
                print(f"  {self.name} at {minutes:g} min: FD {scores['fd']:.3f}, min class share "
                      f"{scores['class_coverage_min']:.4f}, {self.curve[minutes]['steps']} steps; "
                      f"load average {load_average()}", flush=True)
                self.paused += time.perf_counter() - pause
            if self.trained() >= budget:
                self.model.stop_training = True

    curves = {}

    def train_for_budget(name, model, batch_size, peaks=None):
        keras.utils.set_random_seed(job.seed)
        clock = WallClockBudget(name, peaks)
        batches = make_image_dataset(x_train, batch_size=batch_size, seed=job.seed, target=None)
        history = model.fit(batches, epochs=10_000, callbacks=[clock], verbose=0, shuffle=False)
        seconds = clock.trained()
        curves[name] = clock.curve
        steps = int(model.g_optimizer.iterations.numpy())
        print(f"{name}: {steps} generator steps ({steps * batch_size / len(x_train):.2f} epochs) at batch "
              f"{batch_size} in {seconds / 60:.1f} min; generator learning rate at the end "
              f"{float(model.g_optimizer.learning_rate.numpy()):.2e}; last epoch {({k: round(v[-1], 3) for k, v in history.history.items()})}; "
              f"load average {load_average()}", flush=True)
        return seconds, steps

    rows = {}
    for name, scores in score_anchors(evaluator, x_train).items():
        rows[name] = scores
    vae = kerazoo.load("vae.fashion_mnist")
    rows["VAE (vae.fashion_mnist)"] = evaluator(vae.sample(FD_SAMPLES, seed=0))

    # kerazoo's recipe; a cosine schedule is driven by the clock (constant rates compiled).
    model = compile_recipe(GAN(**model_kwargs, seed=job.seed), train)
    peaks = ((float(train["d_learning_rate"]), float(train["g_learning_rate"]))
             if train["lr_schedule"] == "cosine" else None)
    seconds, steps = train_for_budget("kerazoo", model, int(train["batch_size"]), peaks)
    rows["kerazoo default recipe"] = {**score(model),
                                      "minutes": seconds / 60, "steps": steps}

    if not args.skip_anchor:
        # The DCGAN networks at `GAN`'s defaults, whatever sizes kerazoo's recipe picks.
        anchor = GAN(discriminator_norm="batch", ema_decay=None, seed=job.seed)
        anchor.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                       g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        seconds, steps = train_for_budget("anchor (textbook DCGAN)", anchor, 128)
        rows["anchor: textbook DCGAN"] = {**score(anchor),
                                          "minutes": seconds / 60, "steps": steps}

    print()
    print(f"kerazoo recipe: model {model_kwargs}; batch {train['batch_size']}, Adam d_lr "
          f"{train['d_learning_rate']} g_lr {train['g_learning_rate']} beta_1 {train['beta_1']}, "
          f"lr_schedule {train['lr_schedule']}")
    print(f"Fréchet distance to the 10,000 test images in classifier.fashion_mnist features "
          f"({FD_SAMPLES} images per row), budget {args.minutes:g} min per GAN recipe:")
    print(f"{'row':<28} {'FD':>9} {'min class share':>16} {'minutes':>8} {'steps':>7}")
    for name, r in rows.items():
        minutes = f"{r['minutes']:.1f}" if "minutes" in r else "-"
        steps = str(r["steps"]) if "steps" in r else "-"
        print(f"{name:<28} {r['fd']:>9.3f} {r['class_coverage_min']:>16.4f} {minutes:>8} {steps:>7}")
    if checkpoints and len(curves) == 2:
        print("along the way (FD at the same training minutes):")
        print(f"{'minutes':>8} {'anchor FD':>10} {'kerazoo FD':>11} {'kerazoo/anchor':>15}")
        anchor_curve, our_curve = curves["anchor (textbook DCGAN)"], curves["kerazoo"]
        for minutes in checkpoints:
            if minutes in anchor_curve and minutes in our_curve:
                a, k = anchor_curve[minutes]["fd"], our_curve[minutes]["fd"]
                print(f"{minutes:>8g} {a:>10.3f} {k:>11.3f} {k / a:>15.3f}")
    ours = rows["kerazoo default recipe"]
    print("class shares (kerazoo):", " ".join(f"{s:.3f}" for s in ours["class_coverage"]))
    ratios = []
    if "anchor: textbook DCGAN" in rows:
        ratios.append(("kerazoo/anchor", rows["anchor: textbook DCGAN"]["fd"], 0.5))
    ratios += [("kerazoo/VAE", rows["VAE (vae.fashion_mnist)"]["fd"], 0.5),
               ("kerazoo/blurred", rows["blurred training images"]["fd"], 1.0)]
    for name, other, target in ratios:
        ratio = ours["fd"] / other
        met = ratio <= target if target < 1 else ratio < target
        print(f"{name:<16} {ratio:.3f}  (target {'<=' if target < 1 else '<'} {target}: {'met' if met else 'NOT met'})")
    met = ours["class_coverage_min"] >= 0.05
    print(f"every class >= 5% of samples: {'met' if met else 'NOT met'} (min {ours['class_coverage_min']:.4f})")
    print(f"load average {load_average()} at end")
    if args.update_card:
        from kerazoo.hub import update_card

        tag = f"{args.minutes:g} min each, benchmarks/gan.py"
        anchors = {f"{name} ({tag})": {"fd": round(r["fd"], 3), "class_coverage_min": round(r["class_coverage_min"], 4)}
                   for name, r in rows.items() if "minutes" in r}
        update_card("dcgan.fashion_mnist", anchors=anchors)
        print(f"added {sorted(anchors)} to the card of dcgan.fashion_mnist")


if __name__ == "__main__":
    main()
