"""Chapter 13's training budget, from a run's JSON payload and the budget pilot: top-1 at every budget a
network was read out (the convergence check, ``je_vs_rc.checks.nuisance.convergence``), in a table and
in words; what the pilot's separate shorter runs say; and what the run and larger grids cost in CPU time,
from the run's own measured cells. numpy only (no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks.nuisance import (
    CLEAN,
    MIN_SEEDS,
    alignment_text,
    budgets,
    condition_text,
    convergence,
    levels,
    method_convergence,
    method_label,
    network_methods,
    paired_gap,
    paradigm_of,
    t_interval,
    top1_at,
)
from ..checks.nuisance_budgets import ORDER_SHORT, decisions_by_budget
from ..words import count, series
from .nuisance_text import _cell, _signed

CONVERGED_TEXT = {True: "yes", False: "no", None: "–"}


def convergence_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """One row per method and condition: mean top-1 at every budget read out (the last with its t half-width),
    the change over the last step and whether it is within the interval."""
    steps = budgets(payload)
    rows = []
    for r in convergence(payload):
        row = {"method": method_label(payload, r["method"]), "condition": condition_text(r["level"], r["alpha"])}
        row.update({f"s{b}": _cell(m, np.nan) for b, m in zip(steps[:-1], r["means"][:-1])})
        row[f"s{steps[-1]}"] = _cell(r["means"][-1], r["half"])
        row["change"] = _signed(r["change"]) if np.isfinite(r["change"]) else "–"
        row["converged"] = CONVERGED_TEXT[r["converged"]]
        rows.append(row)
    return rows


def convergence_sentence(payload: dict[str, Any]) -> str:
    """Whether each method's top-1 stopped moving over the last step of its budget, in words."""
    steps = budgets(payload)
    if len(steps) < 2:
        return "This run has no convergence check (its networks were read out at their budget only)."
    rows, state = convergence(payload), method_convergence(payload)
    head = f"From {steps[-2]:,} to {steps[-1]:,} steps of the same runs"
    said = []
    ok = [method_label(payload, m) for m, s in state.items() if s]
    if ok:
        said.append(f"{series(ok)} move{'s' * (len(ok) == 1)} by less than the interval in every condition (converged)")
    moved = {m: [r for r in rows if r["method"] == m and r["converged"] is False] for m in state if state[m] is False}
    if moved:
        total = {m: sum(r["method"] == m for r in rows) for m in moved}
        counts = series([f"{method_label(payload, m)} in {len(bad)} of {total[m]}" for m, bad in moved.items()])
        who = "every method" if len(moved) == len(state) > 1 else series([method_label(payload, m) for m in moved])
        verb = "moves" if len(moved) == 1 or len(moved) == len(state) > 1 else "move"
        said.append(f"{who} {verb} by its interval or more in some conditions ({counts}; the last column)")
    unknown = [method_label(payload, m) for m, s in state.items() if s is None]
    if unknown:
        said.append(f"{series(unknown)} cannot be checked (fewer than {MIN_SEEDS} seeds in every condition)")
    left = [m for m, s in state.items() if not s]
    tail = (
        "; the verdict leaves out the methods that moved or could not be checked (their rows in the table and "
        "figure are at an equal budget, not at convergence)."
        if left
        else "."
    )
    return f"{head}, " + "; ".join(said) + tail


# ---- the budget pilot (params/nuisance_budget_pilot.json: one seed, separate runs at a ladder of budgets) -----
def pilot_ladder(pilot: dict[str, Any]) -> dict[tuple[str, float, str], dict[int, float]]:
    """Top-1 of each pilot condition ``(level, alpha, method)`` by budget (steps)."""
    out: dict[tuple[str, float, str], dict[int, float]] = {}
    for r in pilot["runs"]:
        out.setdefault((r["level"], float(r["alpha"]), r["method"]), {})[int(r["steps"])] = float(r["top1"])
    return out


def _condition(level: str, alpha: float) -> str:
    return "clean" if level == CLEAN else f"{level} noise, α = {alpha:g}"


def _order(condition: tuple[str, float, str], methods: list[str]) -> tuple[bool, float, int]:
    level, alpha, method = condition
    return level != CLEAN, alpha, methods.index(method) if method in methods else len(methods)


def _label(labels: dict[str, str], method: str) -> str:
    return method_label({"labels": labels}, method)


