"""Publishing zoo entries, and re-rendering their cards without retraining."""

import datetime
import json
import platform
import shutil
from pathlib import Path

from kerazoo.hub import index as zoo_index
from kerazoo.hub.card import ModelCard, render_card
from kerazoo.hub.entry import (
    CARD_FILE,
    MAX_ENTRY_MB,
    METADATA_FILE,
    METADATA_FORMAT,
    MODEL_FILE,
    SAVED_MODEL_DIR,
)
from kerazoo.hub.entry import entry_files as _entry_files
from kerazoo.hub.errors import EntryExistsError
from kerazoo.hub.paths import check_name, resolve_zoo_dir
from kerazoo.hub.registry import regenerate_if_repository_zoo
from kerazoo.utils.io import (
    atomic_write_json,
    atomic_write_text,
    json_safe,
    make_readable_by_all,
    sha256_file,
)
from kerazoo.version import __version__

#: The metric an entry is known by, in order of preference (else its first `test_*` metric).
HEADLINE_METRICS = ("test_log_likelihood", "test_log_density", "rmse", "test_accuracy",
                    "accuracy", "fd", "test_mse")


def _headline(directory):
    """'metric = value, published DATE' of an entry's metadata, or '' if unreadable."""
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        metrics = metadata.get("metrics") or {}
        key = next((k for k in HEADLINE_METRICS if k in metrics), None) or next(
            (k for k in sorted(metrics) if k.startswith("test_")), None) or next(iter(metrics), None)
        value = metrics[key] if key is not None else None
        shown = f"{value:.6g}" if isinstance(value, (int, float)) else str(value)
        parts = [f"{key} = {shown}"] if key is not None else []
        if metadata.get("date"):
            parts.append(f"published {metadata['date']}")
        return f" ({', '.join(parts)})" if parts else ""
    except (OSError, ValueError, TypeError, AttributeError):
        return ""


def _refuse_existing(zoo, name):
    """Raises `EntryExistsError` if the zoo holds `name` (indexed, or a folder of that name)."""
    target = zoo / name
    how = "pass overwrite=True (--force on the command line) to replace it, or choose another name"
    if name in zoo_index.read_index(zoo)["entries"]:
        raise EntryExistsError(
            f"The zoo at {zoo} already has an entry {name!r}{_headline(target)}; publishing "
            f"does not replace it silently: {how}."
        )
    if target.exists() or target.is_symlink():
        raise EntryExistsError(
            f"{target} exists but is not in the zoo index; publishing will not remove it: "
            f"move it away, or {how}."
        )


def check_publishable(name, zoo_dir=None, overwrite=False):
    """Checks, before any training, that `publish(model, name, overwrite=overwrite)` may run.

    Raises `ValueError` for an invalid name and `EntryExistsError` for an existing entry
    (without `overwrite`). `kerazoo train --publish` and `kerazoo tune --publish` call it
    first, so that a refused publish costs no training; `publish` checks again under the
    zoo lock.
    """
    check_name(name)
    if not overwrite:
        zoo = resolve_zoo_dir(zoo_dir)
        if zoo.is_dir():
            _refuse_existing(zoo, name)
    return name


