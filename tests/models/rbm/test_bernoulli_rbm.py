"""BernoulliRBM: API against numpy, training on real Fashion-MNIST, bad input."""

import keras
import numpy as np
import pytest

from kerazoo.models import BernoulliRBM


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _trained(x, n_hidden=16, epochs=1, **kwargs):
    model = BernoulliRBM(n_hidden, seed=0, **kwargs)
    model.compile()
    model.fit(x, epochs=epochs, batch_size=100, verbose=0)
    return model


def test_variables_and_api_match_the_formulas(fmnist_train, fmnist_test):
    model = _trained(fmnist_train[:1000])
    assert tuple(model.kernel.shape) == (784, 16)
    assert tuple(model.visible_bias.shape) == (784,) and tuple(model.hidden_bias.shape) == (16,)
    assert [w.name for w in model.trainable_weights] == ["kernel", "visible_bias", "hidden_bias"]
    W, b, c = model.weights_numpy()
    x = fmnist_test[:50]
    v = (x.reshape(50, -1) > 0.5).astype(np.float64)  # binarized at 0.5
    p_h = _sigmoid(v @ W + c)
    np.testing.assert_allclose(model.transform(x), p_h, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), p_h, atol=1e-5)
    recon = model.reconstruct(x, batch_size=7)
    assert recon.shape == (50, 28, 28, 1) and recon.dtype == np.float32
    np.testing.assert_allclose(recon.reshape(50, -1), _sigmoid(p_h @ W.T + b), atol=1e-5)
    free_energy = -v @ b - np.logaddexp(0, v @ W + c).sum(1)
    np.testing.assert_allclose(model.free_energy(x), free_energy, rtol=1e-5, atol=1e-3)


def test_binarize_none_takes_values_as_probabilities(fmnist_test):
    model = BernoulliRBM(8, binarize=None, seed=1)
    x = fmnist_test[:20]
    W, b, c = model.weights_numpy()
    np.testing.assert_allclose(model.transform(x), _sigmoid(x.reshape(20, -1) @ W + c), atol=1e-6)
    assert BernoulliRBM.from_config(model.get_config()).binarize is None


def test_training_raises_exact_test_log_likelihood(fmnist_train, fmnist_test):
    """Three epochs of the default recipe on 3,000 images: held-out LL up by > 100 nats."""
    pytest.importorskip("kerazoo.metrics")
    model = BernoulliRBM(16, seed=0)
    model.compile()
    before = model.log_likelihood(fmnist_test, method="exact")
    model.fit(fmnist_train, epochs=3, batch_size=100, verbose=0)
    after = model.log_likelihood(fmnist_test, method="exact")
    assert after.method == "exact" and after.std == 0.0 and after.n_examples == 1000
    assert np.isfinite(after.value) and after.value > before.value + 100, (before, after)
    assert float(after) == after.value and after.as_dict()["log_likelihood"] == after.value


def test_exact_limit_is_the_metrics_limit():
    metrics = pytest.importorskip("kerazoo.metrics")
    from kerazoo.models.rbm.base import MAX_EXACT_HIDDEN

    assert MAX_EXACT_HIDDEN == metrics.MAX_EXACT_HIDDEN


def test_exact_log_likelihood_matches_brute_force_enumeration():
    """A 4x4-pixel RBM with 6 hidden units: log Z over all 2^16 * 2^6 states."""
    pytest.importorskip("kerazoo.metrics")
    rng = np.random.default_rng(0)
    model = BernoulliRBM(6, image_shape=(4, 4, 1), seed=0)
    model.kernel.assign(rng.normal(0, 1.0, (16, 6)).astype("float32"))
    model.visible_bias.assign(rng.normal(0, 1.0, 16).astype("float32"))
    model.hidden_bias.assign(rng.normal(0, 1.0, 6).astype("float32"))
    W, b, c = model.weights_numpy()
    vs = ((np.arange(2**16)[:, None] >> np.arange(16)) & 1).astype(np.float64)
    free = -vs @ b - np.logaddexp(0, vs @ W + c).sum(1)
    log_z = np.logaddexp.reduce(-free)
    x = (rng.random((30, 4, 4, 1)) < 0.5).astype("float32")
    v = x.reshape(30, -1).astype(np.float64)
    expected = np.mean(-(-v @ b - np.logaddexp(0, v @ W + c).sum(1))) - log_z
    result = model.log_likelihood(x, method="exact")
    assert result.log_partition == pytest.approx(log_z, abs=1e-3)
    assert result.value == pytest.approx(expected, abs=1e-3)


