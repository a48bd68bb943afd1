"""Whether chapter 13's answer depends on where training stopped. The verdict's decisions (whether each network
reaches its clean top-1 at each alignment, the alignment each needs, the paradigms' order per noise level) are
taken from the read-outs at every budget of the same runs (the grid's probes, then its budget) and compared
across budgets; and the provisional answer at the final budget compares every network, whether or not it
passed the convergence rule. The strict verdict (``je_vs_rc.checks.nuisance.verdict``, guarded by
``check_converged``) is unchanged: this module adds what a reader needs to judge how much the stopping point
matters. numpy only: it reads a run's JSON payload, so planted files exercise it.
"""

from __future__ import annotations

from typing import Any

from ..theory.linalg import single_threaded_module
from ..words import series
from . import nuisance as answer

ORDER_SHORT = {  # the paradigms' order (checks.nuisance.order) in a table cell
    "je": "JE needs less",
    "rc": "RC needs less",
    "same": "the same",
    "none": "neither reaches",
    "mixed": "not by paradigm",
    "cannot tell": "cannot tell",
}


def at_budget(payload: dict[str, Any], steps: int) -> dict[str, Any]:
    """The run as if every network had been read out only after ``steps`` (one of ``answer.budgets``): each
    cell's top-1, clean top-1 and R² are its read-out at ``steps``, the budget is ``steps`` and the probes the
    earlier ones. The learning rate was on its schedule to the full budget: this is the same run read early,
    not a shorter run. Cells without a read-out at ``steps`` are left out."""
    full = answer.budgets(payload)[-1]
    if steps not in answer.budgets(payload):
        raise ValueError(f"the run was read out after {answer.budgets(payload)} steps, not after {steps}")
    if steps == full:
        return payload
    cells = []
    for c in payload["cells"]:
        probe = next((p for p in c.get("probes", []) if p["steps"] == steps), None) if c["steps"] == full else None
        if probe is not None:
            read = {name: probe[name] for name in ("top1", "top1_clean", "r2")}
            cells.append({**c, **read, "steps": steps, "probes": [p for p in c["probes"] if p["steps"] < steps]})
    earlier = [p for p in payload["config"].get("probes", []) if p < steps]
    return {**payload, "config": {**payload["config"], "steps": steps, "probes": earlier}, "cells": cells}


