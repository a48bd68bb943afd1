"""What a grid of trained encoders can say, against its own floor (chapter 12, Part 2); numpy and scipy only.

A trained encoder carries optimisation noise that a closed form does not: two encoders trained on the same
clean data from different initialisations, minibatches and views (a *replicate*) already differ in probe
MSE. So every cell (noise level, alignment, seed) of the grid is read as

- the **damage** ``corrupted - clean`` (signed: positive when training on corrupted data costs probe MSE),
- the **floor** ``|replicate - clean|`` (zero for a closed form),
- the **excess** ``damage - floor``, the damage beyond what two clean encoders already show.

A cell is *damaged* when its excess is positive in every seed. Without damage, corrupted and replicate are
alike, so the excess is negative in three seeds of four on average (a difference of two alike draws exceeds
a third one in absolute value a quarter of the time): four positive seeds happen by chance about once in 250.

Cor 4.5 compares how much alignment two methods need, so both are read against one damage level: ``LEVEL``
(half) of the largest seed-mean excess of any method of the same model at the same noise level (the damage
of failing). A curve *drops* where its seed-mean excess falls below that level for good (interpolated in
``log alpha``); the interval of that alignment is the t interval (``CONFIDENCE``) over seeds of each seed's
own crossing of the level, in ``log alpha``. A curve that never reaches the level needs no alignment. Two
methods' order is *resolved* when their intervals do not overlap.

The step ladder says whether training has converged, at two grains. A *cell* has converged when going from
the last-but-one budget to the last changes its distance ``|corrupted - clean|`` by no more than the floor
(beyond the change's own t interval); where the floor is near zero (a linear model's clean encoders agree to
1e-8) this asks for more than any finite budget gives. What the answer reads has converged when the *curve*
is stable: at the last-but-one budget it has the same state and, for a drop, falls to the level at an
alignment inside the last budget's interval or the same grid step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stats import CANNOT_TELL, LEVEL, spread
from ..theory.methods import JOINT_EMBEDDING

CLOSED_FORM = "closed form"  # the architecture key of the closed forms in a grid result (``trained.grid``)
CONFIDENCE = LEVEL  # two-sided t intervals over seeds
LEVEL = 0.5  # the named level: half the largest excess of the model's methods at one noise level


def t_interval(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and half-width of the two-sided ``CONFIDENCE`` t interval along ``axis`` (inf with one value)."""
    s = spread(np.asarray(x, dtype=float), axis)
    return s.mean, s.halfwidth(CONFIDENCE)


def excess(clean: np.ndarray, corrupted: np.ndarray, replicate: np.ndarray) -> np.ndarray:
    """Per-cell damage beyond the floor: ``(corrupted - clean) - |replicate - clean|``."""
    return (np.asarray(corrupted) - clean) - np.abs(np.asarray(replicate) - clean)


def _crossing(alphas: np.ndarray, values: np.ndarray, level: float) -> float:
    """The alignment beyond which ``values`` stay below ``level`` for good, interpolated in log alpha between
    the bracketing grid points; 0 if they are below it everywhere, inf if the last value is not below it."""
    above = np.nonzero(values >= level)[0]
    if above.size == 0:
        return 0.0
    i = int(above.max())
    if i == len(alphas) - 1:
        return float("inf")
    a0, a1, v0, v1 = np.log(alphas[i]), np.log(alphas[i + 1]), values[i], values[i + 1]
    return float(np.exp(a0 + (v0 - level) / (v0 - v1) * (a1 - a0)))