def test_sample_shapes_range_and_reproducibility(fmnist_train):
    model = _trained(fmnist_train[:500])
    a = model.sample(5, gibbs_steps=20, seed=3)
    assert a.shape == (5, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, model.sample(5, gibbs_steps=20, seed=3))
    assert not np.array_equal(a, model.sample(5, gibbs_steps=20, seed=4))
    # 0 steps: the chain never leaves h = 0, so every image is sigmoid(visible_bias)
    _, b, _ = model.weights_numpy()
    np.testing.assert_allclose(model.sample(2, gibbs_steps=0).reshape(2, -1), np.tile(_sigmoid(b), (2, 1)), atol=1e-6)
    # seed=None draws from the model's generator: successive calls differ
    assert not np.array_equal(model.sample(2, gibbs_steps=5), model.sample(2, gibbs_steps=5))


def test_adapt_sets_visible_biases_to_base_rates(fmnist_train):
    model = BernoulliRBM(8, seed=0)
    assert float(model.adapted.numpy()) == 0.0
    model.adapt(fmnist_train)
    v = (fmnist_train.reshape(len(fmnist_train), -1) > 0.5).mean(0)
    p = _sigmoid(np.asarray(model.visible_bias))
    np.testing.assert_allclose(p, (v * len(fmnist_train) + 0.5) / (len(fmnist_train) + 1), rtol=1e-4)
    assert float(model.adapted.numpy()) == 1.0


def test_monitors_and_history(fmnist_train, fmnist_test):
    model = BernoulliRBM(16, seed=0)
    model.compile()
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    history = model.fit(
        fmnist_train[:2000], epochs=3, batch_size=100, validation_data=fmnist_test[:500],
        callbacks=[Record()], verbose=0,
    )
    keys = {"loss", "reconstruction_error", "pseudo_log_likelihood", "free_energy"}
    assert keys | {f"val_{k}" for k in keys} | {"val_free_energy_gap"} == set(history.history)
    assert len(seen) == 3 and set(seen[0]) == set(history.history)
    rec = history.history["reconstruction_error"]
    assert rec[-1] < rec[0] and 0.0 < rec[-1] < 0.25
    pll = history.history["val_pseudo_log_likelihood"]
    assert -784 * np.log(2) < pll[-1] < 0  # better than the uniform model's -543 nats
    # the gap is F(validation) minus F(a training sample) at the same weights
    gap = history.history["val_free_energy_gap"][-1]
    expected = model.free_energy(fmnist_test[:500]).mean() - model.free_energy(fmnist_train[:1000]).mean()
    assert gap == pytest.approx(expected, rel=1e-3, abs=1e-2)
    logs = model.evaluate(fmnist_test[:500], batch_size=100, verbose=0, return_dict=True)
    assert logs["free_energy_gap"] == pytest.approx(expected, rel=1e-3, abs=1e-2)


def test_steps_per_execution_gives_the_same_weights(fmnist_train):
    weights = []
    for spe in (1, 7):
        model = BernoulliRBM(16, seed=5, persistent=True)
        model.compile(steps_per_execution=spe)
        model.fit(fmnist_train[:1000], epochs=1, batch_size=50, shuffle=False, verbose=0)
        weights.append(model.weights_numpy())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_persistent_chains_are_state_and_cd_has_none(fmnist_train):
    pcd = BernoulliRBM(16, persistent=True, n_chains=30, seed=0)
    cd = BernoulliRBM(16, persistent=False, seed=0)
    assert tuple(pcd.persistent_chains.shape) == (30, 16) and not pcd.persistent_chains.trainable
    assert tuple(cd.persistent_chains.shape) == (0, 16)
    pcd.compile()
    pcd.fit(fmnist_train[:500], epochs=1, batch_size=100, verbose=0)
    chains = np.asarray(pcd.persistent_chains)
    assert set(np.unique(chains)) == {0.0, 1.0}  # binary hidden states, moved from zeros


