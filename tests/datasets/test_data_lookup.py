"""Where the loaders look: explicit data_dir, then $KERAZOO_DATA_DIR, then system folders,
then the download. Copies are built in tmp dirs from symlinks to the real files; each copy
gets its own labels file, (y + shift) % 10, so the labels tell which copy was read."""

import struct

import numpy as np
import pytest

from kerazoo.datasets import (
    DatasetNotFoundError,
    load_fashion_mnist,
    load_mnist,
    load_movielens_100k,
)
from kerazoo.datasets import _lookup
from kerazoo.datasets.idx import read_idx

IMAGES = ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")
LABELS = {"train": "train-labels-idx1-ubyte.gz", "test": "t10k-labels-idx1-ubyte.gz"}


def make_copy(fashion_dir, folder, shift, parts=("train", "test")):
    """A Fashion-MNIST folder: images symlinked, labels rewritten (uncompressed) shifted."""
    folder.mkdir(parents=True)
    for part in parts:
        image_name = IMAGES[0] if part == "train" else IMAGES[1]
        (folder / image_name).symlink_to(fashion_dir / image_name)
        y = (read_idx(fashion_dir / LABELS[part]).astype(np.int64) + shift) % 10
        header = bytes([0, 0, 0x08, 1]) + struct.pack(">I", len(y))
        labels_file = folder / LABELS[part].removesuffix(".gz")
        labels_file.write_bytes(header + y.astype(np.uint8).tobytes())
    return folder


@pytest.fixture(scope="module")
def true_test_labels(fashion_dir):
    return read_idx(fashion_dir / LABELS["test"]).astype(np.int64)


@pytest.fixture
def copies(fashion_dir, tmp_path, monkeypatch):
    """A = explicit dir (shift 1), env root R holding fashion-mnist/ (2), system C (3)."""
    a = make_copy(fashion_dir, tmp_path / "explicit", 1)
    root = tmp_path / "env_root"
    make_copy(fashion_dir, root / "fashion-mnist", 2)
    c = make_copy(fashion_dir, tmp_path / "system" / "fashion-mnist", 3)
    monkeypatch.setenv(_lookup.ENV_VAR, str(root))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {"fashion_mnist": (str(c),)})
    return a, root, c


def shift_of(y, true):
    shifts = {int(s) for s in (y - true) % 10}
    assert len(shifts) == 1
    return shifts.pop()


def test_explicit_beats_env_beats_system(copies, monkeypatch, true_test_labels):
    a, root, c = copies
    assert shift_of(load_fashion_mnist("test", data_dir=a)[1], true_test_labels) == 1
    assert shift_of(load_fashion_mnist("test")[1], true_test_labels) == 2
    monkeypatch.delenv(_lookup.ENV_VAR)
    assert shift_of(load_fashion_mnist("test")[1], true_test_labels) == 3


def test_explicit_root_and_subfolder_names(copies, fashion_dir, tmp_path, monkeypatch,
                                           true_test_labels):
    a, root, c = copies
    # data_dir may be a root holding the data set under its standard subfolder name.
    assert shift_of(load_fashion_mnist("test", data_dir=root)[1], true_test_labels) == 2
    # The env root may spell it fashion_mnist/ too.
    other = tmp_path / "other_root"
    make_copy(fashion_dir, other / "fashion_mnist", 4)
    monkeypatch.setenv(_lookup.ENV_VAR, str(other))
    assert shift_of(load_fashion_mnist("test")[1], true_test_labels) == 4
    # A string works as data_dir as well as a Path.
    assert shift_of(load_fashion_mnist("test", data_dir=str(a))[1], true_test_labels) == 1


