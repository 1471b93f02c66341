"""`kerazoo train`: re-create a zoo entry from its job file."""

import tempfile
from pathlib import Path

import keras

from kerazoo.callbacks import DivergenceGuard
from kerazoo.hub import check_publishable
from kerazoo.hub import publish as publish_entry
from kerazoo.recipes.family import Run
from kerazoo.recipes.registry import get_family
from kerazoo.recipes.schema import Job, check_count_flag, load_job

#: What `train_job` returns (the name of earlier releases): the `Run`, with `model`,
#: `metrics`, `history`, `job` and `entry`.
TrainResult = Run


def card_for(family, run):
    """The family's card of a run, with the job file's `[card]` prose taking precedence."""
    job = run.job
    card = dict(family.card(run) or {})
    for key, value in job.card.items():
        card[key] = list(dict.fromkeys(card.get("tags", []) + value)) if key == "tags" else value
    if job.description and not card.get("summary"):
        card["summary"] = job.description
    return card


def train_job(job, publish=None, zoo_dir=None, epochs=None, subset=None,
              checkpoint_dir=None, verbose="auto", card_notes=None, overwrite=False):
    """Trains the model of a job file (or `Job`) from its recipe; optionally publishes it.

    Args:
        job: a path to a job file or a `Job`.
        publish: a zoo name to publish the trained model as (usually `job.name`).
        epochs, subset: shrink the recipe (fewer epochs, the first `subset` examples).
        checkpoint_dir: where the last good weights are kept during training.
        card_notes: `{card field: markdown}` appended to the published card's sections
            (`kerazoo tune --publish` adds the search summary to `training`).
        overwrite: replace an existing entry `publish` (else it is refused before training).
    Returns:
        The `Run`: the model, its metrics, the history, the card's notes and the entry's
        folder (`entry`, None unless published).
    """
    if not isinstance(job, Job):
        job = load_job(job)
    if publish:
        check_publishable(publish, zoo_dir, overwrite)  # refused before any training
    if epochs is not None:
        job = job.with_overrides({"epochs": check_count_flag(epochs, "--epochs")})
    if subset is not None:
        job = job.replace(data={**job.data, "subset": check_count_flag(subset, "--subset")})
    family = get_family(job.family)
    keras.utils.set_random_seed(job.seed)

    data = family.load_data(job)
    run = Run(job=job, model=family.build(job), data=data)
    checkpoint = Path(checkpoint_dir) / f"{job.name}.weights.h5" if checkpoint_dir else None
    run.history = family.fit(run, callbacks=[DivergenceGuard(checkpoint)], verbose=verbose)
    run.metrics = family.evaluate(run)

    if publish:
        card = card_for(family, run)
        for key, text in (card_notes or {}).items():
            card[key] = f"{card.get(key) or ''}\n\n{text}".strip()
        with tempfile.TemporaryDirectory() as tmp:
            paths = family.artifacts(run, Path(tmp)) or []
            run.entry = publish_entry(
                run.model,
                publish,
                card=card,
                metrics=run.metrics,
                recipe=job.to_dict(),
                files={Path(p).name: p for p in paths},
                zoo_dir=zoo_dir,
                overwrite=overwrite,
            )
    return run
