"""GAN: training steps and monitors, sampling, bad input, divergence, saving and serving."""

import math
import re

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo.callbacks import DivergenceGuard, TrainingDivergedError
from kerazoo.hub.export import export_saved_model
from kerazoo.models import GAN
from kerazoo.callbacks import SampleGridCallback
from kerazoo.models.gan import gradient_penalty
from kerazoo.models.gan.architectures import dcgan_discriminator

MONITORS = {"g_loss", "d_loss", "d_acc_real", "d_acc_fake"}
SMALL = dict(latent_dim=16, generator_filters=(32, 16), discriminator_filters=(16, 32))


@pytest.fixture(scope="module")
def trained(fashion_images):
    """A small GAN after 2 epochs on 512 real images (16 steps of 64)."""
    keras.utils.set_random_seed(0)
    model = GAN(**SMALL, ema_decay=0.9, seed=3)
    model.compile()
    before = [np.array(w) for w in model.generator.get_weights()]
    history = model.fit(fashion_images[0][:512], epochs=2, batch_size=64, verbose=0)
    return model, history, before


def test_train_step_reports_finite_monitors_and_the_discriminator_learns(trained):
    model, history, before = trained
    assert set(history.history) == MONITORS
    for key in MONITORS:
        assert np.all(np.isfinite(history.history[key])), key
    # The discriminator starts at chance (d_loss = 2 log 2 = 1.386 for logits near 0)
    # and quickly separates real from generated images.
    assert history.history["d_loss"][-1] < 2 * math.log(2) - 0.2
    assert 0 <= history.history["d_acc_fake"][-1] <= 1 and 0 <= history.history["d_acc_real"][-1] <= 1
    # The generator was updated, and the EMA copy is a different, smoothed generator.
    after = model.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    ema = model.ema_generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(ema, after))
    assert all(np.all(np.isfinite(w)) for w in ema)


