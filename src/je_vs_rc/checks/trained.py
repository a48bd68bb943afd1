"""Checks of chapter 12 (trained models), after the conventions of ``je_vs_rc.checks``: each raises
:class:`je_vs_rc.checks.claims.ClaimError` through ``claim`` when its claim fails and returns the numbers it
measured, for the chapter to glue. They read the results of torch training (``je_vs_rc.trained``), so
importing this module needs torch; ``tests/checks/test_trained.py`` makes each fail on a plausible wrong
input."""

from __future__ import annotations

import numpy as np

from ..theory import methods
from ..theory.linalg import single_threaded_module
from ..trained.grid import CLOSED_FORM, LINEAR, GridResult, summarize
from ..trained.linear import VARIANTS, LinearStudy
from ..words import number
from .claims import claim

# Named tolerances. Achieved values and margins: the chapter's default parameters (3 seeds, ladder up to
# 1,000 SGD steps of 256), measured by a run of the chapter on its defaults.
OBJECTIVE_RTOL = 1e-2  # relative objective gap at the largest budget; achieved <= 1.5e-4 (margin ~70x)
REACH_DISTANCE = 0.05  # distance to the closed form counted as "reached"; achieved <= 0.0046 (margin ~11x)
DECREASE_FACTOR = 0.5  # smallest to largest step budget, the distance must at least halve; achieved <= 0.045x
RECOVERED_BELOW = 0.1  # distance to the clean encoder counted as recovered (in [0, 1]); achieved <= 0.013 at 2x
# the threshold (margin ~8x)
FAILED_ABOVE = 0.5  # ... and as not recovered; achieved >= 0.985 at 0.5x the threshold (margin ~2x)
SCALE_ATOL = 0.05  # penalty variant, eigenvalues of W S W^T against the prediction; achieved 0.016 (margin ~3x)


def check_reaches_closed_forms(study: LinearStudy) -> dict[str, tuple[float, float]]:
    """Every variant, at the largest budget (steps and batch), is within ``OBJECTIVE_RTOL`` of the closed form's
    objective and within ``REACH_DISTANCE`` of its directions (seed means). Returns (gap, distance) per variant."""
    out = {}
    for name in VARIANTS:
        gap = float(study.gap[name][-1, -1].mean())
        dist = float(study.distance[name][-1, -1].mean())
        claim(
            gap + 1e-12 >= 0 and gap < OBJECTIVE_RTOL,
            f"{name}: relative objective gap {gap:.3g} at the largest budget (tolerance {OBJECTIVE_RTOL:g})",
        )
        claim(
            dist < REACH_DISTANCE,
            f"{name}: distance {dist:.3g} to the closed form at the largest budget (tolerance {REACH_DISTANCE:g})",
        )
        out[name] = (gap, dist)
    return out


def check_budget_decrease(study: LinearStudy) -> dict[str, tuple[float, float]]:
    """The distance to the closed form falls as training grows (mean over seeds and batch sizes, smallest vs
    largest step budget: at least ``DECREASE_FACTOR``) and as the batch grows (at the largest budget,
    smallest vs largest batch: lower). Returns the two ratios per variant."""
    out = {}
    for name in VARIANTS:
        by_steps = study.distance[name].mean(axis=(1, 2))
        by_batch = study.distance[name][-1].mean(axis=-1)
        claim(
            by_steps[-1] < DECREASE_FACTOR * by_steps[0],
            f"{name}: distance by step budget {np.round(by_steps, 4)} does not halve",
        )
        claim(by_batch[-1] < by_batch[0], f"{name}: distance by batch size {np.round(by_batch, 4)} does not fall")
        out[name] = (float(by_steps[-1] / by_steps[0]), float(by_batch[-1] / by_batch[0]))
    return out


