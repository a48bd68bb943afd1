"""The landing page's scorecard: each row's status follows the numbers it is given, and a status or
an evidence line that the page could not show is refused."""

from __future__ import annotations

import pytest

from je_vs_rc.checks.scorecard import (
    NOT_REPRODUCED,
    NOT_RUN,
    PARTLY,
    REPRODUCED,
    Score,
    appendix_figures_score,
    checked,
    corollary_45_score,
    counted,
    figure3_column_score,
    share,
    threshold_evidence,
)
from je_vs_rc.simulate.sweeps import scaled_setting
from je_vs_rc.theory.methods import JOINT_EMBEDDING, RECONSTRUCTION
from je_vs_rc.theory.setting import Setting
from je_vs_rc.theory.thresholds import thresholds


@pytest.mark.parametrize(
    ("hits", "total", "status"),
    [(6, 6, REPRODUCED), (0, 6, NOT_REPRODUCED), (1, 6, PARTLY), (5, 6, PARTLY), (1, 1, REPRODUCED)],
)
def test_counted_status_follows_the_counts(hits, total, status):
    assert counted(hits, total, "x").status == status


@pytest.mark.parametrize(("hits", "total"), [(7, 6), (-1, 6), (0, 0)])
def test_counted_refuses_impossible_counts(hits, total):
    with pytest.raises(ValueError, match="hits"):
        counted(hits, total, "x")


@pytest.mark.parametrize(("status", "evidence"), [("done", "x"), (REPRODUCED, ""), (REPRODUCED, "two\nlines")])
def test_score_refuses_what_the_table_cannot_show(status, evidence):
    with pytest.raises(ValueError):
        Score(status, evidence)


def test_labels_carry_a_symbol_and_checked_is_reproduced():
    assert checked("ok").label == "✓ reproduced"
    assert Score(NOT_RUN, "x").label == "– not run here"
    assert share(6, 6) == "all 6" and share(4, 6) == "4 of 6"


def test_threshold_evidence_counts_the_sweep_on_each_side(toy):
    th = thresholds(toy)
    t = th.threshold(RECONSTRUCTION)
    text = threshold_evidence(th, RECONSTRUCTION, [t / 2, t / 3, 2 * t])
    assert f"{t:.3g}" in text and "2 below it fail and 1 above it converges" in text
    # The toy's JE threshold is 0.7: at one precision with its trailing zeros (as chapters 5 and 6 print it).
    assert abs(th.threshold(JOINT_EMBEDDING) - 0.7) < 1e-9
    assert "JE’s threshold α = 0.700:" in threshold_evidence(th, JOINT_EMBEDDING, [0.5])


def test_threshold_evidence_without_a_threshold(toy):
    quiet = thresholds(scaled_setting(toy, 1e-6))  # noise so quiet that RC needs no alignment
    assert quiet.threshold2(RECONSTRUCTION) <= 0
    assert "≤ 0" in threshold_evidence(quiet, RECONSTRUCTION, [0.5, 1.0])


def _regimes(toy, *scales):
    return {f"s={s:g}": thresholds(scaled_setting(toy, s)) for s in scales}


def test_corollary_score_needs_both_regimes(toy):
    agreement = {JOINT_EMBEDDING.key: 0.99, RECONSTRUCTION.key: 0.98}
    both = _regimes(toy, 0.01, 100.0)
    assert {th.regime for th in both.values()} == {"low", "high"}
    score = corollary_45_score(both, agreement)
    assert score.status == REPRODUCED
    assert "99% (JE)" in score.evidence and "98% (RC)" in score.evidence
    # The order word is computed: high noise puts JE's threshold below RC's.
    assert "high regime): JE’s threshold below RC’s" in score.evidence
    one = {k: v for k, v in both.items() if v.regime == "high"}
    assert corollary_45_score(one, agreement).status == PARTLY


def test_corollary_score_says_when_neither_needs_alignment():
    # Chapter 6 rerun with Theta loud on the noise (issue 23, item 1): at quiet noise both squared
    # thresholds are negative, so "JE's threshold above RC's" would be false of the thresholds on alpha.
    base = Setting([4.0, 3.0, 2.0], [0.01, 0.01, 0.01, 1.0, 1.0, 1.0], [0, 0, 0, 1.0, 0.6, 0.3])
    regimes = _regimes(base, 1.0, 10.0)
    quiet = regimes["s=1"]
    assert quiet.regime == "low" and max(quiet.squared.values()) < 0
    evidence = corollary_45_score(regimes, {JOINT_EMBEDDING.key: 1.0, RECONSTRUCTION.key: 1.0}).evidence
    assert "s=1 noise (low regime): neither needs alignment (JE’s squared threshold above RC’s, both ≤ 0)" in evidence
    assert "s=10 noise (high regime): JE’s threshold below RC’s" in evidence


def _line(model, match, ours, paper):
    return {
        "model": model,
        "match": match,
        "ours_converges": ours,
        "paper_converges": paper,
        "markers_within": 10 if match else 3,
        "markers": 10,
        "markers_needed": 8,
    }


def test_figure3_column_needs_shape_and_values():
    rows = [_line("je", True, True, True), _line("je", False, True, True), _line("rc", True, False, True)]
    je = figure3_column_score(rows, "je", "mnist")
    assert je.status == PARTLY
    assert "all 2 lines converge or fail" in je.evidence and "1 of 2 match" in je.evidence
    assert "13 of 20 within a factor 3" in je.evidence
    closest = figure3_column_score(rows, "rc", "mnist", closest="closest reading: X")
    assert closest.evidence.endswith("; closest reading: X")
    # A line whose values match but whose shape does not is not reproduced.
    assert figure3_column_score(rows, "rc", "mnist").status == NOT_REPRODUCED
    assert figure3_column_score(rows[:1], "je", "mnist").status == REPRODUCED


def test_appendix_figures_not_run_unless_the_run_is_one_of_them():
    counts = {"converges": 3, "fails": 2, "mixed": 1}
    score = appendix_figures_score("mnist", {"fashion-mnist": True, "kmnist": False}, counts)
    assert score.status == NOT_RUN
    assert "Fig. 5 (Fashion-MNIST): data verified, not run" in score.evidence
    assert "Fig. 6 (Kuzushiji-MNIST): data not in this build" in score.evidence
    ran = appendix_figures_score("kmnist", {"kmnist": True}, counts)
    assert ran.status == PARTLY and "Fig. 6" in ran.evidence and "3 predicted to converge do" in ran.evidence
    # A MNIST run that also swept a fetched appendix dataset.
    agreement = {"converges": 13, "converges_ok": 12, "fails": 4, "fails_ok": 4, "mixed": 1}
    swept = appendix_figures_score("mnist", {"fashion-mnist": True}, counts, {"fashion-mnist": agreement})
    assert swept.status == PARTLY
    assert swept.evidence.startswith("Fig. 5 (Fashion-MNIST): 12 of 13 lines predicted to converge do, 4 of 4")
    assert "Fig. 6 (Kuzushiji-MNIST): data not in this build" in swept.evidence