def decisions(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per noise level, the verdict's decisions about every trained network (converged or not): ``reach``
    (method, alpha) -> True / False / None (``answer.reaches_clean``), ``needed`` method -> the alignment it
    needs (``answer.alignment_needed``) and ``order``, the paradigms' order (``answer.order``)."""
    nets = answer.network_methods(payload)
    paradigm = {m: answer.paradigm_of(payload, m) for m in nets}
    out = {}
    for level in answer.levels(payload):
        reach = {
            (m, a): answer.reaches_clean(payload, "cells", m, level, a) for m in nets for a in answer.alphas(payload)
        }
        needed = {m: answer.alignment_needed(payload, "cells", m, level) for m in nets}
        out[level] = {"reach": reach, "needed": needed, "order": answer.order(needed, paradigm)}
    return out


def decisions_by_budget(payload: dict[str, Any]) -> dict[int, dict[str, dict[str, Any]]]:
    """:func:`decisions` after every budget the networks were read out at (``answer.budgets``)."""
    return {b: decisions(at_budget(payload, b)) for b in answer.budgets(payload)}


def changes(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every decision that is not the same at every budget, as ``{"level", "kind" ("order", "needed" or "reach"),
    "method", "alpha", "values": {budget: value}}``: orders first, then alignments needed, then reaching at an
    alignment where the method's alignment needed did not change (a change there is already said)."""
    by_budget = decisions_by_budget(payload)
    first = next(iter(by_budget.values()))
    out = []
    for level, d in first.items():
        at = {b: dec[level] for b, dec in by_budget.items()}
        if len({v["order"] for v in at.values()}) > 1:
            out.append({"level": level, "kind": "order", "method": None, "alpha": None, "values": _values(at, "order")})
        moved = set()
        for method in d["needed"]:
            values = {b: v["needed"].get(method) for b, v in at.items()}
            if len(set(values.values())) > 1:
                moved.add(method)
                out.append({"level": level, "kind": "needed", "method": method, "alpha": None, "values": values})
        for method, alpha in d["reach"]:
            values = {b: v["reach"].get((method, alpha)) for b, v in at.items()}
            if method not in moved and len(set(values.values())) > 1:
                out.append({"level": level, "kind": "reach", "method": method, "alpha": alpha, "values": values})
    return out


def _values(at: dict[int, dict[str, Any]], key: str) -> dict[int, Any]:
    return {b: v[key] for b, v in at.items()}


def _steps_text(steps: list[int]) -> str:
    return f"{series([f'{b:,}' for b in steps])} steps"


def _grouped(values: dict[int, Any], show) -> str:
    """``show(value) after 600 steps, show(other) after 1,200 and 2,400 steps`` (budgets grouped by value)."""
    groups: dict[Any, list[int]] = {}
    for b, v in values.items():
        groups.setdefault(v, []).append(b)
    return ", ".join(f"{show(v)} after {_steps_text(bs)}" for v, bs in groups.items())


REACH_SHORT = {True: "reaches it", False: "does not", None: "cannot tell"}


def _change_text(payload: dict[str, Any], change: dict[str, Any]) -> str:
    where = f"under {change['level']} noise"
    if change["kind"] == "order":
        return f"{where} the paradigms' order ({_grouped(change['values'], lambda v: ORDER_SHORT[v])})"
    label = answer.method_label(payload, change["method"])
    if change["kind"] == "needed":
        return f"{where} the alignment {label} needs ({_grouped(change['values'], answer.alignment_text)})"
    return (
        f"{where} whether {label} reaches its clean top-1 at α = {change['alpha']:g} "
        f"({_grouped(change['values'], lambda v: REACH_SHORT[v])})"
    )


def convergence_clause(payload: dict[str, Any]) -> str:
    """Whether training converged by the chapter's rule (``answer.method_convergence``), in a clause."""
    steps = answer.budgets(payload)
    state = answer.method_convergence(payload)
    moved = [answer.method_label(payload, m) for m, s in state.items() if s is False]
    unknown = [m for m, s in state.items() if s is None]
    if moved:
        which = f"all {len(state)} methods" if len(moved) == len(state) > 1 else series(moved)
        return (
            f"training has not converged by the rule ({which} move{'s' * (len(moved) == 1)} by their interval or more "
            f"in some condition from {steps[-2]:,} to {steps[-1]:,} steps)"
        )
    if unknown:
        return "whether training converged cannot be checked for every method (too few seeds)"
    return (
        "training has converged by the rule (every method moves by less than its interval from "
        f"{steps[-2]:,} to {steps[-1]:,} steps)"
    )


def stability_sentence(payload: dict[str, Any]) -> str:
    """Whether the verdict's decisions depend on where training stopped: the convergence rule's outcome, then the
    decisions that change between the budgets read out, or that none does."""
    steps = answer.budgets(payload)
    if len(steps) < 2:
        return "This run was read out at its budget only, so it cannot show whether its decisions depend on it."
    head = convergence_clause(payload)
    head = head[0].upper() + head[1:]
    moved = changes(payload)
    if not moved:
        return (
            f"{head}; the decisions are the same at {_steps_text(steps)} (which network reaches its clean top-1 at "
            "which alignment, the alignment each needs and the paradigms' order at every level)."
        )
    listed = "; ".join(_change_text(payload, c) for c in moved)
    return f"{head}; where training stopped changes {len(moved)} of the decisions: {listed}."


def provisional_verdict(payload: dict[str, Any]) -> str:
    """The answer if training had stopped at the final budget: every trained network compared, converged or not,
    by the strict verdict's rules and words (``answer.level_sentences``, ``answer.prediction_sentence``), the
    closed forms and the prediction left to the strict verdict."""
    steps = answer.budgets(payload)[-1]
    if len(answer.budgets(payload)) < 2:
        return f"This run has no convergence check: the verdict above compares every network at {steps:,} steps."
    if all(answer.method_convergence(payload).values()):
        return f"Every method passes the convergence rule, so the verdict above is the answer at {steps:,} steps."
    summaries = [answer.level_summary(payload, level, provisional=True) for level in answer.levels(payload)]
    said = answer.level_sentences(payload, summaries, closed=False)
    said.append(answer.prediction_sentence(summaries, len(payload["config"]["seeds"]), closed=False))
    head = f"Provisional answer, if training had stopped at {steps:,} steps (every network compared, converged or not)."
    return " ".join([head, *said])


def provisional_clause(payload: dict[str, Any]) -> str:
    """The provisional answer's paradigm order per noise level in one sentence (for the chapter's opening), or ""
    where the strict verdict already compares every network (every method converged, or no convergence check)."""
    state = answer.method_convergence(payload)
    if len(answer.budgets(payload)) < 2 or all(state.values()):
        return ""
    steps = answer.budgets(payload)[-1]
    orders = {
        level: answer.level_summary(payload, level, provisional=True)["network_order"]
        for level in answer.levels(payload)
    }
    said = [f"under {level} noise {answer.ORDER_TEXT[order]}" for level, order in orders.items()]
    return (
        f"Provisionally, if training had stopped at {steps:,} steps and every network were compared: {'; '.join(said)}."
    )


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
