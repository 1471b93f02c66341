"""VariationalAutoencoder: the ELBO and its terms, the importance-sampled log-likelihood
(against quadrature and against the ELBO), seeded determinism, saving and serving, and
bad input. Data: Fashion-MNIST (binarized at 0.5 by the model)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import logsumexp
from scipy.stats import norm

import kerazoo
from kerazoo.datasets import load_fashion_mnist
from kerazoo.hub.export import export_saved_model
from kerazoo.metrics import gaussian_kl_divergence
from kerazoo.models import VariationalAutoencoder


@pytest.fixture(scope="module")
def data():
    x_train, _ = load_fashion_mnist("train")
    x_test, _ = load_fashion_mnist("test")
    return x_train[:6000], x_test[:1000]


@pytest.fixture(scope="module")
def trained(data):
    x_train, x_test = data
    keras.utils.set_random_seed(0)
    model = VariationalAutoencoder(latent_dim=8, hidden_units=[128], binarize=0.5, seed=0)
    model.compile()
    history = model.fit(x_train, epochs=3, batch_size=100, validation_data=(x_test[:500],), verbose=0)
    return model, history.history


def test_fit_reports_the_elbo_terms_and_learns(trained):
    _, history = trained
    for key in ("loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"):
        assert key in history and np.all(np.isfinite(history[key])), key
    # loss = reconstruction + kl (kl_weight 1): the negative ELBO, nats per image.
    np.testing.assert_allclose(history["loss"], np.add(history["reconstruction"], history["kl"]), rtol=1e-5)
    np.testing.assert_allclose(history["val_loss"], np.add(history["val_reconstruction"], history["val_kl"]), rtol=1e-5)
    assert history["loss"][-1] < 0.75 * history["loss"][0]
    # An untrained decoder costs about 784 log 2 = 543 nats; three epochs get far below.
    assert history["val_loss"][-1] < 250


def test_kl_metric_is_the_closed_form_kl_of_the_posterior(trained, data):
    model, _ = trained
    x = data[1]
    logs = model.evaluate(x, batch_size=100, verbose=0, return_dict=True)
    closed_form = gaussian_kl_divergence(*model.posterior(x)).mean()
    np.testing.assert_allclose(logs["kl"], closed_form, rtol=1e-4)
    # evaluate()'s loss is a one-sample estimate of the negative ELBO.
    elbo = model.elbo(x, n_samples=20, seed=0)
    assert abs(-logs["loss"] - elbo.mean()) < 1.0


def test_kl_weight_scales_the_kl_term(data):
    model = VariationalAutoencoder(latent_dim=4, hidden_units=[32], binarize=0.5, kl_weight=0.25, seed=1)
    model.compile()
    logs = model.evaluate(data[1][:200], batch_size=200, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["reconstruction"] + 0.25 * logs["kl"], rtol=1e-5)


def test_elbo_is_below_the_importance_sampled_log_likelihood(trained, data):
    model, _ = trained
    x = data[1][:100]
    elbo = model.elbo(x, n_samples=100, seed=1)
    log_px = model.log_likelihood(x, n_samples=1000, seed=2)
    assert log_px.shape == (100,) and log_px.dtype == np.float64
    # IWAE bound with K = 1000 >= ELBO; per image the gap is KL(q || p(z|x)) minus what
    # K samples do not recover, a few nats here.
    assert np.all(log_px > elbo)
    assert 0.5 < np.mean(log_px - elbo) < 30


def test_log_likelihood_matches_quadrature_for_a_one_dimensional_latent(data):
    # A linear decoder with a 1-D latent: log p(x) = log int N(z; 0, 1) p(x|z) dz is a
    # one-dimensional integral, computed here on a fine grid.
    model = VariationalAutoencoder(latent_dim=1, hidden_units=[], binarize=0.5, seed=2)
    rng = np.random.default_rng(0)
    w = rng.normal(scale=0.08, size=(1, 784)).astype("float32")
    b = rng.normal(loc=-1.0, scale=1.0, size=784).astype("float32")
    model.decoder.get_layer("logits").set_weights([w, b])
    for name in ("z_mean", "z_log_var"):  # q(z|x) = N(0.3, exp(0.2)) for every image
        layer = model.encoder.get_layer(name)
        layer.set_weights([np.zeros((784, 1), "float32"), np.full(1, 0.3 if name == "z_mean" else 0.2, "float32")])
    x = data[1][:8]
    binary = (x.reshape(8, 784) > 0.5).astype(np.float64)
    z = np.linspace(-10, 10, 8001)
    logits = z[:, None] * w.astype(np.float64) + b.astype(np.float64)  # (grid, 784)
    log_p1, log_p0 = -np.logaddexp(0, -logits), -np.logaddexp(0, logits)
    log_px_z = binary @ log_p1.T + (1 - binary) @ log_p0.T  # (8, grid)
    exact = logsumexp(log_px_z + norm.logpdf(z), axis=1) + np.log(z[1] - z[0])
    estimate = model.log_likelihood(x, n_samples=5000, seed=0)
    np.testing.assert_allclose(estimate, exact, atol=0.05)
    # The one-sample ELBO estimate (many samples averaged) stays below.
    assert np.all(model.elbo(x, n_samples=2000, seed=1) < exact)


def test_published_entry_elbo_below_log_likelihood_and_card_number():
    if "vae.fashion_mnist" not in kerazoo.list_models():
        pytest.skip("the zoo has no vae.fashion_mnist entry")
    model = kerazoo.load("vae.fashion_mnist")
    metrics = kerazoo.hub.entry_metadata("vae.fashion_mnist")["metrics"]
    x_test, _ = load_fashion_mnist("test")
    x = x_test[:200]
    elbo = model.elbo(x, n_samples=100, seed=0)
    log_px = model.log_likelihood(x, n_samples=1000, seed=0)
    assert np.mean(log_px > elbo) >= 0.99 and np.mean(log_px - elbo) > 1.0
    # The card's number is over 10,000 images: the first 200 agree within 4 standard errors.
    stderr = np.std(log_px, ddof=1) / np.sqrt(len(x))
    assert abs(np.mean(log_px) - metrics["test_log_likelihood"]) < 4 * stderr
    assert metrics["test_elbo"] < metrics["test_log_likelihood"]


def test_encode_decode_reconstruct_and_sample_shapes_and_ranges(trained, data):
    model, _ = trained
    x = data[1][:10]
    mean, log_var = model.posterior(x)
    np.testing.assert_array_equal(model.encode(x), mean)
    assert mean.shape == log_var.shape == (10, 8)
    np.testing.assert_allclose(model.reconstruct(x), model.decode(mean), atol=1e-6)
    for images in (model.reconstruct(x), model.decode(np.full((3, 8), 50.0)), model.sample(5, seed=0)):
        assert images.dtype == np.float32 and images.shape[1:] == (28, 28, 1)
        assert images.min() >= 0.0 and images.max() <= 1.0
    # Binarization is inside: grey images and their thresholded copies encode alike.
    np.testing.assert_array_equal(model.encode(x), model.encode((x > 0.5).astype("float32")))


def test_seeded_models_and_draws_repeat(data):
    x = data[1][:20]
    a = VariationalAutoencoder(latent_dim=3, hidden_units=[16], binarize=0.5, seed=5)
    b = VariationalAutoencoder(latent_dim=3, hidden_units=[16], binarize=0.5, seed=5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.sample(4, seed=9), a.sample(4, seed=9))
    np.testing.assert_array_equal(a.sample(4, seed=9), b.sample(4, seed=9))
    first = a.sample(4)
    np.testing.assert_array_equal(first, b.sample(4))  # the same generator state
    assert not np.allclose(first, a.sample(4))  # the generator advanced
    np.testing.assert_array_equal(np.asarray(a(x)), np.asarray(b(x)))  # sampled z alike
    np.testing.assert_array_equal(a.log_likelihood(x, n_samples=50, seed=3), b.log_likelihood(x, n_samples=50, seed=3))
    assert not np.allclose(
        VariationalAutoencoder(latent_dim=3, hidden_units=[16], seed=6).get_weights()[0], a.get_weights()[0]
    )


def test_keras_file_round_trip(trained, data, tmp_path):
    model, _ = trained
    x = data[1][:16]
    model.save(tmp_path / "vae.keras")
    again = kerazoo.load(tmp_path / "vae.keras")
    assert isinstance(again, VariationalAutoencoder)
    assert again.get_config() == model.get_config()
    for wa, wb in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(again.reconstruct(x), model.reconstruct(x))
    np.testing.assert_array_equal(again.sample(3, seed=4), model.sample(3, seed=4))
    np.testing.assert_array_equal(again.sample(3), model.sample(3))  # generator state saved
    history = again.fit(x, epochs=1, batch_size=8, verbose=0)  # compiled on load
    assert set(history.history) == {"loss", "reconstruction", "kl"}
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.tensorflow_only  # the SavedModel's `sample` draws with TensorFlow's stateless ops
def test_saved_model_endpoints_match_the_model(trained, data, tmp_path):
    model, _ = trained
    x = data[1][:5]
    names = export_saved_model(model, tmp_path / "sm")
    assert set(names) >= {"encode", "decode", "reconstruct", "sample", "serving_default"}
    served = tf.saved_model.load(str(tmp_path / "sm"))

    def run(name, **inputs):
        (out,) = served.signatures[name](**inputs).values()
        return out.numpy()

    z = model.encode(x)
    # serving_default is the deterministic reconstruction, as model(x) (issue 32).
    np.testing.assert_allclose(run("serving_default", images=tf.constant(x)), model.reconstruct(x), atol=1e-5)
    np.testing.assert_allclose(run("encode", images=tf.constant(x)), z, atol=1e-5)
    np.testing.assert_allclose(run("decode", latents=tf.constant(z)), model.decode(z), atol=1e-5)
    np.testing.assert_allclose(run("reconstruct", images=tf.constant(x)), model.reconstruct(x), atol=1e-5)
    served_samples = run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(11, tf.int32))
    assert served_samples.shape == (6, 28, 28, 1)
    np.testing.assert_allclose(served_samples, model.sample(6, seed=11), atol=1e-5)
    again = run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(11, tf.int32))
    np.testing.assert_array_equal(served_samples, again)
    assert not np.allclose(served_samples, run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(12, tf.int32)))


def test_gaussian_likelihood_on_grey_images(data):
    x_train, x_test = data
    keras.utils.set_random_seed(0)
    model = VariationalAutoencoder(latent_dim=4, hidden_units=[64], likelihood="gaussian", seed=0)
    model.compile(keras.optimizers.Adam(3e-3))
    history = model.fit(x_train[:1500], epochs=2, batch_size=50, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    # The pixel log-variance is a trained weight of the likelihood layer.
    log_var = float(model.image_likelihood.log_var.numpy())
    assert np.isfinite(log_var) and log_var != -3.0
    assert any(w is model.image_likelihood.log_var for w in model.trainable_weights)
    ll = model.log_likelihood(x_test[:20], n_samples=100, seed=0)
    assert np.all(np.isfinite(ll)) and np.all(ll > model.elbo(x_test[:20], n_samples=100, seed=0) - 1.0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"latent_dim": 0}, ValueError, "latent_dim"),
        ({"latent_dim": -3}, ValueError, "latent_dim"),
        ({"latent_dim": 2.5}, ValueError, "latent_dim"),
        ({"hidden_units": [64, 0]}, ValueError, "hidden_units"),
        ({"hidden_units": "64"}, TypeError, "hidden_units"),
        ({"likelihood": "poisson"}, ValueError, "likelihood"),
        ({"binarize": 1.5}, ValueError, "binarize"),
        ({"binarize": 0.5, "likelihood": "gaussian"}, ValueError, "binarize"),
        ({"kl_weight": -1.0}, ValueError, "kl_weight"),
        ({"seed": "x"}, TypeError, "seed"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        VariationalAutoencoder(**kwargs)


def test_bad_images_latents_and_counts(trained, data):
    model, _ = trained
    x = data[1][:4]
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\).*Received: shape=\(4, 784\)"):
        model.encode(x.reshape(4, 784))
    with pytest.raises(ValueError, match=r"\[0, 1\].*divide by 255"):
        model.reconstruct(x * 255)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.fit(x * 255, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(N, 8\).*Received: shape=\(2, 9\)"):
        model.decode(np.zeros((2, 9), "float32"))
    with pytest.raises(ValueError, match=r"shape \(N, 8\)"):
        model.decode(np.zeros(8, "float32"))
    with pytest.raises(ValueError, match="NaN"):
        model.decode(np.full((1, 8), np.nan, "float32"))
    for n in (0, -2, 2.5, True, "3"):
        with pytest.raises(ValueError, match="`n` must be a positive integer"):
            model.sample(n)
    for seed in (-1, 2**31, 1.5):
        with pytest.raises(ValueError, match="seed"):
            model.sample(2, seed=seed)
    with pytest.raises(ValueError, match="n_samples"):
        model.log_likelihood(x, n_samples=0)
    with pytest.raises(ValueError, match="loss"):
        model.compile(loss="mse")


def test_bernoulli_log_likelihood_refuses_grey_images_without_binarize(data):
    model = VariationalAutoencoder(latent_dim=2, hidden_units=[8], seed=0)
    with pytest.raises(ValueError, match="binary images"):
        model.log_likelihood(data[1][:3])
    binary = (data[1][:3] > 0.5).astype("float32")
    assert np.all(np.isfinite(model.log_likelihood(binary, n_samples=10, seed=0)))


def test_call_predict_and_export_give_the_deterministic_reconstruction(trained, data, tmp_path):
    # Issue 32: call and predict drew a random code, so predict(dataset), predict(array) and
    # the exported serve() all differed from call. They are decode(E[z|x]) now.
    model, _ = trained
    x = data[1][:8]
    expected = model.reconstruct(x)
    for out in (model(x), model(x, training=True), model.predict(x, verbose=0),
                model.predict(tf.data.Dataset.from_tensor_slices(x).batch(3), verbose=0)):
        np.testing.assert_allclose(np.asarray(out), expected, atol=1e-6)
    model.export(str(tmp_path / "served"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(served.serve(x).numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_trains_under_a_mixed_dtype_policy(data, policy):
    keras.utils.set_random_seed(0)
    model = VariationalAutoencoder(latent_dim=4, hidden_units=[32], binarize=0.5, seed=0, dtype=policy)
    compute = model.compute_dtype
    assert {layer.compute_dtype for layer in model._flatten_layers()
            if not isinstance(layer, keras.layers.InputLayer)} == {compute}
    model.compile()
    history = model.fit(data[0][:512], epochs=2, batch_size=128, verbose=0)
    loss = history.history["loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0]
    np.testing.assert_allclose(loss, np.add(history.history["reconstruction"], history.history["kl"]),
                               rtol=1e-4)
    assert keras.backend.standardize_dtype(model(data[1][:4]).dtype) == compute
    assert model.reconstruct(data[1][:4]).dtype == np.float32
