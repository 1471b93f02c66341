"""DeepClustering: the Student's t kernel, the target distribution, DEC on real data,
predict_step, saving, and bad input."""

import keras
import numpy as np
import pytest

from kerazoo.metrics import clustering_accuracy
from kerazoo.models import Autoencoder, DeepClustering
from kerazoo.models.clustering import StudentTAssignment, TargetDistributionUpdate, target_distribution

from clustering_data import blob_images
from saving_harness import run_saving_test


def identity_encoder(shape=(4, 4, 1)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Flatten()(inputs))


def test_student_t_worked_example():
    layer = StudentTAssignment(2, alpha=1.0)
    layer.build((None, 2))
    layer.centroids.assign(np.array([[0.0, 0.0], [2.0, 0.0]], "float32"))
    q = keras.ops.convert_to_numpy(layer(np.array([[0.0, 0.0], [1.0, 0.0]], "float32")))
    # Point 0: kernels 1 and 1/(1+4) -> [5/6, 1/6]; point 1 is halfway -> [1/2, 1/2].
    np.testing.assert_allclose(q, [[5 / 6, 1 / 6], [0.5, 0.5]], rtol=1e-6)
    # alpha = 3: kernel (1 + d^2/3)^-2 -> point 0: 1 and (7/3)^-2 = 9/49.
    layer3 = StudentTAssignment(2, alpha=3.0)
    layer3.build((None, 2))
    layer3.centroids.assign(layer.centroids)
    q3 = keras.ops.convert_to_numpy(layer3(np.zeros((1, 2), "float32")))
    np.testing.assert_allclose(q3, [[49 / 58, 9 / 58]], rtol=1e-6)


def test_target_distribution_worked_example():
    q = np.array([[0.8, 0.2], [0.4, 0.6]], "float32")
    p = keras.ops.convert_to_numpy(target_distribution(q))
    w = np.array([[0.64 / 1.2, 0.04 / 0.8], [0.16 / 1.2, 0.36 / 0.8]])
    np.testing.assert_allclose(p, w / w.sum(axis=1, keepdims=True), rtol=1e-6)
    assert p[0, 0] > q[0, 0]  # sharpened


def test_blobs_initialize_predict_ids_and_frequency():
    x, y = blob_images(seed=0)
    model = DeepClustering(identity_encoder(), n_clusters=4, seed=0)
    init = model.initialize(x)
    assert clustering_accuracy(y, init) == 1.0
    ids = model.predict(x, verbose=0)
    assert ids.dtype == np.int32 and ids.shape == (len(x),)
    np.testing.assert_array_equal(ids, model.soft_assign(x).argmax(axis=1))
    assert clustering_accuracy(y, ids) == 1.0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.cluster_frequency), 0.25, atol=0.02)
    # Initialization from given labels: the centroids are the label means.
    model.initialize(x, labels=y)
    np.testing.assert_allclose(model.cluster_centers, [x[y == j].reshape(-1, 16).mean(0) for j in range(4)],
                               atol=1e-6)


@pytest.mark.slow
def test_dec_self_training_sharpens_without_losing_accuracy_on_fashion(fashion_subset, pretrained_dense_ae):
    # Measured: k-means init 0.527, after 10 epochs of DEC (Adam 3e-4) 0.529 on these
    # 2,000 images (DEC's gains on Fashion-MNIST are small; the zoo recipe starts from N2D).
    x, y = fashion_subset
    keras.utils.set_random_seed(1)
    model = DeepClustering(
        keras.models.clone_model(pretrained_dense_ae.encoder), n_clusters=10, seed=0
    )
    model.encoder.set_weights(pretrained_dense_ae.encoder.get_weights())
    init_acc = clustering_accuracy(y, model.initialize(x))
    q0 = model.soft_assign(x).max(axis=1).mean()
    model.compile(keras.optimizers.Adam(3e-4))
    update = TargetDistributionUpdate(x, update_interval=32, tol=0.0)
    history = model.fit(x, epochs=10, batch_size=64, verbose=0, callbacks=[update], shuffle=False)
    acc = clustering_accuracy(y, model.predict(x, verbose=0))
    assert history.history["kl_loss"][-1] < history.history["kl_loss"][0]
    assert acc >= init_acc - 0.01, (init_acc, acc)
    # Assignments sharpen: the mean max q grows from the init.
    assert model.soft_assign(x).max(axis=1).mean() > q0 + 0.05
    assert len(update.changed) >= 9