@dataclass(frozen=True)
class Curve:
    """One curve of the grid (a model, a method, a noise level) against the alignment, floor-corrected.

    Attributes:
        excess, half_width: (alphas,) seed-mean excess and its t interval's half-width.
        floor: (alphas,) seed-mean floor.
        damaged: (alphas,) the excess is positive in every seed.
        state: "no damage" (no damaged cell), "below level" (the seed-mean excess never reaches ``level``),
            "no drop" (it is still at or above ``level`` at the largest alignment), or "drop".
        plateau: the largest seed-mean excess (this curve's damage of failing).
        level: the damage level the curve is read against.
        alpha_level: for "drop", the alignment where the seed-mean excess falls below ``level`` for good.
        alpha_range: the interval of that alignment over seeds (0: below the grid; inf: beyond it).
    """

    excess: np.ndarray
    half_width: np.ndarray
    floor: np.ndarray
    damaged: np.ndarray
    state: str
    plateau: float
    level: float
    alpha_level: float | None
    alpha_range: tuple[float, float]

    @property
    def residual(self) -> float:
        """The seed-mean excess at the largest alignment."""
        return float(self.excess[-1])

    def need(self) -> tuple[float, float]:
        """The interval of the alignment this curve needs: (0, 0) without damage or below the level, (largest grid
        alignment, inf) without a drop, else ``alpha_range``."""
        return (0.0, 0.0) if self.state in ("no damage", "below level") else self.alpha_range

    def point(self) -> float:
        """The alignment it needs, as a point: 0 without damage or below the level, inf without a drop, else
        ``alpha_level``."""
        if self.state in ("no damage", "below level"):
            return 0.0
        return float("inf") if self.state == "no drop" else float(self.alpha_level)


def plateau(clean: np.ndarray, corrupted: np.ndarray, replicate: np.ndarray) -> float:
    """The largest seed-mean excess of a curve (per-seed arrays (alphas, seeds))."""
    return float(excess(clean, corrupted, replicate).mean(axis=-1).max())


def curve(alphas, clean: np.ndarray, corrupted: np.ndarray, replicate: np.ndarray, level: float | None = None) -> Curve:
    """Summarise one curve from its per-seed probe MSEs, each (alphas, seeds), at one rung of the ladder, against
    a damage ``level`` (default: ``LEVEL`` times its own plateau)."""
    alphas = np.asarray(alphas, dtype=float)
    ex = excess(clean, corrupted, replicate)
    mean, hw = t_interval(ex)
    floor = np.abs(np.asarray(replicate) - clean).mean(axis=-1)
    damaged = np.all(ex > 0, axis=-1)
    top = float(mean.max())
    level = LEVEL * top if level is None else float(level)
    if not damaged.any():
        return Curve(mean, hw, floor, damaged, "no damage", top, level, None, (0.0, 0.0))
    point = _crossing(alphas, mean, level)
    if point == 0.0:
        return Curve(mean, hw, floor, damaged, "below level", top, level, None, (0.0, 0.0))
    if np.isinf(point):
        return Curve(mean, hw, floor, damaged, "no drop", top, level, None, (float(alphas[-1]), float("inf")))
    seeds = np.array([_crossing(alphas, ex[:, s], level) for s in range(ex.shape[1])])
    if np.isinf(seeds).any():
        hi, finite = float("inf"), seeds[np.isfinite(seeds)]
    else:
        hi, finite = None, seeds
    logs = np.log(np.clip(finite, alphas[0], None))
    m, h = t_interval(logs) if logs.size else (np.log(point), np.inf)
    lo = 0.0 if (seeds == 0).any() else float(np.exp(m - h))
    hi = float(np.exp(m + h)) if hi is None else hi
    return Curve(mean, hw, floor, damaged, "drop", top, level, point, (min(lo, point), max(hi, point)))


def order(je: Curve, rc: Curve) -> tuple[str | None, bool]:
    """Cor 4.5's order of two curves: ("je" or "rc", the one that needs less alignment, or None for a tie) and
    whether it is resolved (the two intervals of :meth:`Curve.need` do not overlap)."""
    a, b = je.point(), rc.point()
    if a == b:
        return None, False
    je_first = a < b
    (lo_a, hi_a), (lo_b, hi_b) = je.need(), rc.need()
    resolved = hi_a < lo_b if je_first else hi_b < lo_a
    return ("je" if je_first else "rc"), bool(resolved)


@dataclass(frozen=True)
class Ladder:
    """Convergence of one curve on the step ladder, per alignment (seed means).

    Attributes:
        change, half_width: (alphas,) the distance at the last budget minus at the last-but-one, and its
            t interval's half-width.
        floor: (alphas,) the floor at the last budget.
        converged: (alphas,) ``|change| - half_width <= floor``.
    """

    change: np.ndarray
    half_width: np.ndarray
    floor: np.ndarray
    converged: np.ndarray


