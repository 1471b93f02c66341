"""Reading the zoo: list, load (every sha256 checked first), cards, verification.

Keras and TensorFlow are imported only by `load` and `verify` (with signatures): `list_models`,
`model_card` and `entry_metadata` read files only.
"""

import contextlib
import difflib
import hashlib
import json
import os
import re
import stat
import tempfile
import time
import warnings
from pathlib import Path

from kerazoo.hub import index as zoo_index
from kerazoo.hub.errors import IntegrityError, UnknownModelError
from kerazoo.hub.paths import ENV_VAR, resolve_zoo_dir
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


def _uses_registry(zoo_dir):
    """Whether names missing from the zoo come from the cache and the mirror: with no
    explicit `zoo_dir=` (`--zoo`), a name the zoo does not hold is looked up in the
    package's registry (see `kerazoo.hub.mirror`)."""
    return zoo_dir is None


def list_models(zoo_dir=None):
    """The names of the zoo's entries, sorted.

    With no `zoo_dir` and no `$KERAZOO_ZOO` (a wheel install, or the clone's own zoo), the
    names registered in the package are included: `load` fetches them from the mirror.
    """
    zoo = _repaired_zoo(zoo_dir)
    names = set(zoo_index.read_index(zoo)["entries"])
    if zoo_dir is None and not os.environ.get(ENV_VAR):
        from kerazoo.hub.registry import registered_names

        names.update(registered_names())
    return sorted(names)


def close_names(name, names, n=5):
    """The names close to `name`: those of the architecture `name` (`rbm` ->
    `rbm.fashion_mnist`) or starting with it, then close spellings (`difflib`)."""
    text = str(name).lower()
    prefixed = [c for c in names if text and (c.lower().split(".")[0] == text
                                              or c.lower().startswith(text))]
    spelled = difflib.get_close_matches(str(name), names, n=n, cutoff=0.5)
    return list(dict.fromkeys([*prefixed, *spelled]))[:n]


def unknown_name_error(name, zoo, registered=False):
    names = set(zoo_index.read_index(zoo)["entries"])
    if registered:
        from kerazoo.hub.registry import registered_names

        names.update(registered_names())
    names = sorted(names)
    close = close_names(name, names)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return UnknownModelError(
        f"No zoo entry named {name!r} in {zoo}.{hint} Available: {names or 'none'} "
        f"(see `kerazoo list`; $KERAZOO_ZOO points at another zoo)."
    )


def entry_dir(name, zoo):
    if name not in zoo_index.read_index(zoo)["entries"]:
        raise unknown_name_error(name, zoo)
    return zoo / name


def _is_path(name_or_path):
    """Whether `load` & co. read their argument as a path rather than a zoo name.

    A path is a `pathlib.Path` (any `os.PathLike`), or a string that contains a path
    separator or ends in `.keras`. Anything else is a zoo name, looked up in the zoo index
    only: a name is never resolved against the working directory (`./NAME` is the folder).
    """
    if isinstance(name_or_path, os.PathLike):
        return True
    if not isinstance(name_or_path, str):
        raise TypeError(
            "Expected a zoo name (str), a path (str with a separator, or pathlib.Path), a "
            f".keras file or a handle ({', '.join(HANDLE_SCHEMES)}). Received: "
            f"{type(name_or_path).__name__}"
        )
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(sep in name_or_path for sep in separators) or name_or_path.endswith(".keras")


