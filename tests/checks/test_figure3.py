"""Figure 3 checks: each can fail on a result that contradicts it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import TINY, synthetic_digits

from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.figure3 import (
    check_figure3,
    check_line_fails_in_both,
    check_paper_grid,
    check_probe_invariance,
    check_starts_below_paper,
    check_variants,
)
from je_vs_rc.simulate import figure3


def test_figure3_check_can_fail():
    images, labels = synthetic_digits(400)
    result = figure3.figure3_sweep(images, labels, TINY)
    broken = dataclasses.replace(result, distance=np.ones_like(result.distance))  # flat lines: nothing converges
    with pytest.raises(ClaimError, match="theory says it converges"):
        check_figure3(broken)


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
    on_grid = dataclasses.replace(
        result, config=dataclasses.replace(result.config, ns=(100, 51200), gamma_max=paper.gamma_max)
    )
    check_paper_grid(on_grid)
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
