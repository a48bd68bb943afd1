"""What the nuisance grid (chapter 13) says, from its numbers: t intervals over seeds, the alignment
each method needs to reach its clean top-1, the paradigms' order per noise level, convergence, and the
verdict sentence. numpy and scipy only: everything reads a run's JSON payload
(``je_vs_rc.selfsup.grid.GridResult.to_json``), so a planted file exercises it without torch.

"Reaches its clean top-1" at an alignment: the top-1 on the corrupted test images of the run trained on
corrupted data, minus that of the same method trained on clean data and tested on clean images, paired by
seed, has a t interval that reaches ``-REACH_MARGIN`` (the run is not resolved more than a point below its
clean run); with fewer than ``MIN_SEEDS`` seeds, cannot tell. The alignment a method needs is the smallest
alpha of the grid at which it reaches its clean top-1 (beyond the grid if at none); where some alignments
cannot be told, a range (:func:`alignment_needed`). Whether more alignment then hurts is
:func:`fallback_sentence`'s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import stats
from ..theory import methods as theory_methods
from ..theory.linalg import single_threaded_module
from ..words import count

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


def fallback_sentence(payload: dict[str, Any]) -> str:
    """The networks that more alignment hurts: their top-1 at the largest alignment is resolved below their
    clean run although a smaller alignment reached it, or lies more than ``REACH_MARGIN`` below their best."""
    grid = alphas(payload)
    said = []
    for level in levels(payload):
        hurt = []
        for m in network_methods(payload):
            means = [t_interval(by_seed(payload, "cells", method=m, level=level, alpha=a).values())[0] for a in grid]
            best = int(np.nanargmax(means)) if np.any(np.isfinite(means)) else None
            last = reaches_clean(payload, "cells", m, level, grid[-1])
            if best is not None and best < len(grid) - 1 and last is False and means[best] - means[-1] > REACH_MARGIN:
                at_best, at_last = f"{means[best]:.1f} at α = {grid[best]:g}", f"{means[-1]:.1f} at α = {grid[-1]:g}"
                hurt.append(f"{method_label(payload, m)} {at_best}, {at_last}")
        if hurt:
            said.append(f"under {level} noise {'; '.join(hurt)}")
    if not said:
        return ""
    return "More alignment than needed hurts some networks (top-1, seed means): " + "; ".join(said) + "."


def network_methods(payload: dict[str, Any]) -> list[str]:
    """The trained methods of the run, in its configuration's order."""
    return list(payload["config"]["methods"])


def paradigm_of(payload: dict[str, Any], method: str) -> str:
    """The theory registry key ("je" or "rc") of a trained method, from the run's rows."""
    for r in payload["cells"]:
        if r["method"] == method:
            return r["paradigm"]
    raise ValueError(f"method {method!r} has no rows in this run")


def order(needed: dict[str, Needed], paradigm: dict[str, str]) -> str:
    """Which paradigm needs less alignment: "je" or "rc" (every method of it needs at most less than every
    method of the other needs at least), "same" (all known and equal), "mixed" (all known, not split by
    paradigm), or "cannot tell" (ranges that overlap, or a method without an answer)."""
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


PREDICTED = {"high": "je", "low": "rc"}  # Cor 4.5: who needs less alignment in each regime


def _alpha_text(value: Needed) -> str:
    at_least, at_most = value
    if at_most is None:
        return f"cannot tell (at least α = {at_least:g})"
    if math.isinf(at_most):
        return "beyond the grid"
    if at_least == at_most:
        return f"α = {at_most:g}"
    return f"α = {at_least:g} to {at_most:g} (cannot tell which)"


ORDER_TEXT = {
    "je": "joint embedding needs less alignment than reconstruction",
    "rc": "reconstruction needs less alignment than joint embedding",
    "same": "the two paradigms need the same alignment",
    "mixed": "the methods do not split by paradigm",
    "cannot tell": "we cannot tell which paradigm needs less alignment",
}


