"""`kerazoo tune`: a keras-tuner search around a job's recipe, resumable and distributable.

```python
from kerazoo.tuning import run_search
result = run_search("tuning/ae.fashion_mnist.toml", max_trials=10, epochs=3, subset=10000)
print(result.leaderboard)
model = result.tuner.get_best_models()[0]
```

The keras-tuner project lives in `<directory>/<job name>-<hash>`: the hash covers
everything that decides what a trial computes (family, recipe, data, seed, search space,
tuner, objective, and the `epochs` / `subset` overrides), not `max_trials`. The same
command after a crash therefore resumes the same project (finished trials are kept, the
interrupted one runs again), a larger `max_trials` extends it, and an edited job file
starts a new project instead of silently mixing results of two spaces.
"""

import dataclasses
import hashlib
import json
from pathlib import Path

from kerazoo.recipes.runner import train_job
from kerazoo.recipes.schema import Job, JobError, check_count_flag, load_job

#: Bump when what a trial computes changes for the same job (a new project then).
FORMAT_VERSION = 1
DEFAULT_DIRECTORY = "runs/tuning"


@dataclasses.dataclass
class SearchResult:
    """What `run_search` returns.

    Attributes:
        job: the job as searched (with the `epochs` / `subset` overrides).
        tuner: the `JobTuner` (`get_best_models()`, `get_best_hyperparameters()`, ...).
        project_dir: the keras-tuner project folder.
        trials: one dict per trial: `trial_id`, `status`, `score`, `values`.
        best: the best completed trial's dict (None if no trial completed).
        leaderboard: the printed table.
        entry: the published zoo entry's folder, with `publish`.
    """

    job: Job
    tuner: object
    project_dir: Path
    trials: list
    best: dict
    leaderboard: str
    entry: Path = None


def prepare_job(job, epochs=None, subset=None):
    """The job with `--epochs` / `--subset` applied (`epochs` then leaves the space)."""
    if not isinstance(job, Job):
        job = load_job(job)
    if epochs is not None:
        epochs = check_count_flag(epochs, "--epochs")
        if "epochs" not in job.train:
            raise JobError(f"{job.path}: family {job.family!r} has no `epochs` in [train].")
        space = {k: v for k, v in job.search.get("space", {}).items() if k != "epochs"}
        job = job.with_overrides({"epochs": int(epochs)}).replace(
            search={**job.search, "space": space})
    if subset is not None:
        job = job.replace(data={**job.data, "subset": check_count_flag(subset, "--subset")})
    return job


def project_name(job, tuner=None):
    """`<job name>-<12 hex digits>`: the hash of what the search computes (see module)."""
    content = job.to_dict()
    content.pop("card", None)
    content["job"].pop("description", None)
    search = dict(content.get("search", {}))
    search.pop("max_trials", None)
    if tuner:
        search["tuner"] = tuner
    content["search"] = search
    content["format"] = FORMAT_VERSION
    text = json.dumps(content, sort_keys=True, default=str)
    return f"{job.name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def make_tuner(job, directory=DEFAULT_DIRECTORY, max_trials=None, tuner=None,
               trial_timeout=None, distribution_strategy=None, hypermodel=None,
               overwrite=False):
    """The `JobTuner` of a (prepared) job, reloading its project if it exists.

    Args:
        job: a `Job` (see `prepare_job`) or a job file.
        directory: the folder of keras-tuner projects.
        max_trials: trials in all (default: `search.max_trials`).
        tuner: "random", "bayesian" or "hyperband" (default: `search.tuner`).
        trial_timeout: seconds without a heartbeat after which a worker's trial goes
            back to the queue (distributed searches; None: wait for ever).
        distribution_strategy: what each trial trains under: a `tf.distribute` strategy on
            TensorFlow, a `keras.distribution.Distribution` (`DataParallel`) on JAX;
            `kerazoo.utils.data_parallel()` makes the one of the active backend.
        hypermodel: default `hypermodel_for(job)`.
    """
    import keras_tuner

    from kerazoo.tuning.family_hypermodels import hypermodel_for
    from kerazoo.tuning.tuners import JobTuner, make_oracle

    if not isinstance(job, Job):
        job = load_job(job)
    hypermodel = hypermodel or hypermodel_for(job)
    if not hypermodel.space:
        raise JobError(
            f"{job.path or job.name}: nothing to search: the job has no [search.space] and "
            f"family {job.family!r} has no default space. Add [search.space.<key>] tables."
        )
    kind = tuner or job.search["tuner"]
    search = job.search
    oracle = make_oracle(
        kind,
        objective=keras_tuner.Objective(search["objective"], search["direction"]),
        max_trials=(search["max_trials"] if max_trials is None
                    else check_count_flag(max_trials, "max_trials")),
        seed=job.seed,
        trial_timeout=trial_timeout,
        max_epochs=job.train.get("epochs"),
    )
    return JobTuner(
        oracle=oracle,
        hypermodel=hypermodel,
        directory=str(directory),
        project_name=project_name(job, kind),
        distribution_strategy=distribution_strategy,
        executions_per_trial=int(search.get("executions_per_trial", 1)),
        overwrite=overwrite,
    )


