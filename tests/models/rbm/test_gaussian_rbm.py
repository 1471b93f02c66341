"""GaussianBernoulliRBM: standardization inside, formulas, training, exact density."""

import numpy as np
import pytest

from kerazoo.models import GaussianBernoulliRBM
from saving_harness import run_saving_test


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_adapt_standardizes_with_floored_statistics(fmnist_train):
    model = GaussianBernoulliRBM(8, min_std=0.05, seed=0)
    model.adapt(fmnist_train)
    flat = fmnist_train.reshape(len(fmnist_train), -1).astype(np.float64)
    np.testing.assert_allclose(model.data_mean, flat.mean(0), atol=1e-6)
    np.testing.assert_allclose(model.data_std, np.maximum(flat.std(0), 0.05), rtol=1e-5)
    assert np.asarray(model.data_std).min() == pytest.approx(0.05)  # the borders are floored


def test_formulas_in_pixel_units(fmnist_train, fmnist_test):
    model = GaussianBernoulliRBM(16, seed=0)
    model.compile()
    model.fit(fmnist_train[:1000], epochs=1, batch_size=100, verbose=0)
    W, b, c = model.weights_numpy()
    mean, std = np.asarray(model.data_mean, np.float64), np.asarray(model.data_std, np.float64)
    x = fmnist_test[:40]
    v = (x.reshape(40, -1) - mean) / std
    p_h = _sigmoid(v @ W + c)
    np.testing.assert_allclose(model.transform(x), p_h, atol=1e-5)
    recon = model.reconstruct(x)
    np.testing.assert_allclose(recon.reshape(40, -1), np.clip((p_h @ W.T + b) * std + mean, 0, 1), atol=1e-5)
    free = 0.5 * ((v - b) ** 2).sum(1) - np.logaddexp(0, v @ W + c).sum(1)
    np.testing.assert_allclose(model.free_energy(x), free, rtol=1e-5, atol=1e-2)
    samples = model.sample(4, gibbs_steps=10, seed=0)
    assert samples.shape == (4, 28, 28, 1) and 0.0 <= samples.min() and samples.max() <= 1.0


def test_training_lowers_validation_reconstruction_error(fmnist_train, fmnist_test):
    model = GaussianBernoulliRBM(64, seed=0)
    model.compile()
    history = model.fit(fmnist_train, epochs=3, batch_size=100, validation_data=fmnist_test[:500], verbose=0)
    val = history.history["val_reconstruction_error"]
    assert set(history.history) >= {"loss", "reconstruction_error", "free_energy", "val_free_energy_gap"}
    assert "pseudo_log_likelihood" not in history.history
    # pixel-unit MSE: below the 0.09 of predicting the mean image, and falling
    baseline = np.mean((fmnist_test[:500] - fmnist_train.mean(0)) ** 2)
    assert val[-1] < val[0] and val[-1] < 0.5 * baseline, (val, baseline)


def test_learned_variances_train_and_round_trip(fmnist_train, tmp_path):
    import keras

    model = GaussianBernoulliRBM(16, learn_sigma=True, persistent=True, n_chains=50, seed=0)
    model.compile()
    model.fit(fmnist_train[:1000], epochs=2, batch_size=100, verbose=0)
    log_sigma = np.asarray(model.rbm.log_sigma)
    assert np.all(np.isfinite(log_sigma)) and np.abs(log_sigma).max() > 1e-3
    loaded = run_saving_test(model, tmp_path, inputs=fmnist_train[:10], methods=["transform"])
    assert loaded.learn_sigma and loaded.min_std == model.min_std
    np.testing.assert_array_equal(loaded.data_std, model.data_std)


