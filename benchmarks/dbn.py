"""Deep belief net pretraining on Fashion-MNIST: does it pay, and how long does it take?

Side by side in one process, with the recipe of `tuning/dbn_classifier.fashion_mnist.toml`
(the same network, epochs, batches and optimizer for both arms):

1. greedy layer-wise pretraining of the 784-500-500-2000 DBN on all 60,000 training
   images (timed; target: under 10 minutes on this 2-core machine);
2. few labels: the network below with only `--labelled` (1,000) labelled images, a different
   random subset per seed, the pretraining still on all 60,000 unlabelled images
   (target: pretrained at least 3 points above random, mean over the seeds).
3. all labels: the sigmoid 784-500-500-2000-10 network fine-tuned from the DBN
   (`DBN.to_classifier`) against the same network from random (Glorot) initialisation,
   trained on all 60,000 labelled images, test accuracy on the 10,000 test images after
   the last epoch; mean over the seeds (targets: pretrained >= 91% and above random).

The pretraining is done once and reused by every seed (each seed draws the softmax
head, dropout masks, batch order and, in part 3, the labelled subset). The results
go to stdout and to `benchmarks/results/dbn.json`; `--update-card` writes them into the
cards of `dbn_classifier.fashion_mnist` (a paragraph and the anchors) and
`dbn.fashion_mnist` (a pointer to the classifier), without retraining. The recipes never
read this file: a freshly trained entry's card has no benchmark numbers until then.

    PYTHONPATH=$PWD python benchmarks/dbn.py | tee benchmarks/results/dbn.txt
    PYTHONPATH=$PWD python benchmarks/dbn.py --update-card
"""

import argparse
import datetime
import json
import subprocess
import time
from pathlib import Path

import keras
import numpy as np

from kerazoo import datasets
from kerazoo.recipes import load_job
from kerazoo.models.dbn import DBN, DBNClassifier
from kerazoo.recipes.dbn import CLASSIFIER_KEYS, finetune_optimizer

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "tuning" / "dbn_classifier.fashion_mnist.toml"
TARGET_ACCURACY = 0.91
TARGET_FEW_GAIN = 0.03
TARGET_PRETRAIN_SECONDS = 600


def finetune(model, x, y, x_test, y_test, train, epochs, batch_size, seed):
    keras.utils.set_random_seed(seed)
    steps = int(np.ceil(len(x) / batch_size))
    model.compile(optimizer=finetune_optimizer({**train, "finetune_epochs": epochs}, steps),
                  steps_per_execution=min(steps, 20))
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    probs = model.predict(x_test, batch_size=1000, verbose=0)
    return float(np.mean(np.argmax(probs, axis=1) == y_test)), seconds


def classifier_paragraph(summary):
    """The generative DBN card's pointer to the classifier it initialises (from dbn.json)."""
    return (
        "The point of pretraining is the classifier it initialises: see "
        "`dbn_classifier.fashion_mnist` and `benchmarks/results/dbn.txt` (the same recipe "
        f"pretrained on all 60,000 training images in {summary['pretrain_seconds'] / 60:.1f} "
        f"minutes, then fine-tuned for {summary.get('finetune_epochs', '?')} epochs: "
        f"{100 * summary['pretrained_mean']:.2f}% test accuracy against "
        f"{100 * summary['random_mean']:.2f}% from random initialisation; with "
        f"{summary['n_labelled']:,} labels {100 * summary['few_pretrained_mean']:.2f}% against "
        f"{100 * summary['few_random_mean']:.2f}%; means over {summary['n_seeds']} seeds)."
    )


