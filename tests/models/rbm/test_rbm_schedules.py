"""The default compile()'s learning rate: linear decay to zero over each fit."""

import keras
import numpy as np
import pytest

from kerazoo.models import BernoulliRBM, GaussianBernoulliRBM
from kerazoo.models.rbm import LinearDecayPerFit


def test_schedule_is_linear_restarts_and_is_constant_before_a_fit():
    schedule = LinearDecayPerFit(0.05, final_fraction=0.2)
    assert float(schedule(0)) == pytest.approx(0.05)  # no fit yet: constant
    assert float(schedule(1000)) == pytest.approx(0.05)
    schedule.restart(first_step=10, total_steps=40)
    lrs = [float(schedule(step)) for step in (10, 20, 30, 50, 90)]
    np.testing.assert_allclose(lrs, [0.05, 0.04, 0.03, 0.01, 0.01], rtol=1e-6)
    restored = LinearDecayPerFit.from_config(schedule.get_config())
    assert restored.get_config() == schedule.get_config()


@pytest.mark.parametrize("bad", [{"initial_learning_rate": 0.0}, {"initial_learning_rate": 0.1, "final_fraction": 1.5}])
def test_schedule_rejects_bad_arguments(bad):
    with pytest.raises(ValueError, match="Received"):
        LinearDecayPerFit(**bad)


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_default_compile_decays_over_each_fit(cls, fmnist_train):
    x = fmnist_train[:500]
    model = cls(16, seed=0)
    model.compile()
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, LinearDecayPerFit)
    assert schedule.initial_learning_rate == cls.default_learning_rate
    model.fit(x, epochs=2, batch_size=100, verbose=0)  # 10 steps
    assert int(model.optimizer.iterations.numpy()) == 10
    assert float(schedule(10)) == pytest.approx(0.0, abs=1e-9)
    assert float(schedule(5)) == pytest.approx(0.5 * cls.default_learning_rate)
    # A second fit (3 steps, batch 200, validation split) decays anew from step 10.
    model.fit(x, epochs=1, batch_size=160, validation_split=0.2, verbose=0)
    assert float(schedule(10)) == pytest.approx(cls.default_learning_rate)
    assert float(schedule(13)) == pytest.approx(0.0, abs=1e-9)


def test_decay_changes_training_and_a_constant_rate_is_left_alone(fmnist_train):
    x = fmnist_train[:300]
    decayed = BernoulliRBM(8, seed=1)
    decayed.compile()
    constant = BernoulliRBM(8, seed=1)
    constant.compile(keras.optimizers.SGD(0.05, momentum=0.5))
    for model in (decayed, constant):
        model.fit(x, epochs=3, batch_size=100, verbose=0)
    assert float(constant.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    # Identical draws, different step sizes: the weights differ.
    assert not np.allclose(decayed.kernel.numpy(), constant.kernel.numpy())


class _Plan(keras.optimizers.schedules.LearningRateSchedule):
    """The rates LinearDecayPerFit(0.05) must give for a fit of 10 steps, then one of 3."""

    def __call__(self, step):
        # the same operations as LinearDecayPerFit, so the rates agree to the last bit
        ops = keras.ops
        step = ops.cast(step, "float32")
        first = ops.where(step < 10.0, 0.0, 10.0)
        total = ops.where(step < 10.0, 10.0, 3.0)
        progress = ops.clip((step - first) / ops.maximum(total, 1.0), 0.0, 1.0)
        return 0.05 * (1.0 - (1.0 - 0.0) * progress)

    def get_config(self):
        return {}


def test_every_fit_trains_with_its_own_decay(fmnist_train):
    """The compiled step reads the restarted numbers in each fit (under JAX they are part
    of the traced training state, not constants of the first compilation)."""
    x = fmnist_train[:1000]
    models = []
    for rate in (LinearDecayPerFit(0.05), _Plan()):
        model = BernoulliRBM(8, seed=2)
        model.compile(keras.optimizers.SGD(rate))
        model.fit(x, epochs=1, batch_size=100, shuffle=False, verbose=0)
        model.fit(x[:300], epochs=1, batch_size=100, shuffle=False, verbose=0)
        models.append(model)
    assert int(models[0].optimizer.iterations.numpy()) == 13
    np.testing.assert_allclose(models[0].kernel.numpy(), models[1].kernel.numpy(), atol=1e-6)
