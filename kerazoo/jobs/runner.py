"""`kerazoo train`: re-create a zoo entry from its job file."""

import dataclasses
import tempfile
from pathlib import Path

import keras

from kerazoo.callbacks import DivergenceGuard
from kerazoo.jobs.families import get_family
from kerazoo.jobs.schema import Job, check_count_flag, load_job


@dataclasses.dataclass
class TrainResult:
    model: keras.Model
    metrics: dict
    history: object
    job: Job
    entry: Path = None


def card_for(family, model, metrics, job):
    """The family's card, with the job file's `[card]` prose taking precedence."""
    card = dict(family.card(model, metrics, job) or {})
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
        A `TrainResult` with the model, its metrics, the history and the entry's folder.
    """
    if not isinstance(job, Job):
        job = load_job(job)
    if publish:
        from kerazoo.hub import check_publishable

        check_publishable(publish, zoo_dir, overwrite)  # refused before any training
    if epochs is not None:
        job = job.with_overrides({"epochs": check_count_flag(epochs, "--epochs")})
    if subset is not None:
        job = job.replace(data={**job.data, "subset": check_count_flag(subset, "--subset")})
    family = get_family(job.family)
    keras.utils.set_random_seed(job.seed)

    data = family.load_data(job)
    model = family.build(job)
    checkpoint = Path(checkpoint_dir) / f"{job.name}.weights.h5" if checkpoint_dir else None
    history = family.fit(model, data, job, callbacks=[DivergenceGuard(checkpoint)], verbose=verbose)
    metrics = family.evaluate(model, data, job)

    entry = None
    if publish:
        from kerazoo.hub import publish as publish_entry

        card = card_for(family, model, metrics, job)
        for key, text in (card_notes or {}).items():
            card[key] = f"{card.get(key) or ''}\n\n{text}".strip()
        with tempfile.TemporaryDirectory() as tmp:
            paths = family.artifacts(model, data, job, Path(tmp)) or []
            entry = publish_entry(
                model,
                publish,
                card=card,
                metrics=metrics,
                recipe=job.to_dict(),
                files={Path(p).name: p for p in paths},
                zoo_dir=zoo_dir,
                overwrite=overwrite,
            )
    return TrainResult(model=model, metrics=metrics, history=history, job=job, entry=entry)
