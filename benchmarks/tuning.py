"""A 10-trial random search of tuning/ae.fashion_mnist.toml against its recipe (issue 9).

    PYTHONPATH=. python benchmarks/tuning.py                 # the issue's settings
    PYTHONPATH=. python benchmarks/tuning.py --trials 2 --subset 1000 --epochs 1   # a smoke run

Targets: the search (`--subset 10000 --epochs 3`, 10 trials, random) takes under 5
minutes of wall time, and its best trial beats the job's fixed recipe trained under the
same settings, on the search objective (validation loss, the 6,000 validation images).
The recipe is trained by the same code path as a trial (the hypermodel's `build` and
`fit` with every hyperparameter at its default, i.e. the recipe's value, same seed). The
search runs in a fresh project folder (nothing reused). The machine's load (`uptime`) is
printed before and after: wall times on a shared machine depend on it.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JOB = REPO / "tuning" / "ae.fashion_mnist.toml"


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--subset", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tuner", default="random")
    args = parser.parse_args(argv)

    import keras_tuner

    from kerazoo.tuning import hypermodel_for, prepare_job, run_search

    print(f"uptime before: {uptime()}")
    job = prepare_job(JOB, epochs=args.epochs, subset=args.subset)
    space = {k: {kk: vv for kk, vv in v.items()} for k, v in job.search["space"].items()}
    print(f"job: {JOB.relative_to(REPO)}; {args.tuner} search, {args.trials} trials, "
          f"--subset {args.subset} --epochs {args.epochs}; objective {job.search['objective']} "
          f"({job.search['direction']}); space {space}")

    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        result = run_search(job, max_trials=args.trials, directory=directory, tuner=args.tuner,
                            verbose=0)
        search_seconds = time.perf_counter() - start
        statuses = [r["status"] for r in result.trials]

    hypermodel = hypermodel_for(job)
    hp = keras_tuner.HyperParameters()
    hypermodel.declare_hyperparameters(hp)  # every value at its default: the recipe
    start = time.perf_counter()
    recipe = hypermodel.fit(hp, hypermodel.build(hp), verbose=0)[job.search["objective"]]
    recipe_seconds = time.perf_counter() - start

    best = result.best["score"]
    print()
    print(f"search wall time: {search_seconds:.1f} s for {len(statuses)} trials "
          f"({statuses.count('COMPLETED')} completed); target < 300 s: "
          f"{'MET' if search_seconds < 300 else 'NOT MET'}")
    print(f"recipe ({', '.join(f'{k}={v}' for k, v in hp.values.items())}): "
          f"{job.search['objective']} {recipe:.6f} (trained in {recipe_seconds:.1f} s)")
    print(f"best trial {result.best['trial_id']} ({', '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in result.best['values'].items())}): "
          f"{job.search['objective']} {best:.6f}")
    print(f"best / recipe: {best / recipe:.4f}; target best < recipe: "
          f"{'MET' if best < recipe else 'NOT MET'}")
    print(f"uptime after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