def trial_rows(oracle):
    """One dict per trial, best first (completed trials by score, then the others)."""
    rows = [
        {"trial_id": t.trial_id, "status": t.status, "score": t.score,
         "values": {k: v for k, v in t.hyperparameters.values.items() if not k.startswith("tuner/")}}
        for t in oracle.trials.values()
    ]
    done = [r for r in rows if r["status"] == "COMPLETED" and r["score"] is not None]
    done.sort(key=lambda r: r["score"], reverse=oracle.objective.direction == "max")
    rest = sorted((r for r in rows if r not in done), key=lambda r: r["trial_id"])
    return done + rest


def format_leaderboard(rows, objective, recipe=None, limit=None):
    """The leaderboard as a text table (the recipe's values first, when given)."""
    keys = list(dict.fromkeys(k for r in rows for k in r["values"]))

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.5g}"
        return "-" if v is None else str(v)

    header = ["rank", "trial", "status", objective] + keys
    table = [header]
    if recipe is not None:
        table.append(["", "recipe", "", ""] + [fmt(recipe.get(k)) for k in keys])
    for i, r in enumerate(rows[:limit] if limit else rows, 1):
        rank = str(i) if r["status"] == "COMPLETED" else ""
        table.append([rank, r["trial_id"], r["status"], fmt(r["score"])]
                     + [fmt(r["values"].get(k)) for k in keys])
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in table)


def search_summary(job, tuner_kind, rows, best, recipe):
    """The model card's paragraph on the search that chose the published values."""
    completed = sum(r["status"] == "COMPLETED" for r in rows)
    objective, direction = job.search["objective"], job.search["direction"]
    changed = {k: v for k, v in best["values"].items() if recipe.get(k) != v}
    shrink = []
    if "subset" in job.data:
        shrink.append(f"the first {job.data['subset']:,} training examples")
    shrink.append(f"{job.train.get('epochs')} epochs")
    lines = [
        f"**Hyperparameter search.** The values above were chosen by a keras-tuner "
        f"{tuner_kind} search (`kerazoo tune`) of {len(rows)} trials ({completed} completed) "
        f"around the recipe of `{Path(job.path).name if job.path else job.name}`, each trial "
        f"trained on {' for '.join(shrink)} and scored by `{objective}` ({direction}). Best "
        f"trial {best['trial_id']}: {objective} = {best['score']:.6g}; it changed "
        + (", ".join(f"`{k}` {recipe.get(k)!r} -> {v!r}" for k, v in changed.items())
           if changed else "nothing (the recipe's values won)")
        + ". Leaderboard (top 5):",
        "",
        "```",
        format_leaderboard(rows, objective, recipe=recipe, limit=5),
        "```",
    ]
    return "\n".join(lines)


