"""The zoo index and the crash-safe swap of entries into place.

`zoo/index.json` maps each entry name to the sha256 of its `metadata.json`, which in turn
holds the sha256 of every file of the entry: one hash chain from the index to each byte.

A publish (or a card update) builds the whole new entry in `zoo/.tmp-<name>-*`, then:

1. writes the journal `zoo/.journal-<name>.json` naming the new metadata hash;
2. moves an existing entry aside to `zoo/.old-<name>`;
3. renames the new entry to `zoo/<name>`;
4. rewrites `zoo/index.json` atomically;
5. removes `zoo/.old-<name>` and the journal.

A crash anywhere leaves a state that `repair()` (run under the zoo lock before every
publish, and before a load when no publish holds the lock) completes or undoes: with the
new entry in place it rolls forward (steps 4-5), otherwise it moves the old entry back.
Temporary folders without a journal are removed. The index never names a half-written entry.
"""

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
import warnings

from kerazoo.utils.io import atomic_write_json, fsync_dir, sha256_file

INDEX_FILE = "index.json"
INDEX_FORMAT = 1
_LOCK_FILE = ".lock"


#: The fields of an index record that are copies of the entry's (hashed) metadata.
RECORD_FIELDS = ("family", "class", "date", "summary")


def record_for(metadata, metadata_sha256):
    """The index's record of an entry: its metadata's sha256 and the fields `list` shows.

    `family`, `class`, `date` and `summary` (the first line of the card's summary, at most
    200 characters) are derived from the metadata, so a reader checks them against the
    hashed `metadata.json` (`hub.load.list_entries`): the index's copy is covered by the
    metadata's hash.
    """
    card = metadata.get("card") if isinstance(metadata.get("card"), dict) else {}
    summary = card.get("summary") or ""
    return {
        "metadata_sha256": metadata_sha256,
        "family": metadata.get("family"),
        "class": metadata.get("class"),
        "date": metadata.get("date"),
        "summary": (summary if isinstance(summary, str) else "").split("\n")[0][:200],
    }