def benchmark_paragraph(summary):
    """The classifier card's paragraph on this benchmark, from its summary (dbn.json)."""
    text = (
        f"Side by side (`benchmarks/dbn.py`, {summary['date']}; same network, epochs, batches "
        "and optimizer for both arms, one greedy pretraining reused for every seed, means over "
        f"{summary['n_seeds']} seeds): with all 60,000 labelled training images "
        f"({summary.get('finetune_epochs', '?')} epochs), pretrained "
        f"{100 * summary['pretrained_mean']:.2f}% vs random initialisation "
        f"{100 * summary['random_mean']:.2f}% test accuracy."
    )
    rates = summary.get("few_by_learning_rate") or [
        {"learning_rate": None, "few_pretrained_mean": summary["few_pretrained_mean"],
         "few_random_mean": summary["few_random_mean"]}
    ]
    parts = [
        (f"at Adam learning rate {r['learning_rate']:g} " if r["learning_rate"] else "")
        + f"pretrained {100 * r['few_pretrained_mean']:.2f}% vs random "
        f"{100 * r['few_random_mean']:.2f}% "
        f"({100 * (r['few_pretrained_mean'] - r['few_random_mean']):+.2f} points)"
        for r in rates
    ]
    text += (
        f" With {summary['n_labelled']:,} labelled images (pretraining on all 60,000, "
        f"{summary.get('few_epochs', '?')} epochs): " + "; ".join(parts) + "."
    )
    if len(rates) > 1:
        best_pre = max(r["few_pretrained_mean"] for r in rates)
        best_rand = max(r["few_random_mean"] for r in rates)
        text += (
            f" Each arm at its own best of these rates: pretrained {100 * best_pre:.2f}% vs "
            f"random {100 * best_rand:.2f}% ({100 * (best_pre - best_rand):+.2f} points): "
            "the small shared rate keeps the pretrained features, and slows the random "
            "network down more than it helps it."
        )
    return text + (
        f" Greedy pretraining of the {summary['layer_sizes']} DBN on 60,000 images took "
        f"{summary['pretrain_seconds'] / 60:.1f} minutes. The few-label anchors below are "
        "the first rate's means (as error rates)."
    )


def with_paragraph(evaluation, paragraph, start):
    """`evaluation` with its paragraph that begins with `start` replaced by `paragraph`; when
    there is none (a freshly trained card), `paragraph` goes in second, right after the
    recipe's opening paragraph (what the metrics are)."""
    paragraphs = evaluation.split("\n\n")
    if any(p.startswith(start) for p in paragraphs):
        return "\n\n".join(paragraph if p.startswith(start) else p for p in paragraphs)
    return "\n\n".join(paragraphs[:1] + [paragraph] + paragraphs[1:])


