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
