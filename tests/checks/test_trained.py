"""checks/trained.py: each check passes on a study or grid that shows its claim and fails on a plausible
wrong one (a closed form the training does not reach, a threshold on the wrong side, the penalty's optimum
without collapse, a trained linear model that switches far from its closed form)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import planted_grid, step_curve

from je_vs_rc.checks import trained as tc
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.trained.grid_config import LINEAR
from je_vs_rc.trained.linear import VARIANTS, LinearStudy, LinearStudyConfig, penalty_feature_scales
from je_vs_rc.trained.stats import CLOSED_FORM

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


ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)


def linear_grid(shift: int, moved=None):
    """Closed form and trained linear curves that drop between alpha 1 and 3; the trained JE one ``shift`` grid
    steps later."""
    drop = step_curve(ALPHAS, 2)
    damage = {
        (CLOSED_FORM, "je"): drop,
        (CLOSED_FORM, "rc"): drop,
        (LINEAR, "je"): step_curve(ALPHAS, 2 + shift),
        (LINEAR, "rc"): drop,
        ("MLP 8", "je"): drop,
        ("MLP 8", "rc"): drop,
    }
    return planted_grid(ALPHAS, damage, floor=1e-4, moved=moved)


def test_the_trained_linear_model_is_compared_with_its_closed_form():
    worst, step, differ = tc.compare_linear_grid(linear_grid(0))
    assert worst == pytest.approx(1.0, abs=0.02) and step == pytest.approx(3.0) and differ == []
    zeros = {(a, m): np.zeros(8) for a in (CLOSED_FORM, LINEAR) for m in ("je", "rc")}
    assert tc.compare_linear_grid(planted_grid(ALPHAS, zeros))[:2] == (None, None)
    # Two grid steps (about 10x) later: reported as a departure beyond the grid's step (optimisation error).
    worst, _, differ = tc.compare_linear_grid(linear_grid(2))
    assert worst == pytest.approx(1.0, abs=0.02) and differ[0].startswith(
        "JE at λ^Γ_max = 1,000,000, the trained linear"
    )
    assert "more than the grid’s step 3.33" in differ[0]
    # A trained curve that was not stable on the ladder: reported as such.
    worst, _, differ = tc.compare_linear_grid(linear_grid(2, moved={(LINEAR, "je"): (6, 0.1)}))
    assert differ[0].endswith("not stable on the ladder)")


def test_converged_claims_fail_where_the_last_budget_moved_the_answer():
    # At the last-but-one budget the MLP's RC curve was still at its plateau at alpha = 100 (index 6).
    result = linear_grid(0, moved={("MLP 8", "rc"): (6, 0.1)})
    assert tc.check_converged(result, [(0, "MLP 8", "je")]) == 1
    with pytest.raises(
        ClaimError, match=r"MLP 8 RC at λ\^Γ_max = 1,000,000: at 100 steps the curve was 'drop' \(α ≈ 1"
    ):
        tc.check_converged(result, [(0, "MLP 8", "je"), (0, "MLP 8", "rc")])