def check_trained_recovery(study: LinearStudy) -> dict[str, np.ndarray]:
    """Props 4.3/4.4 for trained models: below the threshold (ratio < 1) the corrupted-data encoder stays
    ``FAILED_ABOVE`` away from the clean encoder's row space, above it (ratio > 1) it comes within
    ``RECOVERED_BELOW`` (seed means). Returns the seed-mean distances per variant."""
    ratios = study.config.recovery_ratios
    claim(min(ratios) < 1 < max(ratios), f"recovery_ratios {list(ratios)} must include a value below 1 and one above 1")
    out = {}
    for name, rec in study.recovery.items():
        short = methods.get(VARIANTS[name].method).short
        for ratio, dist in zip(study.config.recovery_ratios, rec.mean(axis=-1)):
            if ratio > 1:
                claim(
                    dist < RECOVERED_BELOW,
                    f"{name} at {ratio:g} x alpha_{short}: distance {dist:.3g} to the clean encoder, expected recovery",
                )
            elif ratio < 1:
                claim(
                    dist > FAILED_ABOVE,
                    f"{name} at {ratio:g} x alpha_{short}: distance {dist:.3g} to the clean encoder, expected failure",
                )
        out[name] = rec.mean(axis=-1)
    return out


def check_penalty_scales(study: LinearStudy) -> tuple[float, list[float]]:
    """The penalty variant converges to :func:`penalty_feature_scales` (shrinkage, collapse below the weight
    ``1 - omega_i``): every trained run that did not diverge is within ``SCALE_ATOL``. Returns the largest
    error and the penalty weights at which some seed diverged (reported, not hidden)."""
    diverged = [float(lam) for lam, sc in zip(study.config.penalties, study.scales) if not np.all(np.isfinite(sc))]
    ok = np.isfinite(study.scales)
    claim(ok.any(), "every penalty run diverged")
    err = float(np.max(np.abs(study.scales[ok] - study.predicted_scales[ok])))
    claim(err < SCALE_ATOL, f"penalty variant: eigenvalues of W S W^T differ from the prediction by {err:.3g}")
    return err, diverged


def grid_summaries(result: GridResult) -> dict[tuple[int, str, str], object]:
    """``summarize`` of every (noise level, architecture, method) curve."""
    return {
        (g, arch, m): summarize(result.config.alphas, result.distance[arch][m][g])
        for g in range(len(result.config.gamma_max))
        for arch in result.distance
        for m in result.methods
    }


def check_linear_grid(result: GridResult) -> tuple[float, list[str]]:
    """The trained linear model against the closed forms on the grid (same model class and objective, so any
    difference is optimisation error). Wherever both curves switch, their half-damage alignments must differ
    by less than one grid step (checked). Returns the largest such ratio and a description of every
    (noise level, method) where the two curves' states differ (reported, for the chapter to show)."""
    alphas = np.asarray(result.config.alphas)
    step = float(np.max(alphas[1:] / alphas[:-1]))
    worst, differ, compared = 1.0, [], 0
    summary = grid_summaries(result)
    for g in range(len(result.config.gamma_max)):
        for m in result.methods:
            cf, lin = summary[(g, CLOSED_FORM, m)], summary[(g, LINEAR, m)]
            where = f"{methods.get(m).short} at Γ max {number(result.config.gamma_max[g])}"
            if cf.state == "switch" and lin.state == "switch":
                ratio = max(cf.alpha_half / lin.alpha_half, lin.alpha_half / cf.alpha_half)
                claim(
                    ratio < step,
                    f"{where}: the trained linear model switches at {lin.alpha_half:.3g}, "
                    f"the closed form at {cf.alpha_half:.3g}",
                )
                worst = max(worst, ratio)
                compared += 1
            elif cf.state != lin.state:
                differ.append(
                    f"{where} (closed form: {cf.state}, plateau {cf.plateau:.1e}; trained linear: "
                    f"{lin.state}, plateau {lin.plateau:.1e})"
                )
    claim(compared > 0, "no curve switches both in the closed form and in training: nothing to compare")
    return worst, differ


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
