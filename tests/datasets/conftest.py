"""Fixtures for the data set tests: real data locations, and no download ever."""

import os
from pathlib import Path

import pytest

from kerazoo.datasets import _lookup, _mnist_format, fashion_mnist, mnist, movielens

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
REPO = Path(__file__).resolve().parents[2]


class SimulatedOffline(OSError):
    pass


def _offline(*args, **kwargs):
    raise SimulatedOffline("simulated offline: no network in tests")


@pytest.fixture(autouse=True)
def no_download(monkeypatch):
    """Every download raises, as offline; a test that wants one patches its own in."""
    for module in (fashion_mnist, mnist, movielens):
        monkeypatch.setattr(module, "_download", _offline)
    yield
    _mnist_format._downloaded.cache_clear()
    movielens._downloaded_folder.cache_clear()


@pytest.fixture(scope="session")
def shared_data():
    """The folder of shared data (ml-100k/, mnist/): $KERAZOO_DATA_DIR, as CI sets it."""
    candidates = [os.environ.get(_lookup.ENV_VAR, ""), REPO.parent / "shared" / "data",
                  "/work/shared/data"]
    for c in candidates:
        if c and (Path(c) / "ml-100k" / "u.data").is_file():
            return Path(c)
    pytest.fail(f"No shared data folder with ml-100k/ found; tried {candidates}. "
                f"Set ${_lookup.ENV_VAR}.")


@pytest.fixture(scope="session")
def fashion_dir():
    if not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"Fashion-MNIST is not in {FASHION_DIR}: "
                    "apt-get install dataset-fashion-mnist")
    return FASHION_DIR
