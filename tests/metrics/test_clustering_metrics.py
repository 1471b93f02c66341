"""Clustering metrics: Hungarian accuracy, NMI, ARI on worked examples and permutations."""

import numpy as np
import pytest

from kerazoo.metrics import (
    adjusted_rand_index,
    cluster_to_class_map,
    clustering_accuracy,
    clustering_metrics,
    normalized_mutual_info,
)


def test_a_permuted_labelling_scores_one():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=500)
    perm = rng.permutation(10)
    assert clustering_accuracy(y, perm[y]) == 1.0
    assert normalized_mutual_info(y, perm[y]) == pytest.approx(1.0)
    assert adjusted_rand_index(y, perm[y]) == pytest.approx(1.0)


def test_worked_example():
    # Contingency (cluster x class): c0 -> {a:3, b:1}, c1 -> {b:2}, c2 -> {a:1, c:3}.
    y_true = np.array([0, 0, 0, 1, 1, 1, 0, 2, 2, 2])
    y_pred = np.array([5, 5, 5, 5, 7, 7, 9, 9, 9, 9])
    # Best matching: 5->0 (3), 7->1 (2), 9->2 (3): 8 of 10.
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(0.8)
    assert cluster_to_class_map(y_true, y_pred) == {5: 0, 7: 1, 9: 2}


def test_matching_is_one_to_one_not_majority_vote():
    # Both clusters are mostly class 0; majority vote would give 0.75, matching gives 0.5.
    y_true = np.array([0, 0, 0, 1, 0, 0, 0, 1])
    y_pred = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(0.5)


def test_nmi_and_ari_match_hand_computation():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 0, 0, 1])
    # H(Y) = ln 2; H(C) = -(3/4 ln 3/4 + 1/4 ln 1/4); I = H(Y) - H(Y|C) = ln2 - 3/4 H(1/3)
    hy = np.log(2)
    hc = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    h13 = -(1 / 3 * np.log(1 / 3) + 2 / 3 * np.log(2 / 3))
    mi = hy - 0.75 * h13
    assert normalized_mutual_info(y_true, y_pred) == pytest.approx(mi / ((hy + hc) / 2))
    # ARI: sum C(n_ij,2) = 1, a = [1, 1] -> 2, b = [3, 0] -> 3, C(4,2) = 6.
    expected = (1 - 2 * 3 / 6) / (0.5 * (2 + 3) - 2 * 3 / 6)
    assert adjusted_rand_index(y_true, y_pred) == pytest.approx(expected)


def test_random_labelling_scores_near_chance():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, size=20000)
    p = rng.integers(0, 10, size=20000)
    m = clustering_metrics(y, p)
    assert 0.1 <= m["accuracy"] < 0.12
    assert m["nmi"] < 0.01
    assert abs(m["ari"]) < 0.005


def test_bad_input_names_what_was_received():
    with pytest.raises(ValueError, match=r"len\(y_true\)=3, len\(y_pred\)=2"):
        clustering_accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"shape=\(2, 2\)"):
        normalized_mutual_info(np.zeros((2, 2), int), [0, 1])
    with pytest.raises(TypeError, match="integer labels"):
        adjusted_rand_index([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        clustering_accuracy([], [])
