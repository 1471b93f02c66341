"""MovieLens-100k on the real copy in $KERAZOO_DATA_DIR/ml-100k."""

import numpy as np
import pytest

from kerazoo.datasets import (
    MOVIELENS_N_ITEMS,
    MOVIELENS_N_USERS,
    DatasetIntegrityError,
    DatasetNotFoundError,
    load_movielens_100k,
    movielens_titles,
)
from kerazoo.datasets import _lookup, movielens


@pytest.fixture
def ml_dir(shared_data):
    return shared_data / "ml-100k"


def test_constants():
    assert MOVIELENS_N_USERS == 943
    assert MOVIELENS_N_ITEMS == 1682


def test_fold_1(ml_dir):
    train, test = load_movielens_100k(1, data_dir=ml_dir)
    assert train.shape == (80_000, 3) and test.shape == (20_000, 3)
    assert train.dtype == np.int32 and test.dtype == np.int32
    for part in (train, test):
        assert part[:, 0].min() == 1 and part[:, 0].max() <= 943
        assert part[:, 1].min() == 1 and part[:, 1].max() <= 1682
        assert set(np.unique(part[:, 2])) == {1, 2, 3, 4, 5}
    # The first line of u1.base is "1 1 5 874965758".
    np.testing.assert_array_equal(train[0], [1, 1, 5])
    # Every user rates at least 20 movies in u.data; fold 1 sees all 943 users in training.
    assert len(np.unique(train[:, 0])) == 943


def test_folds_split_u_data(ml_dir):
    u_data = np.loadtxt(ml_dir / "u.data", dtype=np.int64)[:, :3]
    keys = lambda a: set(map(tuple, a.tolist()))  # noqa: E731
    all_ratings = keys(u_data)
    assert len(all_ratings) == 100_000
    tests = []
    for fold in range(1, 6):
        train, test = load_movielens_100k(fold, data_dir=ml_dir)
        train_keys, test_keys = keys(train), keys(test)
        # Each fold: disjoint base and test that together make u.data.
        assert len(train_keys) == 80_000 and len(test_keys) == 20_000
        assert not (train_keys & test_keys)
        assert train_keys | test_keys == all_ratings
        tests.append(test_keys)
    # The five test sets are disjoint but for a quirk of the published split: three
    # ratings are in both u4.test and u5.test, so three others are in no test set.
    for i in range(5):
        for j in range(i + 1, 5):
            expected = (
                {(863, 1679, 3), (896, 1672, 2), (916, 1428, 3)} if (i, j) == (3, 4) else set()
            )
            assert tests[i] & tests[j] == expected
    assert all_ratings - set().union(*tests) == {(863, 1680, 2), (896, 1681, 3), (916, 1682, 3)}


def test_fresh_writable_copies(ml_dir):
    train, _ = load_movielens_100k(2, data_dir=ml_dir)
    train[:] = 0
    again, _ = load_movielens_100k(2, data_dir=ml_dir)
    assert again.min() >= 1


def test_titles(ml_dir):
    titles = movielens_titles(data_dir=ml_dir)
    assert isinstance(titles, list) and len(titles) == 1682
    assert titles[0] == "Toy Story (1995)"
    assert titles[1] == "GoldenEye (1995)"
    # u.item is latin-1: decoded, not mangled.
    assert "Misérables, Les (1995)" in titles


@pytest.mark.parametrize("fold", [0, 6, -1, "1", 1.0, True, None])
def test_bad_fold(fold, ml_dir):
    with pytest.raises(ValueError, match=r"`fold` must be an integer in 1..5.*Received: fold="):
        load_movielens_100k(fold, data_dir=ml_dir)


def test_numpy_int_fold(ml_dir):
    train, _ = load_movielens_100k(np.int64(3), data_dir=ml_dir)
    assert train.shape[1] == 3


def test_malformed_ratings_file_names_it(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u1.base").write_text("1\t1\t5\t874965758\n1\t2\t9\t876893171\n")
    (folder / "u1.test").write_text("1\t3\t4\t878542960\n")
    with pytest.raises(DatasetIntegrityError,
                       match=r"u1.base: expected rating in 1..5. Received: values in 5..9"):
        load_movielens_100k(1, data_dir=tmp_path)


# The download path, with keras.utils.get_file replaced.


@pytest.fixture
def only_download(monkeypatch, tmp_path):
    monkeypatch.delenv(_lookup.ENV_VAR, raising=False)
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})


def _extracted_copy(ml_dir, root):
    """What get_file(..., extract=True) leaves: <root>/ml-100k/..., via symlinks."""
    folder = root / "ml-100k"
    folder.mkdir(parents=True)
    for f in ml_dir.iterdir():
        (folder / f.name).symlink_to(f)
    return folder


def test_download_checked_and_used(ml_dir, tmp_path, only_download, monkeypatch):
    _extracted_copy(ml_dir, tmp_path / "ml-100k_extracted")
    monkeypatch.setattr(movielens, "_download", lambda: str(tmp_path / "ml-100k_extracted"))
    train, test = load_movielens_100k(1)
    assert train.shape == (80_000, 3) and test.shape == (20_000, 3)
    assert movielens_titles()[0] == "Toy Story (1995)"


def test_tampered_download_names_file(ml_dir, tmp_path, only_download, monkeypatch):
    folder = _extracted_copy(ml_dir, tmp_path / "x")
    (folder / "u1.base").unlink()
    lines = (ml_dir / "u1.base").read_text().splitlines(keepends=True)
    (folder / "u1.base").write_text("".join(lines[:-1]))  # one rating dropped
    monkeypatch.setattr(movielens, "_download", lambda: str(tmp_path / "x"))
    with pytest.raises(DatasetIntegrityError, match=r"u1.base is not the expected.*ce253ec86c"):
        load_movielens_100k(2)


def test_offline_error(only_download):
    with pytest.raises(DatasetNotFoundError) as info:
        load_movielens_100k(4)
    msg = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert msg.startswith("MovieLens-100k (fold 4) was not found and could not be downloaded")
    assert "$KERAZOO_DATA_DIR: not set" in msg
    assert "pass data_dir= a folder holding u4.base, u4.test" in msg
    assert "set $KERAZOO_DATA_DIR to a root folder holding ml-100k/" in msg
    assert "ml-100k.zip" in msg and "simulated offline" in msg
    assert "apt-get" not in msg
