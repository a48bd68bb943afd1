"""What the nuisance grid (chapter 13) says, from its numbers: t intervals over seeds, the alignment
each method needs to reach its clean top-1, the paradigms' order per noise level, convergence, and the
verdict sentence. numpy and scipy only: everything reads a run's JSON payload
(``je_vs_rc.selfsup.cells.GridResult.to_json``), so a planted file exercises it without torch.

"Reaches its clean top-1" at an alignment: the top-1 on the corrupted test images of the run trained on
corrupted data, minus that of the same method trained on clean data and tested on clean images, paired by
seed, has a t interval that reaches ``-REACH_MARGIN`` (the run is not resolved more than a point below its
clean run); with fewer than ``MIN_SEEDS`` seeds, cannot tell. The alignment a method needs is the smallest
alpha of the grid at which it reaches its clean top-1 (beyond the grid if at none); where some alignments
cannot be told, a range (:func:`alignment_needed`). Every network is read out at its budget and at earlier
step counts of the same run (the grid's probes); the verdict compares only the methods whose top-1 moves by
less than its interval from the last probe to the budget in every condition (:func:`checked_methods`), and
:func:`check_converged` raises if it compared another. The chapter's other sentences are
``je_vs_rc.render.nuisance_text``'s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import stats
from ..theory import methods as theory_methods
from ..theory.linalg import single_threaded_module
from ..words import count, series

CLEAN = "clean"
LEVEL = stats.LEVEL  # confidence of every t interval
# A run "reaches" its clean top-1 unless it is resolved more than this many points below it. The probe's own
# sampling error on 10,000 test images is about +-0.7 points (95%, binomial at 85%), and the closed forms,
# nearly deterministic across seeds, would otherwise count a 0.3-point deficit as a failure.
REACH_MARGIN = 1.0


def t_interval(values: Iterable[float], level: float = LEVEL) -> tuple[float, float, int]:
    """``(mean, half-width, n)`` of the two-sided Student t interval (``je_vs_rc.stats``); half-width ``inf``
    for n < 2."""
    s = stats.spread(values)
    return s.mean, s.halfwidth(level), s.n


def _rows(payload: dict[str, Any], table: str, **where: Any) -> list[dict[str, Any]]:
    return [r for r in payload[table] if all(r.get(k) == v for k, v in where.items())]


def _short_steps(payload: dict[str, Any]) -> int:
    return int(payload["config"]["steps"])


def by_seed(payload: dict[str, Any], table: str, metric: str = "top1", **where: Any) -> dict[int, float]:
    """``metric`` of the rows of ``table`` ("cells" at the grid's budget, "closed_form", "baselines")
    matching ``where``, keyed by seed."""
    if table == "cells":
        where = {"steps": _short_steps(payload), **where}
    return {r["seed"]: float(r[metric]) for r in _rows(payload, table, **where)}


def paired_gap(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, int]:
    """t interval of ``a - b`` over the seeds both have."""
    s = stats.paired(a, b)
    return s.mean, s.halfwidth(LEVEL), s.n


def alphas(payload: dict[str, Any]) -> list[float]:
    return [float(a) for a in payload["config"]["alphas"]]


def levels(payload: dict[str, Any]) -> list[str]:
    return list(payload["config"]["nuisance"]["levels"])


MIN_SEEDS = 3  # a t interval over fewer seeds (t = 12.7 for two) decides nothing: "cannot tell"


def reaches_clean(payload: dict[str, Any], table: str, method: str, level: str, alpha: float) -> bool | None:
    """Whether the run at (level, alpha) is not resolved below its clean run; None (cannot tell) with fewer than
    :data:`MIN_SEEDS` seeds on both sides."""
    corrupted = by_seed(payload, table, method=method, level=level, alpha=alpha)
    clean = by_seed(payload, table, method=method, level=CLEAN)
    gap = stats.paired(corrupted, clean)
    if gap.n < MIN_SEEDS:
        return None
    return gap.side(-REACH_MARGIN, LEVEL) >= 0


Needed = tuple[float, float | None]  # (at least, at most); equal when known exactly; at most None: unknown


def alignment_needed(payload: dict[str, Any], table: str, method: str, level: str) -> Needed:
    """The smallest alpha of the grid at which ``method`` reaches its clean top-1, as ``(at least, at most)``:
    equal when every smaller alignment is decided, ``(inf, inf)`` when it reaches it at none; a range where
    some smaller alignment cannot be told (too few seeds), ``at most`` None when it reaches it at no decided
    alignment and some cannot be told."""
    grid = alphas(payload)
    states = [reaches_clean(payload, table, method, level, a) for a in grid]
    for i, state in enumerate(states):
        if state is True:
            unknown = [k for k in range(i) if states[k] is None]
            return (grid[unknown[0]] if unknown else grid[i]), grid[i]
    unknown = [k for k, state in enumerate(states) if state is None]
    return (grid[unknown[0]], None) if unknown else (math.inf, math.inf)


def network_methods(payload: dict[str, Any]) -> list[str]:
    """The trained methods of the run that have at least one network, in its configuration's order."""
    trained = {r["method"] for r in payload["cells"]}
    return [m for m in payload["config"]["methods"] if m in trained]


def paradigm_of(payload: dict[str, Any], method: str) -> str:
    """The theory registry key ("je" or "rc") of a trained method, from the run's rows."""
    for r in payload["cells"]:
        if r["method"] == method:
            return r["paradigm"]
    raise ValueError(f"method {method!r} has no rows in this run")


def order(needed: dict[str, Needed], paradigm: dict[str, str]) -> str:
    """Which paradigm needs less alignment: "je" or "rc" (every method of it needs at most less than every
    method of the other needs at least), "same" (all known and equal), "mixed" (all known, not split by
    paradigm), "none" (no method reaches its clean top-1 in the grid), or "cannot tell" (ranges that
    overlap, or a method without an answer)."""
    je = [v for m, v in needed.items() if paradigm[m] == theory_methods.JOINT_EMBEDDING.key]
    rc = [v for m, v in needed.items() if paradigm[m] == theory_methods.RECONSTRUCTION.key]
    if not je or not rc or any(v[1] is None for v in je + rc):
        return "cannot tell"
    if max(v[1] for v in je) < min(v[0] for v in rc):
        return "je"
    if max(v[1] for v in rc) < min(v[0] for v in je):
        return "rc"
    if any(v[0] != v[1] for v in je + rc):
        return "cannot tell"
    if len({v[0] for v in je + rc}) == 1:
        return "none" if math.isinf(je[0][0]) else "same"
    return "mixed"


def level_regime(payload: dict[str, Any], level: str) -> str:
    """Corollary 4.5's regime of a level, as computed on every seed's data ("low", "high"; "undetermined" if the
    seeds disagree or the level straddles the switch)."""
    regimes = {r["regime"] for r in _rows(payload, "levels", level=level)}
    return regimes.pop() if len(regimes) == 1 else "undetermined"


def level_summary(payload: dict[str, Any], level: str, provisional: bool = False) -> dict[str, Any]:
    """The alignment each network and each closed form needs at ``level``, and the paradigms' order for both.
    The verdict's networks: those that passed the convergence check (:func:`check_converged` guards it); with
    ``provisional``, every trained network, converged or not (the answer if training stopped at its budget)."""
    nets = network_methods(payload) if provisional else checked_methods(payload)
    if not provisional:
        check_converged(payload, nets)
    net_paradigm = {m: paradigm_of(payload, m) for m in nets}
    net_needed = {m: alignment_needed(payload, "cells", m, level) for m in nets}
    closed = [m.key for m in theory_methods.PAPER_ENCODERS]
    closed_needed = {m: alignment_needed(payload, "closed_form", m, level) for m in closed}
    ths = _rows(payload, "levels", level=level)
    return {
        "level": level,
        "ratio": ths[0]["ratio"] if ths else float("nan"),
        "regime": level_regime(payload, level),
        "networks": net_needed,
        "network_order": order(net_needed, net_paradigm),
        "closed_form": closed_needed,
        "closed_order": order(closed_needed, {m: m for m in closed}),
        "thresholds": {m: float(np.mean([r[f"alpha_{m}"] for r in ths])) for m in closed} if ths else {},
    }


PREDICTED = {"high": "je", "low": "rc"}  # Corollary 4.5: who needs less alignment in each regime
KEYS = ("network_order", "closed_order")


def alignment_text(value: Needed) -> str:
    at_least, at_most = value
    if at_most is None:
        return f"cannot tell (at least α = {at_least:g})"
    if math.isinf(at_most):
        return "beyond the grid"
    if at_least == at_most:
        return f"α = {at_most:g}"
    return f"α = {at_least:g} to {at_most:g} (cannot tell which)"


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def reach_text(payload: dict[str, Any], methods: list[str], value: Needed, every: bool = False) -> str:
    """Where trained networks (one or several with the same ``value``) reach their clean top-1, as a clause naming
    them ("all four methods" when ``every`` method of the level shares it)."""
    at_least, at_most = value
    one = len(methods) == 1
    names = series([method_label(payload, m) for m in methods])
    if every and not one:
        names = f"all {NUMBER_WORDS[len(methods)] if len(methods) < len(NUMBER_WORDS) else len(methods)} methods"
    (its, es), limit = ("its", "es") if one else ("their", ""), alphas(payload)[-1]
    if at_most is None:
        return f"whether {names} reach{es} {its} clean top-1 cannot be told (not below α = {at_least:g})"
    if math.isinf(at_most):
        return f"{names} do{es} not reach {its} clean top-1 at any alignment up to α = {limit:g}"
    if at_least == at_most:
        return f"{names} reach{es} {its} clean top-1 from α = {at_most:g}"
    return f"{names} reach{es} {its} clean top-1 from α = {at_least:g} to {at_most:g} (cannot tell which)"


def reach_series(payload: dict[str, Any], needed: dict[str, Needed]) -> str:
    """:func:`reach_text` for every method of ``needed``, the methods with the same value named together."""
    groups: dict[Needed, list[str]] = {}
    for m, v in needed.items():
        groups.setdefault(v, []).append(m)
    return "; ".join(reach_text(payload, ms, v, every=len(groups) == 1) for v, ms in groups.items())


ORDER_TEXT = {
    "je": "joint embedding needs less alignment than reconstruction",
    "rc": "reconstruction needs less alignment than joint embedding",
    "same": "the two paradigms need the same alignment",
    "none": "neither paradigm reaches its clean top-1 within the grid",
    "mixed": "the methods do not split by paradigm",
    "cannot tell": "we cannot tell which paradigm needs less alignment",
}


def method_label(payload: dict[str, Any], method: str) -> str:
    """The run's display label of a method, a typewriter apostrophe set as a typographic one ("paper’s")."""
    return payload.get("labels", {}).get(method, method).replace("'", "\u2019")


def verdict(payload: dict[str, Any]) -> str:
    """The answer, one sentence per noise level then one on Corollary 4.5's prediction, generated from the numbers."""
    summaries = [level_summary(payload, level) for level in levels(payload)]
    said = level_sentences(payload, summaries)
    said.append(prediction_sentence(summaries, len(payload["config"]["seeds"])))
    return " ".join([budget_sentence(payload), *said])


def level_sentences(payload: dict[str, Any], summaries: list[dict[str, Any]], closed: bool = True) -> list[str]:
    """One sentence per noise level (:func:`level_summary`): what the compared networks need (nothing where none
    is compared: :func:`budget_sentence` says why once) and, with ``closed``, what the closed forms need."""
    said = []
    for s in summaries:
        regime = {"high": "the high-noise regime", "low": "the low-noise regime"}.get(
            s["regime"], "a level whose regime is undetermined"
        )
        head = f"Under {s['level']} noise ({s['ratio']:g} × the switch η²/δ: {regime}), " if closed else ""
        head = head or f"Under {s['level']} noise, "
        undecided = [
            name
            for name, values in (("the trained networks", s["networks"]), ("the closed forms", s["closed_form"]))
            if all(v[1] is None for v in values.values())
        ]
        if len(undecided) == 2:
            said.append(head + f"nothing can be told: fewer than {MIN_SEEDS} seeds finished at the largest alignment.")
            continue
        forms = ", ".join(f"{theory_methods.get(m).short} {alignment_text(v)}" for m, v in s["closed_form"].items())
        parts = [_networks_clause(payload, s["networks"], s["network_order"])] if s["networks"] else []
        if closed:
            parts.append(f"in the closed forms on the same views, {ORDER_TEXT[s['closed_order']]} ({forms})")
        said.append(head + "; ".join(parts) + ".")
    return said


def _networks_clause(payload: dict[str, Any], needed: dict[str, Needed], network_order: str) -> str:
    """What the compared trained networks say at one level; who is compared is said where the paradigms cannot be
    (networks of one paradigm only passed the convergence check)."""
    reach = reach_series(payload, needed)
    paradigms = {paradigm_of(payload, m) for m in needed}
    if len(paradigms) == 1:
        only = theory_methods.get(paradigms.pop()).label.lower()
        return f"only {only} networks are compared, so the trained networks cannot order the paradigms ({reach})"
    return f"{ORDER_TEXT[network_order]} in the trained networks ({reach})"


def budget_sentence(payload: dict[str, Any]) -> str:
    """Which networks the verdict compares, and why the others are left out (not converged, or not checked)."""
    steps = budgets(payload)
    if len(steps) < 2:
        return (
            f"This run does not check convergence: the networks are compared at an equal budget of {steps[-1]:,} steps."
        )
    state = method_convergence(payload)
    moved = [method_label(payload, m) for m, s in state.items() if s is False]
    unchecked = [method_label(payload, m) for m, s in state.items() if s is None]
    said = []
    if moved:
        span = f"the convergence check from {steps[-2]:,} to {steps[-1]:,} steps"
        why = "moved by its interval or more in at least one condition: the table in the next section"
        said.append(
            f"None of the {len(state)} methods passed {span} (each {why}), so the verdict compares no trained network."
            if len(moved) == len(state) > 1
            else f"{series(moved)} did not pass {span} ({'each ' * (len(moved) > 1)}{why}), so "
            f"{'it is' if len(moved) == 1 else 'they are'} left out of the comparison."
        )
    if unchecked:
        said.append(
            f"Left out as not checked for convergence (fewer than {MIN_SEEDS} seeds finished): {series(unchecked)}."
        )
    if not said:
        return f"Every network's top-1 moves by less than its interval from {steps[-2]:,} to {steps[-1]:,} steps."
    return " ".join(said)


def _follows(summaries: list[dict[str, Any]], key: str, regime: str) -> bool | None:
    """Whether the orders under ``key`` ("network_order" or "closed_order") follow Corollary 4.5 at every level of
    ``regime``; None when the run has no such level, or one where the order cannot be told or no method
    reaches its clean top-1."""
    orders = [s[key] for s in summaries if s["regime"] == regime]
    if not orders or any(o in ("cannot tell", "none") for o in orders):  # "none": no order to compare
        return None
    return all(o == PREDICTED[regime] for o in orders)


def prediction_halves(summaries: list[dict[str, Any]]) -> tuple[tuple[bool | None, bool | None], ...]:
    """Whether the trained networks, then the closed forms, follow Corollary 4.5's (high-noise, low-noise) halves
    (:func:`_follows`): the keys of :data:`BEARS_OUT`."""
    return tuple((_follows(summaries, key, "high"), _follows(summaries, key, "low")) for key in KEYS)


BEARS_OUT = {  # (high-noise half, low-noise half): True borne out, False not, None not told
    (True, True): "confirm both halves",
    (True, False): "confirm the first half but not the second",
    (False, True): "confirm the second half but not the first",
    (False, False): "confirm neither half",
    (True, None): "confirm the first half, and the second is not tested",
    (False, None): "do not confirm the first half, and the second is not tested",
    (None, True): "confirm the second half, and the first is not tested",
    (None, False): "do not confirm the second half, and the first is not tested",
    (None, None): "settle neither half",
}


def prediction_sentence(summaries: list[dict[str, Any]], seeds: int, closed: bool = True) -> str:
    """Corollary 4.5's prediction against the networks and (with ``closed``) the closed forms, in one sentence;
    without ``closed`` the prediction is not restated (the strict verdict said it)."""
    if seeds < MIN_SEEDS:
        return (
            f"With {count(seeds, 'seed', 'seeds')} the intervals decide nothing (at least {MIN_SEEDS} are needed), so "
            "this run cannot test Corollary 4.5's prediction."
        )
    nets, forms = prediction_halves(summaries)
    if nets == forms == (None, None):
        return "The run has no level in each regime, or too few seeds, to test Corollary 4.5's prediction."
    if not closed:
        return f"Of Corollary 4.5's prediction, these networks {BEARS_OUT[nets]}."
    return (
        "Corollary 4.5 predicts that joint embedding needs less alignment under strong (high-regime) noise and that "
        f"the order flips under weak (low-regime) noise: the trained networks {BEARS_OUT[nets]}; the closed forms "
        f"{BEARS_OUT[forms]}."
    )


def budgets(payload: dict[str, Any]) -> list[int]:
    """The step counts at which every network was read out: its probes (same run), then the grid's budget."""
    return [*(int(p) for p in payload["config"].get("probes", [])), _short_steps(payload)]


def top1_at(payload: dict[str, Any], steps: int, **where: Any) -> dict[int, float]:
    """Top-1 by seed of the networks matching ``where`` read out after ``steps`` (a probe or the budget)."""
    if steps == _short_steps(payload):
        return by_seed(payload, "cells", **where)
    out = {}
    for r in _rows(payload, "cells", steps=_short_steps(payload), **where):
        for probe in r.get("probes", []):
            if probe["steps"] == steps:
                out[r["seed"]] = float(probe["top1"])
    return out


def conditions(payload: dict[str, Any]) -> list[tuple[str, float]]:
    """What a network is trained on: the clean images, then every noise level at every alignment."""
    return [(CLEAN, 0.0), *((level, a) for level in levels(payload) for a in alphas(payload))]


def convergence(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Per method and condition (:func:`conditions`): mean top-1 at every budget read out (:func:`budgets`), the
    paired change over the last step, from the last probe to the budget (``change``), the budget's t
    half-width over seeds (``half``), and ``converged``: the change is smaller than that half-width (None
    without probes or with fewer than :data:`MIN_SEEDS` seeds)."""
    steps = budgets(payload)
    out = []
    for method in network_methods(payload):
        for level, alpha in conditions(payload):
            at = [top1_at(payload, b, method=method, level=level, alpha=alpha) for b in steps]
            _, half, n = t_interval(at[-1].values())
            change, _, paired = paired_gap(at[-1], at[-2]) if len(at) > 1 else (math.nan, math.nan, 0)
            out.append(
                {
                    "method": method,
                    "level": level,
                    "alpha": alpha,
                    "means": [t_interval(a.values())[0] for a in at],
                    "half": half,
                    "change": change,
                    "converged": None if min(n, paired) < MIN_SEEDS else bool(abs(change) < half),
                }
            )
    return out


def method_convergence(payload: dict[str, Any]) -> dict[str, bool | None]:
    """Per method: False when some condition did not converge, True when every condition with enough seeds
    did (the others cannot be told in the verdict either), None when no condition has enough seeds."""
    states: dict[str, set[bool | None]] = {}
    for r in convergence(payload):
        states.setdefault(r["method"], set()).add(r["converged"])
    return {m: False if False in s else True if True in s else None for m, s in states.items()}


class NotConverged(ValueError):
    """A method the verdict compares moved by more than its interval over the last doubling of its budget."""


def checked_methods(payload: dict[str, Any]) -> list[str]:
    """The trained methods the verdict compares: every method when the run has no convergence check (no
    probes), otherwise those whose top-1 moved by less than its interval over the last step of the budget in
    every condition with enough seeds to tell (:func:`method_convergence`)."""
    if len(budgets(payload)) < 2:
        return network_methods(payload)
    return [m for m, state in method_convergence(payload).items() if state]


def condition_text(level: str, alpha: float) -> str:
    return "clean" if level == CLEAN else f"{level} α = {alpha:g}"


def check_converged(payload: dict[str, Any], methods: list[str]) -> None:
    """Raise :class:`NotConverged` if one of ``methods`` moved top-1 by at least the interval half-width in
    some condition over the last step of its budget (a verdict about it would be about where training stopped)."""
    first, last = budgets(payload)[-2:] if len(budgets(payload)) > 1 else (0, 0)
    for r in convergence(payload):
        if r["method"] in methods and r["converged"] is False:
            raise NotConverged(
                f"{method_label(payload, r['method'])}'s top-1 ({condition_text(r['level'], r['alpha'])}) moves by "
                f"{r['change']:+.1f} points from {first:,} to {last:,} steps, beyond its interval ±{r['half']:.1f}: "
                "not converged"
            )


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
