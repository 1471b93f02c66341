"""Sample quality in the feature space of `classifier.fashion_mnist`.

`SampleEvaluator` holds a feature function and a classifier (those of a `CNNClassifier`)
and the features of the reference images (the 10,000 Fashion-MNIST test images), and
scores image sets with `kerazoo.metrics.frechet_distance` and `class_coverage`. The GAN
family, `benchmarks/gan.py` and `benchmarks/generative_fd.py` all score through it, so
their numbers are measured in one feature space.
"""

import numpy as np

from kerazoo.datasets import load_fashion_mnist
from kerazoo.hub import load
from kerazoo.metrics.generative import (
    class_coverage,
    frechet_distance_from_statistics,
    gaussian_statistics,
)
from kerazoo.utils.validation import check_images

EVALUATOR_NAME = "classifier.fashion_mnist"
#: The sample size of every reported distance (as many as the test images).
FD_SAMPLES = 10000


def blur_plus(images):
    """Each pixel averaged with its four neighbours (a 5-point cross; edges replicated)."""
    from scipy.ndimage import convolve

    images = check_images(images, "images")
    kernel = np.zeros((1, 3, 3, 1), "float32")
    kernel[0, 1, :, 0] = kernel[0, :, 1, 0] = 1.0 / 5.0
    return convolve(images, kernel, mode="nearest").astype("float32")


class SampleEvaluator:
    """Fréchet distance and class coverage of image sets against fixed reference images.

    Args:
        features: callable images -> (N, d) features.
        classify: callable images -> class ids (N,).
        reference: reference images (N, 28, 28, 1) in [0, 1].
        n_classes: the number of classes.
    """

    def __init__(self, features, classify, reference, n_classes=10):
        self.features = features
        self.classify = classify
        self.reference = check_images(reference, "reference")
        self.n_classes = int(n_classes)
        self.reference_statistics = gaussian_statistics(np.asarray(features(self.reference), np.float64))

    @classmethod
    def from_zoo(cls, name=EVALUATOR_NAME, zoo_dir=None, reference=None):
        """The evaluator of `classifier.fashion_mnist` against `reference` images (by
        default the 10,000 test images)."""
        classifier = load(name, zoo_dir=zoo_dir)
        if reference is None:
            reference, _ = load_fashion_mnist("test")
        return cls(classifier.features, classifier.classify, reference, classifier.n_classes)

    def __call__(self, samples):
        """`{"fd": ..., "class_coverage_min": ..., "class_coverage": [shares]}` of `samples`.

        `samples` must number as many as the reference images (the distance's bias
        depends on the sample size).
        """
        samples = check_images(samples, "samples")
        if len(samples) != len(self.reference):
            raise ValueError(
                f"Score {len(self.reference)} samples, as many as the reference images (the "
                f"Fréchet distance is biased by the sample size). Received: {len(samples)} samples"
            )
        feats = np.asarray(self.features(samples), np.float64)
        if not np.all(np.isfinite(feats)):
            raise ValueError("The samples' features are not finite. Received: NaN or inf features")
        fd = frechet_distance_from_statistics(*gaussian_statistics(feats), *self.reference_statistics)
        coverage = class_coverage(samples, self.classify, self.n_classes)
        return {"fd": fd, "class_coverage_min": float(coverage.min()), "class_coverage": coverage.tolist()}