def read_index(zoo):
    """The zoo index `{"format": 1, "entries": {name: record}}`, checked for shape.

    Raises `IntegrityError` naming `index.json` and the key when the file is not JSON, not
    an object with an `entries` object, names an entry that is not a valid entry name, or
    holds a record without a string `metadata_sha256`.
    """
    from kerazoo.hub.errors import IntegrityError
    from kerazoo.hub.paths import NAME_PATTERN

    path = zoo / INDEX_FILE
    if not path.exists():
        return {"format": INDEX_FORMAT, "entries": {}}
    try:
        index = json.loads(path.read_bytes().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:  # nested too deep
        raise IntegrityError(f"{path} is not valid JSON ({e}); the zoo index is damaged.") from None
    except OSError as e:
        raise IntegrityError(f"{path} cannot be read ({e.strerror or e}).") from None
    if not isinstance(index, dict):
        raise IntegrityError(
            f"{path} must hold a JSON object with `entries`. Received: {type(index).__name__}; "
            "the zoo index is damaged."
        )
    entries = index.setdefault("entries", {})
    if not isinstance(entries, dict):
        raise IntegrityError(
            f"{path}: `entries` must be an object of entry records. Received: "
            f"{type(entries).__name__}; the zoo index is damaged."
        )
    for name, record in entries.items():
        if not NAME_PATTERN.match(name):
            raise IntegrityError(
                f"{path}: the entry name {name!r} is not a valid zoo name "
                "(`<architecture>.<dataset>`); the zoo index is damaged."
            )
        if not isinstance(record, dict) or not isinstance(record.get("metadata_sha256"), str):
            raise IntegrityError(
                f"{path}: entries.{name} must be an object with a string `metadata_sha256`. "
                f"Received: {json.dumps(record)[:120]}; the zoo index is damaged."
            )
    return index


def write_index(zoo, index):
    index = dict(index, format=INDEX_FORMAT)
    atomic_write_json(zoo / INDEX_FILE, index)


@contextlib.contextmanager
def zoo_lock(zoo, blocking=True):
    """An exclusive lock on the zoo folder; yields False if `blocking=False` and it is taken."""
    zoo.mkdir(parents=True, exist_ok=True)
    try:  # never through a link: a planted `.lock -> /elsewhere` would create that file
        fd = os.open(zoo / _LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        if e.errno != errno.ELOOP:
            raise
        from kerazoo.hub.errors import IntegrityError

        raise IntegrityError(
            f"{zoo / _LOCK_FILE}, the zoo's lock file, is a symbolic link: it must be a regular "
            "file (or absent). Nothing was changed; remove the link."
        ) from None
    with open(fd, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _journal_path(zoo, name):
    return zoo / f".journal-{name}.json"


def _old_path(zoo, name):
    return zoo / f".old-{name}"


def swap_in(zoo, name, new_dir, index_record):
    """Moves the complete entry `new_dir` to `zoo/<name>` and records it in the index.

    Call under `zoo_lock`. `index_record` is the index's record of the entry; it must hold
    `metadata_sha256`.
    """
    target, old = zoo / name, _old_path(zoo, name)
    atomic_write_json(
        _journal_path(zoo, name), {"name": name, "record": index_record, "new": new_dir.name}
    )
    if target.exists():
        os.rename(target, old)
    os.rename(new_dir, target)
    fsync_dir(zoo)
    _finish(zoo, name, index_record)


def _finish(zoo, name, index_record):
    index = read_index(zoo)
    index["entries"][name] = index_record
    write_index(zoo, index)
    shutil.rmtree(_old_path(zoo, name), ignore_errors=True)
    _journal_path(zoo, name).unlink(missing_ok=True)
    fsync_dir(zoo)


def remove_entry(zoo, name):
    """Removes an entry from the index, then its folder. Call under `zoo_lock`."""
    index = read_index(zoo)
    index["entries"].pop(name, None)
    write_index(zoo, index)
    shutil.rmtree(zoo / name, ignore_errors=True)


_UNREADABLE = "it is not readable JSON"


def _journal_target(zoo, journal):
    """The entry name a journal may act on, or None with the reason it must not.

    A journal is trusted only as far as it agrees with the zoo's own naming: its file is
    `.journal-<name>.json`, its `name` field is that same `<name>`, a valid entry name (so
    `zoo/<name>` and `zoo/.old-<name>` are direct children of the zoo folder, never a path
    elsewhere), neither path is a symbolic link, and its record names a metadata sha256.
    """
    from kerazoo.hub.paths import NAME_PATTERN

    try:
        state = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None, _UNREADABLE
    expected = journal.name[len(".journal-"):-len(".json")]
    if not isinstance(state, dict) or not isinstance(state.get("record"), dict):
        return None, "it has no `record` object"
    name = state.get("name")
    if not isinstance(name, str) or name != expected or not NAME_PATTERN.match(name):
        return None, f"its name {name!r} is not the entry name {expected!r} of its file"
    if not isinstance(state["record"].get("metadata_sha256"), str):
        return None, "its record has no `metadata_sha256`"
    if (zoo / name).is_symlink() or _old_path(zoo, name).is_symlink():
        return None, f"zoo/{name} or zoo/.old-{name} is a symbolic link"
    return (name, state["record"]), None


def repair(zoo):
    """Completes or undoes an interrupted publish. Call under `zoo_lock`.

    Repair only ever touches direct children of `zoo` named after a valid entry name. A
    journal that names anything else (an absolute path, `..`, a name that disagrees with its
    file) is reported with a `UserWarning` and left in place for a person to look at; it is
    never acted on. Leftover temporary folders and index temporaries are removed.
    """
    if not zoo.is_dir():
        return
    for journal in zoo.glob(".journal-*.json"):
        target, reason = _journal_target(zoo, journal)
        if target is None:
            if reason == _UNREADABLE:
                journal.unlink(missing_ok=True)  # the journal write itself was cut: nothing moved
                continue
            warnings.warn(
                f"Ignored the publish journal {journal}: {reason}. Nothing was changed; "
                "remove the file once you have checked the zoo folder.",
                stacklevel=2,
            )
            continue
        name, record = target
        target, old = zoo / name, _old_path(zoo, name)
        meta = target / "metadata.json"
        if meta.is_file() and sha256_file(meta) == record["metadata_sha256"]:
            _finish(zoo, name, record)  # the new entry is in place: roll forward
        else:
            if old.is_dir():  # the new entry never landed: put the old one back
                if target.is_dir():
                    shutil.rmtree(target)
                os.rename(old, target)
            journal.unlink(missing_ok=True)
            fsync_dir(zoo)
    leftovers = [*zoo.glob(".tmp-*"), *zoo.glob(".old-*"), *zoo.glob(f".{INDEX_FILE}.*.tmp")]
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def new_tmp_dir(zoo, name):
    zoo.mkdir(parents=True, exist_ok=True)
    path = zoo / f".tmp-{name}-{os.getpid()}-{time.time_ns()}"
    path.mkdir()
    return path
