"""Zoo entries from a mirror, kept in a local cache, checked against the shipped registry.

A mirror is any static file server holding `zoo/` as it is (`<mirror>/<name>/<file>`): GitHub
Releases, a bucket, the HF Hub, `python -m http.server`. It is `mirror=`, else
`$KERAZOO_ZOO_URL`, else `DEFAULT_MIRROR_URL`. The cache is `$KERAZOO_CACHE`, else the platform
cache folder (`platformdirs.user_cache_dir("kerazoo")`, e.g. `~/.cache/kerazoo`), and holds one
folder per entry, laid out as in `zoo/`.

A fetch downloads every file of the entry with pooch (bounded retries, a timeout) into a
temporary folder inside the cache (`.tmp-<name>-*`), checks each file against the sha256 in
the package's `registry.json` (never against what the mirror says), then renames the whole
folder to `<cache>/<name>`: an entry is in the cache complete and verified, or not at all.
A file lock per entry (`filelock`, `<cache>/.locks/<name>.lock`) lets several processes fetch
the same entry at once. Zoo code never touches anything in the cache folder but entry folders,
its own temporary folders and its locks.

Reads files only until a download is needed: no Keras, no TensorFlow.
"""

import os
import shutil
import tempfile
from pathlib import Path

from kerazoo.hub import registry as zoo_registry
from kerazoo.hub.entry import METADATA_FILE
from kerazoo.hub.errors import FetchError, IntegrityError, UnknownModelError
from kerazoo.hub.paths import NAME_PATTERN
from kerazoo.utils.io import fsync_dir, make_readable_by_all, sha256_file

CACHE_ENV_VAR = "KERAZOO_CACHE"
MIRROR_ENV_VAR = "KERAZOO_ZOO_URL"
RETRIES_ENV_VAR = "KERAZOO_FETCH_RETRIES"
#: The project's release location: `zoo/` as it is, one folder per entry.
DEFAULT_MIRROR_URL = "https://huggingface.co/datasets/kerazoo/zoo/resolve/main"
#: Seconds to wait for the server to answer (each try).
TIMEOUT_S = 30
#: Further tries after a failed download (connection lost, HTTP error, timeout).
RETRIES = 2
_LOCKS = ".locks"


def cache_dir():
    """The cache folder: `$KERAZOO_CACHE`, else the platform's user cache folder for kerazoo."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    import platformdirs

    return Path(platformdirs.user_cache_dir("kerazoo", appauthor=False))


def mirror_url(mirror=None):
    """The mirror's base URL: `mirror`, else `$KERAZOO_ZOO_URL`, else `DEFAULT_MIRROR_URL`."""
    url = mirror or os.environ.get(MIRROR_ENV_VAR) or DEFAULT_MIRROR_URL
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(
            "A zoo mirror is an http:// or https:// URL of a folder holding the zoo's entries. "
            f"Received: {url!r}"
        )
    return url.rstrip("/")


def _retries():
    value = os.environ.get(RETRIES_ENV_VAR)
    try:
        return RETRIES if value is None else max(0, int(value))
    except ValueError:
        raise ValueError(f"${RETRIES_ENV_VAR} must be a whole number. Received: {value!r}") from None


def _record(name):
    record = zoo_registry.registered(name)
    if record is None:
        raise UnknownModelError(
            f"{name!r} is not in kerazoo's registry of the zoo. Registered: "
            f"{zoo_registry.registered_names() or 'none'}."
        )
    return record


def index_record(name):
    """An index record for `name` whose `metadata_sha256` is the registry's (for `_verify`)."""
    return {"metadata_sha256": _record(name)["files"][METADATA_FILE]["sha256"]}


def cached_entry(name):
    """`<cache>/<name>` if the cache holds that entry folder (not verified here), else None."""
    path = cache_dir() / name
    return path if path.is_dir() and not path.is_symlink() else None


def cached_names():
    """The registered names whose entry folder is in the cache."""
    return [name for name in zoo_registry.registered_names() if cached_entry(name)]


