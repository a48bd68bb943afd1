"""Chapter 13's answer tables and readout sentences from a run's JSON payload: the alignment each network and
closed form needs at each noise level (beside the thresholds of Props 4.3 and 4.4), the baselines, and what the
R², clean-test and baseline numbers mean, said in one sentence each (the numbers are in the tables). numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks.nuisance import (
    CLEAN,
    REACH_MARGIN,
    alignment_text,
    alphas,
    by_seed,
    level_summary,
    levels,
    method_label,
    network_methods,
    paired_gap,
    paradigm_of,
    t_interval,
)
from ..checks.nuisance_budgets import ORDER_SHORT
from ..theory import methods as theory_methods
from ..words import series
from .nuisance_text import _cell, _signed, share_cell, stalled

BASELINES = ("raw pixels", "random init")


def _needed(value: Any) -> str:
    """An alignment needed in a table cell: ``α = 1``, ``beyond the grid``, ``α = 0.3 to 1 (cannot tell)``."""
    return alignment_text(value).replace(" (cannot tell which)", " (cannot tell)")


def needed_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """The alignment each trained network (at the budget, converged or not) and each closed form needs to reach
    its clean top-1 at every noise level (the smallest α of the grid), each paradigm order, and the thresholds
    α_JE and α_RC of Props 4.3 and 4.4 on the reduced setting; columns ``what`` and one per level."""
    summaries = {lv: level_summary(payload, lv, provisional=True) for lv in levels(payload)}
    rows = [
        {"what": method_label(payload, m), **{lv: _needed(s["networks"][m]) for lv, s in summaries.items()}}
        for m in network_methods(payload)
    ]
    rows.append({"what": "networks: JE vs RC", **{lv: ORDER_SHORT[s["network_order"]] for lv, s in summaries.items()}})
    for m in theory_methods.PAPER_ENCODERS:
        rows.append(
            {"what": f"closed form {m.short}", **{lv: _needed(s["closed_form"][m.key]) for lv, s in summaries.items()}}
        )
    rows.append(
        {"what": "closed forms: JE vs RC", **{lv: ORDER_SHORT[s["closed_order"]] for lv, s in summaries.items()}}
    )
    for m, prop in zip(theory_methods.PAPER_ENCODERS, ("4.3", "4.4")):
        rows.append(
            {
                "what": rf"threshold $\alpha_{{\rm {m.short}}}$ (Prop {prop})",
                **{lv: _threshold(s["thresholds"].get(m.key)) for lv, s in summaries.items()},
            }
        )
    return rows


def _threshold(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return "0" if value == 0 else f"{value:.2f}"


def baseline_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """The probe on raw pixels and on the random initialisation, on clean images and under each noise level: top-1
    and nuisance R² (mean ± t half-width over seeds); columns ``baseline``, ``images``, ``top1``, ``r2``."""
    rows = []
    for base in BASELINES:
        for level in (CLEAN, *levels(payload)):
            top1 = by_seed(payload, "baselines", baseline=base, level=level)
            r2 = by_seed(payload, "baselines", "r2", baseline=base, level=level)
            rows.append(
                {
                    "baseline": base,
                    "images": "clean" if level == CLEAN else f"{level} noise",
                    "top1": _cell(*_stats(top1)),
                    "r2": "–" if level == CLEAN else share_cell(*_stats(r2))[0],
                }
            )
    return rows


def _stats(values: dict[int, float]) -> tuple[float, float]:
    return t_interval(values.values())[:2]


def _mean(values: dict[int, float]) -> float:
    return float(np.mean(list(values.values()))) if values else float("nan")


def _names(payload: dict[str, Any], methods: list[str]) -> str:
    return series([method_label(payload, m) for m in methods])


def baseline_meaning(payload: dict[str, Any]) -> str:
    """What the baselines say, in one sentence: how far each level's noise moves the raw-pixel probe and the
    random encoder's probe from their clean-image scores, paired by seed (within ``REACH_MARGIN``, a resolved loss,
    or unresolved); the numbers are in the baselines table."""
    parts, pixels_keep = [], False
    for base, what in (("raw pixels", "a linear probe on all 784 raw pixels"), ("random init", "the random encoder")):
        clean = by_seed(payload, "baselines", baseline=base, level=CLEAN)
        moves = {
            lv: paired_gap(by_seed(payload, "baselines", baseline=base, level=lv), clean) for lv in levels(payload)
        }
        kept = [lv for lv, (d, _, n) in moves.items() if n and abs(d) <= REACH_MARGIN]
        lost = {lv: -d for lv, (d, h, n) in moves.items() if n and d < -REACH_MARGIN and d + h < 0}
        vague = [lv for lv, (d, _, n) in moves.items() if n and lv not in kept and lv not in lost]
        said = []
        if kept:
            said.append(
                f"scores within {REACH_MARGIN:g} point of its clean-image top-1 under {' and '.join(kept)} noise"
            )
        if lost:
            said.append("loses " + " and ".join(f"{d:.0f} points under {lv} noise" for lv, d in lost.items()))
        if vague:
            said.append(f"moves by less than its seeds' spread under {' and '.join(vague)} noise")
        if said:
            parts.append(f"{what} " + series(said))
        pixels_keep = pixels_keep or (base == "raw pixels" and len(kept) == len(moves))
    if not parts:
        return ""
    text = "; ".join(parts)
    why = (
        " The pixel probe is supervised learning on the corrupted images (the setting of Prop 4.2): it can ignore a "
        "nuisance orthogonal to the digits, which the self-supervised encoders must learn to do."
        if pixels_keep
        else ""
    )
    return f"{text[0].upper()}{text[1:]} (seed means, paired by seed; the baselines table).{why}"


def r2_meaning(payload: dict[str, Any]) -> str:
    """What the nuisance R² says per noise level, in one sentence: whether the networks kept the nuisance at the
    smallest alignment and whether the largest one took it out (methods named; numbers in the table)."""
    grid, said = alphas(payload), []
    for level in levels(payload):
        at = {
            m: [_mean(by_seed(payload, "cells", "r2", method=m, level=level, alpha=a)) for a in (grid[0], grid[-1])]
            for m in network_methods(payload)
        }
        at = {m: v for m, v in at.items() if np.all(np.isfinite(v))}
        if not at:
            continue
        first, last = np.array([v[0] for v in at.values()]), np.array([v[1] for v in at.values()])
        if max(first.max(), last.max()) < 0.1:
            said.append(
                f"under {level} noise it explains under 0.1 of every network's features at α = {grid[0]:g} and "
                f"α = {grid[-1]:g}: they keep the digits' subspace"
            )
            continue
        fell = [m for m, v in at.items() if v[1] < v[0] - 0.1]
        rose = [m for m, v in at.items() if v[1] > v[0] + 0.1]
        span = (
            f"{first.min():.2f}–{first.max():.2f}"
            if f"{first.min():.2f}" != f"{first.max():.2f}"
            else f"{first[0]:.2f}"
        )
        clause = f"under {level} noise it explains {span} of the networks' features at α = {grid[0]:g}"
        if fell:
            low = [at[m][1] for m in fell]
            clause += f"; α = {grid[-1]:g} lowers that to {min(low):.2f}–{max(low):.2f} for {_names(payload, fell)}"
        if rose:
            barely = [m for m in rose if stalled(payload, m, level, grid[-1])[0]]
            why = " (runs that barely trained)" if barely == rose else ""
            why = why or (f" (whose runs there barely trained: {_names(payload, barely)})" if barely else "")
            clause += f" and raises it for {_names(payload, rose)}{why}"
        said.append(clause)
    if not said:
        return ""
    text = "; ".join(said)
    return f"The nuisance R² (the last table) says which subspace the networks kept: {text}."


def clean_test_meaning(payload: dict[str, Any]) -> str:
    """What the encoders pretrained at the smallest alignment score on clean test images, against the same method
    pretrained on clean images (seed means), per noise level, in one sentence."""
    a, said = alphas(payload)[0], []
    for level in levels(payload):
        gaps = {}
        for m in network_methods(payload):
            # rounded as the table shows them, so the sentence's gap is the one a reader computes from it
            on_clean = round(_mean(by_seed(payload, "cells", "top1_clean", method=m, level=level, alpha=a)), 1)
            clean_run = round(_mean(by_seed(payload, "cells", method=m, level=CLEAN)), 1)
            if np.isfinite(on_clean) and np.isfinite(clean_run):
                gaps[m] = clean_run - on_clean
        if not gaps:
            continue
        g = np.array(list(gaps.values()))
        if np.all(np.abs(g) <= 1.5 * REACH_MARGIN):
            said.append(f"under {level} noise score within {np.abs(g).max():.1f} points of their clean runs")
        elif np.all(g > REACH_MARGIN):
            said.append(
                f"under {level} noise score {g.min():.0f} to {g.max():.0f} points below theirs: the nuisance cost them "
                "digit information in pretraining, not only at test time"
            )
        else:
            said.append(f"under {level} noise score {_signed(-g.max())} to {_signed(-g.min())} points from theirs")
    if not said:
        return ""
    return f"Tested on clean images (the last table's last column), the encoders pretrained at α = {a:g} " + (
        "; ".join(said) + "."
    )


def peaks(payload: dict[str, Any], table: str, methods: list[str], level: str) -> dict[str, tuple[float, float]]:
    """The alignment at which each method's top-1 (seed mean) is highest at ``level``, and that top-1."""
    out = {}
    for m in methods:
        means = {a: _mean(by_seed(payload, table, method=m, level=level, alpha=a)) for a in alphas(payload)}
        means = {a: v for a, v in means.items() if np.isfinite(v)}
        if means:
            best = max(means, key=means.get)
            out[m] = (best, means[best])
    return out


