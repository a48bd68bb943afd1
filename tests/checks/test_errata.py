"""The errata checks: they settle each item and can fail."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import paper, thresholds
from je_vs_rc.checks import errata
from je_vs_rc.checks.claims import ClaimError


def test_errata_checks_pass_on_the_toy_setting(toy):
    th = thresholds(toy)
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    losses = errata.check_rc_forms(X, toy, 1.0, 0.6)
    assert losses["masked"]["paper"] < losses["masked"]["slides"]
    gap_at, gap_above = errata.check_threshold_is_a_tie(toy, th)
    assert abs(gap_at) < 1e-12 < gap_above
    assert errata.check_max_delta_typo(toy, th)["wrong2"] < th.alpha_je2
    assert errata.check_table1_arithmetic() < errata.TABLE1_DROP_TOL


def test_table1_check_can_fail(monkeypatch):
    monkeypatch.setitem(paper.TABLE1_MEAN_DROP, "MAE", 26.0)
    with pytest.raises(ClaimError, match="MAE mean drop"):
        errata.check_table1_arithmetic()


def test_whitening_check_can_fail(toy):
    S, G = toy.population_moments(1.0, corrupted=True)
    assert errata.check_whitening_typo(S, G, 3)["inverse_sqrt"] < 1e-8
    with pytest.raises(ClaimError):
        errata.check_whitening_typo(np.eye(6), G, 3)  # S = I: the printed S^{1/2} is right too
