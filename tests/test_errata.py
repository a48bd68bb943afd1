"""The computations behind the errata chapter."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import errata, paper, thresholds


def test_table1_arithmetic():
    for method, rows in paper.TABLE1.items():
        drops = [paper.relative_drop(s1, s5) for s1, _, s5, _ in rows.values()]
        assert max(abs(d - r[3]) for d, r in zip(drops, rows.values())) < 0.06
        assert np.mean(drops) == pytest.approx(paper.TABLE1_MEAN_DROP[method], abs=0.1)
    with pytest.raises(ValueError, match="top1_s1 must be > 0"):
        paper.relative_drop(0.0, 1.0)


def test_paper_form_of_thm31_wins_under_masking(toy):
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    Xbar, Sigma = errata.masking_moments(X, 0.6)
    losses = errata.rc_paper_vs_slides(X, Xbar, Sigma, 3)
    assert losses["paper"] < losses["slides"]
    with pytest.raises(ValueError, match="keep_prob must be in"):
        errata.masking_moments(X, 1.5)


def test_threshold_is_a_tie(toy):
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    assert abs(errata.je_eigengap(toy, th.alpha("je"))) < 1e-12
    assert errata.alpha_je2_with_max_delta(toy) < th.alpha_je2