@pytest.mark.parametrize("learn_sigma", [False, True])
def test_exact_log_density_integrates_in_pixel_units(learn_sigma):
    """A 2-pixel GRBM: log p(x) against a numerical integral over the pixel plane."""
    pytest.importorskip("kerazoo.metrics")
    rng = np.random.default_rng(0)
    model = GaussianBernoulliRBM(3, image_shape=(2, 1, 1), learn_sigma=learn_sigma, seed=0)
    model.kernel.assign(rng.normal(0, 1.0, (2, 3)).astype("float32"))
    model.visible_bias.assign(rng.normal(0, 0.5, 2).astype("float32"))
    model.hidden_bias.assign(rng.normal(0, 0.5, 3).astype("float32"))
    sigma = np.ones(2)
    if learn_sigma:
        sigma = np.array([0.7, 1.3])
        model.rbm.log_sigma.assign(np.log(sigma).astype("float32"))
    m, s = np.array([0.4, 0.6]), np.array([0.1, 0.2])
    model.data_mean.assign(m.astype("float32"))
    model.data_std.assign(s.astype("float32"))
    W, b, c = model.weights_numpy()

    def free_energy(v):
        return (0.5 * ((v - b) / sigma) ** 2).sum(-1) - np.logaddexp(0, (v / sigma) @ W + c).sum(-1)

    # integrate exp(-F((x - m) / s)) over a fine grid wide enough to hold the mass
    g0 = np.linspace(m[0] - 14 * s[0] * sigma[0] * 3, m[0] + 14 * s[0] * sigma[0] * 3, 1201)
    g1 = np.linspace(m[1] - 14 * s[1] * sigma[1] * 3, m[1] + 14 * s[1] * sigma[1] * 3, 1201)
    X0, X1 = np.meshgrid(g0, g1, indexing="ij")
    x = np.stack([X0, X1], -1)
    neg_f = -free_energy((x - m) / s)
    log_z_pixels = np.logaddexp.reduce(neg_f.ravel()) + np.log((g0[1] - g0[0]) * (g1[1] - g1[0]))
    images = rng.uniform(0, 1, (25, 2, 1, 1)).astype("float32")
    expected = np.mean(-free_energy((images.reshape(25, 2) - m) / s)) - log_z_pixels
    result = model.log_likelihood(images)
    assert result.method == "exact" and result.n_examples == 25
    assert result.value == pytest.approx(expected, abs=2e-3)


def test_bad_input_and_unsupported_requests(fmnist_test):
    model = GaussianBernoulliRBM(8, seed=0)
    with pytest.raises(ValueError, match="method='mcmc'"):
        model.log_likelihood(fmnist_test[:5], method="mcmc")
    with pytest.raises(ValueError, match="n_hidden=500"):
        GaussianBernoulliRBM(500).log_likelihood(fmnist_test[:5])
    with pytest.raises(ValueError, match=r"shape=\(5, 28, 28\)"):
        model.reconstruct(fmnist_test[:5, :, :, 0])
    with pytest.raises(ValueError, match="values in"):
        model.transform(fmnist_test[:5] - 0.5)
    with pytest.raises(ValueError, match="min_std"):
        GaussianBernoulliRBM(8, min_std=0.0)
    with pytest.raises(TypeError, match="learn_sigma"):
        GaussianBernoulliRBM(8, learn_sigma=1)


def test_ais_log_density_agrees_with_the_exact_one(fmnist_train, fmnist_test):
    """A small GRBM trained on real images: AIS's log Z within its spread of the exact."""
    model = GaussianBernoulliRBM(10, seed=3)
    model.compile()
    model.fit(fmnist_train[:1000], epochs=2, batch_size=100, verbose=0)
    exact = model.log_likelihood(fmnist_test[:200], method="exact")
    ais = model.log_likelihood(fmnist_test[:200], method="ais", n_chains=100, n_betas=2000, seed=1)
    assert ais.method == "ais" and ais.std > 0.0
    assert ais.mean_free_energy == pytest.approx(exact.mean_free_energy)
    assert ais.value == pytest.approx(exact.value, abs=max(0.5, 4 * ais.std))