def test_explicit_dir_without_files_does_not_fall_through(copies, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist("test", data_dir=empty)
    msg = str(info.value)
    assert f"Fashion-MNIST was not found in data_dir={str(empty)!r}" in msg
    assert f"{empty}: missing t10k-images-idx3-ubyte.gz (or t10k-images-idx3-ubyte)" in msg
    assert f"{empty / 'fashion-mnist'}: no such folder" in msg
    assert f"{empty / 'fashion_mnist'}: no such folder" in msg


def test_location_must_hold_the_files_of_the_request(fashion_dir, tmp_path, monkeypatch,
                                                     true_test_labels):
    """An env copy with only the test files serves 'test'; 'train' falls through."""
    root = tmp_path / "root"
    make_copy(fashion_dir, root / "fashion-mnist", 5, parts=("test",))
    c = make_copy(fashion_dir, tmp_path / "sys", 6)
    monkeypatch.setenv(_lookup.ENV_VAR, str(root))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {"fashion_mnist": (str(c),)})
    assert shift_of(load_fashion_mnist("test")[1], true_test_labels) == 5
    true_train = read_idx(fashion_dir / LABELS["train"]).astype(np.int64)
    assert shift_of(load_fashion_mnist("validation")[1], true_train[54_000:]) == 6
    # A request needing both parts takes them from the one location holding both.
    y = load_fashion_mnist("validation+test")[1]
    assert shift_of(y, np.concatenate([true_train[54_000:], true_test_labels])) == 6


def test_fall_through_per_data_set(shared_data, fashion_dir, tmp_path, monkeypatch,
                                   true_test_labels):
    """An env root with ml-100k/ but no fashion-mnist/ or mnist/."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "ml-100k").symlink_to(shared_data / "ml-100k")
    c = make_copy(fashion_dir, tmp_path / "sys", 7)
    monkeypatch.setenv(_lookup.ENV_VAR, str(root))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {"fashion_mnist": (str(c),)})
    train, test = load_movielens_100k(1)
    assert train.shape == (80_000, 3) and test.shape == (20_000, 3)
    assert shift_of(load_fashion_mnist("test")[1], true_test_labels) == 7
    with pytest.raises(DatasetNotFoundError, match=f"{root / 'mnist'}: no such folder"):
        load_mnist("test")


def test_offline_and_missing(tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(_lookup.ENV_VAR, str(root))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS",
                        {"fashion_mnist": ("/nonexistent/fashion-mnist",)})
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist("train")
    err = info.value
    assert isinstance(err, FileNotFoundError)
    assert type(err.__cause__).__name__ == "SimulatedOffline"
    lines = str(err).splitlines()
    assert lines[0] == (
        "Fashion-MNIST (split 'train') was not found and could not be downloaded. "
        "Locations tried:"
    )
    assert lines[1:5] == [
        f"  - {root / 'fashion-mnist'}: no such folder (from $KERAZOO_DATA_DIR)",
        f"  - {root / 'fashion_mnist'}: no such folder (from $KERAZOO_DATA_DIR)",
        f"  - {tmp_path / 'home' / 'tensorflow_datasets' / 'fashion_mnist'}: no prepared TFDS "
        "copy (TFDS default)",
        "  - /nonexistent/fashion-mnist: no such folder",
    ]
    assert lines[5:7] == [
        "  - download through keras.datasets.fashion_mnist.load_data(): failed: "
        "simulated offline: no network in tests",
        "To fix this, do one of:",
    ]
    lines = lines[1:]
    assert lines[6] == ("  - pass data_dir= a folder holding train-images-idx3-ubyte.gz, "
                        "train-labels-idx1-ubyte.gz")
    assert lines[7] == ("  - set $KERAZOO_DATA_DIR to a root folder holding fashion-mnist/ "
                        "or fashion_mnist/")
    assert lines[8].startswith("  - apt-get install dataset-fashion-mnist")
    assert lines[9] == ("  - go online, so that keras.datasets.fashion_mnist.load_data() can "
                        "download it")


def test_env_not_set_is_reported(monkeypatch):
    monkeypatch.delenv(_lookup.ENV_VAR, raising=False)
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})
    with pytest.raises(DatasetNotFoundError, match=r"\$KERAZOO_DATA_DIR: not set"):
        load_mnist("test")
