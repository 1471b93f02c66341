"""Corruption layers: identity at inference, the stated noise in training, seeded, checked."""

import keras
import numpy as np
import pytest

from kerazoo.layers import (
    BlockMaskingCorruption,
    GaussianCorruption,
    MaskingCorruption,
    RandomCorruption,
    SaltAndPepperCorruption,
    get_corruption,
)

GRAY = np.full((128, 28, 28, 1), 0.5, dtype="float32")  # 100,352 pixels at 0.5


@pytest.mark.parametrize("layer", [
    GaussianCorruption(0.3, seed=1), MaskingCorruption(0.3, seed=1),
    SaltAndPepperCorruption(0.3, seed=1), BlockMaskingCorruption(0.4, seed=1),
    RandomCorruption([("gaussian", 0.3), ("block_masking", 0.4)], seed=1),
])
def test_identity_at_inference_and_changes_in_training(layer):
    np.testing.assert_array_equal(np.asarray(layer(GRAY)), GRAY)
    np.testing.assert_array_equal(np.asarray(layer(GRAY, training=False)), GRAY)
    out = np.asarray(layer(GRAY, training=True))
    assert out.shape == GRAY.shape
    assert np.mean(out != GRAY) > 0.05


def test_gaussian_noise_has_the_stated_spread_and_is_clipped():
    out = np.asarray(GaussianCorruption(0.1, seed=3)(GRAY, training=True))
    noise = out - GRAY
    # 0.5 +- 0.1: clipping at 5 sigma never happens, so the noise is N(0, 0.01)
    assert abs(noise.mean()) < 0.002  # 4 standard errors (0.1 / sqrt(100352) = 3.2e-4) is 0.0013
    assert abs(noise.std() - 0.1) < 0.002
    wide = np.asarray(GaussianCorruption(1.0, seed=3)(GRAY, training=True))
    assert wide.min() == 0.0 and wide.max() == 1.0
    # P(|e| > 0.5) = 0.617 for sigma = 1: about that fraction sits on the bounds
    assert abs(np.mean((wide == 0.0) | (wide == 1.0)) - 0.617) < 0.01
    unclipped = np.asarray(GaussianCorruption(1.0, clip=False, seed=3)(GRAY, training=True))
    assert unclipped.min() < -1.0 and unclipped.max() > 2.0


def test_masking_zeroes_the_given_fraction_and_keeps_the_rest():
    out = np.asarray(MaskingCorruption(0.25, seed=5)(GRAY, training=True))
    zeroed = out == 0.0
    assert abs(zeroed.mean() - 0.25) < 0.006  # sd of the fraction: 0.0014
    np.testing.assert_array_equal(out[~zeroed], 0.5)  # not rescaled like Dropout


def test_salt_and_pepper_replaces_the_fraction_half_with_each_value():
    out = np.asarray(SaltAndPepperCorruption(0.2, seed=7)(GRAY, training=True))
    salt, pepper = np.mean(out == 1.0), np.mean(out == 0.0)
    assert abs(salt + pepper - 0.2) < 0.006
    assert abs(salt - pepper) < 0.008
    assert set(np.unique(out)) <= {0.0, 0.5, 1.0}


def test_block_masking_hides_one_square_per_image_at_varying_places():
    ones = np.ones((200, 28, 28, 1), dtype="float32")
    out = np.asarray(BlockMaskingCorruption(0.25, seed=11)(ones, training=True))[..., 0]
    side = 7  # round(0.25 * 28)
    tops, lefts = [], []
    for img in out:
        rows, cols = np.nonzero(img == 0.0)
        assert len(rows) == side * side
        assert rows.max() - rows.min() == side - 1 and cols.max() - cols.min() == side - 1
        tops.append(rows.min())
        lefts.append(cols.min())
    # uniform over 0..21: both ends are reached and the mean is near 10.5
    assert min(tops) == 0 and max(tops) == 28 - side and abs(np.mean(tops) - 10.5) < 1.5
    assert min(lefts) == 0 and max(lefts) == 28 - side and abs(np.mean(lefts) - 10.5) < 1.5


def test_block_masking_full_size_blanks_the_image_and_fill_value_is_used():
    ones = np.ones((4, 28, 28, 1), dtype="float32")
    np.testing.assert_array_equal(np.asarray(BlockMaskingCorruption(1.0, seed=0)(ones, training=True)), 0.0)
    half = np.asarray(BlockMaskingCorruption(0.5, fill_value=0.25, seed=0)(ones, training=True))
    assert np.sum(half[0] == 0.25) == 14 * 14


def test_random_corruption_picks_one_corruption_per_image_uniformly():
    layer = RandomCorruption([("gaussian", 0.3), ("block_masking", 0.5)], seed=2)
    out = np.asarray(layer(np.full((400, 28, 28, 1), 0.5, "float32"), training=True))
    blocked = np.array([np.sum(img == 0.0) == 196 and np.sum(img == 0.5) == 784 - 196 for img in out])
    noisy = np.array([np.mean(img == 0.5) < 0.01 for img in out])
    assert np.all(blocked | noisy) and not np.any(blocked & noisy)
    assert abs(blocked.mean() - 0.5) < 0.1  # binomial(400, 0.5): sd 0.025


def test_seeded_layers_repeat_and_different_seeds_differ():
    a = np.asarray(GaussianCorruption(0.3, seed=42)(GRAY, training=True))
    b = np.asarray(GaussianCorruption(0.3, seed=42)(GRAY, training=True))
    c = np.asarray(GaussianCorruption(0.3, seed=43)(GRAY, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    layer = MaskingCorruption(0.3, seed=42)
    first, second = np.asarray(layer(GRAY, training=True)), np.asarray(layer(GRAY, training=True))
    assert not np.array_equal(first, second)  # the generator advances between calls


@pytest.mark.parametrize("cls", [GaussianCorruption, MaskingCorruption, SaltAndPepperCorruption,
                                 BlockMaskingCorruption])
@pytest.mark.parametrize("level", [-0.1, 1.5, float("nan"), "0.3", True])
def test_levels_outside_0_1_are_rejected(cls, level):
    with pytest.raises(ValueError, match=r"between 0 and 1\. Received: .*="):
        cls(level)


def test_unknown_kind_and_bad_pairs_are_rejected():
    with pytest.raises(ValueError, match="Unknown corruption 'blur'"):
        get_corruption("blur", 0.3)
    with pytest.raises(ValueError, match=r"\(kind, level\) pairs"):
        RandomCorruption(["gaussian"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        RandomCorruption([("gaussian", 2.0)])
    with pytest.raises(ValueError, match="seed"):
        GaussianCorruption(0.3, seed=1.5)


def test_layers_round_trip_through_a_saved_model(tmp_path):
    inputs = keras.Input((28, 28, 1))
    x = GaussianCorruption(0.2, seed=1)(inputs)
    x = SaltAndPepperCorruption(0.1, seed=2)(x)
    x = RandomCorruption([("masking", 0.3), ("block_masking", 0.4)], seed=3)(x)
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    configs = [layer.get_config() for layer in again.layers[1:4]]
    assert configs[0]["stddev"] == 0.2 and configs[0]["seed"] == 1 and configs[0]["clip"] is True
    assert configs[1]["rate"] == 0.1
    assert configs[2]["corruptions"] == [["masking", 0.3], ["block_masking", 0.4]]
    np.testing.assert_allclose(np.asarray(again(GRAY[:4])), np.asarray(model(GRAY[:4])), atol=1e-6)
