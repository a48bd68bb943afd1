"""Figure 3 fitted on sampled views: the expected-covariance limit is figure3_sweep, one pair of views
is an explicit fit on explicit views, and many pairs drift back to the expected covariance."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import TINY, synthetic_digits

from je_vs_rc.simulate import figure3, sampled_views
from je_vs_rc.simulate.pca import pca
from je_vs_rc.simulate.sampled_views import SampledViews
from je_vs_rc.theory.reconstruction import reconstruction_from_moments


def test_expected_covariance_is_figure3_sweep():
    images, labels = synthetic_digits(400)
    expected = sampled_views.sampled_views_sweep(images, labels, TINY, SampledViews(None))
    np.testing.assert_allclose(expected.distance, figure3.figure3_sweep(images, labels, TINY).distance, atol=1e-10)


def _rrr_encoder(inputs: np.ndarray, targets: np.ndarray, k: int) -> np.ndarray:
    """Reduced-rank least squares of targets on inputs, by brute force: the OLS fit's top-k right
    singular vectors (Izenman 1975); the encoder is ``V_k^T B^T`` (any invertible map of it probes alike)."""
    B = np.linalg.lstsq(inputs, targets, rcond=None)[0]
    V = np.linalg.svd(inputs @ B, full_matrices=False)[2][:k].T
    return V.T @ B.T


def test_one_pair_of_views_is_an_explicit_reduced_rank_fit():
    """With m = 1, RC's distance equals the one from a brute-force reduced-rank regression on the
    explicit views (each pair both ways round) drawn from the same stream."""
    images, labels = synthetic_digits(400)
    cfg = dataclasses.replace(TINY, seeds=(0,), alphas=(1.0,), gamma_max=(1e3,))
    fast = sampled_views.sampled_views_sweep(images, labels, cfg, SampledViews(1))
    rc = fast.methods.index("rc")
    pixels = images.astype(float)
    mean, comps, _ = pca(pixels, cfg.k)
    lam_theta, gamma_unit, order, noise = figure3.protocol_draws(np.random.default_rng(0), cfg, images.shape[0])
    k, nn, d = cfg.k, cfg.n_noise, cfg.d
    draws = np.random.default_rng([0, 1]).standard_normal((max(cfg.ns), 2 * (d + nn)))
    sd_gamma = np.sqrt(cfg.gamma_max[0] * gamma_unit)
    for n_idx, n in enumerate(cfg.ns):
        Z, Y = (pixels[order[:n]] - mean) @ comps, figure3.one_hot(labels[order[:n]])
        distances = []
        for X in (np.hstack([Z, np.zeros((n, nn))]), np.hstack([Z, noise[:n] * sd_gamma])):
            views = []
            for offset in (0, d + nn):
                t, g = draws[:n, offset : offset + d], draws[:n, offset + d : offset + d + nn]
                views.append(X + t * np.sqrt(lam_theta) + np.hstack([np.zeros((n, k)), g * sd_gamma]))
            A, B = views
            E = _rrr_encoder(np.vstack([A, B]), np.vstack([B, A]), k)
            coef = np.linalg.lstsq(X @ E.T, Y, rcond=None)[0]
            distances.append(np.sum((Y - X @ E.T @ coef) ** 2) / n)
        assert fast.distance[0, rc, 0, n_idx, 0] == pytest.approx(abs(distances[0] - distances[1]), rel=1e-6, abs=1e-10)


def test_theorem_3_1_on_sampled_moments_is_the_reduced_rank_fit():
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((60, 8)) * np.arange(1, 9), rng.standard_normal((60, 8))
    S, G = (A.T @ A + B.T @ B) / 120, (A.T @ B + B.T @ A) / 120
    E = reconstruction_from_moments(S, G, 3)[0]
    brute = _rrr_encoder(np.vstack([A, B]), np.vstack([B, A]), 3)
    # Same row space: the projections onto each agree.
    proj = [M.T @ np.linalg.solve(M @ M.T, M) for M in (E, brute)]
    np.testing.assert_allclose(proj[0], proj[1], atol=1e-8)


def test_many_views_drift_back_to_the_expected_covariance():
    images, labels = synthetic_digits(400)
    expected = sampled_views.sampled_views_sweep(images, labels, TINY, SampledViews(None)).distance
    gaps = [
        np.median(
            np.abs(np.log(sampled_views.sampled_views_sweep(images, labels, TINY, SampledViews(m)).distance / expected))
        )
        for m in (1, 64, 4096)
    ]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.1


def test_wishart_draws_have_the_right_moments():
    rng = np.random.default_rng(0)
    for dof in (3, 40):  # below p: the explicit sum; above: Bartlett's construction
        draws = np.array([sampled_views.wishart_identity(rng, 5, dof) for _ in range(4000)])
        np.testing.assert_allclose(draws.mean(0), dof * np.eye(5), atol=0.15 * dof)
        # Var(W_11) = 2 dof, Var(W_12) = dof for Wishart(I, dof).
        assert draws[:, 0, 0].var() == pytest.approx(2 * dof, rel=0.15)
        assert draws[:, 0, 1].var() == pytest.approx(dof, rel=0.15)


def test_reading_titles():
    assert SampledViews(None).title == "expected covariance"
    assert SampledViews(1, "decoder").title == "1 pair of views, decoder"
    assert SampledViews(4).title == "4 pairs of views"


def test_reading_errors():
    with pytest.raises(ValueError, match="m must be a positive integer"):
        SampledViews(0)
    with pytest.raises(ValueError, match="features must be one of"):
        SampledViews(1, "raw")
    images, labels = synthetic_digits(400)
    with pytest.raises(ValueError, match="supports pca_fit='full'"):
        sampled_views.sampled_views_sweep(images, labels, dataclasses.replace(TINY, probe="held_out"), SampledViews(1))


def test_readings_round_trip_through_json(tmp_path):
    images, labels = synthetic_digits(400)
    readings = {key: sampled_views.READINGS[key] for key in ("expected", "views_1_decoder")}
    results = sampled_views.run_readings(images, labels, TINY, readings)
    path = tmp_path / "readings.json"
    sampled_views.save_readings(path, results, {"command": "test"})
    loaded, descriptions, provenance = sampled_views.load_readings(path)
    assert provenance == {"command": "test"} and descriptions["views_1_decoder"] == readings["views_1_decoder"][0]
    for key, result in results.items():
        np.testing.assert_array_equal(loaded[key].distance, result.distance)
        assert loaded[key].config == result.config and loaded[key].methods == result.methods
    with pytest.raises(FileNotFoundError, match="no sampled-views results"):
        sampled_views.load_readings(tmp_path / "missing.json")
