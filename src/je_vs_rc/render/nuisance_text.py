"""Chapter 13's sentences and table from a run's JSON payload (``je_vs_rc.selfsup.cells.GridResult``): where
the numbers come from, convergence, the readouts (R², clean test images, baselines), what more alignment
does; the verdict itself and the statistics are ``je_vs_rc.checks.nuisance``'s. numpy only (no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks.nuisance import (
    CLEAN,
    ORDER_TEXT,
    PREDICTED,
    REACH_MARGIN,
    alignment_text,
    alphas,
    by_seed,
    checked_methods,
    convergence,
    level_summary,
    levels,
    method_label,
    network_methods,
    paradigm_of,
    reaches_clean,
    t_interval,
)
from ..theory import methods as theory_methods
from ..words import count, series


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
            ", ".join(f"{method_label(payload, r['method'])} by {_signed(r['change'])} points" for r in ok)
            + " (less than their intervals: converged at this budget)"
        )
    if bad:
        said = [
            f"{method_label(payload, r['method'])} by {_signed(r['change'])} (interval ±{r['half']:.1f})" for r in bad
        ]
        parts.append(
            ", ".join(said) + " points: more than their intervals, so these have not converged at this budget and "
            "the verdict leaves them out (their rows in the table and figure are at an equal budget, not at "
            "convergence)"
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
    """Which run the figures and tables below show, and what did not finish (where it ran: provenance_sentence)."""
    cfg = payload["config"]
    if not committed:
        return "The figures and tables below show this page's own run."
    said = (
        f"The figures and tables below show the committed run: {run_size(payload)}, the clean runs also for "
        f"{cfg['long_steps']:,} steps, all {cfg['nuisance']['n_test']:,} test images."
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


def provenance_sentence(payload: dict[str, Any]) -> str:
    """Where and how long the committed run ran, and at which commits: the page's appendix, not its answer."""
    prov = payload.get("provenance", {})
    loads = prov.get("load_averages", [])
    load = f", under a load average of {min(loads):.0f} to {max(loads):.0f}" if loads else ""
    commits = ", ".join(c[:7] for c in prov.get("code_commits", []))
    return (
        f"The committed run took {prov.get('wall_seconds', float('nan')) / 60:.0f} minutes of wall time on "
        f"{prov.get('device', 'an unrecorded device')}{load} (code {commits})."
    )


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


CPU_BUDGET = 40  # CPU-minutes (one core) the committed run may take (issue 21's budget)


# ---- the budget pilot (params/nuisance_budget_pilot.json: one seed, a ladder of budgets, CPU times) ----------
def pilot_ladder(pilot: dict[str, Any]) -> dict[tuple[str, float, str], dict[int, float]]:
    """Top-1 of each pilot condition ``(level, alpha, method)`` by budget (steps)."""
    out: dict[tuple[str, float, str], dict[int, float]] = {}
    for r in pilot["runs"]:
        out.setdefault((r["level"], float(r["alpha"]), r["method"]), {})[int(r["steps"])] = float(r["top1"])
    return out


def _condition(level: str, alpha: float) -> str:
    return "clean" if level == CLEAN else f"{level} noise, α = {alpha:g}"


def pilot_rows(pilot: dict[str, Any], labels: dict[str, str]) -> tuple[list[dict[str, str]], list[int]]:
    """The pilot as a table: one row per condition and method, top-1 at every budget run; and the budgets."""
    ladder = pilot_ladder(pilot)
    budgets = sorted({s for runs in ladder.values() for s in runs})
    rows = [
        {
            "run": f"{labels.get(method, method)}, {_condition(level, alpha)}",
            **{f"s{s}": f"{runs[s]:.1f}" if s in runs else "–" for s in budgets},
        }
        for (level, alpha, method), runs in sorted(ladder.items(), key=lambda item: _order(item[0], list(labels)))
    ]
    return rows, budgets


def _order(condition: tuple[str, float, str], methods: list[str]) -> tuple[bool, float, int]:
    level, alpha, method = condition
    return level != CLEAN, alpha, methods.index(method) if method in methods else len(methods)


