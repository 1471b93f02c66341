"""`.keras` round trips (with and without optimizer state) and the SavedModel export."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.models import BernoulliRBM, GaussianBernoulliRBM
from saving_harness import run_saving_test


@pytest.fixture(scope="module")
def trained(fmnist_train):
    model = BernoulliRBM(16, persistent=True, n_chains=20, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.02, momentum=0.5), steps_per_execution=3)
    model.fit(fmnist_train[:600], epochs=1, batch_size=100, verbose=0)
    return model


def _assert_same_model(a, b, x):
    for va, vb in zip(a.weights, b.weights):
        assert va.path == vb.path
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))
    np.testing.assert_array_equal(a.transform(x), b.transform(x))


def test_keras_round_trip_is_compiled_and_keeps_training(trained, fmnist_train, tmp_path):
    loaded = run_saving_test(trained, tmp_path, inputs=fmnist_train[:20], atol=0, rtol=0,
                             methods=["transform"])
    # compiled with the same optimizer config, its state restored
    assert loaded.compiled and loaded.steps_per_execution == 3
    assert loaded.optimizer.get_config()["learning_rate"] == pytest.approx(0.02)
    assert int(loaded.optimizer.iterations.numpy()) == int(trained.optimizer.iterations.numpy()) == 6
    for a, b in zip(trained.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    before = loaded.weights_numpy()[0].copy()
    history = loaded.fit(fmnist_train[:200], epochs=1, batch_size=100, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(before, loaded.weights_numpy()[0])
    assert float(loaded.adapted.numpy()) == 1.0  # the loaded model does not re-adapt


def test_round_trip_without_optimizer_state(trained, fmnist_train, tmp_path):
    """The zoo saves with `model.optimizer = None`: the model still loads compiled."""
    optimizer = trained.optimizer
    trained.optimizer = None
    try:
        trained.save(tmp_path / "bare.keras")
    finally:
        trained.optimizer = optimizer
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Skipping variable loading" warning either
        loaded = keras.saving.load_model(tmp_path / "bare.keras", safe_mode=True)
    assert loaded.compiled and int(loaded.optimizer.iterations.numpy()) == 0
    assert loaded.optimizer.get_config()["learning_rate"] == pytest.approx(0.02)
    _assert_same_model(trained, loaded, fmnist_train[:20])
    history = loaded.fit(fmnist_train[:200], epochs=1, batch_size=100, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and int(loaded.optimizer.iterations.numpy()) == 2


def test_uncompiled_model_round_trips(fmnist_train, tmp_path):
    model = GaussianBernoulliRBM(8, seed=3)
    model.adapt(fmnist_train[:100])
    loaded = run_saving_test(model, tmp_path, inputs=fmnist_train[:5], atol=0, rtol=0,
                             methods=["transform"])
    assert not loaded.compiled


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_saved_model_endpoints_serve_without_kerazoo(cls, fmnist_train, tmp_path):
    model = cls(16, seed=0)
    model.compile()
    model.fit(fmnist_train[:300], epochs=1, batch_size=100, verbose=0)
    archive = keras.export.ExportArchive()
    endpoints = model.serving_endpoints()
    assert list(endpoints) == ["transform", "reconstruct", "sample", "free_energy"]
    for name, (fn, signature) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=signature)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive.write_out(str(tmp_path / "sm"), verbose=False)
    # the weights are stored once (no .track(model)); variables file < 2x the weights
    n_bytes = sum(np.asarray(w).nbytes for w in model.weights)
    data = sum(p.stat().st_size for p in (tmp_path / "sm" / "variables").glob("variables.data*"))
    assert data < 1.5 * n_bytes

    served = tf.saved_model.load(str(tmp_path / "sm"))
    x = fmnist_train[:7]
    np.testing.assert_allclose(served.transform(tf.constant(x)).numpy(), model.transform(x), atol=1e-6)
    np.testing.assert_allclose(served.reconstruct(tf.constant(x)).numpy(), model.reconstruct(x), atol=1e-6)
    np.testing.assert_allclose(served.free_energy(tf.constant(x)).numpy(), model.free_energy(x), rtol=1e-6, atol=1e-3)
    a = served.sample(tf.constant(5), tf.constant(11), tf.constant(30)).numpy()
    assert a.shape == (5, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, served.sample(tf.constant(5), tf.constant(11), tf.constant(30)).numpy())
    assert not np.array_equal(a, served.sample(tf.constant(5), tf.constant(12), tf.constant(30)).numpy())
    # the same key gives the same images as the Python API
    np.testing.assert_allclose(a, model.sample(5, gibbs_steps=30, seed=11), atol=1e-6)
    default = served.signatures["serving_default"](tf.constant(x))
    np.testing.assert_allclose(list(default.values())[0].numpy(), model.transform(x), atol=1e-6)
