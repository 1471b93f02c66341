import os
import sys
import tempfile
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS_DIR))
os.environ.setdefault("KERAZOO_DATA_DIR", str(TESTS_DIR.parents[1] / "shared" / "data"))
# Tests never fill the user's cache or reach the network: a private cache, and a mirror on the
# discard port (refused at once). tests/hub/test_mirror.py points both at its own.
os.environ["KERAZOO_CACHE"] = tempfile.mkdtemp(prefix="kerazoo-test-cache-")
os.environ["KERAZOO_ZOO_URL"] = "http://127.0.0.1:9/zoo"
os.environ["KERAZOO_FETCH_RETRIES"] = "0"

import tiny_family  # noqa: E402,F401  (registers the tests' tiny family)


def pytest_collection_modifyitems(config, items):
    """Skips the tests marked `tensorflow_only` unless Keras runs on TensorFlow."""
    from kerazoo.utils.backend import configured_backend

    backend = configured_backend()
    if backend == "tensorflow":
        return
    name = {"jax": "JAX"}.get(backend, backend)
    skip = pytest.mark.skip(reason=f"needs the TensorFlow backend (skipped under {name})")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tmp_zoo(tmp_path, monkeypatch):
    """An empty zoo in a temporary folder, made the default through $KERAZOO_ZOO."""
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    monkeypatch.setenv("KERAZOO_ZOO", str(zoo))
    return zoo


@pytest.fixture(scope="session")
def fold1():
    """MovieLens-100k fold u1: (train, test) rating histories from $KERAZOO_DATA_DIR."""
    from kerazoo.datasets import load_movielens_100k

    return load_movielens_100k(1)


#: The tests of tests/test_conformance.py that are conformance checks (one check each).
CONFORMANCE_CHECKS = ("test_conformance.py::test_model_class", "test_conformance.py::test_zoo_")


def pytest_terminal_summary(terminalreporter):
    """Counts the conformance checks of tests/test_conformance.py (issue 32): run (passed
    or failed), passed, and not applicable (skipped with a reason "not applicable: ...")."""
    outcomes = {}
    for key in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            if not any(part in nodeid for part in CONFORMANCE_CHECKS):
                continue
            if key == "skipped":
                reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
                key = "not_applicable" if "not applicable:" in reason else "skipped"
            elif key == "error":
                key = "failed"
            if key == "passed" and report.when != "call":
                continue
            outcomes.setdefault(nodeid, key)
            if key == "failed":  # a teardown error after a passed call counts as failed
                outcomes[nodeid] = key
    if not outcomes:
        return
    counts = {k: sum(v == k for v in outcomes.values())
              for k in ("passed", "failed", "not_applicable", "skipped")}
    run = counts["passed"] + counts["failed"]
    line = (f"{run} checks run, {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['not_applicable']} not applicable")
    if counts["skipped"]:
        line += f", {counts['skipped']} skipped for other reasons"
    terminalreporter.write_sep("-", "keras conformance (keras-hub's TestCase)")
    terminalreporter.write_line(line)