def test_fit_recalibrates_the_ema_batch_norm_statistics(trained):
    model, _, _ = trained
    z = keras.random.normal((4096, model.latent_dim), seed=0)
    projected = np.asarray(model.ema_generator.get_layer("project")(z))
    bn = model.ema_generator.get_layer("project_bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), projected.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), projected.var(axis=0), rtol=1e-3, atol=1e-6)
    assert bn.momentum == 0.99 and not bn.trainable


def test_label_smoothing_raises_the_real_loss_floor(fashion_images):
    # With real targets 0.9, the real half of d_loss is at least the binary entropy
    # H(0.9) = 0.325 nats, so d_loss stays above it even for a perfect discriminator.
    keras.utils.set_random_seed(0)
    model = GAN(**SMALL, label_smoothing=0.1, ema_decay=None, seed=3)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(fashion_images[0][:256], epochs=1, batch_size=64, verbose=0)
    h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert history.history["d_loss"][-1] > h
    assert model.ema_generator is None


def test_sample_shape_range_and_seed_determinism(trained):
    model, _, _ = trained
    a = model.sample(10, seed=5)
    assert a.shape == (10, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, model.sample(10, seed=5))
    assert not np.allclose(a, model.sample(10, seed=6))
    assert not np.allclose(model.sample(4), model.sample(4))  # the seed generator advances
    # sample() uses the EMA generator: the same latents through it give the same images.
    z = model.sample_latents(10, seed=5)
    np.testing.assert_allclose(np.asarray(model.ema_generator(z, training=False)), a, atol=1e-6)
    np.testing.assert_allclose(model.generate(z), a, atol=1e-6)


def test_bad_input_raises_with_what_was_received(trained):
    model, _, _ = trained
    for n in (0, -3, 2.5, "4", True):
        with pytest.raises(ValueError, match="Received: n="):
            model.sample(n)
    with pytest.raises(ValueError, match=r"shape \(N, 16\).*Received: shape=\(3, 15\)"):
        model.generate(np.zeros((3, 15), "float32"))
    with pytest.raises(ValueError, match="Received: shape=\\(16,\\)"):
        model.generate(np.zeros(16, "float32"))
    with pytest.raises(ValueError, match="Received: seed=-1"):
        model.sample(2, seed=-1)
    with pytest.raises(ValueError, match="Received: loss='hinge'"):
        GAN(loss="hinge")
    with pytest.raises(ValueError, match="Received: discriminator_norm='batch'"):
        GAN(loss="wgan_gp", discriminator_norm="batch")
    with pytest.raises(ValueError, match=re.escape(
            "one of ['batch', 'layer', 'spectral', 'none', 'auto']. Received: discriminator_norm='group'")):
        GAN(discriminator_norm="group")
    with pytest.raises(ValueError, match=re.escape(
            "one of ['batch', 'layer', 'spectral', 'none']. Received: discriminator_norm='auto'")):
        dcgan_discriminator(norm="auto")
    for sizes in ([32], [32, 16, 8, 4]):
        expected = f"or 3 (7x7 -> 14x14 -> 28x28 -> image). Received: generator_filters={sizes!r}"
        with pytest.raises(ValueError, match=re.escape(expected)):
            GAN(generator_filters=sizes)
    with pytest.raises(ValueError, match="Received: ema_decay=1.0"):
        GAN(ema_decay=1.0)
    with pytest.raises(ValueError, match="Received: critic_steps=0"):
        GAN(critic_steps=0)
    with pytest.raises(ValueError, match="Received: loss="):
        GAN(**SMALL).compile(loss="mse")
    with pytest.raises(ValueError, match="values in"):
        model.fit(np.full((8, 28, 28, 1), 255.0, "float32"), epochs=1, verbose=0)


def test_nan_stops_training_and_keeps_the_last_good_weights(fashion_images):
    keras.utils.set_random_seed(0)
    model = GAN(**SMALL, seed=3)
    model.compile()
    good = {}

    class Collapse(keras.callbacks.Callback):
        """Records the weights after epoch 1, then turns a discriminator weight to NaN."""

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                good["weights"] = [np.array(w) for w in self.model.get_weights()]

        def on_train_batch_begin(self, batch, logs=None):
            if self.model._epoch_for_test == 1 and batch == 1:
                kernel = self.model.discriminator.get_layer("logit").kernel
                kernel.assign(np.full(kernel.shape, np.nan, "float32"))

        def on_epoch_begin(self, epoch, logs=None):
            self.model._epoch_for_test = epoch

    with pytest.raises(TrainingDivergedError, match=r"`d_loss` = nan is not finite at batch \d+ of epoch 2"):
        model.fit(fashion_images[0][:128], epochs=3, batch_size=32, verbose=0,
                  callbacks=[Collapse(), DivergenceGuard()])
    for a, b in zip(good["weights"], model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(model.sample(4, seed=0)))


def test_keras_file_round_trip(trained, tmp_path, fashion_images):
    model, _, _ = trained
    model.save(tmp_path / "gan.keras")
    again = kerazoo.load(tmp_path / "gan.keras")
    assert isinstance(again, GAN)
    assert again.get_config() == model.get_config()
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.sample(5, seed=2), model.sample(5, seed=2))
    # Compiled on load, with the same optimizers: ready for fit.
    assert float(again.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(again.g_optimizer.beta_1) == pytest.approx(0.5)
    history = again.fit(fashion_images[0][:64], epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["g_loss"]).all()


@pytest.mark.tensorflow_only
def test_saved_model_sample_signature_takes_count_and_seed(trained, tmp_path):
    import tensorflow as tf

    model, _, _ = trained
    names = export_saved_model(model, tmp_path / "sm")
    assert set(names) >= {"sample", "generate"}
    served = tf.saved_model.load(str(tmp_path / "sm"))

    def run(name, **inputs):
        (out,) = served.signatures[name](**inputs).values()
        return out.numpy()

    s = run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(11, tf.int32))
    assert s.shape == (6, 28, 28, 1)
    np.testing.assert_allclose(s, model.sample(6, seed=11), atol=1e-5)
    np.testing.assert_array_equal(s, run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(11, tf.int32)))
    assert not np.allclose(s, run("sample", count=tf.constant(6, tf.int32), seed=tf.constant(12, tf.int32)))
    z = model.sample_latents(3, seed=1)
    np.testing.assert_allclose(run("generate", latents=tf.constant(z)), model.generate(z), atol=1e-5)