def ladder(clean: np.ndarray, corrupted: np.ndarray, replicate: np.ndarray) -> Ladder:
    """Convergence from per-seed probe MSEs of shape (rungs >= 2, alphas, seeds); the replicate at the last rung."""
    dist = np.abs(np.asarray(corrupted) - clean)
    change, hw = t_interval(dist[-1] - dist[-2])
    floor = np.abs(np.asarray(replicate[-1]) - clean[-1]).mean(axis=-1)
    return Ladder(change, hw, floor, np.abs(change) - hw <= floor)


# States that need no alignment: the same answer, whether the damage is within the floor or below the level.
NEEDS_NONE = {"no damage": "needs none", "below level": "needs none"}


def stable(alphas, previous: Curve, last: Curve) -> bool:
    """Whether a curve's answer survived the ladder's last step: the same state at the last-but-one budget and,
    for a drop, its alignment there inside the last budget's interval or between the same two grid alignments
    (a drop is located only to within a grid step)."""
    if NEEDS_NONE.get(previous.state, previous.state) != NEEDS_NONE.get(last.state, last.state):
        return False
    if last.state != "drop":
        return True
    alphas = np.asarray(alphas, dtype=float)
    i = int(np.clip(np.searchsorted(alphas, last.alpha_level), 1, len(alphas) - 1))
    lo, hi = min(last.alpha_range[0], alphas[i - 1]), max(last.alpha_range[1], alphas[i])
    return bool(lo <= previous.alpha_level <= hi)


# Verdicts on one (noise level, model, objective) against the closed form's order at the same n.
AGREE, REVERSE, WITHIN_ERROR = "agree", "reverse", "within error"
OUTCOMES = (AGREE, REVERSE, WITHIN_ERROR, CANNOT_TELL)


@dataclass(frozen=True)
class Verdict:
    """How one trained model orders JE and RC against the closed forms (see :func:`verdict`)."""

    outcome: str
    theory: str | None
    trained: str | None
    resolved: bool
    converged: bool
    reason: str


def verdict(cf_je: Curve, cf_rc: Curve, je: Curve, rc: Curve, converged: bool) -> Verdict:
    """Compare a trained model's order of JE and RC with the closed forms' on the same draws.

    - AGREE / REVERSE: the trained order is resolved (beyond the floor and the intervals), the closed forms
      have a resolved order, training converged, and the two orders are the same / opposite;
    - WITHIN_ERROR: the trained order's point estimate differs from, or matches, the closed forms' but is not
      resolved: the floor and the seeds' spread can explain it;
    - CANNOT_TELL: no order to compare (the closed forms tie or are unresolved, the trained curves tie), or the
      ladder did not converge for this model.
    """
    theory, theory_resolved = order(cf_je, cf_rc)
    got, resolved = order(je, rc)
    if theory is None or not theory_resolved:
        return Verdict(CANNOT_TELL, theory, got, resolved, converged, "the closed forms give no resolved order")
    if got is None:
        return Verdict(CANNOT_TELL, theory, got, resolved, converged, "the trained curves tie")
    if not converged:
        return Verdict(CANNOT_TELL, theory, got, resolved, converged, "training had not converged")
    if not resolved:
        return Verdict(WITHIN_ERROR, theory, got, resolved, converged, "the intervals overlap")
    return Verdict(AGREE if got == theory else REVERSE, theory, got, resolved, converged, "")


def grid_step(alphas, value: float) -> float:
    """The factor between the two grid alignments around ``value`` (the grid's resolution there)."""
    alphas = np.asarray(alphas, dtype=float)
    i = int(np.clip(np.searchsorted(alphas, value), 1, len(alphas) - 1))
    return float(alphas[i] / alphas[i - 1])


def trained_archs(result) -> list[str]:
    """The grid's trained architectures (every one but the closed form), in its order."""
    return [a for a in result.mse if a != CLOSED_FORM]


