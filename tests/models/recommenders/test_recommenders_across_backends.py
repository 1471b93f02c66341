"""One zoo for both backends: the published recommenders give the same deterministic outputs
under TensorFlow and JAX (issue 29). The test runs the other backend in a subprocess
(a process imports one Keras backend) on the same inputs, and compares within 1e-5."""

import sys

import numpy as np
import pytest
from other_backend import outputs_on_other_backend

NAMES = ["autorec.movielens_100k", "rbm_cf.movielens_100k"]
N = 64  # users, pairs and rating vectors compared


def outputs(name):
    """The entry's deterministic outputs on fixed inputs from u1.base / u1.test."""
    import keras

    import kerazoo
    from kerazoo.datasets import load_movielens_100k

    train, test = load_movielens_100k(1)
    model = kerazoo.load(name)
    users = np.arange(1, N + 1)
    out = {
        "predict_matrix": model.predict_matrix(users, history=train),
        "predict_ratings": model.predict_ratings(test[:N, 0], test[:N, 1], history=train),
    }
    matrix = np.zeros((model.n_users, model.n_items), "float32")
    matrix[train[:, 0] - 1, train[:, 1] - 1] = train[:, 2]
    if type(model).__name__ == "AutoRec":
        vectors = matrix.T[:N] if model.orientation == "item" else matrix[:N]
        out["call"] = keras.ops.convert_to_numpy(model(vectors))
        out["encode"] = keras.ops.convert_to_numpy(model.encode(vectors))
    else:
        x = {"ratings": matrix[:N].astype("int32"), "rated": (matrix[:N] > 0).astype("float32")}
        out["call"] = keras.ops.convert_to_numpy(model(x))
        out["transform"] = keras.ops.convert_to_numpy(model.transform(x))
    return {key: np.asarray(value, "float32") for key, value in out.items()}


@pytest.fixture(autouse=True)
def repository_zoo(monkeypatch):
    monkeypatch.delenv("KERAZOO_ZOO", raising=False)


@pytest.mark.parametrize("name", NAMES)
def test_the_entry_gives_the_same_outputs_on_tensorflow_and_jax(name, tmp_path):
    _, theirs = outputs_on_other_backend(__file__, name, tmp_path)
    ours = outputs(name)
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        assert ours[key].shape == theirs[key].shape and ours[key].shape[0] == N, key
        np.testing.assert_allclose(ours[key], theirs[key], atol=1e-5, rtol=0, err_msg=key)


if __name__ == "__main__":
    import keras

    result = outputs(sys.argv[1])
    np.savez(sys.argv[2], backend=np.array(keras.backend.backend()), **result)
