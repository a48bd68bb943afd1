"""Figure 3 checks: each can fail on a result that contradicts it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from helpers import TINY, synthetic_digits

from je_vs_rc import paper
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.figure3 import (
    check_digitisation,
    check_figure3,
    check_line_fails_in_both,
    check_paper_grid,
    check_probe_invariance,
    check_starts_below_paper,
    check_variants,
    reading_counts,
    readings_verdict,
    theory_agreement,
)
from je_vs_rc.simulate import figure3, sampled_views

COMMITTED_READINGS = Path(__file__).resolve().parents[2] / "params" / "figure3_sampled_views.json"


def test_figure3_check_can_fail():
    images, labels = synthetic_digits(400)
    result = figure3.figure3_sweep(images, labels, TINY)
    broken = dataclasses.replace(result, distance=np.ones_like(result.distance))  # flat lines: nothing converges
    with pytest.raises(ClaimError, match="theory says it converges"):
        check_figure3(broken)


def test_theory_agreement_counts_what_the_check_raises_on():
    images, labels = synthetic_digits(400)
    result = figure3.figure3_sweep(images, labels, TINY)
    agreement = theory_agreement(result)
    assert sum(agreement[v] for v in ("converges", "fails", "mixed")) == 2 * 3 * 2
    flat = theory_agreement(dataclasses.replace(result, distance=np.ones_like(result.distance)))
    assert flat["converges_ok"] == 0 and flat["fails_ok"] == flat["fails"]


def test_probe_invariance():
    assert check_probe_invariance(np.random.default_rng(0)) < 1e-8


def test_row_checks_can_fail():
    rows = [{"noise": "weak", "model": "rc", "alpha": 1.0, "ours_first": 1e-3, "paper_first": 1e-2}]
    check_starts_below_paper(rows, "weak", "rc")
    with pytest.raises(ClaimError, match="weak-noise RC lines no longer start below"):
        check_starts_below_paper([{**rows[0], "ours_first": 0.1}], "weak", "rc")


def test_variant_check_can_fail():
    images, labels = synthetic_digits(400)
    results = {
        key: figure3.figure3_sweep(images, labels, dataclasses.replace(TINY, **change))
        for key, (_, change) in figure3.VARIANTS.items()
        if key != "held_out_probe"
    }
    line = ("strong", "rc", 10.0)
    findings = check_variants(results, line)
    assert findings["clean_input_max"] < 1e-6
    noisy = dataclasses.replace(results["clean_inputs"], distance=results["clean_inputs"].distance + 1e-3)
    with pytest.raises(ClaimError, match="probing on clean inputs"):
        check_variants({**results, "clean_inputs": noisy}, line)


def test_paper_grid_check_refuses_other_grids():
    images, labels = synthetic_digits(400)
    result = figure3.figure3_sweep(images, labels, TINY)  # n from 40 to 160: the paper has no values there
    with pytest.raises(ClaimError, match="needs its grid"):
        check_paper_grid(result)
    paper = figure3.Fig3Config()
    ends_only = dataclasses.replace(
        result, config=dataclasses.replace(result.config, ns=(100, 51200), gamma_max=paper.gamma_max)
    )
    check_paper_grid(ends_only)  # a thinned grid compares the markers it has, ends included
    on_grid = dataclasses.replace(ends_only, config=dataclasses.replace(ends_only.config, ns=paper.ns))
    check_paper_grid(on_grid)
    no_end = dataclasses.replace(ends_only, config=dataclasses.replace(ends_only.config, ns=paper.ns[:-1]))
    with pytest.raises(ClaimError, match="needs its grid"):
        check_paper_grid(no_end)
    other_noise = dataclasses.replace(on_grid, config=dataclasses.replace(on_grid.config, gamma_max=(1e4, 1e6)))
    with pytest.raises(ClaimError, match="needs its grid"):
        check_paper_grid(other_noise)


def test_line_check_can_fail():
    row = {
        "noise": "strong",
        "model": "rc",
        "alpha": 10.0,
        "theory": "fails",
        "ours_converges": False,
        "paper_converges": False,
        "ours_last": 0.01,
        "paper_last": 0.05,
    }
    assert check_line_fails_in_both([row], ("strong", "rc", 10.0)) == pytest.approx(5.0)
    for change in ({"theory": "mixed"}, {"ours_converges": True}, {"paper_converges": True}):
        with pytest.raises(ClaimError, match="line"):
            check_line_fails_in_both([{**row, **change}], ("strong", "rc", 10.0))


def test_digitisation_check_can_fail():
    assert 1.0 <= check_digitisation() < 2.0
    wrong = {line: dict(by_alpha) for line, by_alpha in paper.FIG3_MARKERS.items()}
    wrong[("weak", "je")][1.0] = tuple(v * 10 for v in wrong[("weak", "je")][1.0])  # a tick label a decade off
    with pytest.raises(ClaimError, match=r"differs from the endpoints read by eye .* \('weak', 'je', 1.0\)"):
        check_digitisation(wrong)


def _planted(results, key, method, values):
    """``results`` with ``method``'s seed distances in reading ``key`` set to ``values`` (per line, per n)."""
    res = results[key]
    distance = res.distance.copy()
    distance[:, res.methods.index(method)] = values[..., None]
    return {**results, key: dataclasses.replace(res, distance=distance)}


