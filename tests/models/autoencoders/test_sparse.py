"""SparseAutoencoder: the KL penalty's value, its effect on the mean activation, L1, bad input."""

import keras
import numpy as np
import pytest
from autoencoder_helpers import reconstruction_mse, train

from kerazoo.layers import KLSparsityRegularizer, kl_sparsity
from kerazoo.models import Autoencoder, SparseAutoencoder
from saving_harness import run_saving_test


def test_penalty_is_the_kl_of_the_batch_mean_code(fashion):
    x = fashion[1][:50]
    model = SparseAutoencoder(8, hidden_units=(16,), target_activation=0.1, sparsity_weight=0.5, seed=0)
    model(x)
    assert len(model.losses) == 1
    penalty = float(model.losses[0])
    codes = model.encode(x)
    np.testing.assert_allclose(penalty, 0.5 * float(kl_sparsity(codes, 0.1)), rtol=1e-4)
    assert isinstance(model.regularizer, KLSparsityRegularizer)


def test_training_pulls_the_mean_activation_to_the_target(fashion):
    x_train, x_test = fashion
    sparse = SparseAutoencoder(16, hidden_units=(128,), target_activation=0.05, sparsity_weight=0.1, seed=0)
    history = train(sparse, x_train, epochs=12)
    assert {"loss", "reconstruction_loss", "sparsity_loss"} <= set(history.history)
    np.testing.assert_allclose(
        history.history["loss"][-1],
        history.history["reconstruction_loss"][-1] + history.history["sparsity_loss"][-1], rtol=1e-3,
    )
    plain = Autoencoder(16, hidden_units=(128,), code_activation="sigmoid", seed=0)
    train(plain, x_train, epochs=12)
    # measured: 0.056 with the penalty (TensorFlow; JAX, whose random streams differ: 0.067,
    # and 0.051, 0.054 with seeds 1 and 2), 0.74 without
    assert abs(sparse.mean_activation(x_test) - 0.05) < 0.4 * 0.05
    assert float(np.mean(plain.encode(x_test))) > 0.3
    assert reconstruction_mse(sparse, x_test) < 0.06  # mean image: 0.088


def test_l1_option_lowers_activations(fashion):
    x_train, x_test = fashion
    l1 = SparseAutoencoder(16, hidden_units=(64,), sparsity="l1", sparsity_weight=3e-3, seed=0)
    train(l1, x_train, epochs=6)
    plain = Autoencoder(16, hidden_units=(64,), code_activation="sigmoid", seed=0)
    train(plain, x_train, epochs=6)
    assert l1.mean_activation(x_test) < 0.5 * float(np.mean(plain.encode(x_test)))


def test_round_trip(fashion, tmp_path):
    model = SparseAutoencoder(4, hidden_units=(8,), target_activation=0.2, sparsity_weight=0.3, seed=1)
    train(model, fashion[0][:64], epochs=1)
    again = run_saving_test(model, tmp_path, inputs=fashion[1][:8], methods=["encode"])
    assert again.regularizer.get_config() == {"target": 0.2, "weight": 0.3}


@pytest.mark.parametrize("kwargs, message", [
    (dict(code_activation="relu"), r"code_activation='sigmoid'. Received: code_activation='relu'"),
    (dict(sparsity="l2"), r"\['kl', 'l1'\]. Received: sparsity='l2'"),
    (dict(target_activation=0.0), r"\(0, 1\). Received: target=0.0"),
    (dict(sparsity_weight=-1.0), r"non-negative number. Received: weight=-1.0"),
    (dict(code_size=1000), r"at most the input's dimension 784"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(**{"hidden_units": (8,), **kwargs})
