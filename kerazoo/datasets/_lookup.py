"""Where data sets come from, shared by every loader.

For each request a loader asks for the files it needs, and `locate` looks, in this order
(the README's "Where data come from"):

1. an explicit ``data_dir=``: either the data set's own folder or a root holding it under
   one of its standard subfolder names. If the files are not there the request fails:
   an explicit folder never falls through to the other locations.
2. ``$KERAZOO_DATA_DIR``: a root with one subfolder per data set (``fashion-mnist/`` or
   ``fashion_mnist/``, ``mnist/``, ``ml-100k/``). It may hold some data sets and not
   others: a data set that is missing there falls through to the next location.
3. a tensorflow-datasets copy (``$TFDS_DATA_DIR``, else ``~/tensorflow_datasets``), read
   without downloading, where it can give kerazoo's split (see `kerazoo.datasets._tfds`).
4. standard system locations, `SYSTEM_LOCATIONS` (Debian's ``dataset-fashion-mnist``
   installs ``/usr/share/datasets/fashion-mnist``).
5. a download (done by the loader, through Keras, with checksums).

A location counts for a request only if it holds every file the request needs (some
copies hold a part of a data set, e.g. only the MNIST test files).
"""

import dataclasses
import os
from pathlib import Path

ENV_VAR = "KERAZOO_DATA_DIR"

#: Standard system locations, per data set key, looked at after `$KERAZOO_DATA_DIR`.
#: Tests monkeypatch this mapping.
SYSTEM_LOCATIONS = {
    "fashion_mnist": ("/usr/share/datasets/fashion-mnist",),
    "mnist": ("/usr/share/datasets/mnist",),
    "movielens_100k": (),
}


class DatasetNotFoundError(FileNotFoundError):
    """No copy of a data set was found and none could be downloaded.

    The message names the data set, every location tried and what was missing there,
    and the ways to provide a copy.
    """


class DatasetIntegrityError(ValueError):
    """A copy of a data set is corrupted or is not the expected data; names the file."""


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What the lookup needs to know about one data set."""

    key: str  # the key of SYSTEM_LOCATIONS, e.g. "fashion_mnist"
    title: str  # for messages, e.g. "Fashion-MNIST"
    subfolders: tuple  # standard subfolder names under a root, e.g. ("fashion-mnist",)
    download: str  # how the download is done, for messages
    install_hint: str = None  # a system package that installs a copy, if any


@dataclasses.dataclass
class Tried:
    """The locations looked at for one request, and what was wrong with each."""

    entries: list = dataclasses.field(default_factory=list)

    def add(self, where, why):
        self.entries.append((str(where), why))

    def lines(self):
        return [f"  - {where}: {why}" for where, why in self.entries]


def _describe(alternatives):
    """('a.gz', 'a') -> 'a.gz (or a)'."""
    first, *rest = alternatives
    return first + (f" (or {', '.join(rest)})" if rest else "")


def _files_in(folder, required):
    """Maps each requirement to an existing file in `folder`, or returns why it can't."""
    folder = Path(folder)
    if not folder.is_dir():
        return None, "no such folder" if not folder.exists() else "not a folder"
    found, missing = {}, []
    for alternatives in required:
        for name in alternatives:
            if (folder / name).is_file():
                found[alternatives[0]] = folder / name
                break
        else:
            missing.append(_describe(alternatives))
    if missing:
        return None, "missing " + ", ".join(missing)
    return found, None


def locate(spec, required, data_dir=None, tried=None, system=True):
    """Finds a local copy holding every required file.

    Args:
        spec: the `DatasetSpec`.
        required: a sequence of tuples of file names; each tuple lists acceptable names for
            one file (e.g. ``("t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte")``).
        data_dir: the explicit folder, or None.
        tried: a `Tried` to record the locations in (for the error message of the caller).
        system: also look in the system locations (False: the caller looks at a TFDS copy
            first, then calls `locate_system`).

    Returns:
        A dict from the first name of each requirement to the path found, all in one
        folder; or None if no local copy has them (the caller may then download).

    Raises:
        DatasetNotFoundError: `data_dir` was given and does not hold the files.
    """
    tried = Tried() if tried is None else tried
    if data_dir is not None:
        root = Path(os.fspath(data_dir)).expanduser()
        explicit = Tried()
        for folder in (root,) + tuple(root / sub for sub in spec.subfolders):
            found, why = _files_in(folder, required)
            if found:
                return found
            explicit.add(folder, why)
        raise DatasetNotFoundError(
            "\n".join(
                [f"{spec.title} was not found in data_dir={os.fspath(data_dir)!r}. Looked in:"]
                + explicit.lines()
                + [
                    "Pass data_dir= the folder that holds these files (or a root folder "
                    f"holding it as {' or '.join(s + '/' for s in spec.subfolders)}), or "
                    "leave data_dir=None to use $KERAZOO_DATA_DIR, the system locations "
                    "and the download."
                ]
            )
        )

    env_root = os.environ.get(ENV_VAR, "")
    if env_root:
        for sub in spec.subfolders:
            found, why = _files_in(Path(env_root).expanduser() / sub, required)
            if found:
                return found
            tried.add(Path(env_root).expanduser() / sub, f"{why} (from ${ENV_VAR})")
    else:
        tried.add(f"${ENV_VAR}", "not set")
    return locate_system(spec, required, tried) if system else None


def locate_system(spec, required, tried):
    """The system locations step of `locate` (after `$KERAZOO_DATA_DIR` and TFDS)."""
    for folder in SYSTEM_LOCATIONS.get(spec.key, ()):
        found, why = _files_in(folder, required)
        if found:
            return found
        tried.add(folder, why)
    return None


def not_found_error(spec, required, tried, download_error, what=""):
    """The one error for: no local copy, and the download failed."""
    subs = " or ".join(s + "/" for s in spec.subfolders)
    options = [
        f"  - pass data_dir= a folder holding {', '.join(alts[0] for alts in required)}",
        f"  - set ${ENV_VAR} to a root folder holding {subs}",
    ]
    if spec.install_hint:
        options.append(f"  - {spec.install_hint}")
    options.append(f"  - go online, so that {spec.download} can download it")
    tried.add(f"download through {spec.download}", f"failed: {download_error}")
    return DatasetNotFoundError(
        "\n".join(
            [f"{spec.title}{what} was not found and could not be downloaded. Locations tried:"]
            + tried.lines()
            + ["To fix this, do one of:"]
            + options
        )
    )
