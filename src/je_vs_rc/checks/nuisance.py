"""What the nuisance grid (chapter 13) says, from its numbers: t intervals over seeds, the alignment
each method needs to reach its clean top-1, the paradigms' order per noise level, convergence, and the
verdict sentence. numpy and scipy only: everything reads a run's JSON payload
(``je_vs_rc.selfsup.grid.GridResult.to_json``), so a planted file exercises it without torch.

"Reaches its clean top-1" at an alignment: the top-1 on the corrupted test images of the run trained on
corrupted data, minus that of the same method trained on clean data and tested on clean images, paired by
seed, has a t interval that reaches 0 (the run is not resolved below its clean run). The alignment a
method needs is the smallest alpha of the grid from which it reaches its clean top-1 at every larger alpha
too; ``inf`` if it does not reach it at the largest; ``None`` (cannot tell) with fewer than two seeds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy import stats

from ..render.tables import count
from ..theory import methods as theory_methods

CLEAN = "clean"
LEVEL = 0.95  # confidence of every t interval


def t_interval(values: Iterable[float], level: float = LEVEL) -> tuple[float, float, int]:
    """``(mean, half-width, n)`` of the two-sided Student t interval; half-width ``inf`` for n < 2."""
    x = np.asarray(list(values), dtype=float)
    if x.size == 0:
        return float("nan"), float("inf"), 0
    if x.size < 2:
        return float(x.mean()), float("inf"), 1
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return float(x.mean()), half, int(x.size)


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
    seeds = sorted(set(a) & set(b))
    return t_interval(a[s] - b[s] for s in seeds)


def alphas(payload: dict[str, Any]) -> list[float]:
    return [float(a) for a in payload["config"]["alphas"]]


def levels(payload: dict[str, Any]) -> list[str]:
    return list(payload["config"]["nuisance"]["levels"])


def reaches_clean(payload: dict[str, Any], table: str, method: str, level: str, alpha: float) -> bool | None:
    """Whether the run at (level, alpha) is not resolved below its clean run (None: fewer than 2 seeds)."""
    corrupted = by_seed(payload, table, method=method, level=level, alpha=alpha)
    clean = by_seed(payload, table, method=method, level=CLEAN)
    mean, half, n = paired_gap(corrupted, clean)
    if n < 2:
        return None
    return mean + half >= 0


def alignment_needed(payload: dict[str, Any], table: str, method: str, level: str) -> float | None:
    """The smallest alpha from which ``method`` reaches its clean top-1 for good (see the module docstring)."""
    grid = alphas(payload)
    reached = [reaches_clean(payload, table, method, level, a) for a in grid]
    if any(r is None for r in reached):
        return None
    needed = math.inf
    for a, r in zip(reversed(grid), reversed(reached)):
        if not r:
            break
        needed = a
    return needed


def network_methods(payload: dict[str, Any]) -> list[str]:
    """The trained methods of the run, in its configuration's order."""
    return list(payload["config"]["methods"])


def paradigm_of(payload: dict[str, Any], method: str) -> str:
    """The theory registry key ("je" or "rc") of a trained method, from the run's rows."""
    for r in payload["cells"]:
        if r["method"] == method:
            return r["paradigm"]
    raise ValueError(f"method {method!r} has no rows in this run")


def order(needed: dict[str, float | None], paradigm: dict[str, str]) -> str:
    """Which paradigm needs less alignment: "je", "rc" (every method of it strictly less than every
    method of the other), "same" (all equal), "mixed", or "cannot tell" (a method without an answer)."""
    je = [v for m, v in needed.items() if paradigm[m] == theory_methods.JOINT_EMBEDDING.key]
    rc = [v for m, v in needed.items() if paradigm[m] == theory_methods.RECONSTRUCTION.key]
    if not je or not rc or any(v is None for v in je + rc):
        return "cannot tell"
    if max(je) < min(rc):
        return "je"
    if max(rc) < min(je):
        return "rc"
    if len(set(je + rc)) == 1:
        return "same"
    return "mixed"


def level_regime(payload: dict[str, Any], level: str) -> str:
    """Cor 4.5's regime of a level, as computed on every seed's data ("low", "high"; "undetermined" if the
    seeds disagree or the level straddles the switch)."""
    regimes = {r["regime"] for r in _rows(payload, "levels", level=level)}
    return regimes.pop() if len(regimes) == 1 else "undetermined"


def level_summary(payload: dict[str, Any], level: str) -> dict[str, Any]:
    """The alignment each network and each closed form needs at ``level``, and the paradigms' order for both."""
    nets = network_methods(payload)
    net_paradigm = {m: paradigm_of(payload, m) for m in nets}
    net_needed = {m: alignment_needed(payload, "cells", m, level) for m in nets}
    closed = [m.key for m in theory_methods.encoder_methods()]
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


PREDICTED = {"high": "je", "low": "rc"}  # Cor 4.5: who needs less alignment in each regime