def _safe_relative(rel):
    """Whether a `files` key of metadata.json names a path inside the entry."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and all(
        part not in ("", ".", "..") for part in parts)


def _walk(directory):
    """(regular files, folders, other things) inside an entry, as posix relative paths.

    Symbolic links (to files or folders, dangling or not) and special files are "other":
    an entry holds regular files and folders only. Links are not followed.
    """
    files, folders, other = set(), set(), set()
    for root, dirnames, filenames in os.walk(directory, followlinks=False):
        base = Path(root)
        for dirname in list(dirnames):
            path = base / dirname
            rel = path.relative_to(directory).as_posix()
            if path.is_symlink():
                other.add(rel)
                dirnames.remove(dirname)
            else:
                folders.add(rel)
        for filename in filenames:
            path = base / filename
            rel = path.relative_to(directory).as_posix()
            if path.is_symlink() or not stat.S_ISREG(path.lstat().st_mode):
                other.add(rel)
            else:
                files.add(rel)
    return files, folders, other


def _verify(directory, index_record=None, keep=()):
    """`verify_entry`, also returning `{rel: bytes}` of the files in `keep` as verified.

    Every file is read once: its hash is computed on the bytes read, and the bytes kept
    are those bytes, so a file swapped after the check is never what a caller uses.
    """
    directory = Path(directory)
    meta_path = directory / METADATA_FILE
    if meta_path.is_symlink():
        raise IntegrityError(f"{meta_path} is a symbolic link: a zoo entry holds regular files only.")
    if not meta_path.is_file():
        raise IntegrityError(f"{meta_path} is missing.")
    meta_bytes = meta_path.read_bytes()
    if index_record is not None and hashlib.sha256(meta_bytes).hexdigest() != index_record["metadata_sha256"]:
        raise IntegrityError(
            f"{meta_path} does not match the sha256 recorded in the zoo index: the entry's "
            "metadata was modified after publishing."
        )
    try:
        metadata = json.loads(meta_bytes.decode("utf-8"))
        expected = metadata["files"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, RecursionError):
        raise IntegrityError(f"{meta_path} is not valid kerazoo metadata.") from None
    if not isinstance(expected, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in expected.items()
    ):
        raise IntegrityError(
            f"{meta_path}: `files` must be an object of file name -> sha256 strings. "
            f"Received: {type(expected).__name__}; the metadata is damaged."
        )
    outside = [rel for rel in expected if not _safe_relative(rel) or rel == METADATA_FILE]
    if outside:
        raise IntegrityError(
            f"{meta_path}: `files` names {outside[0]!r}, which is not a file inside the entry; "
            "the metadata is damaged."
        )
    files, folders, other = _walk(directory)
    kept = {}
    for rel, digest in sorted(expected.items()):
        path = directory / rel
        if rel in other:
            raise IntegrityError(
                f"{path} is a symbolic link or a special file: a zoo entry holds regular "
                "files only."
            )
        if rel not in files:
            raise IntegrityError(f"{path} is missing from the entry.")
        if rel in keep:
            data = path.read_bytes()
            got = hashlib.sha256(data).hexdigest()
            kept[rel] = data
        else:
            got = sha256_file(path)
        if got != digest:
            raise IntegrityError(
                f"{path} does not match its sha256 in {METADATA_FILE}: the file is corrupted "
                "or was modified."
            )
    needed = {"/".join(rel.split("/")[:i]) for rel in expected for i in range(1, rel.count("/") + 1)}
    unexpected = sorted(other | (files - set(expected) - {METADATA_FILE}) | (folders - needed))
    if unexpected:
        raise IntegrityError(
            f"{directory / unexpected[0]} is not listed in {METADATA_FILE}: files, folders or "
            "links were added to the entry after publishing."
        )
    return metadata, kept


def verify_entry(directory, index_record=None):
    """Checks an entry's files against its metadata (and the metadata against the index).

    Returns the metadata. Raises `IntegrityError` naming the first file that is missing,
    unexpected (a file, an empty folder or a symbolic link not listed in the metadata), or
    whose sha256 differs.
    """
    return _verify(directory, index_record)[0]


#: Handle schemes `load` accepts, besides zoo names and local paths.
HANDLE_SCHEMES = ("hf://", "https://", "http://", "file://")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _resolve_handle(handle):
    """The local entry folder or file of a handle; an unknown scheme is refused, listing those known.

    `https://host/path/NAME` (or `http://`) is an entry folder on any static server, fetched
    into the cache and checked against its own `metadata.json` (not pinned by the package:
    a warning says so); `hf://org/repo[@revision]` is a Hugging Face Hub repository holding
    an entry (`kerazoo.hub.hf`, checked and warned about the same way); `file://PATH` is a
    local path.
    """
    if handle.startswith("file://"):
        return Path(handle[len("file://"):])
    if handle.startswith("hf://"):
        from kerazoo.hub.hf import fetch_hf

        return fetch_hf(handle)
    if handle.startswith(("https://", "http://")):
        from kerazoo.hub.mirror import fetch_url

        return fetch_url(handle)
    scheme = handle.split("://", 1)[0]
    raise ValueError(
        f"Unknown handle scheme {scheme + '://'!r} in {handle!r}. Supported: "
        f"{', '.join(HANDLE_SCHEMES)}, a zoo name (e.g. 'rbm.fashion_mnist', fetched from the "
        "mirror when the zoo does not hold it) or a local path."
    )


def _resolve(name_or_path, zoo_dir, mirror=None):
    """(entry folder or .keras file, index record or None) for a name, a path or a handle.

    See `_is_path` for how names and paths are told apart. A name is looked up in the zoo
    index only, and its entry must be a folder (never a file, a link or nothing).
    """
    if isinstance(name_or_path, str) and _SCHEME.match(name_or_path):
        name_or_path = _resolve_handle(name_or_path)
    if _is_path(name_or_path):
        path = Path(name_or_path)
        if path.is_dir():
            return path, None
        if path.is_file():
            if path.suffix != ".keras":
                raise ValueError(
                    f"{path} is not a zoo entry folder or a .keras file: kerazoo loads Keras 3 "
                    "`.keras` files and zoo entries only."
                )
            return path, None
        raise FileNotFoundError(f"No zoo entry or .keras file at {path}.")
    name = name_or_path
    zoo = _repaired_zoo(zoo_dir)
    records = zoo_index.read_index(zoo)["entries"]
    if name not in records:
        if _uses_registry(zoo_dir):
            from kerazoo.hub import mirror as zoo_mirror
            from kerazoo.hub.registry import registered

            if registered(name) is not None:
                # The cache (verified against the registry by the caller), else the mirror.
                directory = zoo_mirror.cached_entry(name) or zoo_mirror.fetch(name, mirror=mirror)
                return directory, zoo_mirror.index_record(name)
        raise unknown_name_error(name, zoo, registered=_uses_registry(zoo_dir))
    directory = zoo / name
    if directory.is_symlink() or not directory.is_dir():
        what = ("a symbolic link" if directory.is_symlink() else
                "a file, not an entry folder" if directory.exists() else "missing")
        raise IntegrityError(
            f"{directory} is {what}: the zoo index lists {name!r} but the zoo holds no entry "
            "folder for it. Nothing was loaded."
        )
    return directory, records[name]


#: How long a reader waits for a publish that is replacing, at that very moment, the entry it
#: reads (`publish(..., overwrite=True)` or `update_card` in another process).
SWAP_WAIT_S = 5.0


def _zoo_name(name_or_path):
    return isinstance(name_or_path, str) and not _SCHEME.match(name_or_path) and not _is_path(
        name_or_path)


def _swap_state(zoo, name):
    """(journal present, index record) of entry `name`: what a publish swapping it in changes."""
    try:
        record = zoo_index.read_index(zoo)["entries"].get(name)
    except IntegrityError:
        record = None
    return (zoo / f".journal-{name}.json").exists(), record


def _checked(name_or_path, zoo_dir, keep=(), mirror=None):
    """(target, record, metadata, kept): `_resolve`, then `_verify` of an entry folder
    (metadata None and nothing kept for a `.keras` file).

    A publish replaces an entry in steps (journal, old entry aside, new entry in, index,
    journal removed: `kerazoo.hub.index`), under the zoo lock that readers do not take, so a
    reader can see the index of one version with the files of the other. Such a mismatch,
    met while the entry's journal exists or after its index record changed, is a swap in
    progress, not tampering: the read starts again (for up to `SWAP_WAIT_S` seconds). A
    mismatch with no publish in sight is raised at once.
    """
    deadline = time.monotonic() + SWAP_WAIT_S
    while True:
        before = None
        if _zoo_name(name_or_path):
            zoo = resolve_zoo_dir(zoo_dir)
            before = _swap_state(zoo, name_or_path)
        try:
            target, record = _resolve(name_or_path, zoo_dir, mirror=mirror)
            if not target.is_dir():
                return target, record, None, {}
            metadata, kept = _verify(target, record, keep=keep)
            return target, record, metadata, kept
        except (IntegrityError, FileNotFoundError):
            if before is None or time.monotonic() > deadline:
                raise
            after = _swap_state(zoo, name_or_path)
            if not (before[0] or after[0] or after[1] != before[1]):
                raise  # no publish in sight: the entry is damaged
        time.sleep(0.02)


def load(name_or_path, zoo_dir=None, compile=True, mirror=None):
    """Loads a zoo model by name (`"dae.fashion_mnist"`) or path, checking its integrity.

    A name is looked up in the zoo index (`$KERAZOO_ZOO` or the repository's `zoo/`), then
    (without `zoo_dir=`) among the names registered in the package: in the local cache, else
    downloaded from the mirror (`mirror=`, else `$KERAZOO_ZOO_URL`, else
    `kerazoo.hub.mirror.DEFAULT_MIRROR_URL`) into the cache, every file checked against the
    sha256 shipped in the package (`kerazoo.hub.mirror`). A name is never looked up in the
    working directory; a path (a `pathlib.Path`, or a string with a separator
    or ending in `.keras`) may be an entry folder (as in `zoo/`, or in Keras 3's unzipped
    layout as `kerazoo export` writes it) or a plain `.keras` file; a handle
    (`hf://org/repo`, `https://host/path/NAME`) is an entry folder downloaded into the cache
    and checked against its own `metadata.json` (a warning says it is not pinned by the
    package). Every file of an
    entry is checked against the sha256 in its metadata (and the metadata against the
    index) before anything is deserialized, and the model is loaded with `safe_mode=True`
    from the very bytes that were checked (a private copy), never from the zoo file again.

    Returns:
        The `keras.Model`, compiled with its recipe's `compile()` settings (a fresh optimizer:
        entries carry no optimizer state), ready for `fit`.
    Raises:
        UnknownModelError: no such name (the message lists the closest names).
        IntegrityError: a file is missing, added or modified (the message names it).
        FetchError: the entry had to be downloaded and the mirror failed (naming the URL).
    """
    # Keras, and the model classes it deserializes, are imported on the first load, so that
    # listing the zoo and reading cards stay instant.
    import keras

    import kerazoo.models  # noqa: F401  (registers every serializable class)

    from kerazoo.hub.unzipped import CONFIG_FILE, WEIGHTS_FILE

    target, _, _, kept = _checked(name_or_path, zoo_dir, keep=(MODEL_FILE, CONFIG_FILE, WEIGHTS_FILE),
                                  mirror=mirror)
    with contextlib.ExitStack() as stack:
        if target.is_dir():
            private = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kerazoo-load-")))
            if MODEL_FILE in kept:
                target = private / MODEL_FILE
                target.write_bytes(kept[MODEL_FILE])
            elif CONFIG_FILE in kept and WEIGHTS_FILE in kept:
                # Keras 3's unzipped layout (`kerazoo export`): Keras reads the folder.
                target = private / "model"
                target.mkdir()
                for rel in (CONFIG_FILE, WEIGHTS_FILE):
                    (target / rel).write_bytes(kept[rel])
            else:
                raise IntegrityError(
                    f"{target / METADATA_FILE} lists neither {MODEL_FILE} nor {CONFIG_FILE} with "
                    f"{WEIGHTS_FILE}: {target} holds no model."
                )
        with warnings.catch_warnings():
            # Entries are published without optimizer state; the fresh optimizer built on
            # load has slots that the file does not.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return keras.saving.load_model(target, compile=compile, safe_mode=True)


def _checked_entry(name_or_path, zoo_dir, what, keep=()):
    """(target, metadata, kept) of a verified entry folder (`_checked`); a .keras file, which
    has no `what`, is refused."""
    target, _, metadata, kept = _checked(name_or_path, zoo_dir, keep=keep)
    if not target.is_dir():
        raise ValueError(f"{target} is a .keras file, not a zoo entry: it has no {what}.")
    return target, metadata, kept


def model_card(name, zoo_dir=None):
    """The model card (markdown with Hugging Face front matter) of a zoo entry."""
    target, _, kept = _checked_entry(name, zoo_dir, "model card", keep=(CARD_FILE,))
    if CARD_FILE not in kept:  # a tampered card is never shown: it failed `_verify` above
        raise IntegrityError(f"{target / CARD_FILE} is not listed in {METADATA_FILE}.")
    return kept[CARD_FILE].decode("utf-8")


def entry_metadata(name, zoo_dir=None):
    """The verified metadata of a zoo entry (versions, metrics, recipe, hashes)."""
    return _checked_entry(name, zoo_dir, "metadata")[1]


def list_entries(zoo_dir=None):
    """`{name: index record}` of every entry, each record checked against its metadata.

    The index's `family`, `class`, `date` and `summary` are copies of fields of the
    entry's `metadata.json`; each is compared with the metadata whose sha256 the index
    records, so what `kerazoo list` shows is covered by the hash chain. Only
    `metadata.json` is read (the other files are checked by `load` and `verify`).

    Raises:
        IntegrityError: naming `index.json`, the entry and the field that differs, or the
            entry's `metadata.json` that does not match the index's sha256.
    """
    zoo = _repaired_zoo(zoo_dir)
    deadline = time.monotonic() + SWAP_WAIT_S
    while True:  # as in `_checked`: a mismatch met while a publish swaps an entry is read again
        before = (any(zoo.glob(".journal-*.json")), _index_bytes(zoo))
        try:
            return _list_entries(zoo)
        except (IntegrityError, FileNotFoundError):
            after = (any(zoo.glob(".journal-*.json")), _index_bytes(zoo))
            if time.monotonic() > deadline or not (before[0] or after[0] or after != before):
                raise
        time.sleep(0.02)


def _index_bytes(zoo):
    try:
        return (zoo / zoo_index.INDEX_FILE).read_bytes()
    except OSError:
        return None


def _list_entries(zoo):
    index_path = zoo / zoo_index.INDEX_FILE
    out = {}
    for name, record in sorted(zoo_index.read_index(zoo)["entries"].items()):
        directory = zoo / name
        meta_path = directory / METADATA_FILE
        if directory.is_symlink() or not directory.is_dir() or meta_path.is_symlink() or not meta_path.is_file():
            raise IntegrityError(
                f"{directory} is not an entry folder with a {METADATA_FILE}, but {index_path} "
                f"lists {name!r}."
            )
        data = meta_path.read_bytes()
        if hashlib.sha256(data).hexdigest() != record["metadata_sha256"]:
            raise IntegrityError(
                f"{meta_path} does not match the sha256 recorded in the zoo index: the entry's "
                "metadata was modified after publishing."
            )
        try:
            metadata = json.loads(data.decode("utf-8"))
            if not isinstance(metadata, dict):
                raise TypeError
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, RecursionError):
            raise IntegrityError(f"{meta_path} is not valid kerazoo metadata.") from None
        derived = zoo_index.record_for(metadata, record["metadata_sha256"])
        for field in zoo_index.RECORD_FIELDS:
            if record.get(field) != derived[field]:
                raise IntegrityError(
                    f"{index_path}: the `{field}` of {name!r} differs from its hashed "
                    f"{METADATA_FILE} ({record.get(field)!r} vs {derived[field]!r}): the zoo "
                    "index was modified after publishing."
                )
        out[name] = derived
    return out


def pinned_by_registry(name, directory, metadata):
    """(pinned, reason): whether entry `name` in `directory` is, file for file, the entry
    registered in the package (`kerazoo/hub/registry.json`), and if not, why.

    `metadata` is the entry's verified metadata (its files already checked against it), so
    comparing its hashes, and the hash of `metadata.json` itself, with the registry's
    compares every file of the entry with the pinned one.
    """
    from kerazoo.hub.registry import registered

    pinned = registered(name)
    if pinned is None:
        return False, f"{name!r} is not an entry of the package's registry"
    try:
        meta_sha = sha256_file(Path(directory) / METADATA_FILE)
        got = {**metadata["files"], METADATA_FILE: meta_sha}
        want = {rel: record["sha256"] for rel, record in pinned["files"].items()}
    except (KeyError, TypeError):
        return False, f"the registry's record of {name!r} is not readable"
    if got != want:
        differ = sorted(rel for rel in set(got) | set(want) if got.get(rel) != want.get(rel))
        return False, (f"its files differ from the ones pinned by the package's registry "
                       f"({', '.join(differ[:3])}{', ...' if len(differ) > 3 else ''})")
    return True, "its files match the package's pinned registry"


def _run_signatures(saved_model_dir):
    from kerazoo.hub.export import run_signatures

    return run_signatures(saved_model_dir)


class _SavedModelFiles:
    """`keep=` of `_verify` for every file of the entry's SavedModel."""

    def __contains__(self, rel):
        return rel.startswith(SAVED_MODEL_DIR + "/")