def test_wgan_gp_step_runs_with_several_critic_steps(fashion_images):
    keras.utils.set_random_seed(0)
    model = GAN(**SMALL, loss="wgan_gp", critic_steps=2, ema_decay=None, seed=3)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
                  g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9))
    history = model.fit(fashion_images[0][:128], epochs=1, batch_size=32, verbose=0)
    assert set(history.history) == MONITORS
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert model.d_optimizer.iterations.numpy() == 2 * model.g_optimizer.iterations.numpy() == 8
    assert model.get_config()["discriminator_norm"] == "auto"
    assert any("ln" in layer.name for layer in model.discriminator.layers)


@pytest.mark.parametrize("norm, expected", [(2.0, 1.0), (1.0, 0.0), (0.5, 0.25)])
def test_gradient_penalty_of_a_linear_critic(norm, expected):
    # D(x) = <w, x> has gradient w everywhere: the penalty is (||w|| - 1)^2 for any mix.
    rng = np.random.default_rng(0)
    w = rng.standard_normal((28, 28, 1)).astype("float32")
    w *= norm / np.linalg.norm(w)
    critic = lambda x: keras.ops.sum(x * w, axis=(1, 2, 3))[:, None]  # noqa: E731
    real = rng.random((4, 28, 28, 1)).astype("float32")
    fake = rng.random((4, 28, 28, 1)).astype("float32")
    eps = rng.random((4, 1, 1, 1)).astype("float32")
    assert float(gradient_penalty(critic, real, fake, eps)) == pytest.approx(expected, abs=1e-5)


def test_sample_grid_callback_writes_a_grid_every_n_epochs(fashion_images, tmp_path):
    model = GAN(**SMALL, seed=3)
    model.compile()
    callback = SampleGridCallback(tmp_path, every=2, n=16, seed=0)
    model.fit(fashion_images[0][:64], epochs=3, batch_size=32, verbose=0, callbacks=[callback])
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["samples_epoch_002.png", "samples_epoch_003.png"]
    assert all(p.stat().st_size > 1000 for p in tmp_path.glob("*.png"))


def test_spectral_discriminator_keeps_every_weight_matrix_at_unit_spectral_norm(fashion_images, tmp_path):
    # SNGAN (Miyato et al., 2018): each training call of the discriminator divides every
    # kernel, reshaped to (fan_in, units), by its largest singular value, estimated by one
    # power iteration that carries over from call to call. After 8 steps (24 training calls)
    # the estimate has converged and only the last Adam step (2e-4) moved the kernels.
    keras.utils.set_random_seed(0)
    model = GAN(**SMALL, discriminator_norm="spectral", ema_decay=None, seed=3)
    model.compile()
    model.fit(fashion_images[0][:256], epochs=1, batch_size=32, verbose=0)
    wrapped = [layer for layer in model.discriminator.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    assert [layer.layer.name for layer in wrapped] == ["down_0", "down_1", "logit"]
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.discriminator.layers)
    for layer in wrapped:
        kernel = np.array(layer.layer.kernel)
        sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.02), layer.name
    model.save(tmp_path / "sn.keras")
    again = kerazoo.load(tmp_path / "sn.keras")
    assert again.get_config()["discriminator_norm"] == "spectral"
    np.testing.assert_array_equal(again.sample(3, seed=1), model.sample(3, seed=1))