def _paper_lines(method):
    return np.array(
        [[paper.FIG3_MARKERS[(noise, method)][a] for a in (0.1, 1.0, 10.0)] for noise in paper.FIG3_NOISE_LEVELS]
    )


def test_committed_readings_give_todays_verdict():
    results, names, provenance = sampled_views.load_readings(COMMITTED_READINGS)
    assert "command" in provenance and set(results) == set(sampled_views.READINGS)
    verdict = readings_verdict(reading_counts(results, names), "rc")
    assert verdict["verdict"] == "partly explained" and verdict["closest"].startswith("views_1")
    assert verdict["sentence"].startswith("partly explained: the paper's RC column behaves as if RC was fitted on")


def test_a_planted_reading_that_matches_every_rc_line_changes_the_verdict(tmp_path):
    """The verdict is generated from the counts: a results file in which one reading matches all 6 RC
    lines turns "partly explained" into "explained" (if SL and JE keep their lines) or "explained for RC
    only" (if that reading costs them lines, as fitting on one pair of views does JE)."""
    results, names, provenance = sampled_views.load_readings(COMMITTED_READINGS)
    planted = _planted(results, "views_1", "rc", _paper_lines("rc") * 1.2)
    path = tmp_path / "planted.json"
    sampled_views.save_readings(path, planted, provenance)
    counts = reading_counts(*sampled_views.load_readings(path)[:2])
    verdict = readings_verdict(counts, "rc")
    assert verdict["closest"] == "views_1" and verdict["closest_counts"]["rc_lines"] == 6
    assert verdict["verdict"] == "explained for RC only"
    assert verdict["sentence"].startswith("explained for RC only: with 1 sampled pair of views per sample, all 6 RC")
    assert "so no reading that applies to all three models explains it" in verdict["sentence"]
    assert (
        "the same reading costs JE " in verdict["sentence"]
        and " lines it matches with the closed forms" in verdict["sentence"]
    )
    # The same reading with SL and JE as the closed forms have them: explained.
    for method in ("sl", "je"):
        expected = planted["expected"].distance[:, planted["expected"].methods.index(method)]
        planted = _planted(planted, "views_1", method, expected.mean(axis=-1))
    sampled_views.save_readings(path, planted, provenance)
    verdict = readings_verdict(reading_counts(*sampled_views.load_readings(path)[:2]), "rc")
    assert verdict["verdict"] == "explained"
    assert verdict["sentence"].endswith("and it leaves the other models' matching lines as they were")


def test_no_better_reading_is_not_explained():
    results, names, _ = sampled_views.load_readings(COMMITTED_READINGS)
    expected = results["expected"]
    worse = {key: dataclasses.replace(res, distance=expected.distance / 100) for key, res in results.items()}
    worse["expected"] = expected
    verdict = readings_verdict(reading_counts(worse, names), "rc")
    assert verdict["verdict"] == "not explained"
    with pytest.raises(ValueError, match="needs the baseline"):
        readings_verdict(reading_counts({"expected": expected}, names), "rc")