def verify_report(name, zoo_dir=None, run_signatures=True, run_untrusted_signatures=False):
    """Verifies one entry; returns `{"signatures": {signature: output shapes} or None,
    "pinned": bool, "reason": str}`.

    Every sha256 is checked first. A SavedModel is a TensorFlow graph that may do anything
    when it runs (write files, for one), so its signatures are run only when the entry's
    files are the ones pinned by the package's registry, or with
    `run_untrusted_signatures=True`; otherwise `signatures` is None and `reason` says why.
    """
    keep = _SavedModelFiles() if run_signatures else ()
    target, metadata, kept = _checked_entry(name, zoo_dir, "SavedModel", keep=keep)
    pinned, reason = pinned_by_registry(name, target, metadata)
    report = {"signatures": None, "pinned": pinned, "reason": reason}
    if not run_signatures:
        report["reason"] = "hashes only (signatures not requested)"
    elif pinned or run_untrusted_signatures:
        # The graph run is the very bytes that were hashed (a private copy), never the zoo's
        # files again: a file swapped after the check is not what runs.
        with tempfile.TemporaryDirectory(prefix="kerazoo-verify-") as private:
            for rel, data in kept.items():
                path = Path(private) / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            report["signatures"] = _run_signatures(Path(private) / SAVED_MODEL_DIR)
        if not pinned:
            report["reason"] = f"run on request although {reason}"
    else:
        report["reason"] = (f"signatures not run: {reason} (run them anyway with "
                            "run_untrusted_signatures=True, `--run-untrusted-signatures`)")
    return report


def verify(name=None, zoo_dir=None, run_signatures=True, run_untrusted_signatures=False):
    """Verifies one entry or the whole zoo; returns `{name: signature output shapes}`.

    Checks every sha256, then (with `run_signatures`) calls each SavedModel signature on a
    small batch: only for entries whose files match the package's pinned registry, unless
    `run_untrusted_signatures=True` (a SavedModel's graph may do anything when run; an
    entry whose signatures were not run maps to `{}`; see `verify_report` for why).
    Raises on the first failure, naming the entry and the file.
    """
    zoo = _repaired_zoo(zoo_dir)
    names = [name] if name is not None else list_models(zoo)
    report = {}
    for entry in names:
        result = verify_report(entry, zoo, run_signatures=run_signatures,
                               run_untrusted_signatures=run_untrusted_signatures)
        report[entry] = result["signatures"] or {}
    return report