def update_card(summary, name="dbn_classifier.fashion_mnist", dbn_name="dbn.fashion_mnist",
                zoo_dir=None):
    """Puts the summary's paragraph and anchors in the classifier's card, and its pointer
    sentence in the generative DBN's card (no retraining)."""
    from kerazoo.hub import entry_metadata, update_card as hub_update_card

    for entry, start, paragraph, fields in (
        (name, "Side by side", benchmark_paragraph, {"anchors": summary["anchors"]}),
        (dbn_name, "The point of pretraining", classifier_paragraph, {}),
    ):
        evaluation = entry_metadata(entry, zoo_dir=zoo_dir)["card"]["evaluation"]
        evaluation = with_paragraph(evaluation, paragraph(summary), start)
        hub_update_card(entry, evaluation=evaluation, zoo_dir=zoo_dir, **fields)
        print(f"updated the card of {entry}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--labelled", type=int, default=1000)
    parser.add_argument("--few-epochs", type=int, default=100,
                        help="fine-tuning epochs with few labels (default 100)")
    parser.add_argument("--few-learning-rates", default=None,
                        help="comma-separated fine-tuning learning rates for part 2, the same "
                             "for both arms (default: the recipe's)")
    parser.add_argument("--sections", default="few,full",
                        help="parts after pretraining to run: few, full (default both); a part "
                             "not run keeps its numbers from the existing --out summary")
    parser.add_argument("--subset", type=int, default=None, help="smoke test on N images")
    parser.add_argument("--update-card", action="store_true",
                        help="only re-render dbn_classifier.fashion_mnist's card from the summary "
                             "(no training)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "dbn.json"))
    args = parser.parse_args()
    if args.update_card:
        update_card(json.loads(Path(args.out).read_text()))
        return

    job = load_job(JOB)
    model_kwargs = {k: v for k, v in job.model.items() if k not in CLASSIFIER_KEYS}
    head = {k: job.model[k] for k in CLASSIFIER_KEYS if k in job.model}
    t = job.train
    epochs, batch_size = int(t["finetune_epochs"]), int(t["finetune_batch_size"])

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    print(f"keras {keras.__version__}; recipe {JOB.relative_to(ROOT)}: model {job.model}")
    print(f"pretraining: {t['epochs'] if t['layer_epochs'] is None else t['layer_epochs']} "
          f"epochs per RBM, batch {t['batch_size']}, SGD lr {t['learning_rate']} momentum "
          f"{t['momentum']}; fine-tuning: {epochs} epochs, batch {batch_size}, Adam lr "
          f"{t['finetune_learning_rate']} (final fraction {t['finetune_final_fraction']}), "
          f"network options {head} (both arms)")

    x, y = datasets.load_fashion_mnist("train+validation")
    x_test, y_test = datasets.load_fashion_mnist("test")
    if args.subset:
        x, y = x[: args.subset], y[: args.subset]
        x_test, y_test = x_test[: args.subset], y_test[: args.subset]

    # 1. greedy pretraining on all training images, once.
    keras.utils.set_random_seed(job.seed)
    dbn = DBN(**model_kwargs, seed=job.seed)
    start = time.perf_counter()
    histories = dbn.pretrain(
        x,
        epochs=t["layer_epochs"] if t["layer_epochs"] is not None else int(t["epochs"]),
        batch_size=int(t["batch_size"]),
        learning_rate=t["learning_rate"],
        momentum=t["momentum"],
        steps_per_execution=int(t["steps_per_execution"]),
        verbose=0,
    )
    pretrain_seconds = time.perf_counter() - start
    print(f"\n1. greedy pretraining of {dbn.layer_sizes} on {len(x):,} images: "
          f"{pretrain_seconds:.1f} s ({pretrain_seconds / 60:.2f} min; target < 10 min: "
          f"{'met' if pretrain_seconds < TARGET_PRETRAIN_SECONDS else 'NOT met'})")
    for h in histories:
        print(f"   layer {h.params['layer']}: {h.params['epochs']} epochs in {h.seconds:.1f} s, "
              f"last reconstruction_error {h.history['reconstruction_error'][-1]:.5f}")

    def arms(seed, n_labelled=None, ep=epochs, train=t):
        xs, ys = x, y
        if n_labelled:
            idx = np.random.default_rng(seed).permutation(len(x))[:n_labelled]
            xs, ys = x[idx], y[idx]
        pre = dbn.to_classifier(10, seed=seed, **head)
        rand = DBNClassifier(hidden_units=dbn.layer_sizes[1:], n_classes=10, seed=seed,
                             binarize=dbn.binarize if dbn.visible == "bernoulli" else None,
                             standardize=dbn.visible == "gaussian", **head)
        if dbn.visible == "gaussian":
            dbn._set_input_statistics(rand)
        a_pre, s_pre = finetune(pre, xs, ys, x_test, y_test, train, ep, batch_size, seed)
        a_rand, s_rand = finetune(rand, xs, ys, x_test, y_test, train, ep, batch_size, seed)
        return a_pre, a_rand, s_pre, s_rand

    seeds = list(range(args.seeds))
    sections = set(args.sections.split(","))
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    summary = {}
    if "few" in sections:
        rates = ([float(r) for r in args.few_learning_rates.split(",")] if args.few_learning_rates
                 else [float(t["finetune_learning_rate"])])
        by_rate = []
        for lr in rates:
            t_lr = {**t, "finetune_learning_rate": lr}
            print(f"\n2. {args.labelled:,} labels (pretraining on all {len(x):,}), "
                  f"{args.few_epochs} epochs, Adam lr {lr:g} for both arms")
            print("   seed  pretrained  random   difference")
            few = []
            for seed in seeds:
                a_pre, a_rand, _, _ = arms(seed, n_labelled=args.labelled, ep=args.few_epochs,
                                           train=t_lr)
                few.append((a_pre, a_rand))
                print(f"   {seed:4d}  {a_pre:.4f}      {a_rand:.4f}   {a_pre - a_rand:+.4f}",
                      flush=True)
            few = np.array(few)
            few_pre, few_rand = few.mean(axis=0)
            print(f"   mean  {few_pre:.4f}      {few_rand:.4f}   {few_pre - few_rand:+.4f}")
            print(f"   target: pretrained >= random + {TARGET_FEW_GAIN:.2f}: "
                  f"{'met' if few_pre - few_rand >= TARGET_FEW_GAIN else 'NOT met'}")
            by_rate.append({"learning_rate": lr, "few_pretrained_mean": float(few_pre),
                            "few_random_mean": float(few_rand),
                            "few_pretrained": few[:, 0].tolist(), "few_random": few[:, 1].tolist()})
        if len(by_rate) > 1:
            best_pre = max(r["few_pretrained_mean"] for r in by_rate)
            best_rand = max(r["few_random_mean"] for r in by_rate)
            print(f"   each arm at its best of these rates: pretrained {best_pre:.4f}, random "
                  f"{best_rand:.4f}, difference {best_pre - best_rand:+.4f}")
        summary.update(by_rate[0], few_by_learning_rate=by_rate)
        summary.pop("learning_rate")
    else:
        summary.update({k: v for k, v in previous.items() if k.startswith("few")})
    if "full" in sections:
        print(f"\n3. all {len(x):,} labels, {epochs} epochs (test accuracy after the last epoch)")
        print("   seed  pretrained  random   difference  seconds (pre / random)")
        full = []
        for seed in seeds:
            a_pre, a_rand, s_pre, s_rand = arms(seed)
            full.append((a_pre, a_rand))
            print(f"   {seed:4d}  {a_pre:.4f}      {a_rand:.4f}   {a_pre - a_rand:+.4f}     "
                  f"{s_pre:.0f} / {s_rand:.0f}", flush=True)
        full = np.array(full)
        pre_mean, rand_mean = full.mean(axis=0)
        print(f"   mean  {pre_mean:.4f}      {rand_mean:.4f}   {pre_mean - rand_mean:+.4f}")
        print(f"   targets: pretrained >= {TARGET_ACCURACY:.2f}: "
              f"{'met' if pre_mean >= TARGET_ACCURACY else 'NOT met'}; pretrained > random: "
              f"{'met' if pre_mean > rand_mean else 'NOT met'}")
        summary.update(pretrained_mean=float(pre_mean), random_mean=float(rand_mean),
                       pretrained=full[:, 0].tolist(), random=full[:, 1].tolist(),
                       finetune_epochs=epochs)
    else:
        summary.update({k: previous[k] for k in ("pretrained_mean", "random_mean", "pretrained",
                                                "random", "finetune_epochs") if k in previous})

    print("\nHistorical reference: Hinton, Osindero & Teh (2006), 784-500-500-2000 DBN, "
          "1.25% test error on MNIST (a different, easier data set).")

    if args.subset:
        return
    summary.update(
        date=f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}",
        layer_sizes="-".join(map(str, dbn.layer_sizes)),
        n_seeds=len(seeds),
        n_labelled=args.labelled,
        few_epochs=args.few_epochs,
        pretrain_seconds=pretrain_seconds,
    )
    n, lab = len(seeds), f"{args.labelled:,}"
    summary["anchors"] = {
        f"benchmark: random init, same network and recipe, 60,000 labels ({n} seeds)": {
            "test_error": 1.0 - summary["random_mean"]},
        f"benchmark: DBN-pretrained, 60,000 labels ({n} seeds)": {
            "test_error": 1.0 - summary["pretrained_mean"]},
        f"benchmark: random init, {lab} labels ({n} seeds)": {
            "test_error": 1.0 - summary["few_random_mean"]},
        f"benchmark: DBN-pretrained, {lab} labels ({n} seeds)": {
            "test_error": 1.0 - summary["few_pretrained_mean"]},
    }
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nsummary written to {Path(args.out).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
