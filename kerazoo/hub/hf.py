"""`hf://org/repo` handles: a zoo entry on the Hugging Face Hub, read and written with
`huggingface_hub`.

A repository holds an entry as `kerazoo export` writes it (the Keras 3 unzipped layout:
`config.json`, `model.weights.h5`, `metadata.json`, plus the card `README.md` and its
pictures), or as it lies in `zoo/` (`model.keras`, ...). Either way its `metadata.json` lists
every file of the entry with its sha256.

Loading (`fetch_hf`) downloads the repository with `huggingface_hub.snapshot_download` into a
temporary folder inside kerazoo's cache, copies the files that `metadata.json` lists (and
only those: a Hub repository also holds `.gitattributes` and the like) into a temporary entry
folder, checks each against the sha256 there, and renames the folder to
`<cache>/.hf/<key>/<repo>`: a copy is in the cache complete and verified, or not at all, and
loads offline afterwards. The hashes come from the same repository as the files, so the
entry is consistent but NOT pinned by the package's registry; a `UserWarning` says so on
every load. `hf://org/repo@REVISION` pins a branch, tag or commit.

`huggingface_hub` reads `HF_ENDPOINT` (another Hub, or a local one), `HF_TOKEN` and
`HF_HUB_OFFLINE` as usual. It is imported only when an `hf://` handle is used.
"""

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from kerazoo.hub.entry import METADATA_FILE
from kerazoo.hub.errors import FetchError, IntegrityError, PushError

SCHEME = "hf://"
_FOLDER = ".hf"


def parse_handle(handle):
    """(repo_id, revision or None) of `hf://org/repo[@revision]`; a clear error otherwise."""
    ok = isinstance(handle, str) and handle.startswith(SCHEME)
    repo_id, at, revision = (handle[len(SCHEME):].strip("/") if ok else "").partition("@")
    parts = repo_id.split("/")
    if not ok or len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts) or (
            at and not revision):
        raise ValueError(
            "An hf handle names a Hugging Face Hub model repository: `hf://org/repo`, or "
            f"`hf://org/repo@REVISION` for a branch, tag or commit. Received: {handle!r}"
        )
    return repo_id, revision or None


def _copy_listed(snapshot, tmp, handle):
    """Copies `metadata.json` and the files it lists from `snapshot` into `tmp`."""
    from kerazoo.hub.load import _safe_relative

    snapshot = Path(snapshot)
    meta = snapshot / METADATA_FILE
    if not meta.is_file():
        raise IntegrityError(
            f"{handle} has no {METADATA_FILE}: it is not a kerazoo entry (write one with "
            "`kerazoo export NAME DIR`, upload it with `kerazoo push NAME hf://org/repo`)."
        )
    try:
        files = json.loads(meta.read_text(encoding="utf-8"))["files"]
        listed = sorted(files)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise IntegrityError(f"{handle}/{METADATA_FILE} is not valid kerazoo metadata.") from None
    bad = [rel for rel in listed if not isinstance(rel, str) or not _safe_relative(rel)]
    if bad:
        raise IntegrityError(
            f"{handle}/{METADATA_FILE} lists {bad[0]!r}, which is not a file inside the entry.")
    for rel in [METADATA_FILE, *listed]:
        source = snapshot / rel
        if not source.is_file():  # huggingface_hub's cache links to blobs; follow those
            raise IntegrityError(f"{rel} is listed in {handle}/{METADATA_FILE} but missing.")
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def fetch_hf(handle):
    """The verified local copy of the entry at `handle` (`hf://org/repo[@revision]`).

    Raises `IntegrityError` (a file does not match the repository's own `metadata.json`, or
    the repository is not a kerazoo entry) and `FetchError` (the Hub cannot be reached or
    answers an error, naming the repository and the endpoint). Warns that the entry is not
    pinned by the package's registry.
    """
    import filelock

    from kerazoo.hub.load import verify_entry
    from kerazoo.hub.mirror import _LOCKS, cache_dir
    from kerazoo.utils.io import make_readable_by_all

    repo_id, revision = parse_handle(handle)
    key = hashlib.sha256(f"{repo_id}@{revision or ''}".encode("utf-8")).hexdigest()[:16]
    cache = cache_dir()
    root = cache / _FOLDER / key
    root.mkdir(parents=True, exist_ok=True)
    (cache / _LOCKS).mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(cache / _LOCKS / f"hf-{key}.lock")):
        target = root / repo_id.split("/")[1]
        ok = False
        if target.is_dir() and not target.is_symlink():
            try:
                verify_entry(target)
                ok = True
            except IntegrityError:
                pass  # replaced by a fresh download below
        if not ok:
            for leftover in root.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
            try:
                snapshot = _snapshot(repo_id, revision, tmp / "download", handle)
                entry = tmp / "entry"
                entry.mkdir()
                _copy_listed(snapshot, entry, handle)
                verify_entry(entry)  # each file against the repository's own metadata.json
                make_readable_by_all(entry)
                if target.exists():
                    shutil.rmtree(target)
                os.rename(entry, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    warnings.warn(
        f"{handle} is not pinned by kerazoo's registry: its files were checked only against "
        f"the entry's own {METADATA_FILE}, which the same repository provides.",
        UserWarning, stacklevel=4,
    )
    return target


def _snapshot(repo_id, revision, cache, handle):
    import huggingface_hub
    from huggingface_hub import constants

    from kerazoo.version import __version__

    try:
        return huggingface_hub.snapshot_download(
            repo_id, revision=revision, cache_dir=str(cache), library_name="kerazoo",
            library_version=__version__)
    except Exception as e:
        raise FetchError(
            f"Cannot download {handle} from the Hugging Face Hub at "
            f"{os.environ.get('HF_ENDPOINT') or constants.ENDPOINT}: {type(e).__name__}: {e}"
        ) from e


def push(name, handle, zoo_dir=None, token=None, private=None, commit_message=None):
    """Uploads the zoo entry `name` to `handle` (`hf://org/repo`) in the layout of `export`.

    Creates the repository if needed (`private=` as `HfApi.create_repo`), then commits the
    exported folder with `HfApi.upload_folder`. Returns the commit's URL. Afterwards both
    `kerazoo.load(handle)` and Keras's own `keras.saving.load_model(handle)` (after
    `import kerazoo`) read it.
    """
    import huggingface_hub

    from kerazoo.hub.unzipped import export_entry
    from kerazoo.version import __version__

    repo_id, revision = parse_handle(handle)
    if revision is not None:
        raise ValueError(f"Push to a repository, not a revision: `hf://{repo_id}`. Received: {handle!r}")
    api = huggingface_hub.HfApi(token=token, library_name="kerazoo", library_version=__version__)
    with tempfile.TemporaryDirectory(prefix="kerazoo-push-") as tmp:
        folder = Path(tmp) / name
        export_entry(name, folder, zoo_dir=zoo_dir)
        try:
            api.create_repo(repo_id, exist_ok=True, private=private)
            info = api.upload_folder(repo_id=repo_id, folder_path=str(folder),
                                     commit_message=commit_message or f"kerazoo: {name}")
        except Exception as e:
            from huggingface_hub import constants

            raise PushError(
                f"Cannot push {name!r} to {handle} on the Hugging Face Hub at "
                f"{os.environ.get('HF_ENDPOINT') or constants.ENDPOINT}: {type(e).__name__}: {e}"
            ) from e
    return str(getattr(info, "commit_url", info))