def step_cost(pilot: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per method, CPU seconds per training step (median over the pilot's runs of 300 steps or more) and per
    readout (features of the training and test images and the probes; median)."""
    per: dict[str, tuple[list[float], list[float]]] = {}
    for r in pilot["runs"]:
        steps, readout = per.setdefault(r["method"], ([], []))
        if r["steps"] >= 300:
            steps.append(r["train_cpu"] / r["steps"])
        readout.append(r["cpu"] - r["train_cpu"])
    return {m: (float(np.median(s)), float(np.median(r))) for m, (s, r) in per.items() if s}


def cpu_minutes(
    pilot: dict[str, Any], config: dict[str, Any], scale: float = 1.0, grid: tuple[int, int] | None = None
) -> float:
    """CPU minutes (one thread) that training and reading out the networks of ``config`` take at the pilot's
    measured costs, with every budget times ``scale`` and, with ``grid``, (levels, alignments) instead of
    the configuration's."""
    cost = step_cost(pilot)
    n_levels, n_alphas = grid or (len(config["nuisance"]["levels"]), len(config["alphas"]))
    steps, long_steps = scale * config["steps"], scale * config["long_steps"]
    total = 0.0
    for method in config["methods"]:
        per_step, readout = cost[method]
        short = (1 + n_levels * n_alphas) * (steps * per_step + readout)
        total += len(config["seeds"]) * (short + (long_steps * per_step + readout if long_steps else 0.0))
    return total / 60


def _moves(ladder: dict[int, float]) -> tuple[int, int, float] | None:
    budgets = sorted(ladder)
    return (budgets[-2], budgets[-1], ladder[budgets[-1]] - ladder[budgets[-2]]) if len(budgets) > 1 else None


def _span(values: list[float]) -> str:
    low, high = f"{min(values):.0f}", f"{max(values):.0f}"
    return low if low == high else f"{low} to {high}"


def pilot_sentence(pilot: dict[str, Any], payload: dict[str, Any]) -> str:
    """What the pilot says about the budget: how much top-1 still moves between its two largest budgets per
    condition, which clean runs still move by more than their interval in ``payload`` at the pilot's largest
    budget, what a step costs, and what this run and larger grids take at that cost."""
    labels = payload.get("labels", {})
    ladder = pilot_ladder(pilot)
    by_condition: dict[tuple[str, float, int, int], list[str]] = {}
    for (level, alpha, method), runs in sorted(ladder.items(), key=lambda item: _order(item[0], list(labels))):
        move = _moves(runs)
        if move:
            by_condition.setdefault((level, alpha, move[0], move[1]), []).append(
                f"{labels.get(method, method)} {_signed(move[2])}"
            )
    said = [
        f"from {a:,} to {b:,} steps {'on clean images' if level == CLEAN else 'under ' + _condition(level, alpha)}, "
        + ", ".join(parts)
        for (level, alpha, a, b), parts in by_condition.items()
    ]
    cfg = payload["config"]
    half = {r["method"]: r["half"] for r in convergence(payload)}
    clean = {m: _moves(runs) for (level, _, m), runs in ladder.items() if level == CLEAN and _moves(runs)}
    moving = [m for m, move in clean.items() if m in half and move[2] >= half[m]]
    top = max((move[1] for move in clean.values()), default=0)
    text = "On the pilot's seed top-1 still moves, " + "; ".join(said) + " points."
    if moving and cfg["long_steps"]:
        names = ", ".join(f"{labels.get(m, m)} (±{half[m]:.1f})" for m in moving)
        scale = 2 * top / cfg["steps"]
        text += (
            f" At {top:,} steps {names} still move{'s' * (len(moving) == 1)} by more than the interval of this "
            f"run's clean runs, so the budget at which every method has stopped moving lies beyond {top:,} steps: "
            f"this run's cells at {2 * top:,} steps, with the check at {round(scale * cfg['long_steps']):,}, would "
            f"take about {cpu_minutes(pilot, cfg, scale):.0f} CPU-minutes."
        )
    ms = [1000 * c[0] for c in step_cost(pilot).values()]
    now, double = cpu_minutes(pilot, cfg), cpu_minutes(pilot, cfg, 2.0)
    full = cpu_minutes(pilot, cfg, 2.0, (2, 5))
    fits = [name for name, minutes in (("this run", now), ("twice its budget", double)) if minutes <= CPU_BUDGET]
    return text + (
        f" A step of {cfg['batch_size']} images costs {_span(ms)} ms of CPU time on one thread, "
        f"so this run's {run_size(payload).split(' (')[0]} take about {now:.0f} CPU-minutes, the same grid at twice "
        f"the budget {double:.0f}, and both noise levels at five alignments at twice the budget {full:.0f}, against "
        f"a budget of {CPU_BUDGET} minutes of one core for the committed run: "
        + (f"{' and '.join(fits)} fit{'s' * (len(fits) == 1)} in it." if fits else "none of these fits in it.")
    )


# ---- the reader's frame: the verdict in the opening, the takeaway at the end ---------------------------------
def frame_sentence(payload: dict[str, Any]) -> str:
    """The answer in two or three sentences for the chapter's opening, generated from the level summaries."""
    said = []
    cfg = payload["config"]
    for level in levels(payload):
        s = level_summary(payload, level)
        closed = " and ".join(f"{theory_methods.get(m).short} {alignment_text(v)}" for m, v in s["closed_form"].items())
        said.append(
            f"Under {level} noise the closed forms need {closed} ({ORDER_TEXT[s['closed_order']]}); in the "
            f"trained networks {ORDER_TEXT[s['network_order']]}."
        )
    rows = convergence(payload) if cfg["long_steps"] else []
    left = {
        why: series([method_label(payload, r["method"]) for r in rows if r["converged"] is state])
        for why, state in (("as not converged", False), ("as not checked for convergence", None))
    }
    said.append(
        f"The networks are compared at an equal budget of {cfg['steps']:,} steps"
        + "".join(f", {names} left out {why}" for why, names in left.items() if names)
        + "."
    )
    return " ".join(said)


def takeaway(payload: dict[str, Any]) -> str:
    """The chapter's closing: what the networks say about Cor 4.5 here, and what this run leaves untested."""
    summaries = [level_summary(payload, level) for level in levels(payload)]
    regimes = {s["regime"] for s in summaries}
    agree = [s["level"] for s in summaries if s["network_order"] == PREDICTED.get(s["regime"])]
    told = [s["level"] for s in summaries if s["network_order"] not in ("cannot tell", "none")]
    never = [s["level"] for s in summaries if s["network_order"] == "none"]
    said = (
        f"The trained networks follow Cor 4.5's order under {' and '.join(agree)} noise"
        if agree
        else "The trained networks do not show Cor 4.5's order at any level this run tells"
        if told
        else "This run cannot tell whether the trained networks follow Cor 4.5's order"
    )
    if never:
        said += f"; under {' and '.join(never)} noise no trained network reaches its clean top-1 at any alignment"
    missing = [name for name, regime in (("strong", "high"), ("weak", "low")) if regime not in regimes]
    if missing:
        said += f"; the {' and '.join(missing)}-noise half of the prediction is not tested by this run"
    return said + "."


def gap_sentence(payload: dict[str, Any]) -> str:
    """How far each paradigm's compared networks sit below their clean runs at every alignment (seed means of
    the paired gaps, the range over the paradigm's methods): the graded reading of the verdict's yes/no."""
    said = []
    for level in levels(payload):
        parts = []
        for a in alphas(payload):
            per: dict[str, list[float]] = {}
            for m in checked_methods(payload):
                corrupted = by_seed(payload, "cells", method=m, level=level, alpha=a)
                clean = by_seed(payload, "cells", method=m, level=CLEAN)
                seeds = sorted(set(corrupted) & set(clean))
                if seeds:
                    gap = float(np.mean([corrupted[s] - clean[s] for s in seeds]))
                    per.setdefault(theory_methods.get(paradigm_of(payload, m)).short, []).append(gap)
            if per:
                ranges = ", ".join(f"{p} {_range(v)}" for p, v in per.items())
                parts.append(f"at α = {a:g} {ranges}")
        if parts:
            said.append(f"under {level} noise " + "; ".join(parts))
    if not said:
        return ""
    return (
        "Top-1 minus the clean run's (points, seed means, the range over each paradigm's compared networks): "
        + "; ".join(said)
        + "."
    )


def _signed(x: float) -> str:
    """``+1.2`` / ``−3.4`` (a true minus, as words.number prints negatives)."""
    return f"{round(x, 1) + 0.0:+.1f}".replace("-", "\u2212")  # + 0.0: no "-0.0"


def _range(values: list[float]) -> str:
    low, high = _signed(min(values)), _signed(max(values))
    return low if low == high else f"{low} to {high}"
