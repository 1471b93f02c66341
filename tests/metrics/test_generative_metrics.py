"""Fréchet distance and class coverage on data with known answers."""

import numpy as np
import pytest
import scipy.linalg

from kerazoo.metrics import (
    class_coverage,
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
)


def test_closed_form_for_diagonal_gaussians_from_samples():
    # N(mu1, diag s1) vs N(mu2, diag s2): FD = ||mu1 - mu2||^2 + sum (sqrt s1 - sqrt s2)^2.
    rng = np.random.default_rng(0)
    mu1, mu2 = np.array([0.0, 1.0, -1.0, 2.0]), np.array([0.5, 1.0, 0.0, 2.0])
    s1, s2 = np.array([1.0, 4.0, 0.25, 1.0]), np.array([1.0, 1.0, 1.0, 9.0])
    a = mu1 + np.sqrt(s1) * rng.standard_normal((40000, 4))
    b = mu2 + np.sqrt(s2) * rng.standard_normal((40000, 4))
    exact = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    assert exact == pytest.approx(1.25 + 1.0 + 0.25 + 4.0)
    assert frechet_distance(a, b) == pytest.approx(exact, rel=0.03)
    # A feature function is applied to both sets: doubling the features quadruples FD.
    assert frechet_distance(a, b, features=lambda x: 2 * x) == pytest.approx(4 * frechet_distance(a, b))


def test_statistics_form_matches_scipy_sqrtm_for_full_covariances():
    rng = np.random.default_rng(1)
    m1, m2 = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    s1, s2 = m1 @ m1.T + 0.1 * np.eye(6), m2 @ m2.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    reference = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real)
    assert frechet_distance_from_statistics(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-9)
    assert frechet_distance_from_statistics(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)


def test_identical_sets_have_distance_zero_and_statistics_are_unbiased():
    x = np.random.default_rng(2).standard_normal((500, 3))
    assert frechet_distance(x, x.copy()) == pytest.approx(0.0, abs=1e-9)
    mu, cov = gaussian_statistics(x)
    np.testing.assert_allclose(cov, np.cov(x.T))
    np.testing.assert_allclose(mu, x.mean(0))


def test_frechet_distance_bad_input():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="Received: 10 samples and 9 reference"):
        frechet_distance(x, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="Received: 3 and 4"):
        frechet_distance(x, np.zeros((10, 4)))
    with pytest.raises(ValueError, match="Received: shape=\\(10, 3, 1\\)"):
        frechet_distance(x[..., None], x)
    with pytest.raises(TypeError, match="callable"):
        frechet_distance(x, x, features="inception")
    with pytest.raises(ValueError, match="NaN|finite"):
        frechet_distance(np.full((10, 3), np.nan), x)


def test_class_coverage_shares():
    samples = np.arange(20)
    shares = class_coverage(samples, lambda s: s % 4, n_classes=5)
    np.testing.assert_allclose(shares, [0.25, 0.25, 0.25, 0.25, 0.0])
    scores = np.eye(3)[[0, 0, 1, 2]]
    np.testing.assert_allclose(class_coverage(scores, lambda s: s, n_classes=3), [0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match="Received: ids in \\[0, 3\\]"):
        class_coverage(samples, lambda s: s % 4, n_classes=3)
    with pytest.raises(ValueError, match="Received: shape=\\(4, 3\\)"):
        class_coverage(scores, lambda s: s, n_classes=10)
