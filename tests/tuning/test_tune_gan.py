"""Tuning the GAN: its objective, `val_fd`, is measured after training (`search_metrics`)."""

import numpy as np

from kerazoo.tuning import run_search
from kerazoo.tuning.family_hypermodels import GANHyperModel, hypermodel_for
from tuning_helpers import REPO


def test_a_gan_trial_completes_with_the_validation_frechet_distance(tmp_path):
    job = REPO / "tuning" / "dcgan.fashion_mnist.toml"
    assert isinstance(hypermodel_for(job), GANHyperModel)
    result = run_search(job, max_trials=1, directory=tmp_path, epochs=1, subset=256,
                        verbose=0, out=lambda *a: None)
    (trial,) = result.tuner.oracle.trials.values()
    assert trial.status == "COMPLETED", trial.message
    fd = trial.metrics.get_last_value("val_fd")
    coverage = trial.metrics.get_last_value("val_class_coverage_min")
    # One epoch on 256 images: the samples are far from the 100 validation images in the
    # classifier's features, but the distance is a finite positive number and the score.
    assert np.isfinite(fd) and fd > 1.0 and result.best["score"] == fd
    assert 0.0 <= coverage <= 0.1 + 1e-9  # the rarest of 10 shares that sum to 1
