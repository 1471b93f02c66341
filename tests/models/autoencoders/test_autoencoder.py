"""Autoencoder: shapes and ranges, training with fit(x) or fit(x, x), saving, serving, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from autoencoder_helpers import reconstruction_mse as mse_of
from autoencoder_helpers import train

from kerazoo.applications import fit_pca, pca_reconstruct
from kerazoo.hub import export_saved_model
from kerazoo.models import Autoencoder
from saving_harness import run_saving_test


@pytest.mark.parametrize("kwargs", [
    dict(hidden_units=(64, 32)),
    dict(hidden_units=(), architecture="conv", conv_filters=(4, 8), batch_norm=True),
    dict(hidden_units=(16,), architecture="conv", conv_filters=(4,), output_activation="linear"),
])
def test_shapes_and_ranges(fashion, kwargs):
    x = fashion[1][:20]
    model = Autoencoder(code_size=5, seed=1, **kwargs)
    assert isinstance(model.encoder, keras.Model) and isinstance(model.decoder, keras.Model)
    codes = model.encode(x)
    assert codes.shape == (20, 5) and codes.dtype == np.float32
    for images in (model.reconstruct(x), model.decode(codes * 50)):
        assert images.shape == (20, 28, 28, 1) and images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(model.reconstruct(x), np.clip(model.decode(codes), 0, 1), atol=1e-5)


def test_refine_filters_draw_the_image_with_a_stride_1_convolution(fashion):
    model = Autoencoder(8, hidden_units=(), architecture="conv", conv_filters=(8, 16), refine_filters=4,
                        activation="silu", seed=0)
    last, before = model.decoder.layers[-1], model.decoder.layers[-3]
    assert isinstance(last, keras.layers.Conv2D) and last.strides == (1, 1) and last.filters == 1
    assert isinstance(before, keras.layers.Conv2DTranspose) and before.filters == 4
    assert model.reconstruct(fashion[1][:3]).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="belongs to the conv architecture"):
        Autoencoder(8, refine_filters=4)
    with pytest.raises(ValueError, match=r"non-negative integer. Received: refine_filters=-1"):
        Autoencoder(8, architecture="conv", refine_filters=-1)


def test_conv_depth_adds_stride_1_convolutions_mirrored_in_the_decoder(fashion, tmp_path):
    from kerazoo.recipes.autoencoders import PlainAutoencoderFamily

    model = Autoencoder(8, hidden_units=(), architecture="conv", conv_filters=(4, 6), conv_depth=3,
                        batch_norm=True, seed=0)

    def convs(net):
        return [(type(l).__name__[6:] or "Conv", l.filters, l.strides[0]) for l in net.layers
                if isinstance(l, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]

    assert convs(model.encoder) == [("Conv", 4, 2), ("Conv", 4, 1), ("Conv", 4, 1),
                                    ("Conv", 6, 2), ("Conv", 6, 1), ("Conv", 6, 1)]
    assert convs(model.decoder) == [("Conv", 6, 1), ("Conv", 6, 1), ("Transpose", 4, 2),
                                    ("Conv", 4, 1), ("Conv", 4, 1), ("Transpose", 1, 2)]
    assert "encoder conv4/2 -> conv4 -> conv4 -> conv6/2 -> conv6 -> conv6 -> code 8" in \
        PlainAutoencoderFamily().describe(model)
    assert "conv6 -> conv6 -> deconv4x2 -> conv4 -> conv4 -> deconv1x2, sigmoid" in \
        PlainAutoencoderFamily().describe(model)
    x = fashion[1][:4]
    assert model.reconstruct(x).shape == (4, 28, 28, 1)
    again = run_saving_test(model, tmp_path, inputs=x, methods=["reconstruct"])
    assert again.conv_depth == 3
    # The default (1) builds the same layers, with the same seeded weights, as before the option.
    plain = Autoencoder(8, hidden_units=(), architecture="conv", conv_filters=(4, 6), seed=0)
    assert len(convs(plain.encoder)) == 2 and len(convs(plain.decoder)) == 2
    with pytest.raises(ValueError, match="belongs to the conv architecture"):
        Autoencoder(8, conv_depth=2)
    with pytest.raises(ValueError, match=r"positive integer. Received: conv_depth=0"):
        Autoencoder(8, architecture="conv", conv_depth=0)


def test_default_is_the_hinton_salakhutdinov_shape():
    model = Autoencoder()
    dense = [l.units for l in model.encoder.layers + model.decoder.layers if isinstance(l, keras.layers.Dense)]
    assert dense == [1000, 500, 250, 30, 250, 500, 1000, 784]


def test_fit_x_and_fit_x_x_train_the_same_and_learn(fashion):
    x_train, x_test = fashion
    a = Autoencoder(16, hidden_units=(128,), seed=0)
    b = Autoencoder(16, hidden_units=(128,), seed=0)
    ha = train(a, x_train, epochs=8)
    keras.utils.set_random_seed(0)
    b.compile(optimizer=keras.optimizers.Adam(2e-3))
    hb = b.fit(x_train, x_train, epochs=8, batch_size=32, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-4)
    assert ha.history["loss"][-1] < 0.5 * ha.history["loss"][0]
    # 800 images, 8 epochs: well below the mean image (0.088) and near PCA-16 (0.0214)
    pca16 = float(np.mean((pca_reconstruct(fit_pca(x_train, 16), x_test) - x_test) ** 2))
    assert mse_of(a, x_test) < 1.5 * pca16 < 0.035


def test_compile_defaults_and_validation_data(fashion):
    model = Autoencoder(4, hidden_units=(8,), seed=0)
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    x = fashion[0][:64]
    history = model.fit(x, epochs=1, batch_size=32, validation_data=(x, x), verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    # the compiled loss is the MSE per pixel against the input
    assert model.evaluate(x, verbose=0) == pytest.approx(mse_of(model, x), rel=1e-4)


def test_save_load_round_trip_keeps_weights_config_and_compile(fashion, tmp_path):
    x = fashion[1][:16]
    model = Autoencoder(6, hidden_units=(32,), batch_norm=True, code_activation="tanh",
                        random_flip=True, random_translation=0.1, seed=3)
    train(model, fashion[0][:64], epochs=1)
    again = run_saving_test(model, tmp_path, inputs=x, methods=["reconstruct", "encode"])
    assert isinstance(again.optimizer, keras.optimizers.Adam)  # compiled from the saved config
    history = again.fit(x, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_saved_model_endpoints_match_the_model(fashion, tmp_path):
    x = fashion[1][:8]
    model = Autoencoder(3, hidden_units=(16,), seed=0)
    model.build((None, 28, 28, 1))
    names = export_saved_model(model, tmp_path / "sm")
    assert set(names) == {"reconstruct", "encode", "decode", "serving_default"}
    served = tf.saved_model.load(str(tmp_path / "sm"))
    codes = model.encode(x)
    np.testing.assert_allclose(served.encode(tf.constant(x)).numpy(), codes, atol=1e-5)
    np.testing.assert_allclose(served.decode(tf.constant(codes)).numpy(), model.decode(codes), atol=1e-5)
    out = served.signatures["serving_default"](images=tf.constant(x))
    np.testing.assert_allclose(next(iter(out.values())).numpy(), model.reconstruct(x), atol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(code_size=785), r"at most the input's dimension 784 \(28x28x1\).*Received: code_size=785"),
    (dict(code_size=0), r"positive integer. Received: code_size=0"),
    (dict(code_size=2.5), r"positive integer. Received: code_size=2.5"),
    (dict(architecture="rnn"), r"architecture.*\['dense', 'conv'\]. Received: architecture='rnn'"),
    (dict(hidden_units=[100, 0]), r"hidden_units.*positive integers. Received: hidden_units=\[100, 0\]"),
    (dict(architecture="conv", conv_filters=(8, 8, 8)), r"divisible by 8. Received: image_shape=\(28, 28, 1\)"),
    (dict(activation="relux"), r"Keras activation.*Received: activation='relux'"),
    (dict(image_shape=(28, 28)), r"\(height, width, channels\). Received"),
    (dict(seed="7"), r"seed.*Received: seed='7'"),
    (dict(random_flip=1), r"random_flip.*bool. Received: random_flip=1"),
    (dict(random_translation=1.5), r"random_translation.*\[0, 1\).*Received: random_translation=1.5"),
    (dict(random_translation=-0.1), r"random_translation.*Received: random_translation=-0.1"),
])
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder(**kwargs)


def test_code_size_larger_than_a_small_input_is_rejected():
    with pytest.raises(ValueError, match=r"dimension 64 \(8x8x1\).*code_size=65"):
        Autoencoder(65, hidden_units=(), image_shape=(8, 8, 1))


def test_bad_images_and_codes(fashion):
    model = Autoencoder(4, hidden_units=(8,), seed=0)
    x = fashion[1][:4]
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\).*Received: shape=\(4, 28, 28\)"):
        model.encode(x[..., 0])
    with pytest.raises(ValueError, match=r"values in \[0, 1\]. Received: values in \[0, 255\].*divide by 255"):
        model.reconstruct(np.round(x * 255))
    with pytest.raises(ValueError, match="NaN"):
        model.reconstruct(np.full_like(x, np.nan))
    with pytest.raises(TypeError, match="numeric"):
        model.encode(np.array([["a"]]))
    with pytest.raises(ValueError, match=r"shape \(N, 4\).*Received: shape=\(4, 3\)"):
        model.decode(np.zeros((4, 3)))
    model.compile()
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        model.fit(x * 2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"as many images. Received: 4 and 3"):
        model.fit(x, x[:3], epochs=1, verbose=0)


def test_augmentation_transforms_the_input_and_its_target_alike(fashion):
    x = fashion[0][:64]
    model = Autoencoder(8, hidden_units=(16,), random_flip=True, random_translation=0.2, seed=3)
    x_aug, y_aug = (np.asarray(t) for t in model._augment_pairs(x, 0.5 * x))
    # The same transform on both: y was 0.5 x, and zeros shifted in stay zeros.
    np.testing.assert_allclose(y_aug, 0.5 * x_aug, atol=1e-6)
    assert not np.allclose(x_aug, x)
    # Without a target, fit(x) trains on the transformed input as its own target.
    only_x, none = model._augment_pairs(x, None)
    assert none is None and only_x.shape == x.shape


def test_random_flip_is_a_mirror_or_nothing_per_image(fashion):
    x = fashion[0][:64]
    model = Autoencoder(8, hidden_units=(16,), random_flip=True, seed=3)
    x_aug = np.asarray(model._augment_pairs(x, None)[0])
    same = np.all(np.isclose(x_aug, x), axis=(1, 2, 3))
    mirrored = np.all(np.isclose(x_aug, x[:, :, ::-1]), axis=(1, 2, 3))
    assert np.all(same | mirrored)
    # 64 fair coins: between 16 and 48 mirrors except with probability < 1e-4
    assert 16 <= int(np.sum(mirrored & ~same)) <= 48


def test_training_with_flips_reconstructs_mirrored_images_as_well_as_the_originals(fashion):
    """Fashion-MNIST's shoes all point left: without flips, mirrored test images
    reconstruct worse than the originals; with flips, about as well."""
    x_train, x_test = fashion
    mirrored = x_test[:, :, ::-1].copy()
    ratios = {}
    for flip in (False, True):
        model = Autoencoder(16, hidden_units=(128,), random_flip=flip, seed=0)
        train(model, x_train, epochs=12)
        ratios[flip] = mse_of(model, mirrored) / mse_of(model, x_test)
    assert ratios[False] > 1.15, ratios
    assert ratios[True] < 1.08, ratios
    # augmentation is for training only: predictions do not change from call to call
    np.testing.assert_array_equal(model.reconstruct(x_test[:8]), model.reconstruct(x_test[:8]))
