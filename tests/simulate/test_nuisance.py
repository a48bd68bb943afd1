"""simulate/nuisance.py: the patterns, the exact view moments, the levels' regimes, the probe, the R^2, the closed
forms' response to alignment, and bad input refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import synthetic_digits

from je_vs_rc.simulate import nuisance as nz
from je_vs_rc.simulate.nuisance import NuisanceConfig, nuisance_data

SMALL = NuisanceConfig(n_patterns=8, avoid=20, k=6, n_train=400, n_test=200, levels={"weak": 0.3, "strong": 10.0})


@pytest.fixture(scope="module")
def small():
    train, ytrain = synthetic_digits(600, seed=0)
    test, ytest = synthetic_digits(300, seed=1)
    return nuisance_data(train.reshape(-1, 28, 28), ytrain, test.reshape(-1, 28, 28), ytest, SMALL, seed=0)


def test_patterns_are_orthonormal_and_avoid_the_top_components(small):
    P, U = small.P, small.components
    assert np.allclose(P.T @ P, np.eye(SMALL.n_patterns), atol=1e-10)
    assert np.abs(U.T @ P).max() < 1e-10
    # Smooth: neighbouring pixels of a pattern are strongly correlated (white noise would give ~0).
    img = P[:, 0].reshape(28, 28)
    assert np.corrcoef(img[:, :-1].ravel(), img[:, 1:].ravel())[0, 1] > 0.3


def test_nuisance_is_fixed_per_image_and_fresh_on_the_test_set(small):
    a = small.images("train", "strong") - small.x_train
    assert np.allclose(a, np.sqrt(small.variance["strong"]) * small.z_train @ small.P.T)
    assert np.allclose(small.images("train", "strong"), small.images("train", "strong"))  # no redraw
    assert not np.allclose(small.z_train[:200], small.z_test)
    assert np.allclose(small.images("test", None), small.x_test)


def test_levels_are_placed_by_the_spectrum_and_land_in_their_regimes(small):
    th = small.thresholds("weak")
    assert np.isclose(small.switch, th.switch)  # the same eta^2/delta as the theory's thresholds
    assert np.isclose(small.variance["weak"], 0.3 * small.switch)
    assert nz.regime(small, "weak") == "low" and nz.regime(small, "strong") == "high"
    # Cor 4.5 on the reduced setting: JE needs less alignment in the high-noise regime.
    strong = small.thresholds("strong")
    assert strong.threshold("je") < strong.threshold("rc")


def test_view_moments_are_exact():
    # Monte Carlo over every translation and pixel-noise draws agrees with the closed-form moments.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 784))
    mom = nz.view_moments(X, shift=1, pixel_noise=0.2)
    shifts = nz.shift_indices(1)
    views = np.stack([nz._shifted(X, s) for s in shifts])  # (9, 5, 784)
    assert np.allclose(mom.Xbar, views.mean(axis=0))
    second = np.einsum("sni,snj->ij", views, views) / (len(shifts) * X.shape[0])
    assert np.allclose(mom.C, second + 0.04 * np.eye(784))
    # A translation moves content: pixel (r, c) of the (dy, dx) = (1, 0) view is pixel (r - 1, c) of the image.
    img = np.arange(784.0)[None]
    moved = nz._shifted(img, shifts[7])  # dy = 1, dx = 0
    assert moved[0, 28 * 5 + 3] == img[0, 28 * 4 + 3] and moved[0, 3] == 0.0


def test_probe_and_r2_known_answers():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 500)
    onehot = np.eye(10)[y]
    assert nz.probe_top1(onehot, y, [(onehot, y)])[0] == 100.0
    noise = rng.standard_normal((500, 5))
    assert nz.probe_top1(noise, y, [(rng.standard_normal((500, 5)), y)])[0] < 20.0
    A = rng.standard_normal((500, 4))
    assert nz.nuisance_r2(A @ rng.standard_normal((4, 3)), A) > 0.999
    assert nz.nuisance_r2(rng.standard_normal((500, 3)), A) < 0.05
    # A dead (constant) feature carries nothing and is skipped, not a division by zero.
    assert nz.nuisance_r2(np.hstack([A[:, :1], np.ones((500, 1))]), A) > 0.999


def test_closed_forms_respond_to_alignment(small):
    weak, strong = nz.closed_forms(small, "strong", [0.0, 30.0])
    clean = nz.closed_forms(small, None, [0.0])[0]
    for key in ("je", "rc"):
        assert strong[key].r2 < weak[key].r2  # alignment pushes the nuisance out of the features
        assert strong[key].top1 > weak[key].top1 - 1.0
        assert np.isnan(clean[key].r2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(avoid=740, n_patterns=64), "avoid + n_patterns = 740 + 64 exceeds the image dimension 784"),
        (dict(levels={"weak": 0.0}), "levels['weak'] must be > 0; got 0.0"),
        (dict(levels={"weak": -1.0}), "levels['weak'] must be > 0"),
        (dict(k=40, avoid=20), "k = 40 must be <= avoid = 20"),
        (dict(pixel_noise=-0.1), "pixel_noise must be >= 0"),
        (dict(shift=14), "shift must be below 14 pixels"),
        (dict(n_patterns=0), "n_patterns must be an integer >= 1"),
    ],
)
def test_bad_configuration_is_one_line(changes, message):
    with pytest.raises(ValueError) as err:
        NuisanceConfig(**{**SMALL.__dict__, **changes})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_negative_alpha_is_refused(small):
    with pytest.raises(ValueError, match=r"^alpha must be >= 0; got -0.5$"):
        nz.closed_forms(small, "weak", [1.0, -0.5])