def _remove_empty_folders(directory):
    for path in sorted((p for p in directory.rglob("*") if p.is_dir() and not p.is_symlink()),
                       key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()


def _check_metrics(metrics):
    """Metrics as JSON values: ints, finite floats, and "NaN" / "Infinity" / "-Infinity"
    for non-finite floats (standard JSON has no numbers for them; see `utils.io.json_safe`)."""
    out = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metrics must be numbers. Received: {key}={value!r}")
        out[str(key)] = json_safe(float(value)) if isinstance(value, float) else int(value)
    return out


def _seal(directory, name, card, metadata, max_size_mb):
    """Renders the card, hashes every file, writes metadata.json; returns the index record."""
    atomic_write_text(directory / CARD_FILE, render_card(name, card, metadata))
    _remove_empty_folders(directory)  # an entry holds files only (verify counts folders)
    make_readable_by_all(directory)  # files 0644, folders 0755, whatever the umask or mkstemp
    metadata["card"] = card.to_dict()
    metadata["files"] = {rel: sha256_file(directory / rel) for rel in _entry_files(directory)}
    atomic_write_json(directory / METADATA_FILE, metadata)
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    if size > max_size_mb * 2**20:
        raise ValueError(
            f"The entry {name!r} takes {size / 2**20:.1f} MB; a zoo entry must stay under "
            f"{max_size_mb} MB. Shrink the model or pass a larger max_size_mb."
        )
    return zoo_index.record_for(metadata, sha256_file(directory / METADATA_FILE))


def publish(model, name, card=None, metrics=None, recipe=None, files=None, zoo_dir=None,
            max_size_mb=MAX_ENTRY_MB, overwrite=False):
    """Publishes `model` as the zoo entry `name`, atomically.

    Writes `model.keras` (without optimizer state), `saved_model/` (the model's
    `serving_endpoints()`), the model card `README.md` and `metadata.json` (versions,
    parameter count, date, recipe, metrics and the sha256 of every file) into a temporary
    folder, then swaps it into `zoo/<name>` and records it in `zoo/index.json`. An existing
    entry of the same name is refused (`EntryExistsError`, naming it and its headline
    metric) unless `overwrite=True`, which replaces it; a crash at any point leaves the old
    entry (or none), never a half-written one.

    Args:
        model: a built `keras.Model` whose classes are registered serializable.
        name: `<architecture>.<dataset>`, e.g. `"rbm.fashion_mnist"`.
        card: a `kerazoo.hub.ModelCard` or a dict of its fields.
        metrics: `{name: number}` measured on the model (rendered next to the anchors).
            NaN and infinities are stored as the strings "NaN", "Infinity" and
            "-Infinity": `metadata.json` is standard JSON.
        recipe: the job that trained it (`Job.to_dict()`), recorded in the metadata.
        files: `{file_name: source_path}` extra files for the entry, e.g. sample grids.
        zoo_dir: the zoo folder; default `$KERAZOO_ZOO`, else the repository's `zoo/`.
        overwrite: replace an existing entry `name` (`--force` on the command line).
    Returns:
        The entry's folder.
    Raises:
        EntryExistsError: the zoo already has `name` and `overwrite` is False.
    """
    check_name(name)
    # Keras and TensorFlow are imported by the first publish, not by `import kerazoo.hub`.
    import keras
    import tensorflow as tf

    from kerazoo.hub.export import export_saved_model, save_keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"publish() takes a keras.Model. Received: {type(model).__name__}")
    if not model.built:
        raise ValueError(f"Build {type(model).__name__} (call it on data or fit it) before publishing.")
    card = ModelCard.from_any(card)
    zoo = resolve_zoo_dir(zoo_dir)
    with zoo_index.zoo_lock(zoo):
        zoo_index.repair(zoo)
        if not overwrite:
            _refuse_existing(zoo, name)
        tmp = zoo_index.new_tmp_dir(zoo, name)
        try:
            save_keras(model, tmp / MODEL_FILE)
            signatures = export_saved_model(model, tmp / SAVED_MODEL_DIR)
            for file_name, source in (files or {}).items():
                dest = tmp / file_name
                if dest.resolve().parent != tmp.resolve() or file_name in (
                    MODEL_FILE, SAVED_MODEL_DIR, CARD_FILE, METADATA_FILE
                ):
                    raise ValueError(f"Extra entry files must be plain names. Received: {file_name!r}")
                shutil.copyfile(source, dest)
            metadata = {
                "format": METADATA_FORMAT,
                "name": name,
                "family": (recipe or {}).get("job", {}).get("family"),
                "class": keras.saving.get_registered_name(type(model)),
                "kerazoo": __version__,
                "keras": keras.__version__,
                "tensorflow": tf.__version__,
                "python": platform.python_version(),
                "parameters": int(model.count_params()),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
                "recipe": recipe,
                "metrics": _check_metrics(metrics),
                "signatures": signatures,
            }
            record = _seal(tmp, name, card, metadata, max_size_mb)
            zoo_index.swap_in(zoo, name, tmp, record)
            regenerate_if_repository_zoo(zoo)  # the package's registry follows zoo/
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return zoo / name


def update_card(name, metrics=None, zoo_dir=None, max_size_mb=MAX_ENTRY_MB, **card_fields):
    """Re-renders an entry's card and metadata with new numbers, without retraining.

    `metrics` are merged into the entry's metrics; `card_fields` replace card fields, except
    `anchors` and `pictures`, which are merged (add a comparison that a later issue
    measured: `update_card("vae.fashion_mnist", anchors={"GAN": {"fid": 12.3}})`). The
    entry is verified first, rewritten in a temporary copy and swapped in atomically.
    """
    from kerazoo.hub.load import entry_dir, verify_entry

    zoo = resolve_zoo_dir(zoo_dir)
    with zoo_index.zoo_lock(zoo):
        zoo_index.repair(zoo)
        directory = entry_dir(name, zoo)
        metadata = verify_entry(directory, zoo_index.read_index(zoo)["entries"][name])
        tmp = zoo_index.new_tmp_dir(zoo, name)
        try:
            shutil.rmtree(tmp)
            shutil.copytree(directory, tmp)
            card = ModelCard.from_any(metadata.get("card")).merged(**card_fields)
            metadata["metrics"] = {**metadata.get("metrics", {}), **_check_metrics(metrics)}
            record = _seal(tmp, name, card, metadata, max_size_mb)
            zoo_index.swap_in(zoo, name, tmp, record)
            regenerate_if_repository_zoo(zoo)  # the package's registry follows zoo/
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return Path(zoo / name)


def unpublish(name, zoo_dir=None):
    """Removes an entry from the index and the zoo."""
    zoo = resolve_zoo_dir(zoo_dir)
    with zoo_index.zoo_lock(zoo):
        zoo_index.repair(zoo)
        if name not in zoo_index.read_index(zoo)["entries"]:
            from kerazoo.hub.load import unknown_name_error

            raise unknown_name_error(name, zoo)
        zoo_index.remove_entry(zoo, name)
        regenerate_if_repository_zoo(zoo)

