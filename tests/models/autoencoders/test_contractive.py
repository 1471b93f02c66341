"""ContractiveAutoencoder: the penalty (closed form and estimate), its effect, bad input."""

import keras
import numpy as np
import pytest
from autoencoder_helpers import reconstruction_mse, train

from kerazoo.metrics import encoder_jacobian_norm
from kerazoo.models import ContractiveAutoencoder
from saving_harness import run_saving_test


def test_closed_form_penalty_is_the_exact_squared_jacobian_norm(fashion):
    x = fashion[1][:32]
    model = ContractiveAutoencoder(10, hidden_units=(), code_activation="sigmoid", contraction_weight=0.7, seed=0)
    assert model.uses_closed_form
    exact = encoder_jacobian_norm(model.encode_tensor, x, per_image=True) ** 2
    np.testing.assert_allclose(np.asarray(model.jacobian_sq_norm(x)), exact, rtol=1e-4)
    penalty = float(model._extra_loss(x, training=False))
    np.testing.assert_allclose(penalty, 0.7 * exact.mean(), rtol=1e-4)


def test_deep_encoders_use_the_unbiased_estimate(fashion):
    x = fashion[1][:4]
    model = ContractiveAutoencoder(6, hidden_units=(32,), n_projections=1, seed=0)
    assert not model.uses_closed_form
    exact = encoder_jacobian_norm(model.encode_tensor, x, per_image=True) ** 2
    # 300 projections per image: each image repeated 300 times, one projection each
    repeated = np.repeat(x, 300, axis=0)
    estimates = np.asarray(model.jacobian_sq_norm(repeated)).reshape(4, 300).mean(axis=1)
    # one projection has relative sd <= sqrt(2); the mean of 300, <= 0.082
    np.testing.assert_allclose(estimates, exact, rtol=0.25)
    forced = ContractiveAutoencoder(6, hidden_units=(), code_activation="sigmoid", jacobian="estimate")
    assert not forced.uses_closed_form


def test_penalty_lowers_the_jacobian_norm_at_a_small_reconstruction_cost(fashion):
    x_train, x_test = fashion
    plain = ContractiveAutoencoder(16, hidden_units=(64,), contraction_weight=0.0, seed=0)
    train(plain, x_train, epochs=10)
    cae = ContractiveAutoencoder(16, hidden_units=(64,), contraction_weight=0.01, seed=0)
    history = train(cae, x_train, epochs=10)
    assert {"loss", "reconstruction_loss", "contractive_loss"} <= set(history.history)
    # measured: norm 10.0 -> 0.57, MSE 0.026 -> 0.033
    assert encoder_jacobian_norm(cae.encode_tensor, x_test) < 0.2 * encoder_jacobian_norm(plain.encode_tensor, x_test)
    assert reconstruction_mse(cae, x_test) < 1.5 * reconstruction_mse(plain, x_test)


def test_estimate_trains_an_encoder_with_batch_norm(fashion):
    # The forward-mode pass runs the encoder in training mode, so its batch-norm statistics
    # move there as in the forward pass (on JAX they are carried out of `jax.jvp` by
    # kerazoo.utils.backend_ops), and training stays finite.
    model = ContractiveAutoencoder(4, hidden_units=(16,), batch_norm=True, contraction_weight=0.1,
                                   seed=0)
    norms = [layer for layer in model.encoder.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and not model.uses_closed_form
    before = [np.array(layer.moving_mean) for layer in norms]
    history = train(model, fashion[0][:64], epochs=1)
    assert np.all(np.isfinite(history.history["contractive_loss"]))
    assert history.history["contractive_loss"][-1] > 0
    for layer, old in zip(norms, before):
        assert not np.allclose(np.array(layer.moving_mean), old)


def test_round_trip(fashion, tmp_path):
    model = ContractiveAutoencoder(4, hidden_units=(8,), contraction_weight=0.2, n_projections=2, seed=1)
    train(model, fashion[0][:64], epochs=1)
    again = run_saving_test(model, tmp_path, inputs=fashion[1][:8], methods=["encode"])
    assert (again.contraction_weight, again.n_projections, again.jacobian) == (0.2, 2, "auto")


@pytest.mark.parametrize("kwargs, message", [
    (dict(contraction_weight=-1), r"non-negative number. Received: contraction_weight=-1"),
    (dict(n_projections=0), r"positive integer. Received: n_projections=0"),
    (dict(jacobian="exact"), r"Received: jacobian='exact'"),
    (dict(jacobian="closed_form"), r"one dense sigmoid layer.*Received: architecture='dense', hidden_units=\(8,\)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ContractiveAutoencoder(**{"hidden_units": (8,), **kwargs})
