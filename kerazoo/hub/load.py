"""Reading the zoo: list, load (every sha256 checked first), cards, verification.

Keras and TensorFlow are imported only by `load` and `verify` (with signatures): `list_models`,
`model_card` and `entry_metadata` read files only.
"""

import difflib
import json
import os
import warnings
from pathlib import Path

from kerazoo.hub import index as zoo_index
from kerazoo.hub.errors import IntegrityError, UnknownModelError
from kerazoo.hub.paths import resolve_zoo_dir
from kerazoo.hub.entry import CARD_FILE, METADATA_FILE, MODEL_FILE, SAVED_MODEL_DIR
from kerazoo.hub.entry import entry_files as _entry_files
from kerazoo.utils.io import sha256_file


def _repaired_zoo(zoo_dir):
    """The zoo folder, after finishing an interrupted publish if nobody is publishing now."""
    zoo = resolve_zoo_dir(zoo_dir)
    interrupted = any(zoo.glob(".journal-*")) or any(zoo.glob(".tmp-*")) or any(zoo.glob(".old-*"))
    if zoo.is_dir() and interrupted and os.access(zoo, os.W_OK):
        with zoo_index.zoo_lock(zoo, blocking=False) as locked:
            if locked:
                zoo_index.repair(zoo)
    return zoo


def list_models(zoo_dir=None):
    """The names of the zoo's entries, sorted."""
    zoo = _repaired_zoo(zoo_dir)
    return sorted(zoo_index.read_index(zoo)["entries"])


def unknown_name_error(name, zoo):
    names = sorted(zoo_index.read_index(zoo)["entries"])
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return UnknownModelError(
        f"No zoo entry named {name!r} in {zoo}.{hint} Available: {names or 'none'} "
        f"(see `kerazoo list`; $KERAZOO_ZOO points at another zoo)."
    )


def entry_dir(name, zoo):
    if name not in zoo_index.read_index(zoo)["entries"]:
        raise unknown_name_error(name, zoo)
    return zoo / name


def verify_entry(directory, index_record=None):
    """Checks an entry's files against its metadata (and the metadata against the index).

    Returns the metadata. Raises `IntegrityError` naming the first file that is missing,
    unexpected, or whose sha256 differs.
    """
    directory = Path(directory)
    meta_path = directory / METADATA_FILE
    if not meta_path.is_file():
        raise IntegrityError(f"{meta_path} is missing.")
    if index_record is not None and sha256_file(meta_path) != index_record["metadata_sha256"]:
        raise IntegrityError(
            f"{meta_path} does not match the sha256 recorded in the zoo index: the entry's "
            "metadata was modified after publishing."
        )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        expected = metadata["files"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise IntegrityError(f"{meta_path} is not valid kerazoo metadata.") from None
    for rel, digest in sorted(expected.items()):
        path = directory / rel
        if not path.is_file():
            raise IntegrityError(f"{path} is missing from the entry.")
        if sha256_file(path) != digest:
            raise IntegrityError(
                f"{path} does not match its sha256 in {METADATA_FILE}: the file is corrupted "
                "or was modified."
            )
    unexpected = sorted(set(_entry_files(directory)) - set(expected))
    if unexpected:
        raise IntegrityError(
            f"{directory / unexpected[0]} is not listed in {METADATA_FILE}: files were added "
            "to the entry after publishing."
        )
    return metadata


def _resolve(name_or_path, zoo_dir):
    """(entry folder or .keras file, index record or None) for a name or a path."""
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = os.sep in text or text.endswith(".keras") or path.exists()
    if looks_like_path:
        if path.is_dir():
            return path, None
        if path.is_file():
            return path, None
        raise FileNotFoundError(f"No zoo entry or .keras file at {path}.")
    zoo = _repaired_zoo(zoo_dir)
    directory = entry_dir(text, zoo)
    return directory, zoo_index.read_index(zoo)["entries"][text]


def load(name_or_path, zoo_dir=None, compile=True):
    """Loads a zoo model by name (`"dae.fashion_mnist"`) or path, checking its integrity.

    A name is looked up in the zoo index (`$KERAZOO_ZOO` or the repository's `zoo/`); a
    path may be an entry folder or a plain `.keras` file. Every file of an entry is checked
    against the sha256 in its metadata (and the metadata against the index) before anything
    is deserialized, and the model is loaded with `safe_mode=True`.

    Returns:
        The `keras.Model`, compiled with its recipe's `compile()` settings (a fresh optimizer:
        entries carry no optimizer state), ready for `fit`.
    Raises:
        UnknownModelError: no such name (the message lists the closest names).
        IntegrityError: a file is missing, added or modified (the message names it).
    """
    # Keras, and the model classes it deserializes, are imported on the first load, so that
    # listing the zoo and reading cards stay instant.
    import keras

    import kerazoo.models  # noqa: F401  (registers every serializable class)

    target, record = _resolve(name_or_path, zoo_dir)
    if target.is_dir():
        verify_entry(target, record)
        target = target / MODEL_FILE
    with warnings.catch_warnings():
        # Entries are published without optimizer state; the fresh optimizer built on
        # load has slots that the file does not.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        return keras.saving.load_model(target, compile=compile, safe_mode=True)


def model_card(name, zoo_dir=None):
    """The model card (markdown with Hugging Face front matter) of a zoo entry."""
    target, record = _resolve(name, zoo_dir)
    verify_entry(target, record)  # a tampered card is not shown
    return (target / CARD_FILE).read_text(encoding="utf-8")


def entry_metadata(name, zoo_dir=None):
    """The verified metadata of a zoo entry (versions, metrics, recipe, hashes)."""
    target, record = _resolve(name, zoo_dir)
    return verify_entry(target, record)


def verify(name=None, zoo_dir=None, run_signatures=True):
    """Verifies one entry or the whole zoo; returns `{name: signature output shapes}`.

    Checks every sha256, then (with `run_signatures`) calls each SavedModel signature on a
    small batch. Raises on the first failure, naming the entry and the file.
    """
    from kerazoo.hub.export import run_signatures as run

    zoo = _repaired_zoo(zoo_dir)
    names = [name] if name is not None else list_models(zoo)
    report = {}
    for entry in names:
        target, record = _resolve(entry, zoo)
        verify_entry(target, record)
        report[entry] = run(target / SAVED_MODEL_DIR) if run_signatures else {}
    return report
