"""Stochastic pseudo-log-likelihood, against scikit-learn and against brute force."""

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.neural_network import BernoulliRBM

from kerazoo.metrics import bernoulli_rbm_pseudo_log_likelihood


def binary_data(n, n_visible, seed, p=0.3):
    """Rows of independent Bernoulli(p) pixels."""
    return (np.random.default_rng(seed).random((n, n_visible)) < p).astype(np.float64)


def test_matches_sklearn_score_samples():
    x = binary_data(300, 64, seed=0)
    rbm = BernoulliRBM(n_components=16, learning_rate=0.05, n_iter=3, random_state=7).fit(x)
    w, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    ours = bernoulli_rbm_pseudo_log_likelihood(x, w, b, c, seed=7)  # same seed -> same flips
    theirs = rbm.score_samples(x)
    assert ours.shape == (300,) and ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    # a different seed flips other units: other values, same scale
    other = bernoulli_rbm_pseudo_log_likelihood(x, w, b, c, seed=8)
    assert not np.allclose(other, theirs)
    assert np.all(ours <= 0) and np.all(other <= 0)


def test_equals_brute_force_conditionals():
    """n_visible * log p(v_i | v_-i) for the flipped i, with p from the full joint distribution."""
    rng = np.random.default_rng(1)
    n_visible, n_hidden = 6, 3
    w = rng.normal(0, 1, (n_visible, n_hidden))
    b, c = rng.normal(0, 1, n_visible), rng.normal(0, 1, n_hidden)
    v_all = np.array(list(itertools.product([0.0, 1.0], repeat=n_visible)))
    h_all = np.array(list(itertools.product([0.0, 1.0], repeat=n_hidden)))
    log_p = logsumexp((v_all @ b)[:, None] + (h_all @ c)[None, :] + v_all @ w @ h_all.T, axis=1)
    index = {tuple(v): i for i, v in enumerate(v_all)}  # unnormalised log p(v)

    x = v_all[rng.integers(0, 64, 40)]
    cols = np.random.RandomState(5).randint(0, n_visible, len(x))
    expected = []
    for row, col in zip(x, cols):
        flipped = row.copy()
        flipped[col] = 1 - flipped[col]
        lp, lq = log_p[index[tuple(row)]], log_p[index[tuple(flipped)]]
        expected.append(n_visible * (lp - np.logaddexp(lp, lq)))
    got = bernoulli_rbm_pseudo_log_likelihood(x, w, b, c, seed=np.random.RandomState(5))
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_bad_input():
    x = binary_data(5, 10, seed=2)
    w, b, c = np.zeros((10, 4)), np.zeros(10), np.zeros(4)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bernoulli_rbm_pseudo_log_likelihood(x * 255, w, b, c)
    with pytest.raises(ValueError, match=r"v.shape=\(5, 9\)"):
        bernoulli_rbm_pseudo_log_likelihood(x[:, :9], w, b, c)
    with pytest.raises(ValueError, match="seed"):
        bernoulli_rbm_pseudo_log_likelihood(x, w, b, c, seed="abc")
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        bernoulli_rbm_pseudo_log_likelihood(x, w, b, c)