def _hint(name):
    return (
        f"Run `kerazoo fetch {name}` while the mirror is reachable, set ${MIRROR_ENV_VAR} (or "
        "mirror=) to a reachable mirror, or point $KERAZOO_ZOO at a copy of the zoo."
    )


def _verify_cached(name, directory):
    from kerazoo.hub.load import verify_entry

    return verify_entry(directory, index_record(name))


def _check_complete(name, directory, record):
    """Checks that `directory` holds exactly the registered files of `name`, nothing else.

    Each file was hashed against the registry as it arrived, and the registry lists every
    file of the entry's metadata with the same sha256 (it is generated from the verified
    entry, and the metadata itself is one of the hashed files), so the entry verifies as
    `load` will check it; hashing every file a second time here would only cost time (the
    cold fetch of `benchmarks/fetch.py`). What is left to check is that nothing else is there.
    """
    from kerazoo.hub.load import _walk

    files, folders, other = _walk(directory)
    expected = set(record["files"])
    needed = {"/".join(rel.split("/")[:i]) for rel in expected for i in range(1, rel.count("/") + 1)}
    if files != expected or other or folders - needed:
        extra = sorted((files - expected) | other | (folders - needed))
        raise IntegrityError(
            f"The download of the zoo entry {name!r} into {directory} is not the registered set "
            f"of files (missing {sorted(expected - files)[:3]}, unexpected {extra[:3]}); nothing "
            "was kept in the cache."
        )


def _fetcher(base, name, tmp, files):
    """A pooch for the entry `name` at the mirror `base`, writing into `tmp` (bounded retries).

    Pooch streams each file to a temporary name and moves it into place once complete; the
    hashes are checked by `fetch` against the registry (so that a mismatch names both hashes
    and is not retried).
    """
    import logging

    import pooch

    pooch.get_logger().setLevel(logging.WARNING)
    return pooch.create(path=tmp, base_url=f"{base}/{name}/", registry={rel: None for rel in files},
                        retry_if_failed=_retries())


#: Bytes read per chunk: pooch's default (1 KiB) spends more time in Python per chunk than
#: on the wire for the zoo's multi-megabyte files (benchmarks/fetch.py).
CHUNK_SIZE = 1 << 20


#: Caps for an entry served at an https handle, whose sizes no registry pins: its
#: `metadata.json`, each of its files (zoo entries are a few MB; DESIGN keeps them under 20 MB),
#: and the number of files its metadata may list.
MAX_METADATA_BYTES = 1 << 20
MAX_URL_FILE_BYTES = 256 << 20
MAX_URL_FILES = 1000


def _capped_downloader(progress, max_bytes):
    """pooch's HTTP downloader (requests, a timeout), stopped once a file passes `max_bytes`.

    A server that sends more than the registry's size of a file (or more than a cap) is
    refused while the bytes arrive, before they can fill the disk: `IntegrityError`, which
    pooch does not retry, and pooch removes its temporary file.
    """
    import pooch

    class _Capped(pooch.HTTPDownloader):
        def __call__(self, url, output_file, pooch_, check_only=False):
            if check_only or max_bytes is None:
                return super().__call__(url, output_file, pooch_, check_only=check_only)
            with open(output_file, "w+b") as out:
                return super().__call__(url, _CappedFile(out, max_bytes, url), pooch_)

    return _Capped(progressbar=progress, timeout=TIMEOUT_S, chunk_size=CHUNK_SIZE)


class _CappedFile:
    """A binary file that refuses a write past `limit` bytes in all."""

    def __init__(self, file, limit, url):
        self._file, self._limit, self._url, self._written = file, int(limit), url, 0

    def write(self, data):
        self._written += len(data)
        if self._written > self._limit:
            raise IntegrityError(
                f"{self._url} sends more than the {self._limit} bytes expected of it; the "
                "download was stopped and nothing from it was kept."
            )
        return self._file.write(data)

    def flush(self):
        self._file.flush()