def method_label(payload: dict[str, Any], method: str) -> str:
    from_payload = payload.get("labels", {})
    return from_payload.get(method, method)


def verdict(payload: dict[str, Any]) -> str:
    """The answer, one sentence per noise level then one on Cor 4.5's prediction, generated from the numbers."""
    said = []
    summaries = [level_summary(payload, level) for level in levels(payload)]
    seeds = len(payload["config"]["seeds"])
    for s in summaries:
        nets = ", ".join(f"{method_label(payload, m)} {_alpha_text(v)}" for m, v in s["networks"].items())
        closed = ", ".join(f"{theory_methods.get(m).short} {_alpha_text(v)}" for m, v in s["closed_form"].items())
        regime = {"high": "the high-noise regime", "low": "the low-noise regime"}.get(
            s["regime"], "a level whose regime is undetermined"
        )
        head = f"Under {s['level']} noise ({s['ratio']:g} × the switch η²/δ: {regime}), "
        undecided = [
            name
            for name, values in (("the trained networks", s["networks"]), ("the closed forms", s["closed_form"]))
            if all(v[1] is None for v in values.values())
        ]
        if len(undecided) == 2:
            said.append(head + f"nothing can be told: fewer than {MIN_SEEDS} seeds finished at the largest alignment.")
            continue
        said.append(
            head + f"{ORDER_TEXT[s['network_order']]} in the trained networks; each reaches its clean top-1 from "
            f"{nets}. The closed forms on the same views: {ORDER_TEXT[s['closed_order']]} ({closed})."
        )
    said.append(prediction_sentence(summaries, seeds))
    return " ".join(said)


def _cell(mean: float, half: float, digits: int = 1) -> str:
    if not np.isfinite(mean):
        return "–"
    return f"{mean:.{digits}f}" if not np.isfinite(half) else f"{mean:.{digits}f} ± {half:.{digits}f}"


def table_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """Per noise level: each trained method, each closed form and the baselines, their probe top-1 on the
    corrupted test images at every alignment (mean ± t half-width over seeds), the clean run's top-1 and the
    nuisance R^2 at the smallest and the largest alignment."""
    grid = alphas(payload)
    rows = []
    closed = [m.key for m in theory_methods.PAPER_ENCODERS]
    entries = [("cells", m, method_label(payload, m)) for m in network_methods(payload)]
    entries += [("closed_form", m, f"closed form {theory_methods.get(m).short}") for m in closed]
    for level in levels(payload):
        for table, method, label in entries:
            row = {"level": level, "method": label}
            for a in grid:
                row[f"a{a:g}"] = _cell(
                    *t_interval(by_seed(payload, table, method=method, level=level, alpha=a).values())[:2]
                )
            row["clean"] = _cell(*t_interval(by_seed(payload, table, method=method, level=CLEAN).values())[:2])
            for name, a in (("r2_first", grid[0]), ("r2_last", grid[-1])):
                row[name] = _cell(
                    *t_interval(by_seed(payload, table, "r2", method=method, level=level, alpha=a).values())[:2], 2
                )
            rows.append(row)
        for base in ("raw pixels", "random init"):
            row = {"level": level, "method": base}
            value = _cell(*t_interval(by_seed(payload, "baselines", baseline=base, level=level).values())[:2])
            row.update({f"a{a:g}": value for a in grid})
            row["clean"] = _cell(*t_interval(by_seed(payload, "baselines", baseline=base, level=CLEAN).values())[:2])
            r2 = _cell(*t_interval(by_seed(payload, "baselines", "r2", baseline=base, level=level).values())[:2], 2)
            row.update(r2_first=r2, r2_last=r2)
            rows.append(row)
    return rows


