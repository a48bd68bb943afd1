"""Cor 4.5's regime of a corruption on a data set, computed from the data."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.imagenet_c import regime

SCALES = {1: 0.08, 3: 0.18, 5: 0.38}  # ImageNet-C's Gaussian-noise standard deviations, [0, 1] units


def _grey(n: int = 400, seed: int = 0) -> np.ndarray:
    """Mid-grey images (no clipping at 0 or 1 for small noise), three equal channels."""
    rng = np.random.default_rng(seed)
    one = np.clip(128 + rng.normal(0, 10, (n, 32, 32, 1)), 0, 255).astype(np.uint8)
    return np.repeat(one, 3, axis=-1)


@pytest.mark.parametrize("severity", [1, 3])
def test_noise_variance_is_the_corruptions_variance_where_nothing_clips(severity):
    v = regime.noise_variances(_grey(), "gaussian_noise", severity)
    # the variance c^2 (not the standard deviation c, not 2 c^2 of a difference of two draws)
    assert np.mean(v) == pytest.approx(SCALES[severity] ** 2, rel=0.08)


def test_three_equal_channels_count_every_direction_three_times():
    x = _grey(300)
    full = np.asarray(x, dtype=float).reshape(len(x), -1) / 255
    full -= full.mean(0)
    # The covariance over all 3,072 values, from the 300 x 300 Gram matrix (same non-zero eigenvalues;
    # a 3,072-square eigendecomposition took a minute of a busy machine).
    direct = np.sort(np.linalg.eigvalsh(full @ full.T / len(x)))[::-1]
    assert np.allclose(regime.signal_spectrum(x)[:50], direct[:50], rtol=1e-8, atol=1e-12)


def test_regimes_classify_each_severity():
    assert regime.classify(np.array([0.1, 0.2]), 0.5) == "low"
    assert regime.classify(np.array([0.6, 0.9]), 0.5) == "high"
    assert regime.classify(np.array([0.1, 0.9]), 0.5) == "between"
    out = regime.regimes(_grey(), "gaussian_noise", [1, 5], k=50)
    assert [r["regime"] for r in out["severities"]] == [
        regime.classify(np.array([r["noise_min"], r["noise_max"]]), out["threshold"]) for r in out["severities"]
    ]
    assert out["k"] == 50 and out["threshold"] > 0
    with pytest.raises(ValueError, match="k must be between 1 and"):
        regime.regimes(_grey(20), "gaussian_noise", [1], k=10_000)