def peak_sentence(payload: dict[str, Any]) -> str:
    """A descriptive reading beside the pre-registered criterion (not a replacement for it): per noise level, the
    alignment at which each trained network's top-1 peaks (highest seed mean, every network at the budget), and
    whether the peaks split by paradigm, beside the closed forms' peaks."""
    nets, said = network_methods(payload), []
    closed = [m.key for m in theory_methods.PAPER_ENCODERS]
    for level in levels(payload):
        at = peaks(payload, "cells", nets, level)
        forms = peaks(payload, "closed_form", closed, level)
        by = {p: [m for m in at if paradigm_of(payload, m) == p] for p in closed}
        if not all(by.values()):
            continue
        split = {p: {at[m][0] for m in ms} for p, ms in by.items()}
        order = _peak_order(split)
        forms_text = " and ".join(f"α = {a:g} ({theory_methods.get(m).short}, {v:.1f})" for m, (a, v) in forms.items())
        if order:
            parts = [
                f"every {theory_methods.get(p).label.lower()} network at {_alphas_text(split[p])} ("
                + ", ".join(f"{method_label(payload, m)} {at[m][1]:.1f}" for m in by[p])
                + ")"
                for p in order
            ]
            same = _peak_order({m: {a} for m, (a, _) in forms.items()}) == order
            text = (
                f"under {level} noise top-1 peaks for "
                + " and for ".join(parts)
                + (
                    f", the same order as the closed forms, which peak at {forms_text}"
                    if same
                    else f"; the closed forms peak at {forms_text}"
                )
            )
        else:
            text = (
                f"under {level} noise the peaks do not split by paradigm ("
                + ", ".join(f"{method_label(payload, m)} at α = {a:g}" for m, (a, _) in at.items())
                + f"; the closed forms peak at {forms_text})"
            )
        said.append(text)
    if not said:
        return ""
    return (
        "A descriptive reading, not the pre-registered criterion above: where top-1 is highest (seed means, every "
        "network at the budget, converged or not): " + "; ".join(said) + "."
    )


def _peak_order(split: dict[str, set[float]]) -> tuple[str, str] | None:
    """The two paradigms' keys, the one whose every peak lies below every peak of the other first; None when
    their peaks interleave (keys from the registry, never compared with names)."""
    (a, at_a), (b, at_b) = split.items()
    if max(at_a) < min(at_b):
        return (a, b)
    if max(at_b) < min(at_a):
        return (b, a)
    return None


def _alphas_text(values: set[float]) -> str:
    return "α = " + series([f"{a:g}" for a in sorted(values)])