def _bears_out(summaries: list[dict[str, Any]], key: str) -> str:
    """Whether the orders under ``key`` ("network_order" or "closed_order") follow Cor 4.5 in every level of a
    determined regime: "both", "high" (only the high-noise prediction), "low", "neither" or "cannot tell"."""
    high = [s[key] for s in summaries if s["regime"] == "high"]
    low = [s[key] for s in summaries if s["regime"] == "low"]
    if not high or not low or "cannot tell" in high + low:
        return "cannot tell"
    ok_high, ok_low = all(o == PREDICTED["high"] for o in high), all(o == PREDICTED["low"] for o in low)
    return {(True, True): "both", (True, False): "high", (False, True): "low", (False, False): "neither"}[
        (ok_high, ok_low)
    ]


BEARS_OUT = {
    "both": "bear out both",
    "high": "bear out the first but not the second",
    "low": "bear out the second but not the first",
    "neither": "bear out neither",
    "cannot tell": "cannot tell",
}


def prediction_sentence(summaries: list[dict[str, Any]], seeds: int) -> str:
    """Cor 4.5's prediction against the networks and the closed forms, in one sentence."""
    if seeds < MIN_SEEDS:
        return (
            f"With {count(seeds, 'seed', 'seeds')} the intervals decide nothing (at least {MIN_SEEDS} are needed), so "
            "this run cannot test Cor 4.5's prediction."
        )
    nets, closed = _bears_out(summaries, "network_order"), _bears_out(summaries, "closed_order")
    if nets == "cannot tell" and closed == "cannot tell":
        return "The run has no level in each regime, or too few seeds, to test Cor 4.5's prediction."
    return (
        "Cor 4.5 predicts that joint embedding needs less alignment under strong (high-regime) noise and that the "
        f"order flips under weak (low-regime) noise: the trained networks {BEARS_OUT[nets]}, the closed forms "
        f"{BEARS_OUT[closed]}."
    )


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
            out.append(
                {"method": method, "short": mean_s, "half": half_s, "long": None, "change": None, "converged": None}
            )
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
            ", ".join(f"{method_label(payload, r['method'])} by {r['change']:+.1f} points" for r in ok)
            + " (less than their intervals: converged at this budget)"
        )
    if bad:
        said = [f"{method_label(payload, r['method'])} by {r['change']:+.1f} (interval ±{r['half']:.1f})" for r in bad]
        parts.append(
            ", ".join(said) + " points: more than their intervals, so these have not converged at this budget. Every "
            "run of the grid has the same budget as the clean run it is compared with, so the comparisons are at an "
            "equal budget, not at convergence"
        )
    return text + "; ".join(parts) + "."


def run_size(payload: dict[str, Any]) -> str:
    """How much a run trains, in words: its cells, seeds and budget."""
    cfg = payload["config"]
    cells = (
        len(cfg["seeds"])
        * len(cfg["methods"])
        * (1 + bool(cfg["long_steps"]) + len(cfg["nuisance"]["levels"]) * len(cfg["alphas"]))
    )
    return (
        f"{count(cells, 'network', 'networks')} ({count(len(cfg['methods']), 'method', 'methods')}, "
        f"{count(len(cfg['seeds']), 'seed', 'seeds')}, {cfg['steps']:,} steps of {cfg['batch_size']} images each, "
        f"{cfg['nuisance']['n_train']:,} training images per seed)"
    )


