"""`make_image_batches` on JAX: `ImageBatches`, the NumPy PyDataset twin of `make_image_dataset`."""

import numpy as np
import pytest

from kerazoo.datasets.pipeline import _image_batches_class, make_image_batches


def _images(n):
    x = np.zeros((n, 28, 28, 1), "float32")
    x[:, 0, 0, 0] = np.arange(n) / n  # pixel (0, 0) tells the image's index
    return x


def _ids(batch, n):
    return np.rint(batch[:, 0, 0, 0] * n).astype(int)


def _epoch(batches, n):
    ids = np.concatenate([_ids(batches[i][0], n) for i in range(len(batches))])
    batches.on_epoch_end()
    return ids


def test_each_epoch_is_a_new_permutation_reproducible_from_the_seed():
    ImageBatches = _image_batches_class()
    n = 10
    a = ImageBatches(_images(n), batch_size=4, seed=3)
    b = ImageBatches(_images(n), batch_size=4, seed=3)
    assert len(a) == 3  # 4 + 4 + 2
    epochs_a = [_epoch(a, n) for _ in range(3)]
    epochs_b = [_epoch(b, n) for _ in range(3)]
    for ids in epochs_a:
        assert sorted(ids) == list(range(n))
    assert all(np.array_equal(x, y) for x, y in zip(epochs_a, epochs_b))
    assert not np.array_equal(epochs_a[0], epochs_a[1])
    ordered = ImageBatches(_images(n), batch_size=4, shuffle=False)
    assert list(_epoch(ordered, n)) == list(range(n))


def test_batches_hold_what_fit_expects():
    ImageBatches = _image_batches_class()
    x, y = _images(6), np.arange(6)
    xb, tb = ImageBatches(x, batch_size=4, seed=0)[0]
    assert xb.shape == (4, 28, 28, 1) and np.array_equal(xb, tb)  # (x, x): autoencoders
    xb, yb = ImageBatches(x, y=y, batch_size=4, seed=0)[1]
    assert np.array_equal(_ids(xb, 6), yb)  # labels follow their images
    (xb,) = ImageBatches(x, batch_size=4, seed=0, target=None)[0]  # images alone
    assert xb.shape == (4, 28, 28, 1)
    dropped = ImageBatches(x, batch_size=4, seed=0, drop_remainder=True)
    assert len(dropped) == 1
    with pytest.raises(IndexError, match=r"Received: 1"):
        dropped[1]


def test_bad_input_is_refused_as_by_make_image_dataset():
    ImageBatches = _image_batches_class()
    with pytest.raises(ValueError, match=r"Received: y.shape=\(5,\)"):
        ImageBatches(_images(6), y=np.arange(5))
    with pytest.raises(ValueError, match=r"Received: target='other'"):
        ImageBatches(_images(6), target="other")
    with pytest.raises(ValueError, match=r"Received: batch_size=0"):
        ImageBatches(_images(6), batch_size=0)


def test_make_image_batches_is_tf_data_on_tensorflow_and_image_batches_elsewhere():
    import keras

    batches = make_image_batches(_images(6), batch_size=4, seed=0)
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        assert isinstance(batches, tf.data.Dataset)
    else:
        assert isinstance(batches, _image_batches_class())
    assert len(batches) == 2
