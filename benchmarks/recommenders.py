"""Recommenders on MovieLens-100k, side by side: RMSE, MAE and top-N metrics on u1..u5.

Every model goes through the same harness (`kerazoo.models.recommenders.cross_validate`):
trained on uN.base, scored on uN.test. AutoRec and the RBM are trained from their zoo
recipes (tuning/autorec.movielens_100k.toml, tuning/rbm_cf.movielens_100k.toml), so the
numbers are those of the published entries' recipe on each fold. Targets (issue 7): mean
RMSE over u1..u5 <= 0.895 for AutoRec and <= 0.930 for the RBM, one fold training in
under 5 minutes.

    KERAZOO_DATA_DIR=/work/shared/data PYTHONPATH=. python benchmarks/recommenders.py
    ... --quick               # fold 1 only
    ... --models autorec rbm  # a subset of the models
    ... --update-cards        # also write the five-fold numbers into the zoo cards

Its output is kept in benchmarks/results/recommenders.txt. With `--update-cards` (all five
folds only) the cards of autorec.movielens_100k and rbm_cf.movielens_100k get these
numbers (`kerazoo.hub.update_card`: per-fold RMSE and MAE, the means, the top-N metrics)
and every other model of the run as an anchor next to the published ones.

Training times are wall-clock on this machine, which other jobs share: they are noisy.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from kerazoo.models.recommenders import BiasedMF, GlobalMean, UserItemBiases  # noqa: E402
from kerazoo.recipes import Run, get_family, load_job  # noqa: E402
from kerazoo.recipes.recommender_evaluation import cross_validate, summarize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"autorec": 0.895, "rbm": 0.930}
TIME_LIMIT = 300.0
METRICS = ("rmse", "mae", "precision@10", "recall@10", "ndcg@10", "train_seconds")

#: The biased MF baseline's recipe (Keras, Adam), chosen on a 10% validation split of u1.base.
MF_RECIPE = dict(n_factors=50, l2=0.1, epochs=15, batch_size=256, learning_rate=2e-3)


def from_recipe(job_file):
    # Monitoring (val_rmse on the test fold after every epoch) is not training: off here.
    job = load_job(ROOT / "tuning" / job_file).with_overrides({"monitor": False})
    family = get_family(job.family)

    def make_and_fit(train, test, fold):
        keras.utils.set_random_seed(job.seed)
        model = family.build(job, fold=fold)
        family.fit(Run(job=job, model=model, data={"train": train, "test": test, "fold": fold}),
                   verbose=0)
        return model

    return make_and_fit


def biased_mf(train, test, fold):
    keras.utils.set_random_seed(0)
    recipe = dict(MF_RECIPE)
    model = BiasedMF(n_factors=recipe.pop("n_factors"), l2=recipe.pop("l2"), history_fold=fold,
                     seed=0)
    model.fit_ratings(train, verbose=0, **recipe)
    return model


MODELS = {
    "global_mean": lambda train, test, fold: GlobalMean(history_fold=fold).fit_ratings(train),
    "biases": lambda train, test, fold: UserItemBiases(history_fold=fold).fit_ratings(train),
    "biased_mf": biased_mf,
    "autorec": from_recipe("autorec.movielens_100k.toml"),
    "rbm": from_recipe("rbm_cf.movielens_100k.toml"),
}
#: Benchmark rows -> (zoo entry, job file) of the models with a zoo entry.
ENTRIES = {"autorec": "autorec.movielens_100k", "rbm": "rbm_cf.movielens_100k"}
#: Benchmark rows -> the anchor names in the cards.
ANCHOR_NAMES = {
    "global_mean": "global mean (this harness)",
    "biases": "user+item biases (this harness)",
    "biased_mf": "biased MF, 50 factors (this harness)",
    "autorec": "I-AutoRec, autorec.movielens_100k recipe (this harness)",
    "rbm": "conditional RBM, rbm_cf.movielens_100k recipe (this harness)",
}
CARD_METRICS = ("rmse", "mae", "precision@10", "recall@10", "ndcg@10")


def load_average():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def update_cards(rows, folds, stamp):
    """Writes the five-fold numbers of the run into the cards of the zoo entries."""
    import kerazoo
    from kerazoo.hub import update_card

    for row, entry in ENTRIES.items():
        if row not in rows:
            continue
        results = rows[row]
        mean = summarize(results)
        metrics = {key: mean[key] for key in CARD_METRICS}
        for fold in folds:
            metrics[f"rmse_u{fold}"] = results[fold]["rmse"]
            metrics[f"mae_u{fold}"] = results[fold]["mae"]
        metrics["folds"] = len(folds)
        metrics["train_seconds_per_fold"] = mean["train_seconds"]
        anchors = {ANCHOR_NAMES[other]: {key: summarize(r)[key] for key in CARD_METRICS}
                   for other, r in rows.items() if other != row}
        job = load_job(ROOT / "tuning" / f"{entry}.toml")
        family = get_family(job.family)
        model = kerazoo.load(entry)
        run = Run(job=job, model=model, data=None, metrics=metrics)
        evaluation = family.card(run)["evaluation"] + (
            f"\n\nThese numbers are printed by `benchmarks/recommenders.py` ({stamp}; kept in "
            "`benchmarks/results/recommenders.txt`), which trains the recipe on every fold "
            "with the baselines side by side; the anchors marked *this harness* come from the "
            f"same run. Training took {mean['train_seconds']:.0f} s per fold on average "
            "(2 shared cores, wall clock).")
        update_card(entry, metrics=metrics, evaluation=evaluation, anchors=anchors)
        print(f"updated the card of {entry}")


def table(rows, folds):
    name_w = max(len(n) for n in rows) + 2
    header = f"{'model':<{name_w}}" + "".join(f"{'u' + str(f):>9}" for f in folds) + f"{'mean':>9}"
    lines = []
    for metric in METRICS:
        lines += ["", f"{metric}:", header]
        for name, results in rows.items():
            values = [results[f][metric] for f in folds]
            mean = sum(values) / len(values)
            fmt = "{:9.1f}" if metric == "train_seconds" else "{:9.4f}"
            lines.append(f"{name:<{name_w}}" + "".join(fmt.format(v) for v in values)
                         + fmt.format(mean))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fold 1 only")
    parser.add_argument("--folds", type=int, nargs="+", default=None, help="folds (default 1..5)")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--update-cards", action="store_true",
                        help="write the numbers into the zoo cards (all five folds only)")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write the per-fold results to this JSON file")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="print (and with --update-cards, write into the cards) the "
                        "results of an earlier run saved with --json, without training")
    args = parser.parse_args(argv)
    folds = [1] if args.quick else (args.folds or [1, 2, 3, 4, 5])

    start = time.perf_counter()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        stamp = saved["stamp"]
        rows = {name: {int(f): r for f, r in results.items()}
                for name, results in saved["rows"].items()}
        folds = sorted(next(iter(rows.values())))
        print(f"{stamp}: results of an earlier run ({args.from_json})")
    else:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print(f"{stamp}; keras {keras.__version__}; start: {load_average()}")
        rows = {}
    if args.update_cards and folds != [1, 2, 3, 4, 5]:
        parser.error("--update-cards needs all five folds")
    for name in [] if args.from_json else args.models:
        print(f"{name} ...", flush=True)
        rows[name] = cross_validate(MODELS[name], folds=folds, verbose=True)
    if args.json:
        args.json.write_text(json.dumps({"stamp": stamp, "rows": rows}, indent=1))
    print(f"\nMovieLens-100k, folds {', '.join(f'u{f}' for f in folds)} "
          f"({time.perf_counter() - start:.0f} s in all; shared machine, times are noisy; "
          f"end: {load_average()})")
    print(table(rows, folds))

    print("\nTargets (mean RMSE over the folds; one fold trains in under "
          f"{TIME_LIMIT:.0f} s):")
    failed = False
    for name, target in TARGETS.items():
        if name not in rows:
            continue
        mean = summarize(rows[name])
        ok_rmse = mean["rmse"] <= target
        slowest = max(r["train_seconds"] for r in rows[name].values())
        ok_time = slowest <= TIME_LIMIT
        failed |= not (ok_rmse and ok_time)
        note = "" if len(folds) == 5 else "  (not all five folds: indicative only)"
        print(f"  {name:<8} RMSE {mean['rmse']:.4f} <= {target}: {'PASS' if ok_rmse else 'FAIL'}; "
              f"slowest fold {slowest:.0f} s <= {TIME_LIMIT:.0f} s: "
              f"{'PASS' if ok_time else 'FAIL'}{note}")
        for base in ("biases", "biased_mf"):
            if base in rows:
                ratio = mean["rmse"] / summarize(rows[base])["rmse"]
                print(f"           RMSE ratio to {base}: {ratio:.4f}")
    if args.update_cards:
        update_cards(rows, folds, stamp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
