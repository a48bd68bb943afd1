"""The errata checks: they settle each item and can fail."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import Setting, paper, thresholds
from je_vs_rc.checks import errata
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.simulate import errata as sim_errata
from je_vs_rc.theory.setting import augmented_moments


def test_errata_checks_pass_on_the_toy_setting(toy):
    th = thresholds(toy)
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    losses = errata.check_rc_forms(X, toy, 1.0, 0.6)
    assert losses["masked"]["paper"] < losses["masked"]["slides"]
    gaps = errata.check_threshold_is_a_tie(toy, th)
    assert abs(gaps["gap_at"]) < 1e-12 < gaps["gap_above"]
    assert errata.check_eq68_is_harmless(toy, th)["smallest"] == pytest.approx(th.delta)
    assert errata.check_table1_arithmetic()["worst"] <= errata.TABLE1_HALF_UNIT


def test_tie_check_when_no_alignment_is_needed():
    # Theta as loud as the signal on the noise: JE's squared threshold is negative, alpha = 0 already
    # recovers, and there is no tie to find (the check used to look for one at alpha = 0 and fail).
    quiet = Setting([4.0, 3.0, 2.0], [1.0] * 6, [0.0, 0.0, 0.0, 1.0, 0.6, 0.3])
    th = thresholds(quiet)
    assert th.alpha_je2 < 0
    assert errata.check_threshold_is_a_tie(quiet, th)["gap_zero"] > 0


def test_table1_is_compared_at_the_printed_precision():
    rows = {r["method"]: r for r in errata.check_table1_arithmetic()["rows"]}
    # MAE: the recomputed drops average 25.04, which rounds to 25.0, not the printed 25.1 (a 0.1
    # tolerance hid it); the printed drops average 25.07, which does round to 25.1.
    assert not rows["MAE"]["recomputed_agrees"] and rows["MAE"]["printed_agrees"]
    assert rows["DINO"]["recomputed_agrees"]


def test_table1_check_can_fail(monkeypatch):
    monkeypatch.setitem(paper.TABLE1_MEAN_DROP, "MAE", 25.0)  # off by 0.07 from the printed drops' mean
    with pytest.raises(ClaimError, match="MAE mean drop"):
        errata.check_table1_arithmetic()
    monkeypatch.undo()
    table = dict(paper.TABLE1["DINO"])
    s1, s3, s5, drop = table["pixelate"]
    monkeypatch.setitem(paper.TABLE1, "DINO", {**table, "pixelate": (s1, s3, s5, drop + 0.06)})
    with pytest.raises(ClaimError, match="printed drop"):
        errata.check_table1_arithmetic()


def test_whitening_check_can_fail(toy):
    rng = np.random.default_rng(0)
    X = toy.clean_data(200, rng) + toy.corruption(200, rng)
    S, G = augmented_moments(X, toy.sigma(1.0))
    assert errata.check_whitening_typo(S, G, 3)["eq42_last"] < 1e-8
    with pytest.raises(ClaimError):
        errata.check_whitening_typo(np.eye(6), G, 3)  # S = I: the printed eqs. 41-42 are right too
    # Population moments commute: the two readings of eq. 41 cannot be told apart, and the check says so.
    with pytest.raises(ClaimError, match="must not commute"):
        errata.check_whitening_typo(*toy.population_moments(1.0, corrupted=True), 3)


def test_masking_check_can_fail(toy, monkeypatch):
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    real = sim_errata.rc_paper_vs_slides

    def wrong_scale(X, family, k):  # a decoder scaled by p^2, not p
        out = real(X, family, k)
        return {**out, "decoder_scale": out["decoder_scale"] ** 2}

    monkeypatch.setattr(sim_errata, "rc_paper_vs_slides", wrong_scale)
    with pytest.raises(ClaimError, match="decoder"):
        errata.check_rc_forms(X, toy, 1.0, 0.6)


def test_eq68_check_can_fail(toy, monkeypatch):
    th = thresholds(toy)
    monkeypatch.setattr(
        sim_errata, "clean_positive_eigenvalues", lambda s: {"smallest": 0.8, "largest": 0.8, "delta": th.delta}
    )  # a max in place of the min
    with pytest.raises(ClaimError):
        errata.check_eq68_is_harmless(toy, th)


def test_cross_term_check_can_fail(toy, monkeypatch):
    assert errata.check_dropped_cross_terms(toy, 1.0, [100, 10000], 0)["cross"][-1] > errata.CROSS_TERM_MIN
    monkeypatch.setattr(sim_errata, "dropped_cross_terms", lambda *a: {"cross": np.array([0.5, 0.0])})
    with pytest.raises(ClaimError, match="vanishes"):
        errata.check_dropped_cross_terms(toy, 1.0, [100, 10000], 0)
    monkeypatch.setattr(sim_errata, "dropped_cross_terms", lambda *a: {"cross": np.array([0.5, 0.4])})
    with pytest.raises(ClaimError, match="shrink"):
        errata.check_dropped_cross_terms(toy, 1.0, [100, 10000], 0)
