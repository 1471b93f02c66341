"""Every published zoo entry, swept: the three user journeys of DESIGN.md on each.

Parametrized over `kerazoo.list_models()` of the repository's zoo, so each entry a family
publishes is loaded (every sha256 checked), verified (each SavedModel signature run),
fine-tuned for a step with `fit`, saved and loaded again.
"""

import numpy as np
import pytest

import kerazoo
from kerazoo.recipes import get_family, parse_job


@pytest.fixture(autouse=True)
def repository_zoo(monkeypatch):
    monkeypatch.delenv("KERAZOO_ZOO", raising=False)


def test_index_matches_the_entries_on_disk():
    zoo = kerazoo.hub.default_zoo_dir()
    on_disk = sorted(p.name for p in zoo.iterdir() if p.is_dir() and not p.name.startswith(".")) if zoo.exists() else []
    assert kerazoo.list_models() == on_disk


@pytest.mark.parametrize("name", kerazoo.list_models(zoo_dir=kerazoo.hub.default_zoo_dir()))
def test_entry_loads_verifies_fine_tunes_and_round_trips(name, tmp_path):
    meta = kerazoo.hub.entry_metadata(name)
    assert meta["recipe"], f"{name} was not published from a job file"
    report = kerazoo.verify(name)[name]  # hashes, then every SavedModel signature
    assert "serving_default" in report

    model = kerazoo.load(name)
    job = parse_job(meta["recipe"], where=f"{name} metadata")
    x, y = get_family(job.family).example_data(job, n=32)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())

    path = tmp_path / "fine_tuned.keras"
    model.save(path)
    again = kerazoo.load(path)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
