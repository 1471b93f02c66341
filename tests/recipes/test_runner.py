import json

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import cli
from kerazoo.callbacks import DivergenceGuard, TrainingDivergedError
from tiny_family import TinyAutoencoder, bernoulli_images, tiny_job_toml


def test_kerazoo_train_publishes_a_tiny_job_end_to_end(tmp_path, tmp_zoo, capsys):
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_job_toml())
    code = cli.main(["train", str(job), "--publish", "tiny_ae.fashion_mnist",
                     "--checkpoint-dir", str(tmp_path / "runs")])
    assert code == 0
    out = capsys.readouterr().out
    assert "test_bce:" in out and "published as tiny_ae.fashion_mnist" in out
    assert (tmp_path / "runs" / "tiny_ae.fashion_mnist.weights.h5").exists()

    meta = kerazoo.hub.entry_metadata("tiny_ae.fashion_mnist")
    assert meta["recipe"]["job"] == {"name": "tiny_ae.fashion_mnist", "family": "tiny_ae", "seed": 7,
                                     "description": "Tiny autoencoder for the tests."}
    assert meta["recipe"]["train"]["epochs"] == 2 and meta["family"] == "tiny_ae"
    assert 0.0 < meta["metrics"]["test_bce"] < 0.7
    card = kerazoo.model_card("tiny_ae.fashion_mnist")
    assert "A tiny autoencoder for tests." in card
    assert "kerazoo train tuning/tiny_ae.fashion_mnist.toml --publish tiny_ae.fashion_mnist" in card

    assert cli.main(["list"]) == 0
    assert "tiny_ae.fashion_mnist" in capsys.readouterr().out
    assert cli.main(["info", "tiny_ae.fashion_mnist"]) == 0
    assert "## Evaluation" in capsys.readouterr().out
    assert cli.main(["verify"]) == 0


def test_train_is_reproducible_from_the_seed(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(tiny_job_toml(epochs=1))
    a = kerazoo.recipes.train_job(job, verbose=0)
    b = kerazoo.recipes.train_job(job, verbose=0)
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_cli_reports_bad_job_files_without_a_traceback(tmp_path, capsys):
    job = tmp_path / "bad.toml"
    job.write_text(tiny_job_toml().replace("epochs = 2", "epoch = 2"))
    assert cli.main(["train", str(job)]) == 1
    err = capsys.readouterr().err
    assert "JobError" in err and "train.epoch" in err and "bad.toml" in err


def test_divergence_guard_stops_and_keeps_the_last_good_weights(tmp_path):
    keras.utils.set_random_seed(0)
    model = TinyAutoencoder(code_size=4, seed=0)
    x = bernoulli_images(64, seed=0)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, x, epochs=1, verbose=0)
    good = [w.copy() for w in model.get_weights()]
    checkpoint = tmp_path / "last.weights.h5"

    class PoisonAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:  # from the second epoch on, the targets are NaN
                self.model.optimizer.learning_rate.assign(float("nan"))

    guard = DivergenceGuard(checkpoint)
    with pytest.raises(TrainingDivergedError, match=r"`loss` = nan.*epoch 2.*last.weights.h5"):
        model.fit(x, x, epochs=3, batch_size=16, verbose=0,
                  callbacks=[PoisonAfterFirstEpoch(), guard])
    after_epoch_1 = [w.copy() for w in model.get_weights()]
    assert all(np.all(np.isfinite(w)) for w in after_epoch_1)
    assert not all(np.array_equal(a, b) for a, b in zip(good, after_epoch_1))  # epoch 1 trained
    restored = TinyAutoencoder(code_size=4)
    restored(x[:1])
    restored.load_weights(checkpoint)
    for a, b in zip(restored.get_weights(), after_epoch_1):
        np.testing.assert_array_equal(a, b)
