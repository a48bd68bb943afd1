"""checks/trained.py: each check passes on a study or grid that shows its claim and fails on a plausible
wrong one (a closed form the training does not reach, a threshold on the wrong side, the penalty's optimum
without collapse, a trained linear model that switches far from its closed form)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from je_vs_rc.checks import trained as tc
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.trained.grid import CLOSED_FORM, LINEAR, GridConfig, GridResult
from je_vs_rc.trained.linear import VARIANTS, LinearStudy, LinearStudyConfig, penalty_feature_scales

CFG = LinearStudyConfig(steps=(30, 1000), batch_sizes=(16, 256), seeds=(0, 1), penalties=(0.1, 10.0))
OMEGA = np.array([0.95, 0.9, 0.8])


def good_study() -> LinearStudy:
    """A study that shows every claim: distances fall 100x with steps and 2x with the batch, tiny gaps, recovery
    only above the threshold, penalty scales at their prediction."""
    ladder = np.array([[[0.3, 0.3], [0.2, 0.2]], [[0.004, 0.004], [0.002, 0.002]]])  # (steps, batch, seeds)
    predicted = np.array([[penalty_feature_scales(OMEGA, 3, lam)] * 2 for lam in CFG.penalties])
    return LinearStudy(
        CFG,
        {v: ladder.copy() for v in VARIANTS},
        {v: ladder.copy() ** 2 for v in VARIANTS},
        {v: np.array([[0.9, 0.95], [0.01, 0.02]]) for v in VARIANTS if v != "SL"},
        predicted + 0.01,
        predicted,
        np.tile(OMEGA, (2, 1)),
        {"je": 1.0, "rc": 2.0},
        {},
    )


def test_the_checks_pass_on_a_study_that_shows_the_claims():
    study = good_study()
    assert tc.check_reaches_closed_forms(study)["RC"] == pytest.approx((4e-6, 0.002))
    assert tc.check_budget_decrease(study)["SL"] == pytest.approx((0.003 / 0.25, 0.5))
    assert np.allclose(tc.check_trained_recovery(study)["JE penalty"], [0.925, 0.015])
    assert tc.check_penalty_scales(study) == (pytest.approx(0.01), [])


def test_a_closed_form_that_training_does_not_reach_fails():
    study = good_study()
    study.gap["JE projection"][-1, -1] = 0.05  # e.g. a wrong objective: optimum 5% below the trained one
    with pytest.raises(ClaimError, match="JE projection: relative objective gap 0.05"):
        tc.check_reaches_closed_forms(study)
    study = good_study()
    study.gap["RC"][-1, -1] = -0.01  # training beats the "optimum": the closed form is wrong
    with pytest.raises(ClaimError, match="RC: relative objective gap"):
        tc.check_reaches_closed_forms(study)
    study = good_study()
    study.distance["SL"][:] = 0.1  # flat in the budget: optimisation is not what brings it there
    with pytest.raises(ClaimError, match="does not halve"):
        tc.check_budget_decrease(study)


def test_a_threshold_on_the_wrong_side_fails():
    # The recovery alignments were placed with a wrong threshold: the run below "the threshold" recovers.
    study = good_study()
    study.recovery["RC"][0] = [0.02, 0.03]
    with pytest.raises(ClaimError, match="RC at 0.5 x alpha_RC: distance 0.025 to the clean encoder, expected failure"):
        tc.check_trained_recovery(study)
    study = good_study()
    study.recovery["JE whitening"][1] = [0.6, 0.7]
    with pytest.raises(ClaimError, match="expected recovery"):
        tc.check_trained_recovery(study)
    with pytest.raises(ClaimError, match="must include a value below 1 and one above 1"):
        tc.check_trained_recovery(
            dataclasses.replace(good_study(), config=dataclasses.replace(CFG, recovery_ratios=(2.0, 3.0)))
        )


def test_a_penalty_optimum_without_collapse_fails():
    study = good_study()
    # The naive optimum 1 - (1 - omega)/lambda, not clipped at 0, against trained runs that collapse.
    study.predicted_scales = np.array([[1 - (1 - OMEGA) / lam] * 2 for lam in CFG.penalties])
    with pytest.raises(ClaimError, match="differ from the prediction"):
        tc.check_penalty_scales(study)
    study = good_study()
    study.scales[0, 1] = np.nan  # a diverged run is reported, not hidden
    assert tc.check_penalty_scales(study)[1] == [0.1]


def grid_result(shift: float) -> GridResult:
    """Closed form and trained linear curves that drop between alpha 1 and 3; the trained one ``shift`` grid
    steps later."""
    alphas = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
    cfg = GridConfig(alphas=alphas, gamma_max=(1e6,), seeds=(0, 1), mlp_hidden=((8,),))
    drop = np.array([0.1, 0.1, 0.1, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3])
    seeds = np.array([1.0, 1.1])
    curve = (drop[:, None] * seeds)[None]
    late = np.roll(drop, shift) if shift else drop
    late[:shift] = 0.1
    distance = {
        CLOSED_FORM: {"je": curve, "rc": curve},
        LINEAR: {"je": (late[:, None] * seeds)[None], "rc": curve},
        "MLP 8": {"je": curve, "rc": curve},
    }
    return GridResult(cfg, distance, distance, distance, {"je": np.array([[1.5, 1.6]]), "rc": np.array([[2.0, 2.1]])})


def test_the_trained_linear_model_must_switch_where_its_closed_form_does():
    worst, differ = tc.check_linear_grid(grid_result(0))
    assert worst == pytest.approx(1.0) and differ == []
    with pytest.raises(ClaimError, match="JE at Γ max 1,000,000: the trained linear model switches at"):
        tc.check_linear_grid(grid_result(2))  # two grid steps (about 10x) later
