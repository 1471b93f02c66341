"""The `gan` family end to end on a subset: job file, train, evaluate, publish, load, serve."""

from pathlib import Path

import numpy as np
import pytest

import kerazoo
from kerazoo.datasets import load_fashion_mnist_sample
from kerazoo.models import GAN, CNNClassifier
from kerazoo.recipes import Run, get_family, load_job
from kerazoo.recipes import gan as gan_family
from kerazoo.recipes.runner import train_job
from kerazoo.recipes.sample_quality import SampleEvaluator

ROOT = Path(__file__).resolve().parents[2]


def test_job_file_parses_to_the_default_recipe():
    job = load_job(ROOT / "tuning" / "dcgan.fashion_mnist.toml")
    assert job.family == "gan" and set(job.train) == set(get_family("gan").train_defaults)
    model = get_family("gan").build(job)
    assert isinstance(model, GAN) and model.ema_decay == 0.9995 and model.seed == job.seed


@pytest.mark.slow
def test_family_trains_scores_and_publishes(tmp_zoo, monkeypatch):
    # A stand-in evaluator (an untrained small CNN, 500 reference images) keeps the test
    # independent of the published classifier; the family's pipeline is the same.
    x, _ = load_fashion_mnist_sample()
    clf = CNNClassifier(filters=(8, 8, 8), feature_units=16, seed=0)
    monkeypatch.setattr(gan_family, "FD_SAMPLES", 500)
    monkeypatch.setattr(gan_family.SampleEvaluator, "from_zoo",
                        classmethod(lambda cls: SampleEvaluator(clf.features, clf.classify, x[:500])))
    job = load_job(ROOT / "tuning" / "dcgan.fashion_mnist.toml").with_overrides(
        {"epochs": 1, "latent_dim": 8, "generator_filters": [16, 8], "discriminator_filters": [8, 16]})
    job = job.replace(data={**job.data, "subset": 600})
    result = train_job(job, publish="dcgan.test", verbose=0)
    m = result.metrics
    assert m["fd"] > 0 and 0 <= m["class_coverage_min"] <= 0.1
    assert sum(m[f"class_coverage_{c}"] for c in range(10)) == pytest.approx(1.0)
    entry = result.entry
    assert {"samples.png", "interpolation.png", "latent_grid.png", "README.md"} <= {p.name for p in entry.iterdir()}
    card = (entry / "README.md").read_text()
    assert "real training images" in card and "blurred training images" in card
    model = kerazoo.load("dcgan.test")
    np.testing.assert_allclose(model.sample(4, seed=1), result.model.sample(4, seed=1), atol=1e-6)


@pytest.mark.parametrize("overrides, expected", [
    ({}, "batch norm after every convolution but the first (DCGAN)"),
    ({"discriminator_norm": "spectral"}, "spectral normalization of every weight matrix (SNGAN), no batch norm"),
    ({"loss": "wgan_gp", "critic_steps": 5}, "layer norm after every convolution but the first"),
    ({"generator_filters": [128, 64, 16]},
     "to 14x14x64 -> batch norm -> ReLU -> 4x4 transposed convolution stride 2 to 28x28x16 -> batch norm "
     "-> ReLU -> 3x3 convolution to 28x28x1 -> tanh"),
    ({"generator_filters": [128, 64]},
     "to 14x14x64 -> batch norm -> ReLU -> 4x4 transposed convolution stride 2 to 28x28x1 -> tanh"),
])
def test_card_names_the_networks_in_use(overrides, expected):
    job = load_job(ROOT / "tuning" / "dcgan.fashion_mnist.toml").with_overrides(overrides)
    family = get_family("gan")
    details = family.card(Run(job=job, model=family.build(job), data=None))["model_details"]
    assert expected in " ".join(details.split())


def test_cosine_recipe_decays_both_learning_rates_over_the_training():
    # A GAN trained for 5 steps of 4 images with a cosine over 8 steps: after 5 steps both
    # rates are peak * (1 + cos(5 pi / 8)) / 2; the discriminator's decay is `critic_steps`
    # times longer (two critic steps per generator step: 10 of its 16 steps).
    x = np.random.default_rng(0).uniform(size=(20, 28, 28, 1)).astype("float32")
    train = {**get_family("gan").train_defaults, "d_learning_rate": 1e-3, "g_learning_rate": 5e-4,
             "lr_schedule": "cosine"}
    model = GAN(latent_dim=4, generator_filters=[8, 4], discriminator_filters=[4, 8], critic_steps=2, seed=0)
    gan_family.compile_recipe(model, train, total_steps=8)
    model.fit(x, epochs=1, batch_size=4, verbose=0)
    factor = 0.5 * (1 + np.cos(5 * np.pi / 8))
    assert int(model.g_optimizer.iterations.numpy()) == 5
    assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(5e-4 * factor, rel=1e-5)
    assert float(model.d_optimizer.learning_rate.numpy()) == pytest.approx(1e-3 * factor, rel=1e-5)
    # without `total_steps` the rates stay constant (a caller drives them itself)
    constant = gan_family.compile_recipe(
        GAN(latent_dim=4, generator_filters=[8, 4], discriminator_filters=[4, 8], seed=0), train)
    constant.fit(x, epochs=1, batch_size=4, verbose=0)
    assert float(constant.g_optimizer.learning_rate.numpy()) == pytest.approx(5e-4)


def test_unknown_learning_rate_schedule_is_refused():
    train = {**get_family("gan").train_defaults, "lr_schedule": "linear"}
    with pytest.raises(ValueError, match=r"lr_schedule.*Received: lr_schedule='linear'"):
        gan_family.compile_recipe(GAN(latent_dim=4, generator_filters=[8, 4], discriminator_filters=[4, 8]),
                                  train, total_steps=10)