def test_three_generator_sizes_add_a_full_resolution_layer_before_the_image(fashion_images):
    # (f0, f1, f2): 7x7xf0 -> 14x14xf1 -> 28x28xf2 -> 3x3 convolution to the image; the
    # default two sizes keep DCGAN's last transposed convolution.
    keras.utils.set_random_seed(0)
    model = GAN(latent_dim=16, generator_filters=(32, 16, 8), discriminator_filters=(16, 32), seed=3)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.generator.layers}
    assert shapes["to_feature_map"] == (7, 7, 32) and shapes["up_1"] == (14, 14, 16)
    assert shapes["up_2"] == (28, 28, 8) and shapes["to_image"] == (28, 28, 1)
    to_image = model.generator.get_layer("to_image")
    assert type(to_image) is keras.layers.Conv2D and to_image.kernel.shape == (3, 3, 8, 1)
    assert type(GAN(**SMALL).generator.get_layer("to_image")) is keras.layers.Conv2DTranspose
    model.compile()
    history = model.fit(fashion_images[0][:128], epochs=1, batch_size=32, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    samples = model.sample(4, seed=0)
    assert samples.shape == (4, 28, 28, 1) and samples.min() >= 0 and samples.max() <= 1
    assert model.ema_generator.get_layer("up_2").output.shape[1:] == (28, 28, 8)


def test_generator_and_ema_copy_have_distinct_layer_paths():
    # Issue 32: both generators had the paths project/..., up_1/..., to_image/..., which
    # broke every tool keyed on paths (keras.dtype_policies.DTypePolicyMap raised on the
    # duplicate keys).
    model = GAN(**SMALL, seed=0)
    paths = [w.path for w in model.weights]
    assert len(paths) == len(set(paths))
    assert "project/kernel" in paths and "ema_generator/project/kernel" in paths
    policies = keras.dtype_policies.DTypePolicyMap("float32")
    for layer in model._flatten_layers(include_self=False):
        if layer.weights:
            policies[layer.path] = "float32"  # raised on the second `project` before
    assert "ema_generator/to_image" in policies


def generator_gradients(model, z, training):
    """d mean(model(z, training)) / d (the generator's trainable weights), None as zeros."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            out = tf.reduce_mean(model(z, training=training))
        grads = tape.gradient(out, model.generator.trainable_variables)
        return [np.zeros(v.shape) if g is None else np.asarray(g)
                for v, g in zip(model.generator.trainable_variables, grads)]
    import jax

    held = [v.value for v in model.non_trainable_variables]

    def mean_image(values):
        out, _ = model.stateless_call(values, held, z, training=training)
        return keras.ops.mean(out)

    grads = jax.grad(mean_image)([v.value for v in model.trainable_variables])
    ids = {id(v) for v in model.generator.trainable_variables}
    return [np.asarray(g) for v, g in zip(model.trainable_variables, grads) if id(v) in ids]


def test_call_generates_with_the_sampler_and_trains_through_the_generator():
    # Calling the model is what sample/generate do (the EMA copy); in training mode it is
    # the trainable generator, so gradients reach the generator's weights.
    model = GAN(**SMALL, seed=1)
    z = np.random.default_rng(1).standard_normal((4, 16)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(z)), model.generate(z), atol=1e-6)
    assert all(np.any(g != 0) for g in generator_gradients(model, z, training=True))
    assert all(np.all(g == 0) for g in generator_gradients(model, z, training=False))


def test_predict_takes_latent_codes_and_refuses_images(trained, fashion_images):
    # Issue 31: `dcgan.predict(images)` failed inside the EMA generator with an opaque shape
    # error. predict runs call(): latent codes (n, latent_dim) -> images.
    model, _, _ = trained
    z = model.sample_latents(6, seed=2)
    images = model.predict(z, batch_size=4, verbose=0)
    assert images.shape == (6, 28, 28, 1)
    np.testing.assert_allclose(images, model.generate(z), atol=1e-5)
    expected = r"latent codes z of shape \(n, latent_dim\) = \(n, 16\).*Received: shape="
    with pytest.raises(ValueError, match=expected + r"\(4, 28, 28, 1\)"):
        model.predict(fashion_images[0][:4], verbose=0)
    with pytest.raises(ValueError, match=expected + r"\(3, 15\)"):
        model.predict(np.zeros((3, 15), "float32"), verbose=0)
    with pytest.raises(ValueError, match=expected + r"\(4, 28, 28, 1\)"):
        model(fashion_images[0][:4])
    with pytest.raises(ValueError, match="Received: non-finite"):
        model.predict(np.full((2, 16), np.nan, "float32"), verbose=0)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_trains_under_a_mixed_dtype_policy(fashion_images, policy):
    model = GAN(**SMALL, seed=2, dtype=policy)
    compute = model.compute_dtype
    assert {layer.compute_dtype for layer in model._flatten_layers()
            if not isinstance(layer, keras.layers.InputLayer)} == {compute}
    model.compile()
    history = model.fit(fashion_images[0][:128], epochs=1, batch_size=64, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    scaled = policy == "mixed_float16"
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer) == scaled
    images = model.sample(4, seed=0)
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
