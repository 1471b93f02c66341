"""Recommender systems on MovieLens-100k: the RBM of Salakhutdinov et al. (2007), AutoRec
(Sedhain et al., 2015) and baselines.

Ids are 1-based as in ``u.data``; a rating history is an (n, 3) array [user_id, item_id,
rating] as returned by `kerazoo.datasets.load_movielens_100k`.
"""

from kerazoo.models.recommenders.autorec import AutoRec, MaskedSquaredError
from kerazoo.models.recommenders.baselines import BiasedMF, GlobalMean, UserItemBiases
from kerazoo.models.recommenders.rbm_recommender import CDStepsSchedule, RBMRecommender
from kerazoo.models.recommenders._common import MaskedRMSE

__all__ = [
    "AutoRec",
    "BiasedMF",
    "CDStepsSchedule",
    "GlobalMean",
    "MaskedRMSE",
    "MaskedSquaredError",
    "RBMRecommender",
    "UserItemBiases",
]
