"""make_image_dataset on images that carry their own index: x[i] is the constant image
(i + 1) / 1001, so every batch tells which images it holds and in what order."""

import numpy as np
import pytest

from kerazoo.datasets import load_fashion_mnist_sample, make_image_dataset

N = 1000


@pytest.fixture(scope="module")
def indexed():
    x = np.broadcast_to(((np.arange(N) + 1) / (N + 1)).astype(np.float32)[:, None, None, None],
                        (N, 28, 28, 1)).copy()
    y = np.arange(N, dtype=np.int64)
    return x, y


def index_of(xb):
    return np.rint(np.asarray(xb)[:, 0, 0, 0] * (N + 1)).astype(np.int64) - 1


def epoch(ds):
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple) else np.asarray(b)
            for b in ds]


def test_batches_unshuffled_with_labels(indexed):
    x, y = indexed
    batches = epoch(make_image_dataset(x, y, batch_size=128, shuffle=False))
    assert [len(b[0]) for b in batches] == [128] * 7 + [104]
    xs = np.concatenate([b[0] for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    assert xs.dtype == np.float32 and xs.shape == (N, 28, 28, 1)
    assert ys.dtype == np.int64
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(ys, y)


def test_targets(indexed):
    x, y = indexed
    # y given: (x, y) pairs stay together after shuffling.
    for xb, yb in epoch(make_image_dataset(x, y, batch_size=100, seed=0)):
        np.testing.assert_array_equal(index_of(xb), yb)
    # Autoencoders: (x, x).
    for xb, tb in epoch(make_image_dataset(x, batch_size=100, seed=0)):
        np.testing.assert_array_equal(xb, tb)
    # RBMs, GANs: x alone.
    ds = make_image_dataset(x, batch_size=100, seed=0, target=None)
    assert ds.element_spec.shape.as_list() == [None, 28, 28, 1]
    assert sorted(np.concatenate([index_of(b) for b in epoch(ds)]).tolist()) == list(range(N))


def test_drop_remainder_fixes_batch_shape(indexed):
    x, _ = indexed
    ds = make_image_dataset(x, batch_size=128, drop_remainder=True, target=None, seed=1)
    assert ds.element_spec.shape.as_list() == [128, 28, 28, 1]
    batches = epoch(ds)
    assert len(batches) == 7 and all(b.shape == (128, 28, 28, 1) for b in batches)
    assert len(set(np.concatenate([index_of(b) for b in batches]).tolist())) == 7 * 128


def test_seeded_shuffle_is_reproducible_and_reshuffles(indexed):
    x, _ = indexed

    def orders(seed, epochs=3):
        ds = make_image_dataset(x, batch_size=100, seed=seed, target=None)
        return [np.concatenate([index_of(b) for b in epoch(ds)]) for _ in range(epochs)]

    a, b, c = orders(7), orders(7), orders(8)
    for order in a + c:  # each epoch is a permutation of all the images
        assert sorted(order.tolist()) == list(range(N))
    for ea, eb in zip(a, b):  # same seed, same orders, epoch by epoch
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])  # reshuffled
    assert not np.array_equal(a[0], c[0])  # another seed, another order
    assert not np.array_equal(a[0], np.arange(N))


def test_repeat_keeps_epochs_whole(indexed):
    x, _ = indexed
    ds = make_image_dataset(x, batch_size=300, seed=3, target=None, repeat=True)
    sizes, orders = [], []
    for b in ds.take(12):
        sizes.append(len(b))
        orders.append(index_of(b))
    assert sizes == [300, 300, 300, 100] * 3
    epochs = [np.concatenate(orders[i:i + 4]) for i in (0, 4, 8)]
    for e in epochs:
        assert sorted(e.tolist()) == list(range(N))
    assert not np.array_equal(epochs[0], epochs[1])


def test_fit_on_the_sample():
    import keras

    x, _ = load_fashion_mnist_sample()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(784, activation="sigmoid"),
                              keras.layers.Reshape((28, 28, 1))])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    history = model.fit(make_image_dataset(x, batch_size=100, seed=0), epochs=3, verbose=0,
                        shuffle=False)
    loss = history.history["loss"]
    assert len(loss) == 3 and loss[2] < loss[0]


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(target="x"), ValueError, r"`target` must be 'self'.*Received: target='x'"),
    (dict(batch_size=0), ValueError, r"batch_size.*Received: batch_size=0"),
    (dict(seed=1.5), ValueError, r"`seed` must be an integer or None. Received: seed=1.5"),
    (dict(y=np.zeros(3)), ValueError, r"one row per image: 1000 rows.*y.shape=\(3,\)"),
    (dict(y=np.zeros(N), target=None), ValueError, r"`target=None` yields images alone"),
    (dict(batch_size=2000, drop_remainder=True), ValueError, r"at least one full batch"),
])
def test_bad_arguments(indexed, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_image_dataset(indexed[0], **kwargs)


def test_bad_images():
    with pytest.raises(ValueError,
                       match=r"shape \(N, 28, 28, 1\).*Received: shape=\(10, 28, 28\)"):
        make_image_dataset(np.zeros((10, 28, 28), np.float32))
    with pytest.raises(ValueError, match="divide by 255"):
        make_image_dataset(np.full((10, 28, 28, 1), 255, np.uint8))
    with pytest.raises(ValueError, match="holds no images"):
        make_image_dataset(np.zeros((0, 28, 28, 1), np.float32))
