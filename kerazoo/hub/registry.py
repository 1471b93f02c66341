"""The registry of the zoo that ships inside the package: what a mirror may serve.

`kerazoo/hub/registry.json` maps every entry of the repository's `zoo/` to its `class`,
`family`, `summary` and `files` (`{relative path: {"size": bytes, "sha256": hex}}`, the
entry's `metadata.json` included). It is generated from `zoo/index.json` and each entry's
`metadata.json` (`python -m kerazoo.hub.registry --write`; publishing into the repository's
own zoo rewrites it), and a test fails when the two disagree. A file fetched from a mirror
is checked against these shipped hashes, never against what the mirror says.

Reads files only: no Keras, no TensorFlow.
"""

import argparse
import functools
import json
import sys
from pathlib import Path

from kerazoo.hub import index as zoo_index
from kerazoo.hub.entry import METADATA_FILE
from kerazoo.utils.io import atomic_write_text

REGISTRY_FILE = Path(__file__).resolve().parent / "registry.json"
REGISTRY_FORMAT = 1


def build_registry(zoo):
    """The registry of the zoo folder `zoo`, as a dict (checked against the hash chain).

    Every entry is verified first (index → metadata → files), so a damaged zoo never
    becomes a registry: raises `IntegrityError` naming the file.
    """
    from kerazoo.hub.load import list_entries, verify_entry

    zoo = Path(zoo)
    entries = {}
    for name, record in list_entries(zoo).items():
        directory = zoo / name
        metadata = verify_entry(directory, record)
        files = sorted([*metadata["files"], METADATA_FILE])
        entries[name] = {
            "class": record["class"],
            "family": record["family"],
            "summary": record["summary"],
            "files": {
                rel: {
                    "size": (directory / rel).stat().st_size,
                    "sha256": (record["metadata_sha256"] if rel == METADATA_FILE
                               else metadata["files"][rel]),
                }
                for rel in files
            },
        }
    return {"format": REGISTRY_FORMAT, "entries": entries}


def render(registry):
    return json.dumps(registry, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_registry(zoo=None, path=None):
    """Regenerates `registry.json` (default: the package's) from `zoo` (default: `zoo/`)."""
    from kerazoo.hub.paths import default_zoo_dir

    registry = build_registry(default_zoo_dir() if zoo is None else zoo)
    atomic_write_text(REGISTRY_FILE if path is None else path, render(registry))
    read_registry.cache_clear()
    return registry


def read_registry(path=None):
    """The shipped registry: `{"format": 1, "entries": {name: record}}` (empty if absent)."""
    return _read(Path(REGISTRY_FILE if path is None else path))


read_registry.cache_clear = lambda: _read.cache_clear()


@functools.lru_cache(maxsize=None)
def _read(path):
    if not path.is_file():
        return {"format": REGISTRY_FORMAT, "entries": {}}
    from kerazoo.hub.errors import IntegrityError

    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
        entries = registry["entries"]
        if not isinstance(entries, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise IntegrityError(f"{path} is not a valid kerazoo registry; reinstall kerazoo.") from None
    return registry


def registered(name):
    """The registry's record of `name`, or None."""
    return read_registry()["entries"].get(name)


def registered_names():
    return sorted(read_registry()["entries"])


def regenerate_if_repository_zoo(zoo):
    """Rewrites the package's registry when `zoo` is the repository's own `zoo/`.

    Publishing into any other zoo folder leaves the package untouched. Call under the zoo
    lock, after the entry is in place.
    """
    from kerazoo.hub.paths import default_zoo_dir

    if Path(zoo).resolve() == default_zoo_dir().resolve():
        write_registry(zoo)
        return True
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m kerazoo.hub.registry",
        description="Generate or check the package's registry of the zoo (registry.json).",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", action="store_true", help="regenerate registry.json from zoo/")
    what.add_argument("--check", action="store_true", help="fail if registry.json and zoo/ differ")
    parser.add_argument("--zoo", default=None, help="zoo folder (default: the repository's zoo/)")
    args = parser.parse_args(argv)
    from kerazoo.hub.paths import default_zoo_dir

    zoo = Path(args.zoo) if args.zoo else default_zoo_dir()
    if args.write:
        registry = write_registry(zoo)
        print(f"Wrote {REGISTRY_FILE} ({len(registry['entries'])} entries from {zoo}).")
        return 0
    expected = render(build_registry(zoo))
    actual = REGISTRY_FILE.read_text(encoding="utf-8") if REGISTRY_FILE.is_file() else ""
    if actual != expected:
        print(f"{REGISTRY_FILE} differs from {zoo}: run `python -m kerazoo.hub.registry --write`.",
              file=sys.stderr)
        return 1
    print(f"{REGISTRY_FILE} matches {zoo}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
