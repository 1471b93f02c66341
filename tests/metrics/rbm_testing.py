"""Shared helpers of the RBM metric tests: small random RBMs and binary state enumeration."""

import itertools

import numpy as np


def states(n):
    """All 2**n binary vectors of length n, as float64 rows."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def random_rbm(n_visible, n_hidden, seed, scale=1.0):
    """W ~ N(0, scale^2), b ~ N(0, 1), c ~ N(0, 1), float64."""
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0.0, scale, (n_visible, n_hidden)),
        rng.normal(0.0, 1.0, n_visible),
        rng.normal(0.0, 1.0, n_hidden),
    )
