import keras
import numpy as np
import pytest

from kerazoo.utils.latents import MAX_SEED, prior_latents, stateless_normal_latents


def test_seeded_prior_draw_repeats_and_is_standard_normal():
    z = prior_latents(500, 8, 3, keras.random.SeedGenerator(0))
    assert z.shape == (500, 8) and z.dtype == np.float32
    np.testing.assert_array_equal(z, prior_latents(500, 8, 3, keras.random.SeedGenerator(1)))
    # N(0, I): 4,000 draws, mean within 4 standard errors of 0, variance within 10% of 1
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.var() - 1) < 0.1


@pytest.mark.tensorflow_only  # the SavedModel's draw is TensorFlow's stateless normal
def test_seeded_prior_draw_matches_the_savedmodel_draw():
    z = prior_latents(500, 8, 3, keras.random.SeedGenerator(0))
    np.testing.assert_array_equal(z, stateless_normal_latents(500, 3, 8).numpy())


def test_unseeded_prior_draws_advance_the_generator():
    gen = keras.random.SeedGenerator(0)
    a, b = prior_latents(4, 8, None, gen), prior_latents(4, 8, None, gen)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, prior_latents(4, 8, None, keras.random.SeedGenerator(0)))


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 1.5, True, "3"])
def test_bad_seed_is_refused_naming_the_range(seed):
    with pytest.raises(ValueError, match=r"`seed` must be None or an integer in \[0, 2147483646\]"):
        prior_latents(4, 8, seed, keras.random.SeedGenerator(0))
