"""DBN.to_classifier and DBN.to_autoencoder: initialisation from the RBMs, training, saving."""

import keras
import numpy as np
import pytest

from kerazoo.models import DBNClassifier, DeepAutoencoder
from saving_harness import run_saving_test


def test_classifier_starts_from_the_rbm_weights(pretrained_dbn, fmnist_small):
    clf = pretrained_dbn.to_classifier(10, seed=0)
    assert isinstance(clf, DBNClassifier) and isinstance(clf, keras.Model)
    assert [d.units for d in clf.hidden_layers] == [32, 16, 24] and clf.head.units == 10
    for dense, rbm in zip(clf.hidden_layers, pretrained_dbn.rbms):
        assert dense.activation is keras.activations.sigmoid
        np.testing.assert_array_equal(dense.kernel.numpy(), rbm.kernel.numpy())
        np.testing.assert_array_equal(dense.bias.numpy(), rbm.hidden_bias.numpy())
    x = fmnist_small[0][:40]
    np.testing.assert_allclose(clf.features(x).numpy(), pretrained_dbn.transform(x), atol=1e-6)
    probs = clf.predict(x, verbose=0)
    assert probs.shape == (40, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_classifier_trains_with_fit_and_round_trips(pretrained_dbn, fmnist_small, tmp_path):
    x, y = fmnist_small
    keras.utils.set_random_seed(0)
    clf = pretrained_dbn.to_classifier(10, dropout=0.1, seed=0)
    clf.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = clf.fit(x, y, epochs=15, batch_size=50, verbose=0)
    # 300 images, 10 classes: chance is 0.1.
    assert history.history["accuracy"][-1] > 0.4
    assert history.history["loss"][-1] < history.history["loss"][0]
    loaded = run_saving_test(clf, tmp_path, inputs=x[:8], methods=[("predict", {"verbose": 0})])
    loaded.fit(x[:20], y[:20], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"n_classes"):
        pretrained_dbn.to_classifier(1)
    with pytest.raises(ValueError, match=r"Received: shape=\(2, 784\)"):
        clf(np.zeros((2, 784), np.float32))


def test_classifier_augments_in_training_only(pretrained_dbn, fmnist_small, tmp_path):
    x, y = fmnist_small
    clf = pretrained_dbn.to_classifier(10, random_flip=True, random_translation=0.1, seed=0)
    plain = pretrained_dbn.to_classifier(10, seed=0)
    assert clf.get_config()["random_flip"] is True
    assert clf.get_config()["random_translation"] == pytest.approx(0.1)
    # Inference: no augmentation, the same network as without it.
    np.testing.assert_allclose(clf.predict(x[:40], verbose=0), plain.predict(x[:40], verbose=0),
                               atol=1e-6)
    # Training: the images are mirrored / shifted, so the features change; with the flip
    # alone, each image's features are those of the image or of its mirror image.
    train = clf.features(x[:200], training=True).numpy()
    still = plain.features(x[:200], training=False).numpy()
    changed = np.abs(train - still).max(axis=1) > 1e-3
    assert 0.5 < changed.mean() <= 1.0
    flip_only = pretrained_dbn.to_classifier(10, random_flip=True, seed=0)
    flipped = flip_only.features(x[:200], training=True).numpy()
    mirror = plain.features(x[:200, :, ::-1], training=False).numpy()
    as_is = np.abs(flipped - still).max(axis=1) < 1e-5
    as_mirror = np.abs(flipped - mirror).max(axis=1) < 1e-5
    assert np.all(as_is | as_mirror)
    # Symmetric images are both; about half of the others are mirrored.
    asymmetric = ~(as_is & as_mirror)
    assert 0.3 < as_mirror[asymmetric].mean() < 0.7
    keras.utils.set_random_seed(0)
    clf.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = clf.fit(x, y, epochs=15, batch_size=50, verbose=0)
    # 300 images, 10 classes: chance is 0.1; accuracy on the images as they are.
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert clf.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.4
    loaded = run_saving_test(clf, tmp_path, inputs=x[:8], methods=[("predict", {"verbose": 0})])
    assert loaded.random_flip is True and loaded.random_translation == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"Received: random_translation=1.5"):
        pretrained_dbn.to_classifier(10, random_translation=1.5)
    with pytest.raises(TypeError, match=r"Received: random_flip='yes'"):
        pretrained_dbn.to_classifier(10, random_flip="yes")
    with pytest.raises(ValueError, match=r"height, width, channels.*Received: image_shape=\(784,\)"):
        DBNClassifier(hidden_units=[8], image_shape=(784,), random_flip=True)
    with pytest.raises(ValueError, match=r"Received: shape=\(2, 784\)"):
        clf(np.zeros((2, 784), np.float32), training=True)