def _alpha_text(value: float | None) -> str:
    if value is None:
        return "cannot tell"
    return "beyond the grid" if math.isinf(value) else f"α = {value:g}"


ORDER_TEXT = {
    "je": "joint embedding needs less alignment than reconstruction",
    "rc": "reconstruction needs less alignment than joint embedding",
    "same": "the two paradigms need the same alignment",
    "mixed": "the methods do not split by paradigm",
    "cannot tell": "we cannot tell which paradigm needs less alignment",
}


def _label(payload: dict[str, Any], method: str) -> str:
    from_payload = payload.get("labels", {})
    return from_payload.get(method, method)


def verdict(payload: dict[str, Any]) -> str:
    """The answer, one sentence per noise level then one on Cor 4.5's prediction, generated from the numbers."""
    said = []
    summaries = [level_summary(payload, level) for level in levels(payload)]
    seeds = len(payload["config"]["seeds"])
    for s in summaries:
        nets = ", ".join(f"{_label(payload, m)} {_alpha_text(v)}" for m, v in s["networks"].items())
        closed = ", ".join(
            f"{theory_methods.get(m).short} {_alpha_text(v)}" for m, v in s["closed_form"].items()
        )
        regime = {"high": "the high-noise regime", "low": "the low-noise regime"}.get(
            s["regime"], "a level whose regime is undetermined"
        )
        said.append(
            f"Under {s['level']} noise ({s['ratio']:g} × the switch η²/δ: {regime}), "
            f"{ORDER_TEXT[s['network_order']]} in the trained networks; each reaches its clean top-1 from "
            f"{nets}. The closed forms on the same views: {ORDER_TEXT[s['closed_order']]} ({closed})."
        )
    high = [s for s in summaries if s["regime"] == "high"]
    low = [s for s in summaries if s["regime"] == "low"]
    if seeds < 2:
        said.append(f"With {count(seeds, 'seed', 'seeds')} there is no interval, so the networks cannot decide.")
    elif high and low:
        je_less = all(s["network_order"] == "je" for s in high)
        flips = all(s["network_order"] == "rc" for s in low)
        said.append(
            "So, as Cor 4.5 predicts, " if je_less and flips else "So, against Cor 4.5's prediction in part, "
        )
        said[-1] += (
            ("joint embedding needs less alignment under strong noise" if je_less else
             "joint embedding does not need less alignment under strong noise")
            + (" and the order flips under weak noise." if flips else " and the order does not flip under weak noise.")
        )
    return " ".join(said)


def convergence(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Per method, the clean runs at the grid's budget and at ``long_steps``: mean top-1 of each, their
    paired difference (t interval) and whether it is smaller than the short run's own interval half-width
    (``converged``; None without a long run or with fewer than 2 seeds)."""
    cfg = payload["config"]
    out = []
    for method in network_methods(payload):
        short = by_seed(payload, "cells", method=method, level=CLEAN)
        long_ = {
            r["seed"]: float(r["top1"])
            for r in _rows(payload, "cells", method=method, level=CLEAN, steps=cfg["long_steps"])
        }
        mean_s, half_s, n_s = t_interval(short.values())
        if not cfg["long_steps"] or not long_:
            out.append({"method": method, "short": mean_s, "half": half_s, "long": None, "change": None,
                        "converged": None})
            continue
        change, _, n = paired_gap(long_, short)
        out.append(
            {
                "method": method,
                "short": mean_s,
                "half": half_s,
                "long": float(np.mean([long_[s] for s in sorted(set(long_) & set(short))])),
                "change": change,
                "converged": None if n < 2 or n_s < 2 else abs(change) < half_s,
            }
        )
    return out


def convergence_sentence(payload: dict[str, Any]) -> str:
    """Whether doubling the budget changes each method's clean top-1 by less than its interval, in words."""
    rows = convergence(payload)
    steps, long_steps = payload["config"]["steps"], payload["config"]["long_steps"]
    if all(r["converged"] is None for r in rows):
        return "This run has no convergence check (no longer runs, or fewer than two seeds)."
    ok = [r for r in rows if r["converged"]]
    bad = [r for r in rows if r["converged"] is False]
    text = f"Training the clean runs for {long_steps:,} steps instead of {steps:,} changes the top-1 of "
    parts = []
    if ok:
        parts.append(
            ", ".join(f"{_label(payload, r['method'])} by {r['change']:+.1f} points" for r in ok)
            + " (less than their intervals: converged at this budget)"
        )
    if bad:
        parts.append(
            ", ".join(f"{_label(payload, r['method'])} by {r['change']:+.1f} points (interval ±{r['half']:.1f})" for r in bad)
            + ": more than their intervals, so these have not converged and their alignments are upper bounds on what "
            "longer training would need only if the gap to the clean run closes too"
        )
    return text + "; ".join(parts) + "."
