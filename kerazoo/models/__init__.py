"""The model families. Importing this package registers every family and every
serializable class (under the package name `kerazoo`)."""

from kerazoo.models.recommenders import AutoRec, BiasedMF, GlobalMean, RBMRecommender, UserItemBiases

__all__ = ["AutoRec", "BiasedMF", "GlobalMean", "RBMRecommender", "UserItemBiases"]
