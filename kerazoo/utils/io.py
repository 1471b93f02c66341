"""Crash-safe file writes and hashing.

Every file kerazoo writes that a later run depends on (zoo entries, the zoo index,
checkpoints, tuning state) goes through `atomic_write_*`: the bytes go to a temporary
file in the same directory, are flushed to disk, and the file is renamed over the
target, so a reader sees either the old file or the new one, never half of one.
"""

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path


def fsync_dir(path):
    """Flush a directory entry (a rename inside it) to disk, where the OS allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path, data, mode=0o644):
    """Writes `data` to `path` atomically, with permissions `mode` (default 0644: readable by
    all, whatever the umask; `mkstemp` alone would leave 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(obj):
    """`obj` with every non-finite float written as the string "NaN", "Infinity" or "-Infinity".

    `json.dumps` would write the bare words `NaN` / `Infinity`, which are not JSON (standard
    parsers refuse them); the strings are, and `float(...)` reads each back in Python.
    Dicts, lists and tuples are converted recursively; everything else is returned as is.
    """
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {key: json_safe(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(value) for value in obj]
    return obj


def atomic_write_json(path, obj):
    """Writes `obj` as standard JSON (non-finite floats as strings, see `json_safe`)."""
    text = json.dumps(json_safe(obj), indent=2, sort_keys=True, allow_nan=False)
    atomic_write_text(path, text + "\n")


def make_readable_by_all(directory):
    """Sets every folder under `directory` (itself included) to 0755 and every file to 0644.

    Published and cached zoo entries are read by other users and processes; `mkstemp`,
    `mkdtemp` and a strict umask would otherwise leave them private. Links are not followed.
    """
    os.chmod(directory, 0o755)
    for root, dirs, files in os.walk(directory, followlinks=False):
        for name in dirs:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


def sha256_file(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()
