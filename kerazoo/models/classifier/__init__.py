"""Small CNN image classifiers (`CNNClassifier`), the evaluators of the generative models."""

from kerazoo.models.classifier.cnn import CNNClassifier

__all__ = ["CNNClassifier"]
