"""Deep belief networks: greedy layer-wise pretraining of stacked RBMs, generation, and
fine-tuning as a classifier or an unrolled deep autoencoder."""

from kerazoo.models.dbn.autoencoder import DeepAutoencoder
from kerazoo.models.dbn.classifier import DBNClassifier
from kerazoo.models.dbn.dbn import DBN, NotPretrainedError

__all__ = ["DBN", "DBNClassifier", "DeepAutoencoder", "NotPretrainedError"]