def curves(result, rung: int = -1) -> dict[tuple[int, str, str], Curve]:
    """:func:`curve` of every (noise level, architecture, variant) of a grid result at one rung (default: last;
    the floor always from the last rung's replicate), each against ``LEVEL`` times the largest plateau of its
    architecture's variants at that noise level."""
    out = {}
    for arch, inner in result.mse.items():
        r = 0 if arch == CLOSED_FORM else rung
        for g in range(len(result.config.gamma_max)):
            per_seed = {
                v: (cells["clean"][r, g], cells["corrupted"][r, g], cells["replicate"][-1, g])
                for v, cells in inner.items()
            }
            level = LEVEL * max(plateau(*arrays) for arrays in per_seed.values())
            for variant, arrays in per_seed.items():
                out[(g, arch, variant)] = curve(result.config.alphas, *arrays, level=level)
    return out


def ladders(result) -> dict[tuple[int, str, str], Ladder]:
    """:func:`ladder` of every trained (noise level, architecture, variant) of a grid result."""
    return {
        (g, arch, variant): ladder(cells["clean"][:, g], cells["corrupted"][:, g], cells["replicate"][:, g])
        for arch in trained_archs(result)
        for variant, cells in result.mse[arch].items()
        for g in range(len(result.config.gamma_max))
    }


def je_variants(result, arch: str) -> list[str]:
    """The joint-embedding variants of one architecture (the paper's, then deep objectives)."""
    return [v for v in result.mse[arch] if v.split(" ")[0] == JOINT_EMBEDDING.key]


def verdicts(result) -> dict[tuple[int, str, str], Verdict]:
    """:func:`verdict` of every (noise level, trained architecture, joint-embedding variant) against the closed forms,
    JE against the same architecture's RC; converged when both curves are :func:`stable` and their order (and
    whether it is resolved) is the same at the last-but-one budget."""
    cv, before, out = curves(result), curves(result, rung=-2), {}
    alphas = result.config.alphas
    for g in range(len(result.config.gamma_max)):
        cf_je, cf_rc = cv[(g, CLOSED_FORM, "je")], cv[(g, CLOSED_FORM, "rc")]
        for arch in trained_archs(result):
            if "rc" not in result.mse[arch]:  # a run collected before this model's RC finished
                continue
            for variant in je_variants(result, arch):
                pair = [(g, arch, variant), (g, arch, "rc")]
                converged = all(stable(alphas, before[k], cv[k]) for k in pair) and order(
                    *(before[k] for k in pair)
                ) == order(*(cv[k] for k in pair))
                out[(g, arch, variant)] = verdict(cf_je, cf_rc, cv[(g, arch, variant)], cv[(g, arch, "rc")], converged)
    return out


# Whether a model's answer depends on its joint-embedding objective (the paper's constraint, VICReg, BYOL).
SAME, DEPENDS, PARTLY_TOLD, UNTOLD = "same", "depends", "partly told", "untold"


def objective_dependence(result) -> dict[tuple[int, str], tuple[str, dict[str, Verdict]]]:
    """Per (noise level, trained architecture) with more than one joint-embedding objective, the verdicts of each
    objective against RC (:func:`verdicts`) and whether they depend on the objective:

    - DEPENDS: two objectives give resolved orders (beyond the floor and the intervals) that disagree;
    - SAME: every objective gives a resolved order, the same one;
    - PARTLY_TOLD: the resolved orders agree, but some objective's order is not resolved;
    - UNTOLD: no objective gives a resolved order.
    """
    out: dict[tuple[int, str], tuple[str, dict[str, Verdict]]] = {}
    for (g, arch, variant), v in verdicts(result).items():
        out.setdefault((g, arch), ("", {}))[1][variant] = v
    for key, (_, per) in list(out.items()):
        if len(per) < 2:
            del out[key]
            continue
        told = {v.trained for v in per.values() if v.outcome in (AGREE, REVERSE)}
        untold = [v for v in per.values() if v.outcome not in (AGREE, REVERSE)]
        out[key] = (DEPENDS if len(told) > 1 else UNTOLD if not told else PARTLY_TOLD if untold else SAME, per)
    return out