def source_sentence(payload: dict[str, Any], committed: bool) -> str:
    """Which run the figures and tables below show, how long it took under what load, and what did not finish."""
    cfg, prov = payload["config"], payload.get("provenance", {})
    if not committed:
        return "The figures and tables below show this page's own run."
    loads = prov.get("load_averages", [])
    load = f", under a load average of {min(loads):.0f} to {max(loads):.0f}" if loads else ""
    commits = ", ".join(c[:7] for c in prov.get("code_commits", []))
    said = (
        f"The figures and tables below show the committed run: {run_size(payload)}, the clean runs also for "
        f"{cfg['long_steps']:,} steps, all {cfg['nuisance']['n_test']:,} test images; "
        f"{prov.get('wall_seconds', float('nan')) / 60:.0f} minutes on {prov.get('device', 'an unrecorded device')}"
        f"{load} (code {commits})."
    )
    done = {(c["level"], c["alpha"], c["method"], c["seed"], c["steps"]) for c in payload["cells"]}
    expected = []
    for seed in cfg["seeds"]:
        for method in cfg["methods"]:
            expected.append((CLEAN, 0.0, method, seed, cfg["steps"]))
            if cfg["long_steps"]:
                expected.append((CLEAN, 0.0, method, seed, cfg["long_steps"]))
        for level in cfg["nuisance"]["levels"]:
            for a in cfg["alphas"]:
                expected += [(level, float(a), method, seed, cfg["steps"]) for method in cfg["methods"]]
    missing = [c for c in expected if c not in done]
    if missing:
        seeds_hit = sorted({c[3] for c in missing})
        said += (
            f" It did not finish: {count(len(missing), 'run', 'runs')} of {len(expected)} are missing "
            f"(seed{'s' * (len(seeds_hit) != 1)} {', '.join(map(str, seeds_hit))}), and every interval is over "
            "the seeds that finished."
        )
    return said


def r2_sentence(payload: dict[str, Any]) -> str:
    """How much of each paradigm's features the nuisance explains, at the smallest and the largest alignment."""
    grid = alphas(payload)
    said = []
    for level in levels(payload):
        parts = []
        for a in (grid[0], grid[-1]):
            per = {}
            for m in network_methods(payload):
                values = list(by_seed(payload, "cells", "r2", method=m, level=level, alpha=a).values())
                if values:
                    per.setdefault(paradigm_of(payload, m), []).append(float(np.mean(values)))
            text = " and ".join(
                f"{min(v):.2f}–{max(v):.2f} for {theory_methods.get(p).label.lower()}"
                if len(v) > 1 and f"{min(v):.2f}" != f"{max(v):.2f}"
                else f"{v[0]:.2f} for {theory_methods.get(p).label.lower()}"
                for p, v in per.items()
            )
            if text:
                parts.append(f"{text} at α = {a:g}")
        if parts:
            said.append(f"Under {level} noise, the nuisance explains " + "; ".join(parts) + " (R², seed means).")
    return " ".join(said)


def baseline_sentence(payload: dict[str, Any]) -> str:
    """The baselines per noise level: the probe on raw pixels and on the random initialisation (seed means)."""
    said = []
    for level in (CLEAN, *levels(payload)):
        values = {
            base: t_interval(by_seed(payload, "baselines", baseline=base, level=level).values())[0]
            for base in ("raw pixels", "random init")
        }
        said.append(
            f"{values['raw pixels']:.1f} and {values['random init']:.1f} {'on' if level == CLEAN else 'under'} "
            f"{level}{' images' if level == CLEAN else ' noise'}"
        )
    return (
        "The probe on raw pixels and on the encoder at its random initialisation scores "
        + "; ".join(said)
        + " (top-1, seed means; the probe on all 784 pixels is supervised learning on the corrupted images, the "
        "setting of Prop 4.2)."
    )


def clean_test_sentence(payload: dict[str, Any]) -> str:
    """What the encoders pretrained on corrupted images score on clean test images, at the smallest alignment of
    each noise level, beside their score on the corrupted ones (seed means)."""
    a = alphas(payload)[0]
    said = []
    for level in levels(payload):
        parts = []
        for m in network_methods(payload):
            clean = by_seed(payload, "cells", "top1_clean", method=m, level=level, alpha=a)
            corrupted = by_seed(payload, "cells", method=m, level=level, alpha=a)
            if clean:
                parts.append(
                    f"{method_label(payload, m)} {np.mean(list(clean.values())):.1f} "
                    f"({np.mean(list(corrupted.values())):.1f} corrupted)"
                )
        if parts:
            said.append(f"under {level} noise {', '.join(parts)}")
    if not said:
        return ""
    return f"On clean test images, the encoders pretrained at α = {a:g} score " + "; ".join(said) + "."


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