def test_autoencoder_is_unrolled_with_tied_weights(pretrained_dbn, fmnist_small):
    ae = pretrained_dbn.to_autoencoder()
    assert isinstance(ae, DeepAutoencoder) and ae.code_size == 24
    assert [d.units for d in ae.encoder_layers] == [32, 16, 24]
    assert [d.units for d in ae.decoder_layers] == [16, 32, 784]
    for enc, dec, rbm in zip(ae.encoder_layers, reversed(ae.decoder_layers), pretrained_dbn.rbms):
        np.testing.assert_array_equal(enc.kernel.numpy(), rbm.kernel.numpy())
        np.testing.assert_array_equal(enc.bias.numpy(), rbm.hidden_bias.numpy())
        np.testing.assert_array_equal(dec.kernel.numpy(), rbm.kernel.numpy().T)
        np.testing.assert_array_equal(dec.bias.numpy(), rbm.visible_bias.numpy())
    x = fmnist_small[0][:30]
    # Before fine-tuning the unrolled net is the DBN's up-down pass.
    np.testing.assert_allclose(ae.reconstruct(x), pretrained_dbn.reconstruct(x), atol=1e-5)
    np.testing.assert_allclose(ae.encode(x), pretrained_dbn.transform(x), atol=1e-6)


def test_autoencoder_fine_tunes_end_to_end(pretrained_dbn, fmnist_small, tmp_path):
    x = fmnist_small[0]
    keras.utils.set_random_seed(0)
    ae = pretrained_dbn.to_autoencoder()
    before = np.mean((ae.reconstruct(x) - x) ** 2)
    ae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = ae.fit(x, epochs=5, batch_size=50, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.mean((ae.reconstruct(x) - x) ** 2) < before
    # Weights are tied at initialisation only: fine-tuning unties them.
    assert np.abs(ae.decoder_layers[-1].kernel.numpy()
                  - ae.encoder_layers[0].kernel.numpy().T).max() > 1e-4
    run_saving_test(ae, tmp_path, inputs=x[:5], methods=["reconstruct"])


def test_gaussian_dbn_conversions_fold_in_the_standardization(pretrained_gaussian_dbn, fmnist_small):
    dbn = pretrained_gaussian_dbn
    x = fmnist_small[0][:30]
    clf = dbn.to_classifier(10, seed=0)
    assert clf.standardize
    np.testing.assert_array_equal(clf.input_std.numpy(), dbn.rbms[0].data_std.numpy())
    np.testing.assert_allclose(clf.features(x).numpy(), dbn.transform(x), atol=1e-5)
    ae = dbn.to_autoencoder()
    assert ae.output_kind == "linear"
    np.testing.assert_allclose(ae.reconstruct(x), dbn.reconstruct(x), atol=1e-5)
    samples = dbn.sample(4, gibbs_steps=10, seed=0)
    assert samples.shape == (4, 28, 28, 1) and samples.min() >= 0 and samples.max() <= 1


@pytest.mark.parametrize("make", [
    lambda: DBNClassifier(hidden_units=(8, 4), n_classes=3, image_shape=(8, 8, 1), seed=0),
    lambda: DeepAutoencoder(layer_sizes=(64, 8, 4), image_shape=(8, 8, 1), seed=0),
], ids=["DBNClassifier", "DeepAutoencoder"])
def test_build_on_a_new_instance_is_keras_build(make):
    # Issue 32: `model.build(input_shape)` on a new instance rebuilt the built sublayers and
    # raised "You cannot add new elements of state ... already built".
    model = make()
    weights = [np.array(w) for w in model.get_weights()]
    model.build((None, 8, 8, 1))
    assert model.built and len(model.get_weights()) == len(weights)
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"takes images of shape \(N, 8, 8, 1\)\. Received: input_shape=\(None, 64\)"):
        make().build((None, 64))
