"""CNNClassifier, the `classifier` family and the feature-space evaluator."""

from pathlib import Path

import numpy as np
import pytest

import kerazoo
from kerazoo.datasets import load_fashion_mnist_sample
from kerazoo.recipes import load_job
from kerazoo.recipes.runner import train_job
from kerazoo.models import CNNClassifier
from kerazoo.recipes.sample_quality import SampleEvaluator, blur_plus

ROOT = Path(__file__).resolve().parents[3]
SMALL = {"filters": [8, 8, 8], "feature_units": 16}


@pytest.fixture(scope="module")
def sample_images():
    return load_fashion_mnist_sample()


@pytest.mark.slow
def test_family_trains_publishes_and_the_entry_classifies(sample_images, tmp_zoo):
    job = load_job(ROOT / "tuning" / "classifier.fashion_mnist.toml").with_overrides({**SMALL, "epochs": 2})
    job = job.replace(data={**job.data, "subset": 2000})
    result = train_job(job, publish="classifier.test", verbose=0)
    # 32 steps of a tiny net (batch-norm statistics barely settled): well above chance (0.1).
    assert result.metrics["test_accuracy"] > 0.3
    model = kerazoo.load("classifier.test")
    x, y = sample_images
    assert np.mean(model.classify(x) == y) > 0.3
    feats = model.features(x[:7])
    assert feats.shape == (7, 16) and np.all(feats >= 0)  # ReLU features
    np.testing.assert_allclose(model.predict_proba(x[:7]).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="Received: shape=\\(7, 28, 28\\)"):
        model.features(x[:7, ..., 0])


def test_published_classifier_accuracy(sample_images):
    name = "classifier.fashion_mnist"
    zoo = kerazoo.hub.default_zoo_dir()
    if name not in kerazoo.list_models(zoo_dir=zoo):
        pytest.skip("classifier.fashion_mnist is not published")
    meta = kerazoo.hub.entry_metadata(name, zoo_dir=zoo)
    # Issue 6 asks for >= 0.92 (the 15-epoch recipe measured 0.924).
    assert meta["metrics"]["test_accuracy"] >= 0.92
    model = kerazoo.load(name, zoo_dir=zoo)
    x, y = sample_images  # the shipped 1,000 test images
    assert np.mean(model.classify(x) == y) >= 0.9


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="Received: filters=\\[8, 8\\]"):
        CNNClassifier(filters=(8, 8))
    with pytest.raises(ValueError, match="Received: dropout=1.5"):
        CNNClassifier(dropout=1.5)


def test_blur_averages_each_pixel_with_its_four_neighbours():
    x = np.zeros((1, 28, 28, 1), "float32")
    x[0, 10, 10, 0] = 1.0
    b = blur_plus(x)
    assert b[0, 10, 10, 0] == pytest.approx(0.2)
    for r, c in ((9, 10), (11, 10), (10, 9), (10, 11)):
        assert b[0, r, c, 0] == pytest.approx(0.2)
    assert b[0, 9, 9, 0] == 0.0 and b.sum() == pytest.approx(1.0)


def test_evaluator_scores_real_images_closer_than_blurred_ones(sample_images):
    x, _ = sample_images
    clf = CNNClassifier(**SMALL, seed=0)
    evaluator = SampleEvaluator(clf.features, clf.classify, x[:500])
    real, blurred = evaluator(x[500:]), evaluator(blur_plus(x[500:]))
    assert 0 <= real["fd"] < blurred["fd"]
    assert sum(real["class_coverage"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="Received: 499 samples"):
        evaluator(x[:499])
