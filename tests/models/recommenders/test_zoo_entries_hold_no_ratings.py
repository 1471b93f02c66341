"""The recommender zoo entries hold weights only: no MovieLens rating, nor any array
derived from the ratings (the GroupLens license forbids redistribution)."""

import json
import zipfile

import h5py
import numpy as np
import pytest

import kerazoo

# Every published entry trained on MovieLens (the zoo's `<arch>.movielens_100k` names).
ENTRIES = sorted(
    name for name in kerazoo.list_models(zoo_dir=kerazoo.hub.default_zoo_dir())
    if name.endswith(".movielens_100k")
)


def test_the_recommender_entries_are_swept():
    assert "autorec.movielens_100k" in ENTRIES


@pytest.fixture(autouse=True)
def repository_zoo(monkeypatch):
    monkeypatch.delenv("KERAZOO_ZOO", raising=False)


def _long_lists(value, limit=16):
    if isinstance(value, dict):
        return any(_long_lists(v, limit) for v in value.values())
    if isinstance(value, list):
        return len(value) > limit or any(_long_lists(v, limit) for v in value)
    return False


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_files_are_weights_config_and_card_only(name):
    zoo = kerazoo.hub.default_zoo_dir()
    entry = zoo / name
    files = sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file())
    saved = [f for f in files if f.startswith("saved_model/")]
    assert set(files) - set(saved) == {"README.md", "metadata.json", "model.keras", "fold_rmse.png"}
    # SavedModel: graph and variables, no assets.
    assert not [f for f in saved if "/assets/" in f]
    assert {"saved_model/saved_model.pb", "saved_model/variables/variables.index"} <= set(saved)

    model = kerazoo.load(name)
    # `weights`, not `variables`: the latter also holds the random seed generators' state,
    # which a .keras file does not store.
    n_params = sum(int(np.prod(v.shape)) for v in model.weights)
    with zipfile.ZipFile(entry / "model.keras") as archive:
        assert set(archive.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(archive.read("config.json"))
        assert not _long_lists(config), "the config holds an array"
        with archive.open("model.weights.h5") as raw, h5py.File(raw, "r") as weights:
            shapes = []
            weights.visititems(lambda key, obj: shapes.append(obj.shape)
                               if isinstance(obj, h5py.Dataset) else None)
    # Exactly the model's variables (optimizer state is not published).
    assert sum(int(np.prod(s)) for s in shapes) == n_params
    assert sorted(shapes) == sorted(tuple(v.shape) for v in model.weights)
    variables_bytes = sum((entry / f).stat().st_size for f in saved if "/variables/" in f)
    assert variables_bytes < 4 * n_params * 1.05 + 65536
