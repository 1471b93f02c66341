"""Small CNN image classifiers (`CNNClassifier`), the evaluators of the generative models;
importing this package registers the `classifier` family (`family.py`)."""

from kerazoo.models.classifier import family  # noqa: F401  (registers the family)
from kerazoo.models.classifier.cnn import CNNClassifier

__all__ = ["CNNClassifier"]
