"""Chapter 13's sentences and table from a run's JSON payload (``je_vs_rc.selfsup.cells.GridResult``): where
the numbers come from, the readouts (R², clean test images, baselines), what more alignment
does; convergence and the budget are ``render.nuisance_budget``'s, the verdict itself and the statistics
``je_vs_rc.checks.nuisance``'s. numpy only (no torch)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks.nuisance import (
    CLEAN,
    ORDER_TEXT,
    PREDICTED,
    REACH_MARGIN,
    alphas,
    budgets,
    by_seed,
    checked_methods,
    level_summary,
    levels,
    method_convergence,
    method_label,
    network_methods,
    paradigm_of,
    reaches_clean,
    t_interval,
)
from ..checks.nuisance_budgets import provisional_clause
from ..theory import methods as theory_methods
from ..words import count, series

STALL_FRACTION = 1 / 3  # a run "barely trained" if its loss fell by less than this share of its clean run's fall


def stalled(payload: dict[str, Any], method: str, level: str, alpha: float) -> tuple[int, int]:
    """How many seeds' runs of ``method`` at ``level`` and ``alpha`` barely trained (training loss, first window
    minus last, below ``STALL_FRACTION`` of the same seed's clean run's), and of how many seeds."""
    clean = {c["seed"]: c["loss"] for c in payload["cells"] if c["method"] == method and c["level"] == CLEAN}
    runs = [c for c in payload["cells"] if (c["method"], c["level"], c["alpha"]) == (method, level, alpha)]
    fell = [
        (c["loss"][0] - c["loss"][-1], clean[c["seed"]][0] - clean[c["seed"]][-1]) for c in runs if c["seed"] in clean
    ]
    return sum(run < STALL_FRACTION * ref for run, ref in fell), len(fell)


def paired_drop(payload: dict[str, Any], method: str, level: str, best: float, last: float) -> tuple[float, float, int]:
    """How far ``method``'s top-1 at alignment ``last`` lies below that at ``best``, paired by seed (same seed,
    same initialisation): ``(mean, t half-width, seeds)``."""
    at_best = by_seed(payload, "cells", method=method, level=level, alpha=best)
    at_last = by_seed(payload, "cells", method=method, level=level, alpha=last)
    return t_interval([at_best[s] - at_last[s] for s in sorted(set(at_best) & set(at_last))])


def fallback_sentence(payload: dict[str, Any], losses: str = "the loss curves") -> str:
    """The runs that barely trained (:func:`stalled`; ``losses`` names where their loss curves are shown, e.g. a
    MyST numbered reference), then the networks that more alignment hurts: at an alignment above their best, their
    top-1 is resolved below their clean run, lies more than ``REACH_MARGIN`` below their best, and the drop from
    their best is resolved (:func:`paired_drop`'s interval above 0); runs that barely trained are left out."""
    hurt, failed = [], []
    for level in levels(payload):
        for m in network_methods(payload):
            failed += [
                f"{method_label(payload, m)} under {level} noise at α = {a:g} ({bad} of {seeds} seeds)"
                for a in alphas(payload)
                for bad, seeds in [stalled(payload, m, level, a)]
                if bad
            ]
            drops = _drops(payload, m, level)
            if drops:
                hurt.append(f"{method_label(payload, m)} under {level} noise ({drops})")
    said = []
    if failed:
        said.append(
            f"Some runs barely trained (their training loss fell by less than 1/{round(1 / STALL_FRACTION)} as much as "
            f"the same seed's clean run's loss; {losses}): {series(failed)}; their low top-1 is a failed "
            "optimisation, not an effect of alignment."
        )
    if hurt:
        said.append(
            "Beyond their best alignment, more alignment lowers top-1 of networks that trained, where the drop is "
            f"resolved (paired by seed, 95% t interval above 0): {series(hurt)}."
        )
    return " ".join(said)


def _drops(payload: dict[str, Any], method: str, level: str) -> str:
    """Where more alignment than ``method``'s best lowers its top-1 at ``level`` (:func:`fallback_sentence`'s rule):
    ``"92.6 at α = 1, 84.7 at α = 3: 7.9 ± 0.9 points lower"``, alignments after the first as ``"; 70.1 at α = 10:
    ..."``; "" where none does."""
    grid = alphas(payload)
    means = [t_interval(by_seed(payload, "cells", method=method, level=level, alpha=a).values())[0] for a in grid]
    if not np.any(np.isfinite(means)):
        return ""
    best = int(np.nanargmax(means))
    said = []
    for i in range(best + 1, len(grid)):
        if (
            reaches_clean(payload, "cells", method, level, grid[i]) is not False
            or means[best] - means[i] <= REACH_MARGIN
        ):
            continue
        drop, half, _ = paired_drop(payload, method, level, grid[best], grid[i])
        if drop - half > 0 and not stalled(payload, method, level, grid[i])[0]:
            said.append(f"{means[i]:.1f} at α = {grid[i]:g}: {drop:.1f} ± {half:.1f} points lower")
    return f"{means[best]:.1f} at α = {grid[best]:g}, " + "; ".join(said) if said else ""


def decimal(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` decimals, an exact zero as ``0`` and a positive number that rounds to zero as
    ``< 0.01`` (never ``0.00``)."""
    if x == 0:
        return "0"
    return f"< {10.0**-digits:.{digits}f}" if 0 < abs(x) < 0.5 * 10.0**-digits else f"{x:.{digits}f}"


def _cell(mean: float, half: float, digits: int = 1) -> str:
    if not np.isfinite(mean):
        return "–"
    if not np.isfinite(half):
        return f"{mean:.{digits}f}"
    # A half-width that rounds to 0 at ``digits`` gets one more decimal (84.7 ± 0.04): the cell stays a number.
    more = 0 < half < 0.5 * 10.0**-digits
    return f"{mean:.{digits}f} ± {decimal(half, digits + more)}"


CLIPPED_MARK = "†"  # an R² cell whose interval the caption gives (:func:`clipped_note`)


def share_cell(mean: float, half: float) -> tuple[str, str]:
    """An R² (a share, in [0, 1]) as ``mean ± half`` to two decimals, the mean alone where the half-width rounds to
    0; where the t interval reaches outside [0, 1], the mean marked † and, second, the interval clipped to [0, 1]
    (``"0–0.47"``, for the caption: a cell holds one number, so that its column aligns as numbers)."""
    if not np.isfinite(mean):
        return "–", ""
    if not np.isfinite(half) or round(half, 2) == 0:
        return f"{mean:.2f}", ""
    if mean - half < 0 or mean + half > 1:
        low, high = (f"{x:.2f}".rstrip("0").rstrip(".") for x in (max(mean - half, 0.0), min(mean + half, 1.0)))
        return f"{mean:.2f}{CLIPPED_MARK}", f"{low}–{high}"
    return f"{mean:.2f} ± {half:.2f}", ""


def clipped_note(rows: list[dict[str, str]]) -> str:
    """The R² intervals that reach outside [0, 1] (:func:`share_cell`), clipped, for the table's caption ("" if
    none)."""
    clipped = [c for r in rows for c in r.get("clipped", [])]
    if not clipped:
        return ""
    intervals = "Intervals" if len(clipped) > 1 else "Interval"
    return f" {CLIPPED_MARK} {intervals} reaching outside [0, 1], clipped to it: {'; '.join(clipped)}."


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
            on_clean = by_seed(payload, table, "top1_clean", method=method, level=level, alpha=grid[0])
            row["clean_test"] = _cell(*t_interval(on_clean.values())[:2])
            for name, a in (("r2_first", grid[0]), ("r2_last", grid[-1])):
                row[name], wide = share_cell(
                    *t_interval(by_seed(payload, table, "r2", method=method, level=level, alpha=a).values())[:2]
                )
                if wide:
                    row.setdefault("clipped", []).append(f"{label} under {level} noise at α = {a:g}, {wide}")
            rows.append(row)
        for base in ("raw pixels", "random init"):
            row = {"level": level, "method": base}
            value = _cell(*t_interval(by_seed(payload, "baselines", baseline=base, level=level).values())[:2])
            row.update({f"a{a:g}": value for a in grid})
            row["clean"] = _cell(*t_interval(by_seed(payload, "baselines", baseline=base, level=CLEAN).values())[:2])
            r2, wide = share_cell(
                *t_interval(by_seed(payload, "baselines", "r2", baseline=base, level=level).values())[:2]
            )
            row.update(r2_first=r2, r2_last=r2, clipped=[f"{base} under {level} noise, {wide}"] if wide else [])
            rows.append(row)
    return rows


def run_size(payload: dict[str, Any]) -> str:
    """How much a run trains, in words: its cells, seeds and budget."""
    cfg = payload["config"]
    cells = len(cfg["seeds"]) * len(cfg["methods"]) * (1 + len(cfg["nuisance"]["levels"]) * len(cfg["alphas"]))
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
    probes = series([f"{p:,}" for p in cfg.get("probes", [])])
    said = (
        f"The figures and tables below show the committed run: {run_size(payload)}, every network also read out "
        f"after {probes} steps of the same run, all {cfg['nuisance']['n_test']:,} test images."
        if probes
        else f"The figures and tables below show the committed run: {run_size(payload)}, all "
        f"{cfg['nuisance']['n_test']:,} test images."
    )
    done = {(c["level"], c["alpha"], c["method"], c["seed"]) for c in payload["cells"]}
    expected = [
        (level, float(a), method, seed)
        for method in cfg["methods"]
        for seed in cfg["seeds"]
        for level, alphas_run in ((CLEAN, [0.0]), *((lv, cfg["alphas"]) for lv in cfg["nuisance"]["levels"]))
        for a in alphas_run
    ]
    missing = [c for c in expected if c not in done]
    if missing:
        names = series([method_label(payload, m) for m in dict.fromkeys(c[2] for c in missing)])
        said += (
            f" It did not finish: {count(len(missing), 'network', 'networks')} of {len(expected)} "
            f"{'is' if len(missing) == 1 else 'are'} missing "
            f"({names}), and every interval is over the seeds that finished."
        )
    return said


def provenance_sentence(payload: dict[str, Any]) -> str:
    """Where and how long the committed run ran, and at which commits: the page's appendix, not its answer."""
    prov = payload.get("provenance", {})
    loads = prov.get("load_averages", [])
    load = f", under a load average of {min(loads):.0f} to {max(loads):.0f}" if loads else ""
    commits = ", ".join(
        c[:7] + (" with uncommitted edits" if c.endswith("+changes") else "") for c in prov.get("code_commits", [])
    )
    cpu = f" ({prov['cpu_seconds'] / 60:.0f} minutes of CPU time)" if "cpu_seconds" in prov else ""
    return (
        f"The committed run took {prov.get('wall_seconds', float('nan')) / 60:.0f} minutes of wall time{cpu} on "
        f"{prov.get('device', 'an unrecorded device')}{load} (code {commits})."
    )


# ---- the reader's frame: the verdict in the opening, the takeaway at the end ---------------------------------
def _grid_text(payload: dict[str, Any]) -> str:
    grid = [f"{a:g}" for a in alphas(payload)]
    return f"α = {series(grid)}"


def _smallest(value: Any) -> str:
    """The smallest alignment of the grid at which a closed form reaches its clean top-1, or that none does."""
    at_least, at_most = value
    if at_most is not None and math.isinf(at_most):
        return "at none of them"
    if at_most is None:
        return f"at an alignment this run cannot tell (at least α = {at_least:g})"
    return (
        f"from α = {at_most:g}" if at_least == at_most else f"from α = {at_least:g} to {at_most:g} (cannot tell which)"
    )


def frame_sentence(payload: dict[str, Any]) -> str:
    """The answer in a few sentences for the chapter's opening, generated from the level summaries: the grid, the
    smallest alignment of it at which each closed form reaches its clean top-1, whether the trained networks can
    be compared, and the provisional answer where the verdict left networks out
    (``checks.nuisance_budgets.provisional_clause``)."""
    grid = _grid_text(payload)
    said = [f"Every network is pretrained, and every closed form computed, at the alignments {grid}."]
    summaries = [level_summary(payload, level) for level in levels(payload)]
    for s in summaries:
        closed = " and ".join(f"{_smallest(v)} for {theory_methods.get(m).short}" for m, v in s["closed_form"].items())
        nets = f"; in the trained networks {ORDER_TEXT[s['network_order']]}" if s["networks"] else ""
        said.append(
            f"Under {s['level']} noise the closed forms reach their clean top-1 {closed} "
            f"({ORDER_TEXT[s['closed_order']]}){nets}."
        )
    state = method_convergence(payload) if len(budgets(payload)) > 1 else {}
    steps = f"{payload['config']['steps']:,} steps"
    left = [method_label(payload, m) for m, s in state.items() if not s]
    if state and len(left) == len(state):
        why = _none_passed(state, steps)
        said.append(f"{why[0].upper()}{why[1:]}, so this run cannot compare them yet.")
    elif left:
        said.append(f"The networks are compared at {steps}; {series(left)} had not converged there and are left out.")
    else:
        said.append(f"The networks are compared at an equal budget of {steps}.")
    return " ".join([*said, provisional_clause(payload)]).strip()


def _none_passed(state: dict[str, bool | None], steps: str) -> str:
    """Why no method passed the convergence check (``state``: ``checks.nuisance.method_convergence``): each moved
    by its interval, or, where some had too few seeds to be checked, only that none passed."""
    if all(s is False for s in state.values()):
        return (
            f"each of the {len(state)} methods still moved by its seeds' interval or more in at least one condition "
            f"over the last doubling to {steps} (the convergence check)"
        )
    return f"none of the {len(state)} methods passed the convergence check at {steps}"


def _untold_why(payload: dict[str, Any]) -> str:
    """Why the verdict's networks order nothing: none passed the convergence check, or those that did leave a
    paradigm out ("" when both paradigms have converged networks: their ranges overlap, which the chapter says)."""
    checked, steps = checked_methods(payload), f"{budgets(payload)[-1]:,}"
    if not checked:
        return f": {_none_passed(method_convergence(payload), f'{steps} steps')}"
    have = {paradigm_of(payload, m) for m in checked}
    lacking = [p.label.lower() for p in theory_methods.PAPER_ENCODERS if p.key not in have]
    return f": no {' or '.join(lacking)} method passed the convergence check at {steps} steps" if lacking else ""


def takeaway(payload: dict[str, Any]) -> str:
    """The chapter's closing (and the landing page's line): what the networks say about Corollary 4.5 here, why
    they cannot say more (no converged network, a paradigm without one) and what this run leaves untested."""
    summaries = [level_summary(payload, level) for level in levels(payload)]
    regimes = {s["regime"] for s in summaries}
    agree = [s["level"] for s in summaries if s["network_order"] == PREDICTED.get(s["regime"])]
    told = [s["level"] for s in summaries if s["network_order"] not in ("cannot tell", "none")]
    never = [s["level"] for s in summaries if s["network_order"] == "none"]
    said = (
        f"The trained networks follow Corollary 4.5's order under {' and '.join(agree)} noise"
        if agree
        else "The trained networks do not show Corollary 4.5's order at any level this run tells"
        if told
        else f"This run cannot yet tell whether the trained networks follow Corollary 4.5's order{_untold_why(payload)}"
    )
    if never:
        said += f"; under {' and '.join(never)} noise no trained network reaches its clean top-1 at any alignment"
    missing = [name for name, regime in (("strong", "high"), ("weak", "low")) if regime not in regimes]
    if missing:
        said += f"; the {' and '.join(missing)}-noise half of the prediction is not tested"
    return said + "."


def _signed(x: float) -> str:
    """``+1.2`` / ``−3.4`` (a true minus, as words.number prints negatives)."""
    return f"{round(x, 1) + 0.0:+.1f}".replace("-", "\u2212")  # + 0.0: no "-0.0"