def run_search(job, max_trials=None, directory=DEFAULT_DIRECTORY, epochs=None, subset=None,
               publish=None, zoo_dir=None, tuner=None, trial_timeout=None,
               distribution_strategy=None, verbose=1, callbacks=(), out=print, overwrite=False):
    """Runs (or resumes) the search of a job; prints progress and the leaderboard.

    As chief (`KERASTUNER_TUNER_ID=chief` with `KERASTUNER_ORACLE_IP` / `_PORT`) it
    serves the oracle until the workers have run every trial; as a worker it runs
    trials for the chief; alone it does both. Errors in the job file are raised (a
    `JobError` naming the key and the file) before anything trains.

    Args:
        job: a job file or `Job`.
        max_trials: trials in all, finished ones included (default: the job's).
        directory: the folder of keras-tuner projects (default: runs/tuning).
        epochs, subset: shrink each trial (`epochs` replaces the recipe's and leaves
            the search space).
        publish: a zoo name: retrain the recipe with the best trial's values (same
            `epochs` / `subset`) and publish it with the search summary in its card.
        overwrite: with `publish`, replace an existing entry (else it is refused before
            the search starts).
        tuner: override `search.tuner` ("random", "bayesian", "hyperband").
        trial_timeout: see `make_tuner`.
        distribution_strategy: data-parallel training inside a trial (see `make_tuner`).
        verbose: keras-tuner's and Keras' verbosity (0 silent, 1 progress, 2 per epoch).
        callbacks: Keras callbacks given to every trial's training.
    Returns:
        A `SearchResult`.
    """
    from kerazoo.tuning import distributed

    job = prepare_job(job, epochs=epochs, subset=subset)
    if max_trials is not None:
        max_trials = check_count_flag(max_trials, "--max-trials")
    if publish and not distributed.is_worker():
        from kerazoo.hub import check_publishable

        check_publishable(publish, zoo_dir, overwrite)  # refused before any trial runs
    kind = tuner or job.search["tuner"]
    search_tuner = make_tuner(job, directory=directory, max_trials=max_trials, tuner=kind,
                              trial_timeout=trial_timeout,
                              distribution_strategy=distribution_strategy)
    role = ("chief" if distributed.is_chief() else
            "worker" if distributed.is_worker() else "single process")
    project_dir = Path(search_tuner.project_dir)
    if verbose:
        out(f"{job.name}: {kind} search of {len(search_tuner.hypermodel.space)} "
            f"hyperparameters ({', '.join(search_tuner.hypermodel.space)}), objective "
            f"{job.search['objective']} ({job.search['direction']}); project {project_dir} "
            f"[{role}]")
    fit_verbose = {0: 0, 1: "auto", 2: 2}.get(verbose, "auto")
    search_tuner.search(callbacks=list(callbacks), verbose=fit_verbose)

    if distributed.is_worker():
        # The chief may already be gone: report nothing that needs it.
        out(f"worker {search_tuner.tuner_id}: no trials left; the chief prints the leaderboard.")
        return SearchResult(job=job, tuner=search_tuner, project_dir=project_dir, trials=[],
                            best=None, leaderboard="")

    oracle = search_tuner.oracle
    rows = trial_rows(oracle)
    hypermodel = search_tuner.hypermodel
    recipe = {k: default for k, (_, default) in hypermodel.space.items()}
    board = format_leaderboard(rows, job.search["objective"], recipe=recipe)
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    out(f"\n{job.name}: {len(rows)} trials ("
        + ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())) + f") in {project_dir}")
    out(board)
    best = next((r for r in rows if r["status"] == "COMPLETED"), None)
    entry = None
    if publish:
        if best is None:
            raise RuntimeError(f"{job.name}: no trial completed; nothing to publish.")
        from keras_tuner import HyperParameters

        hp = HyperParameters()
        hp.values.update(oracle.trials[best["trial_id"]].hyperparameters.values)
        best_job = hypermodel.trial_job(hp)
        out(f"retraining the recipe with trial {best['trial_id']}'s values to publish as {publish}")
        result = train_job(
            best_job, publish=publish, zoo_dir=zoo_dir, verbose=fit_verbose, overwrite=overwrite,
            card_notes={"training": search_summary(job, kind, rows, best, recipe)},
        )
        entry = result.entry
        out(f"published as {publish} in {entry}")
    return SearchResult(job=job, tuner=search_tuner, project_dir=project_dir, trials=rows,
                        best=best, leaderboard=board, entry=entry)
