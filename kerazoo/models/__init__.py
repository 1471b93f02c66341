"""The model families. Importing this package registers every family and every
serializable class (under the package name `kerazoo`)."""

from kerazoo.models.autoencoders import (
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from kerazoo.models.classifier import CNNClassifier
from kerazoo.models.clustering import IMSAT, DeepClustering
from kerazoo.models.dbn import DBN, DBNClassifier, DeepAutoencoder
from kerazoo.models.gan import GAN
from kerazoo.models.rbm import BernoulliRBM, GaussianBernoulliRBM
from kerazoo.models.recommenders import AutoRec, BiasedMF, GlobalMean, RBMRecommender, UserItemBiases

__all__ = [
    "AutoRec",
    "Autoencoder",
    "BernoulliRBM",
    "BiasedMF",
    "CNNClassifier",
    "ContractiveAutoencoder",
    "DBN",
    "DBNClassifier",
    "DeepAutoencoder",
    "DeepClustering",
    "DenoisingAutoencoder",
    "GAN",
    "GaussianBernoulliRBM",
    "IMSAT",
    "GlobalMean",
    "RBMRecommender",
    "SparseAutoencoder",
    "UserItemBiases",
    "VariationalAutoencoder",
]