def _download(fetcher, rel, progress, max_bytes=None):
    """One file of the entry through pooch, at most `max_bytes` long (`_capped_downloader`)."""
    return fetcher.fetch(rel, downloader=_capped_downloader(progress, max_bytes))


def fetch(name, mirror=None, progress=False, force=False):
    """Makes sure the cache holds the verified entry `name`; returns its folder.

    A cached copy is verified against the registry; one that fails (or `force=True`) is
    downloaded again. Raises `UnknownModelError` for a name that is not registered,
    `IntegrityError` when a downloaded file does not match the registry (naming the file,
    the URL and the expected sha256; nothing is kept), and `FetchError` when the mirror
    cannot be reached or answers an error (naming the URL).
    """
    import filelock

    record = _record(name)
    base = mirror_url(mirror)
    cache = cache_dir()
    locks = cache / _LOCKS
    locks.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(locks / f"{name}.lock")):
        target = cache / name
        if target.is_symlink():
            target.unlink()
        elif target.is_dir() and not force:
            try:
                _verify_cached(name, target)
                return target
            except IntegrityError:
                pass  # a damaged cached copy is replaced by a fresh download below
        for leftover in cache.glob(f".tmp-{name}-*"):  # a fetch that was killed (same name only)
            shutil.rmtree(leftover, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=cache))
        try:
            fetcher = _fetcher(base, name, tmp, record["files"])
            for rel, info in sorted(record["files"].items()):
                url = f"{base}/{name}/{rel}"
                dest = tmp / rel
                try:
                    _download(fetcher, rel, progress, max_bytes=int(info["size"]))
                except Exception as e:  # requests' errors, without importing requests here
                    if isinstance(e, (IntegrityError, KeyboardInterrupt)):
                        raise
                    raise FetchError(
                        f"Cannot download {url} ({rel} of the zoo entry {name!r}) from the mirror "
                        f"{base}: {type(e).__name__}: {e}. {_hint(name)}"
                    ) from e
                got = sha256_file(dest)
                if got != info["sha256"]:
                    raise IntegrityError(
                        f"{rel} of the zoo entry {name!r}, downloaded from {url} (mirror {base}), "
                        f"does not match the sha256 pinned in kerazoo's registry: expected "
                        f"{info['sha256']}, received {got} ({dest.stat().st_size} bytes, expected "
                        f"{info['size']}). The mirror serves a changed file; nothing from it was "
                        "kept in the cache."
                    )
            _check_complete(name, tmp, record)
            make_readable_by_all(tmp)
            if target.is_dir():
                shutil.rmtree(target)
            os.rename(tmp, target)
            fsync_dir(cache)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def fetch_url(url, progress=False):
    """The entry folder served at `url` (`https://host/path/NAME`), fetched into the cache.

    The files are those listed in the entry's own `metadata.json`, and each is checked against
    the sha256 there (`IntegrityError` naming the file): the entry is consistent, but NOT
    pinned by the package's registry, since the same server provides the hashes; a
    `UserWarning` says so on every load. The copy is kept in `<cache>/.urls/<sha256(url)>/NAME`
    (verified again before each use) so it loads offline afterwards.
    """
    import hashlib
    import json
    import warnings

    import filelock

    from kerazoo.hub.load import verify_entry
    from kerazoo.hub.paths import check_name

    url = url.rstrip("/")
    base, name = url.rsplit("/", 1)
    try:
        check_name(name)
    except ValueError:
        raise ValueError(
            "An http(s) handle is the URL of a zoo entry folder, ending in the entry's name "
            f"(`https://host/path/rbm.fashion_mnist`). Received: {url!r}"
        ) from None
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    cache = cache_dir()
    root = cache / ".urls" / key
    root.mkdir(parents=True, exist_ok=True)
    (cache / _LOCKS).mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(cache / _LOCKS / f"url-{key}.lock")):
        target = root / name
        try:
            verify_entry(target) if target.is_dir() and not target.is_symlink() else None
            ok = target.is_dir() and not target.is_symlink()
        except IntegrityError:
            ok = False
        if not ok:
            for leftover in root.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
            try:
                fetcher = _fetcher(base, name, tmp, [METADATA_FILE])
                rel = METADATA_FILE
                try:
                    _download(fetcher, rel, progress, max_bytes=MAX_METADATA_BYTES)
                    try:
                        listed = json.loads((tmp / METADATA_FILE).read_text(encoding="utf-8"))["files"]
                        files = sorted(listed)
                    except (ValueError, KeyError, TypeError, RecursionError):
                        raise IntegrityError(
                            f"{url}/{METADATA_FILE} is not valid kerazoo metadata: {url} is not "
                            "a zoo entry folder."
                        ) from None
                    from kerazoo.hub.load import _safe_relative

                    if len(files) > MAX_URL_FILES:
                        raise IntegrityError(
                            f"{url}/{METADATA_FILE} lists {len(files)} files, more than the "
                            f"{MAX_URL_FILES} a zoo entry may hold; nothing was downloaded."
                        )
                    bad = [f for f in files if not isinstance(f, str) or not _safe_relative(f)]
                    if bad:
                        raise IntegrityError(
                            f"{url}/{METADATA_FILE} lists {bad[0]!r}, which is not a file inside "
                            "the entry; nothing was downloaded."
                        )
                    for rel in files:
                        fetcher.registry[rel] = None
                        _download(fetcher, rel, progress, max_bytes=MAX_URL_FILE_BYTES)
                except Exception as e:
                    if isinstance(e, IntegrityError):
                        raise
                    raise FetchError(
                        f"Cannot download {url}/{rel} (of the entry at {url}): "
                        f"{type(e).__name__}: {e}."
                    ) from e
                verify_entry(tmp)  # each file against the entry's own metadata.json
                make_readable_by_all(tmp)
                if target.is_dir():
                    shutil.rmtree(target)
                os.rename(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
    warnings.warn(
        f"{url} is not pinned by kerazoo's registry: its files were checked only against the "
        f"entry's own {METADATA_FILE}, which the same server provides.",
        UserWarning, stacklevel=3,
    )
    return target


def clear_cache():
    """Removes the cached entries, temporary folders and locks; returns the names removed.

    Only what kerazoo puts in the cache folder is removed (entry folders: named like a zoo
    entry and holding kerazoo metadata, `_is_cached_entry`; `.tmp-*` folders, `.urls`, `.hf`
    and `.locks`), so a cache folder that holds anything else keeps it: `$KERAZOO_CACHE`
    pointed at a folder of one's own (a home folder with `my.thesis/`) loses nothing of it.
    """
    cache = cache_dir()
    removed = []
    if not cache.is_dir():
        return removed
    for child in sorted(cache.iterdir()):
        if child.is_symlink():
            if NAME_PATTERN.match(child.name):
                child.unlink()
            continue
        if child.is_dir() and NAME_PATTERN.match(child.name) and _is_cached_entry(child):
            shutil.rmtree(child)
            removed.append(child.name)
        elif child.is_dir() and (child.name.startswith(".tmp-") or child.name in (_LOCKS, ".urls", ".hf")):
            shutil.rmtree(child, ignore_errors=True)
    return removed


def _is_cached_entry(folder):
    """Whether `folder` holds a regular `metadata.json` of kerazoo's (a JSON object with a
    `files` object): every entry the cache holds does, a folder of someone else's does not."""
    import json

    meta = folder / METADATA_FILE
    if meta.is_symlink() or not meta.is_file():
        return False
    try:
        metadata = json.loads(meta.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(metadata, dict) and isinstance(metadata.get("files"), dict)


def cache_size(name):
    """Bytes of the cached entry `name` (0 if not cached)."""
    path = cached_entry(name)
    if path is None:
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