def pilot_rows(pilot: dict[str, Any], labels: dict[str, str]) -> tuple[list[dict[str, str]], list[int]]:
    """The pilot as a table: one row per condition and method, top-1 at every budget run; and the budgets."""
    ladder = pilot_ladder(pilot)
    budgets_run = sorted({s for runs in ladder.values() for s in runs})
    rows = [
        {
            "run": f"{_label(labels, method)}, {_condition(level, alpha)}",
            **{f"s{s}": f"{runs[s]:.1f}" if s in runs else "–" for s in budgets_run},
        }
        for (level, alpha, method), runs in sorted(ladder.items(), key=lambda item: _order(item[0], list(labels)))
    ]
    return rows, budgets_run


def pilot_sentence(pilot: dict[str, Any], payload: dict[str, Any]) -> str:
    """How much top-1 still moves between the pilot's two largest budgets, per condition (seed 0, separate runs)."""
    labels = payload.get("labels", {})
    moves: dict[tuple[str, float, int, int], list[str]] = {}
    for (level, alpha, method), runs in sorted(pilot_ladder(pilot).items(), key=lambda i: _order(i[0], list(labels))):
        if len(runs) > 1:
            a, b = sorted(runs)[-2:]
            moves.setdefault((level, alpha, a, b), []).append(f"{_label(labels, method)} {_signed(runs[b] - runs[a])}")
    said = [
        f"from {a:,} to {b:,} steps {'on clean images' if level == CLEAN else 'under ' + _condition(level, alpha)}: "
        + ", ".join(parts)
        for (level, alpha, a, b), parts in moves.items()
    ]
    return "On the pilot's seed, separate runs still gain " + "; ".join(said) + " points."


def cost_sentence(payload: dict[str, Any]) -> str:
    """What the run's networks cost in CPU time (measured per network, one thread), and what the weak level at
    the same alignments and both levels at five alignments would cost at the same budget."""
    cpu: dict[str, list[float]] = {}
    for r in payload["cells"]:
        if "cpu_seconds" in r:
            cpu.setdefault(r["method"], []).append(float(r["cpu_seconds"]))
    if not cpu:
        return ""
    per_seed = sum(float(np.mean(v)) for v in cpu.values())  # one network of every method
    cfg = payload["config"]
    seeds, n_alphas = len(cfg["seeds"]), len(cfg["alphas"])
    run = sum(sum(v) for v in cpu.values()) / 60
    low, high = (f"{f(float(np.mean(v)) for v in cpu.values()):.0f}" for f in (min, max))
    said = (
        f"A network of {cfg['steps']:,} steps took {low if low == high else f'{low} to {high}'} CPU-seconds on one "
        f"thread (method means, readouts included), {run:.0f} CPU-minutes for the "
        f"{count(sum(len(v) for v in cpu.values()), 'network', 'networks')} of this run"
    )
    if len(cfg["nuisance"]["levels"]) == 1:
        said += (
            f"; the other noise level at the same {count(n_alphas, 'alignment', 'alignments')} would add about "
            f"{seeds * n_alphas * per_seed / 60:.0f} CPU-minutes"
        )
    if len(cfg["nuisance"]["levels"]) > 1 and n_alphas >= 5:
        return said + "."
    five = seeds * (1 + 2 * 5) * per_seed / 60
    return said + f", and both levels at five alignments (the issue's grid) would take about {five:.0f} CPU-minutes."


