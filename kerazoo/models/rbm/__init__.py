"""Restricted Boltzmann machines trained by contrastive divergence (CD-k and PCD)."""

from kerazoo.models.rbm.base import RBM, LogLikelihood
from kerazoo.models.rbm.bernoulli_rbm import BernoulliRBM
from kerazoo.models.rbm.gaussian_bernoulli_rbm import GaussianBernoulliRBM
from kerazoo.models.rbm.schedules import LinearDecayPerFit

__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "LinearDecayPerFit", "LogLikelihood", "RBM"]
