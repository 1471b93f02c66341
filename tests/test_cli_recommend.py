"""`kerazoo recommend`: titles from u.item for a MovieLens user or a folded-in new user,
and clear errors for bad ids and ratings."""

import re

import keras
import numpy as np
import pytest

from kerazoo.cli import main
from kerazoo.datasets import load_movielens_100k, movielens_titles
from kerazoo.models import AutoRec, RBMRecommender


@pytest.fixture(scope="module")
def rbm_file(tmp_path_factory):
    train, _ = load_movielens_100k(1)
    keras.utils.set_random_seed(0)
    model = RBMRecommender(n_hidden=8, cd_k=1, seed=0)
    model.fit_ratings(train, epochs=1, batch_size=200, verbose=0)
    path = tmp_path_factory.mktemp("cli") / "rbm.keras"
    model.save(path)
    return path


def listed_movies(out):
    return [int(m) for m in re.findall(r"\(movie (\d+), predicted [1-5]\.\d\d\)", out)]


def test_recommends_unseen_titles_to_a_user(rbm_file, capsys):
    assert main(["recommend", str(rbm_file), "--user", "1", "-k", "5"]) == 0
    out = capsys.readouterr().out
    movies = listed_movies(out)
    assert len(movies) == 5 and len(set(movies)) == 5
    train, _ = load_movielens_100k(1)
    assert not set(movies) & set(train[train[:, 0] == 1, 1].tolist())
    titles = movielens_titles()
    for rank, movie in enumerate(movies, 1):
        assert f"{rank:3d}. {titles[movie - 1]}  (movie {movie}," in out
    assert "user 1 (history u1.base)" in out


def test_folds_in_a_new_user_from_ratings(rbm_file, capsys):
    assert main(["recommend", str(rbm_file), "--rating", "50:5", "--rating", "172:4", "-k", "3"]) == 0
    out = capsys.readouterr().out
    movies = listed_movies(out)
    assert len(movies) == 3 and not {50, 172} & set(movies)
    assert "a new user with 2 rating(s)" in out


@pytest.mark.parametrize("argv, message", [
    (["--user", "944"], "Unknown user_id 944"),
    (["--user", "0"], "Unknown user_id 0"),
    (["--rating", "50:9"], "1..5"),
    (["--rating", "1683:4"], "Unknown item_id 1683"),
    (["--rating", "fifty:4"], "ITEM:STARS"),
    ([], "either --user"),
    (["--user", "1", "-k", "0"], "`k`"),
])
def test_bad_input_exits_with_a_clear_message(rbm_file, capsys, argv, message):
    assert main(["recommend", str(rbm_file)] + argv) == 1
    assert message in capsys.readouterr().err


def test_item_based_autorec_cannot_fold_in(tmp_path, capsys):
    path = tmp_path / "autorec.keras"
    AutoRec(n_hidden=4, seed=0).save(path)
    assert main(["recommend", str(path), "--rating", "50:5"]) == 1
    err = capsys.readouterr().err
    assert "orientation='user'" in err
    # issue 31 (the newcomer's journey): the message says why and which entries can
    assert "item-based" in err and "rbm_cf.movielens_100k" in err and "--user" in err
    assert main(["recommend", str(path), "--user", "2", "-k", "2"]) == 0
    assert len(listed_movies(capsys.readouterr().out)) == 2


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["recommend", "--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--rating" in out
    # which entries can fold in a new user, and that the shipped AutoRec cannot
    assert "RBMRecommender" in out and "orientation='user'" in out
    assert "autorec.movielens_100k is item-based" in out


@pytest.mark.parametrize("argv, message", [
    (["--user", "1", "--fold", "0"], "--fold must be one of 1..5. Received: --fold 0"),
    (["--user", "1", "--fold", "6"], "--fold must be one of 1..5. Received: --fold 6"),
    (["--rating", "50:5", "--rating", "50:4"], "--rating names movie 50 twice (50:5, 50:4)"),
])
def test_fold_and_repeated_ratings_are_checked(rbm_file, capsys, argv, message):
    assert main(["recommend", str(rbm_file)] + argv) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