# ---- a longer run (benchmarks/nuisance_pilot_4800.json: separate networks of some seeds, their own schedule) ----
def longer_runs(longer: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Per condition of ``longer`` (seeds trained again for more steps, each network with its own learning-rate
    schedule): its top-1 by seed beside the same seeds' committed networks at their budget, the paired change
    (mean, t half-width) and ``converged`` by the chapter's rule (the change is smaller than the longer runs' t
    half-width; None under ``MIN_SEEDS`` seeds)."""
    by: dict[tuple[str, str, float], dict[int, float]] = {}
    steps: dict[tuple[str, str, float], int] = {}
    for r in longer["runs"]:
        key = (r["method"], r["level"], float(r["alpha"]))
        by.setdefault(key, {})[int(r["seed"])] = float(r["top1"])
        steps[key] = int(r["steps"])
    out = []
    for (method, level, alpha), long in by.items():
        short = top1_at(payload, budgets(payload)[-1], method=method, level=level, alpha=alpha)
        short = {s: v for s, v in short.items() if s in long}
        if not short:
            continue
        change = paired_gap(long, short)
        half = t_interval(long.values())[1]
        out.append(
            {
                "method": method,
                "level": level,
                "alpha": alpha,
                "steps": steps[method, level, alpha],
                "short": short,
                "long": long,
                "change": change,
                "converged": None if change[2] < MIN_SEEDS else bool(abs(change[0]) < half),
            }
        )
    return out


def longer_rows(longer: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, str]]:
    """:func:`longer_runs` as a table: seed means at both budgets (± t half-width from two seeds), the change and,
    with enough seeds, whether it passes the rule."""
    rows = []
    for r in longer_runs(longer, payload):
        rows.append(
            {
                "run": f"{method_label(payload, r['method'])}, {condition_text(r['level'], r['alpha'])}",
                "short": _cell(*_mean_half(r["short"])),
                "long": _cell(*_mean_half(r["long"])),
                "change": _signed(r["change"][0]),
                "converged": CONVERGED_TEXT[r["converged"]],
            }
        )
    return rows


def _mean_half(values: dict[int, float]) -> tuple[float, float]:
    mean, half, _ = t_interval(values.values())
    return mean, half


def longer_sentence(longer: dict[str, Any], payload: dict[str, Any]) -> str:
    """What the longer runs say: how much top-1 moves when the budget doubles (seed means), whether that passes the
    chapter's rule, and whether the JE-RC gap at each noisy condition both paradigms ran keeps its size."""
    runs, steps = longer_runs(longer, payload), budgets(payload)[-1]
    if not runs:
        return ""
    seeds = sorted({s for r in runs for s in r["long"]})
    long_steps = series([f"{b:,}" for b in sorted({r["steps"] for r in runs})])
    moves = [r["change"][0] for r in runs]
    who = f"Seed{'s' * (len(seeds) > 1)} {series([str(x) for x in seeds])}"
    verb = "moves" if len(seeds) == 1 else "move"
    low, high = _signed(min(moves)), _signed(max(moves))
    span = low if low == high else f"{low} to {high}"
    said = (
        f"{who} trained again for {long_steps} steps (separate networks, each with its own learning-rate schedule, not "
        f"a read-out of the committed run) {verb} top-1 by {span} points{' (seed means)' * (len(seeds) > 1)} from "
        f"the same {'seeds’' if len(seeds) > 1 else 'seed’s'} committed "
        f"{steps:,}-step networks"
    )
    judged = [r for r in runs if r["converged"] is not None]
    if judged:
        passed = [r for r in judged if r["converged"]]
        said += (
            f"; the chapter's rule (a doubling moves top-1 by less than its interval) passes in {len(passed)} of these "
            f"{len(judged)} conditions from {steps:,} to {long_steps} steps"
        )
        failed = [
            f"{method_label(payload, r['method'])} {condition_text(r['level'], r['alpha'])}"
            for r in judged
            if not r["converged"]
        ]
        said += f" (not for {series(failed)})" if failed and passed else ""
    for level, alpha in dict.fromkeys((r["level"], r["alpha"]) for r in runs if r["level"] != CLEAN):
        at = {paradigm_of(payload, r["method"]): r for r in runs if (r["level"], r["alpha"]) == (level, alpha)}
        if {"je", "rc"} <= set(at):
            je, rc = at["je"], at["rc"]
            gaps = [paired_gap(je[k], rc[k]) for k in ("short", "long")]
            shown = [_signed(g[0]) + (f" ± {g[1]:.1f}" if np.isfinite(g[1]) else "") for g in gaps]
            said += (
                f"; under {level} noise at α = {alpha:g} the JE-RC gap ({method_label(payload, je['method'])} minus "
                f"{method_label(payload, rc['method'])}) is {shown[0]} points at {steps:,} steps and {shown[1]} at "
                f"{long_steps}"
            )
    return said + "."


# ---- whether the verdict's decisions depend on the budget (checks.nuisance_budgets) ------------------------------
def decision_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """Per noise level: the alignment each trained network needs, then the paradigms' order ("JE vs RC"), after
    every budget the networks were read out at (every network, converged or not); columns ``level``, ``what`` and
    ``s<steps>``."""
    by_budget = decisions_by_budget(payload)
    rows = []
    for level in levels(payload):
        at = {b: d[level] for b, d in by_budget.items()}
        for method in network_methods(payload):
            row = {"level": level, "what": method_label(payload, method)}
            row.update({f"s{b}": alignment_text(d["needed"][method]) for b, d in at.items()})
            rows.append(row)
        rows.append({"level": level, "what": "JE vs RC", **{f"s{b}": ORDER_SHORT[d["order"]] for b, d in at.items()}})
    return rows