def test_idec_save_load_round_trip(tmp_path, fashion_subset):
    x, _ = fashion_subset
    ae = Autoencoder(code_size=8, architecture="dense", hidden_units=[32], seed=3)
    model = DeepClustering(ae.encoder, n_clusters=5, decoder=ae.decoder,
                           reconstruction_weight=0.1, alpha=2.0, seed=3)
    model.initialize(x[:300])
    history = model.fit(x[:300], epochs=1, batch_size=100, verbose=0)
    assert {"loss", "kl_loss", "reconstruction_loss"} <= set(history.history)
    again = run_saving_test(model, tmp_path, inputs=x[:200],
                            methods=["soft_assign", ("predict", {"verbose": 0})])
    assert (again.n_clusters, again.alpha, again.reconstruction_weight) == (5, 2.0, 0.1)
    again.fit(x[:32], None, epochs=1, batch_size=16, verbose=0)  # compiled after loading


def test_fit_initializes_uninitialized_centroids():
    x, y = blob_images(seed=1)
    model = DeepClustering(identity_encoder(), n_clusters=4, seed=0)
    model.fit(x, epochs=1, batch_size=50, verbose=0)
    assert clustering_accuracy(y, model.predict(x, verbose=0)) == 1.0


def test_bad_input():
    enc = identity_encoder()
    with pytest.raises(ValueError, match="n_clusters=1"):
        DeepClustering(enc, n_clusters=1)
    with pytest.raises(ValueError, match="decoder=None"):
        DeepClustering(enc, n_clusters=3, reconstruction_weight=0.1)
    with pytest.raises(TypeError, match="keras.Model"):
        DeepClustering("encoder", n_clusters=3)
    model = DeepClustering(enc, n_clusters=3)
    with pytest.raises(ValueError, match=r"encoder's input.*\(N, 4, 4, 1\).*shape=\(10, 28, 28, 1\)"):
        model.fit(np.zeros((10, 28, 28, 1), "float32"))
    with pytest.raises(ValueError, match=r"shape=\(10, 28, 28, 1\)"):
        model.predict(np.zeros((10, 28, 28, 1), "float32"))
    x, y = blob_images(n_per=5, k=3)
    with pytest.raises(ValueError, match="unsupervised"):
        model.fit(x, y)
    with pytest.raises(ValueError, match=r"ids \[0, 1\]"):
        model.initialize(x, labels=np.array([0, 1] * 7 + [0]))
    with pytest.raises(ValueError, match="loss"):
        model.compile(loss="mse")


def test_fit_to_a_fixed_target_distribution_reproduces_that_clustering():
    # 4 blobs; centroids started from labels that ignore the blobs (all centroids near the
    # overall mean), then fitted to P = the blob labels smoothed (0.97 / 0.01): the
    # centroids move to the blobs, so predict recovers them.
    x, y = blob_images(n_per=50, seed=2)
    model = DeepClustering(identity_encoder(), n_clusters=4, seed=0)
    model.initialize(x, labels=np.arange(len(x)) % 4)
    assert clustering_accuracy(y, model.predict(x, verbose=0)) < 0.8  # measured 0.715
    target = np.full((len(x), 4), 0.01, "float32")
    target[np.arange(len(x)), y] = 0.97
    model.compile(keras.optimizers.Adam(0.05))
    history = model.fit(x, target, epochs=30, batch_size=50, verbose=0)
    # Measured: KL 1.035 after the first epoch, 0.707 at the end (the t kernel cannot
    # reach 0.97 on these blobs).
    assert history.history["kl_loss"][-1] < 0.8 * history.history["kl_loss"][0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), y)
    with pytest.raises(ValueError, match="one row per image"):
        model.fit(x, target[:10], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"rows summing to 1.*shape \(200, 4\)"):
        model.fit(x, 2 * target, epochs=1, verbose=0)


def test_a_called_model_exports_a_serving_function(tmp_path):
    # Issue 32: the model marked itself built in __init__, so Keras recorded no input shape
    # and export() refused it ("has never called").
    import tensorflow as tf

    x, _ = blob_images(n_per=3, seed=9)
    model = DeepClustering(identity_encoder(), n_clusters=4, seed=0)
    model.initialize(x)
    expected = keras.ops.convert_to_numpy(model(x))
    model.export(str(tmp_path / "served"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(served.serve(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"takes images of shape \(N, 4, 4, 1\)\. Received: input_shape=\(None, 16\)"):
        DeepClustering(identity_encoder(), n_clusters=4).build((None, 16))
