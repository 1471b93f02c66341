"""Fetching and loading zoo entries: kerazoo's mirror and cache against the plain ways.

One process, one loopback HTTP server (the standard library's `http.server`, threaded, on
127.0.0.1) serving the clone's `zoo/` as a mirror. Two comparisons, side by side:

1. Cold: for every entry of the registry, kerazoo's `load(name)` with an empty cache (every
   file downloaded by pooch, checked against the shipped sha256, renamed into the cache,
   every hash checked again by `load`, the model deserialized from the verified bytes)
   against the same work done by hand: `keras.utils.get_file` of each of the entry's files
   (with its sha256 as `file_hash`, so it is verified too) into a fresh folder, then
   `keras.saving.load_model` of its `model.keras`. Entries alternate between the two ways
   (baseline, kerazoo, next entry ...), each round with fresh folders; the total of each
   round is printed, and the median over rounds. Target: kerazoo within 1.2x.
2. Warm: `load(name)` from the cache (the name not in `$KERAZOO_ZOO`, so it resolves
   through the registry and the cache, every sha256 checked) against `load(name)` from the
   clone's `zoo/` (the index, every sha256 checked), alternating (and which goes first
   alternates), the median of `--repeats` per entry (the best one printed too). Target: each entry within 1.1x.

A warm-up load of every entry comes first (imports, Keras's class registry, the page cache
of `zoo/`), and before each timed load `keras.backend.clear_session()` and `gc.collect()`
run (untimed). The machine is shared and small: `uptime` is printed before and after.

Usage: python benchmarks/fetch.py [--rounds 3] [--repeats 5]
"""

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/zoo"


def _uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime: not available"


def _quiesce():
    """Before each timed load: drop the models loaded so far and collect garbage, so that
    neither way pays for the other's leftovers."""
    import gc

    import keras

    keras.backend.clear_session()
    keras.config.disable_interactive_logging()  # get_file's progress bars (clear_session resets it)
    gc.collect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="cold rounds (median printed)")
    parser.add_argument("--repeats", type=int, default=7, help="warm loads per entry and way")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import kerazoo
    from kerazoo.hub.registry import read_registry

    warnings.filterwarnings("ignore")
    keras.config.disable_interactive_logging()  # get_file's progress bars
    print(f"before: {_uptime()}")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, python {sys.version.split()[0]}")
    registry = read_registry()["entries"]
    names = sorted(registry)
    zoo = ROOT / "zoo"
    work = Path(tempfile.mkdtemp(prefix="kerazoo-bench-fetch-"))
    httpd, url = _serve(ROOT)
    empty = work / "empty-zoo"
    empty.mkdir()
    os.environ["KERAZOO_ZOO_URL"] = url
    os.environ["KERAZOO_FETCH_RETRIES"] = "0"
    size = sum(f["size"] for e in registry.values() for f in e["files"].values())
    print(f"{len(names)} entries, {len(names) and sum(len(e['files']) for e in registry.values())} "
          f"files, {size / 2**20:.1f} MiB, served from {url}")

    for name in names:  # warm-up
        kerazoo.load(name, zoo_dir=zoo)

    def kerazoo_cold(name, cache):
        os.environ["KERAZOO_CACHE"] = str(cache)
        os.environ["KERAZOO_ZOO"] = str(empty)
        return kerazoo.load(name)

    def plain_cold(name, folder):
        # get_file falls back to /tmp/.keras (and its cached copies) when cache_dir is not
        # an existing, writable folder: make it, so every file is downloaded.
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for rel, info in sorted(registry[name]["files"].items()):
            sub, _, base = rel.rpartition("/")
            paths[rel] = keras.utils.get_file(fname=base, origin=f"{url}/{name}/{rel}", file_hash=info["sha256"],
                                 cache_dir=str(folder), cache_subdir=f"{name}/{sub}".rstrip("/"))
        return keras.saving.load_model(paths["model.keras"])

    print("\n1. cold: fetch + verify + load of every entry from the loopback mirror")
    totals = {"plain": [], "kerazoo": []}
    for r in range(args.rounds):
        t = {"plain": 0.0, "kerazoo": 0.0}
        for name in names:
            folder = work / f"plain-{r}"
            _quiesce()
            start = time.perf_counter()
            plain_cold(name, folder)
            t["plain"] += time.perf_counter() - start
            _quiesce()
            start = time.perf_counter()
            kerazoo_cold(name, work / f"cache-{r}")
            t["kerazoo"] += time.perf_counter() - start
        for k in t:
            totals[k].append(t[k])
        print(f"  round {r + 1}: get_file + load_model {t['plain']:.2f} s, kerazoo.load "
              f"{t['kerazoo']:.2f} s, ratio {t['kerazoo'] / t['plain']:.3f}x")
    ratio = statistics.median(o / p for o, p in zip(totals["kerazoo"], totals["plain"]))
    print(f"  median of the rounds' ratios: {ratio:.3f}x (target <= 1.2x: "
          f"{'met' if ratio <= 1.2 else 'NOT met'}); sums over rounds: get_file + load_model "
          f"{sum(totals['plain']):.2f} s, kerazoo.load {sum(totals['kerazoo']):.2f} s")

    httpd.shutdown()
    httpd.server_close()
    print("\n2. warm: load from the cache vs from the clone's zoo/ (server stopped), "
          f"median of {args.repeats}")
    cache = work / "cache-0"
    worst = 0.0
    rows = []
    for name in names:
        times = {"zoo": [], "cache": []}

        def from_zoo():
            os.environ.pop("KERAZOO_ZOO", None)
            _quiesce()
            start = time.perf_counter()
            kerazoo.load(name, zoo_dir=zoo)
            times["zoo"].append(time.perf_counter() - start)

        def from_cache():
            os.environ["KERAZOO_CACHE"] = str(cache)
            os.environ["KERAZOO_ZOO"] = str(empty)
            _quiesce()
            start = time.perf_counter()
            kerazoo.load(name)
            times["cache"].append(time.perf_counter() - start)

        for i in range(args.repeats):  # alternating, and which goes first alternates too
            for run in ((from_zoo, from_cache) if i % 2 == 0 else (from_cache, from_zoo)):
                run()
        z, c = statistics.median(times["zoo"]), statistics.median(times["cache"])
        zb, cb = min(times["zoo"]), min(times["cache"])
        worst = max(worst, c / z)
        rows.append((name, z, c))
        print(f"  {name:<30} zoo/ {z * 1000:7.1f} ms  cache {c * 1000:7.1f} ms  ratio {c / z:.3f}x"
              f"   (best of {args.repeats}: {zb * 1000:7.1f} / {cb * 1000:7.1f} ms, {cb / zb:.3f}x)")
    tz, tc = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"  total of medians: zoo/ {tz:.2f} s, cache {tc:.2f} s, ratio {tc / tz:.3f}x; worst "
          f"entry {worst:.3f}x (target <= 1.1x each: {'met' if worst <= 1.1 else 'NOT met'})")
    print(f"\nafter: {_uptime()}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
