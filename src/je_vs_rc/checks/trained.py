"""Checks of chapter 12 (trained models), after the conventions of ``je_vs_rc.checks``: each raises
:class:`je_vs_rc.checks.claims.ClaimError` through ``claim`` when its claim fails and returns the numbers it
measured, for the chapter to glue. They read the results of torch training (``je_vs_rc.trained``), so
importing this module needs torch; ``tests/checks/test_trained.py`` makes each fail on a plausible wrong
input."""

from __future__ import annotations

import numpy as np

from ..theory import methods
from ..theory.linalg import single_threaded_module
from ..trained import stats
from ..trained.grid_config import LINEAR, variant_label
from ..trained.linear import VARIANTS, LinearStudy
from ..trained.results import GridResult
from ..trained.stats import CLOSED_FORM
from ..words import NOISE_CAP, number, plain
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


def check_converged(result: GridResult, keys) -> int:
    """The answer read from the given (noise level, architecture, variant) curves survived the step ladder's last
    step (``je_vs_rc.trained.stats.stable``): at the last-but-one budget each had the same state and, for a
    drop, fell to the level at an alignment inside the last budget's interval or the same grid step. Returns how
    many were checked."""
    last, before = stats.curves(result), stats.curves(result, rung=-2)
    for key in keys:
        g, arch, variant = key
        prev, now = before[key], last[key]
        claim(
            stats.stable(result.config.alphas, prev, now),
            f"{arch} {variant_label(variant)} at {NOISE_CAP} = {number(result.config.gamma_max[g])}: at "
            f"{result.config.steps[-2]:,} steps the curve was '{prev.state}'"
            + (f" (α ≈ {number(prev.alpha_level, 3)})" if prev.alpha_level is not None else "")
            + f", at {result.config.steps[-1]:,} '{now.state}'"
            + (
                f" (α ≈ {number(now.alpha_level, 3)}, interval {number(now.alpha_range[0], 3)} to "
                f"{number(now.alpha_range[1], 3)})"
                if now.alpha_level is not None
                else ""
            ),
        )
    return len(keys)


STATES = {
    "below level": "never below its level",
    "no drop": "falls beyond the grid",
}  # curve states, in words


def compare_linear_grid(
    result: GridResult, levels: list[str] | None = None
) -> tuple[float | None, float | None, list[str]]:
    """The trained linear model against the closed forms on the grid (same model class and objective, so any
    difference is optimisation error). Wherever both floor-corrected curves fall below their level
    (``je_vs_rc.trained.stats``) and the trained curve is stable on the ladder (``stats.stable``), the factor between
    the two alignments is measured against the grid's step there (a drop is located only to within a grid
    interval). A departure beyond the step is reported, not raised: neither the floor nor the ladder can show that
    a linear model has converged (its clean encoders reach the same probe error from any full-rank start, so its
    floor is ~0 after a few steps), and a rerun with a small budget is legal.

    Returns the largest factor among the pairs within a step and that step (None, None where none), and a
    description of every (noise level, method) where the states differ, the trained curve is not stable, or it
    departs by more than a step (for the chapter to show), each noise level named by ``levels`` ("under weak
    noise") or by its cap."""
    cv, before = stats.curves(result), stats.curves(result, rung=-2)
    worst, worst_step, differ, compared = 1.0, 1.0, [], 0
    for g in range(len(result.config.gamma_max)):
        for m in result.methods:
            cf, lin = cv[(g, CLOSED_FORM, m)], cv[(g, LINEAR, m)]
            level = levels[g] if levels else f"at {NOISE_CAP} = {number(result.config.gamma_max[g])}"
            where = f"{methods.get(m).short} {level}"
            stable = stats.stable(result.config.alphas, before[(g, LINEAR, m)], lin)
            if cf.state == lin.state == "drop" and stable:
                factor = max(cf.alpha_level / lin.alpha_level, lin.alpha_level / cf.alpha_level)
                step = stats.grid_step(result.config.alphas, float(np.sqrt(cf.alpha_level * lin.alpha_level)))
                message = (
                    f"{where}: the trained linear model’s excess falls below its level at α = "
                    f"{number(lin.alpha_level, 2)}, the closed form’s at {number(cf.alpha_level, 2)}, a factor "
                    f"{number(factor, 3)}, more than the grid’s step {number(step, 3)}"
                )
                if factor < step:
                    if factor > worst:
                        worst, worst_step = factor, step
                    compared += 1
                else:
                    differ.append(message.split(": ", 1)[1].replace("the trained", f"{where}, the trained", 1))
            elif stats.NEEDS_NONE.get(cf.state, cf.state) != stats.NEEDS_NONE.get(lin.state, lin.state) or not stable:
                differ.append(
                    f"{where} (closed form: {STATES.get(cf.state, cf.state)}, largest excess {plain(cf.plateau, 2)}; "
                    f"trained linear: {STATES.get(lin.state, lin.state)}, largest excess {plain(lin.plateau, 2)}"
                    + ("" if stable else ", not stable on the ladder")
                    + ")"
                )
    return (worst, worst_step, differ) if compared else (None, None, differ)


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