def test_sparsity_target_lowers_the_mean_hidden_activity(fmnist_train):
    mean_activity = {}
    for target in (None, 0.05):
        model = BernoulliRBM(32, persistent=False, sparsity_target=target, sparsity_cost=2.0, seed=0)
        model.compile()
        model.fit(fmnist_train[:2000], epochs=2, batch_size=100, verbose=0)
        mean_activity[target] = model.transform(fmnist_train[:500]).mean()
    # a soft penalty: it pulls the mean activity well down towards the target
    assert mean_activity[0.05] < mean_activity[None] - 0.1, mean_activity


def test_any_keras_optimizer_and_early_stopping(fmnist_train, fmnist_test):
    model = BernoulliRBM(16, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    stop = keras.callbacks.EarlyStopping(monitor="val_reconstruction_error", patience=0, mode="min")
    history = model.fit(fmnist_train[:500], epochs=30, batch_size=100, verbose=0,
                        validation_data=fmnist_test[:200], callbacks=[stop])
    assert 1 <= len(history.history["loss"]) < 30


def test_bad_input_is_refused_with_what_was_received(fmnist_test):
    model = BernoulliRBM(8, seed=0)
    model.compile()
    x = fmnist_test[:10]
    with pytest.raises(ValueError, match=r"shape=\(10, 784\)"):
        model.transform(x.reshape(10, 784))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        model.fit(x * 255.0, epochs=1, verbose=0)
    bad = x.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.free_energy(bad)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(x, epochs=1, verbose=0, validation_data=bad)
    with pytest.raises(ValueError, match="shape"):
        model.fit(x[..., 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"n_hidden=500"):
        BernoulliRBM(500).log_likelihood(x, method="exact")
    with pytest.raises(ValueError, match="method='bogus'"):
        model.log_likelihood(x, method="bogus")
    with pytest.raises(ValueError, match="takes no loss"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match="gibbs_steps=-1"):
        model.sample(3, gibbs_steps=-1)
    with pytest.raises(ValueError, match="n=0"):
        model.sample(0)
    for kwargs, match in [
        ({"n_hidden": 0}, "n_hidden=0"),
        ({"n_hidden": 8, "cd_k": 0}, "cd_k=0"),
        ({"n_hidden": 8, "binarize": 1.0}, "binarize=1.0"),
        ({"n_hidden": 8, "sparsity_target": 1.5}, "sparsity_target=1.5"),
        ({"n_hidden": 8, "weight_decay": -1.0}, "weight_decay=-1.0"),
        ({"n_hidden": 8, "image_shape": (28, 0)}, "image_shape"),
    ]:
        with pytest.raises(ValueError, match=match):
            BernoulliRBM(**kwargs)
    with pytest.raises(TypeError, match="persistent"):
        BernoulliRBM(8, persistent="yes")


def test_xla_compiled_training(fmnist_train, fmnist_test):
    """jit_compile=True: the step compiles (ThreeFry draws under XLA) and learns."""
    model = BernoulliRBM(16, persistent=True, n_chains=50, cd_k=2, seed=0)
    model.compile(jit_compile=True, steps_per_execution=5)
    assert model.jit_compile and model._rng_alg() == "threefry"
    history = model.fit(fmnist_train[:1500], epochs=2, batch_size=100, verbose=0,
                        validation_data=fmnist_test[:200])
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert history.history["val_pseudo_log_likelihood"][-1] > -543  # beats the uniform model
    assert set(np.unique(np.asarray(model.persistent_chains))) <= {0.0, 1.0}
