"""Chapter 12's answer in words and tables, generated from the floor-corrected curves (``trained.stats``): the
verdict per noise level, model and objective, whether it depends on the objective, the chapter's frame, the ladder's
convergence, and where the grid's numbers come from. The figures are in ``render.trained``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..trained import stats
from ..trained.grid_config import LINEAR, OBJECTIVE_NAMES, split_variant, variant_label
from ..trained.results import GridResult
from ..trained.stats import CLOSED_FORM
from ..words import number, series, significant
from .tables import markdown_table
from .trained import noise_name, noise_title


def _range(c: stats.Curve, alphas) -> str:
    """The seeds' interval of a drop, "0.17–0.29", its ends past the grid said as such ("<0.1 to 0.9")."""
    lo, hi = c.alpha_range
    low = f"<{number(min(alphas))}" if lo == 0 else number(lo, 2)
    high = f">{number(max(alphas))}" if np.isinf(hi) else number(hi, 2)
    # "0.17–0.29" is one unit; "<0.1 to 0.8" may break after its first end (a phone's column is narrow).
    return f"{low} to{NBSP}{high}" if lo == 0 or np.isinf(hi) else f"{low}{JOIN}–{JOIN}{high}"


NBSP, JOIN = "\u00a0", "\u2060"  # no break inside "MLP 128" or "0.17–0.29" in a table cell (JOIN: word joiner)
NEEDS = {"no drop": "beyond the grid", "below level": "never below the level", "no damage": "no damage"}


def _need(c: stats.Curve, alphas) -> str:
    """Where a curve's floor-corrected damage falls below its level, for a table cell: "0.21 (0.18 to 0.25)"."""
    if c.state != "drop":
        return NEEDS[c.state]
    point, interval = number(c.alpha_level, 2), _range(c, alphas)
    return point if interval == f"{point}{JOIN}–{JOIN}{point}" else f"{point} ({interval})"  # no spread over seeds


def answer_tables(result: GridResult) -> str:
    """Every curve in detail, one captioned table per noise level: where the floor-corrected damage falls below the
    model's level (``trained.stats``, with its interval over the seeds), that alignment as a factor of the closed
    form's, the largest excess, the level and the floor; the caption gives the grid's steps where the curves drop (a
    drop is located only to within one) and the seeds' thresholds of Props 4.3/4.4 (a different quantity)."""
    cv, alphas, tables = stats.curves(result), result.config.alphas, []
    columns = {
        "curve": "curve",
        "alpha": "needs α",
        "vs_closed": "× closed form",
        "plateau": "largest excess",
        "level": "level",
        "floor": "floor",
    }
    for g in range(len(result.config.gamma_max)):
        rows, steps = [], []
        for m in result.methods:
            cf = cv[(g, CLOSED_FORM, m)]
            for arch, inner in result.mse.items():
                for variant in (v for v in inner if split_variant(v)[0] == m):
                    c, drops = cv[(g, arch, variant)], cv[(g, arch, variant)].state == "drop"
                    compared = drops and cf.state == "drop" and arch != CLOSED_FORM
                    if drops:
                        steps.append(stats.grid_step(alphas, c.alpha_level))
                    rows.append({
                        "curve": f"{arch.replace(' ', NBSP)}, {variant_label(variant)}",
                        "alpha": _need(c, alphas),
                        "vs_closed": number(c.alpha_level / cf.alpha_level, 3) if compared else "–",
                        **{k: significant(x, 2) for k, x in (("plateau", c.plateau), ("level", c.level),
                                                             ("floor", float(c.floor.mean())))},
                    })  # fmt: skip
        thresholds = ", ".join(
            f"$\\alpha_{{\\rm {variant_label(m)}}}$ {_span(result.alpha[m][g])}" for m in result.methods
        )
        caption = (
            f"{_capital(noise_title(result, g).replace(chr(10), ' '))}: where each curve’s floor-corrected damage "
            f"falls below its model’s "
            f"level{_steps_said(steps)}. The seeds’ thresholds (Props 4.3/4.4, a different quantity): {thresholds}."
        )
        tables.append(markdown_table(rows, columns, caption=caption))
    return "\n\n".join(tables)


def _steps_said(steps: list[float]) -> str:
    """The grid's step where the curves drop, for a caption: a drop is located only to within one."""
    return f", located only to within the grid’s step there (a factor {_span(np.array(steps))})" if steps else ""


def _span(values: np.ndarray) -> str:
    """A range at two significant figures with trailing zeros (thresholds "0.76 to 0.80", steps "3.0 to 3.3")."""
    lo, hi = significant(values.min(), 2), significant(values.max(), 2)
    return lo if lo == hi else f"{lo} to {hi}"


def convergence_rows(result: GridResult) -> list[dict[str, object]]:
    """One row per trained (architecture, variant): how many cells (noise level x alignment) the step ladder's last
    budget left within the floor, and which it moved by more (grouped by noise level)."""
    lad, rows = stats.ladders(result), []
    L, A = len(result.config.gamma_max), len(result.config.alphas)
    for arch in stats.trained_archs(result):
        for variant in result.mse[arch]:
            moved = {
                g: [f"{a:g}" for a, ok in zip(result.config.alphas, lad[(g, arch, variant)].converged) if not ok]
                for g in range(L)
            }
            count = sum(len(v) for v in moved.values())
            rows.append(
                {
                    "arch": arch.replace(" ", NBSP),
                    "variant": variant_label(variant),
                    "model": f"{arch.replace(' ', NBSP)}, {variant_label(variant)}",  # one column: fits a phone
                    "converged": f"{L * A - count} of {L * A}",
                    "moved": "; ".join(
                        f"{noise_name(result, g, short=True)}: α = {', '.join(v)}" for g, v in moved.items() if v
                    )
                    or "none",
                }
            )
    return rows


def _capital(text: str) -> str:
    # A symbol (λ^Γ_max) keeps its case at the start of a sentence; a word is capitalised.
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def _cor45(key: str | None) -> str:
    return {"je": "joint embedding needs less alignment", "rc": "reconstruction needs less alignment"}.get(
        key, "no order"
    )


SHORT_ORDER = {"je": "JE needs less", "rc": "RC needs less"}  # Cor 4.5's order, in a table cell
NO_REFERENCE = "the closed forms give no resolved order"  # stats.verdict's reason where there is nothing to keep


def _how(v: stats.Verdict) -> str:
    """How one trained model orders JE and RC against the closed forms, for a (narrow) table cell; the caption says
    what the words mean."""
    if v.outcome in (stats.AGREE, stats.REVERSE):
        return f"{'agrees' if v.outcome == stats.AGREE else 'reverses'} ({SHORT_ORDER[v.trained]})"
    if v.outcome == stats.WITHIN_ERROR:
        return f"{'agrees' if v.trained == v.theory else 'reverses'} within error ({SHORT_ORDER[v.trained]})"
    last = f"; last budget: {SHORT_ORDER[v.trained]}" if v.trained and not v.converged else ""
    return f"cannot tell ({SHORT_REASONS.get(v.reason, v.reason)}{last})"


SHORT_REASONS = {NO_REFERENCE: "no reference", "training had not converged": "not converged"}  # fmt: skip


def _reference(je: stats.Curve, rc: stats.Curve) -> str:
    """The closed forms' own order, the reference of a noise level's rows."""
    key, resolved = stats.order(je, rc)
    return f"reference ({SHORT_ORDER[key]})" if key and resolved else "no resolved order"


def _answer_rows(result: GridResult, g: int, found: dict) -> list[dict[str, str]]:
    """The answer table's rows at one noise level: the closed forms (the reference), then every trained model's
    joint-embedding objective against its RC, the trained linear model (the control) first."""
    cv, alphas = stats.curves(result), result.config.alphas
    cf = (cv[(g, CLOSED_FORM, "je")], cv[(g, CLOSED_FORM, "rc")])
    rows = [{"model": "closed forms", "je": _need(cf[0], alphas), "rc": _need(cf[1], alphas), "order": _reference(*cf)}]
    for (_, arch, variant), v in sorted(found.items(), key=lambda kv: kv[0][1] != LINEAR):
        model = "linear (control)" if arch == LINEAR else arch.replace(" ", NBSP)
        rows.append({
            "model": f"{model}, {_objective_name(result, variant)}",
            "je": _need(cv[(g, arch, variant)], alphas),
            "rc": _need(cv[(g, arch, "rc")], alphas),
            "order": _how(v),
        })  # fmt: skip
    level = noise_title(result, g).replace("\n", " ")  # a row of its own: the table keeps four columns for phones
    return [{"model": f"**{_capital(level)}**", "je": "", "rc": "", "order": ""}, *rows]


def overall(counts: dict[str, int]) -> str:
    """The one-word answer from the MLPs' counts per outcome: Yes, No, Partly or Cannot tell."""
    total = sum(counts.values())
    if total and counts[stats.AGREE] == total:
        return "Yes"
    if counts[stats.AGREE] + counts[stats.REVERSE] == 0:
        return "Cannot tell"
    return "No" if counts[stats.AGREE] == 0 else "Partly"


def verdict(result: GridResult) -> tuple[str, dict[str, int]]:
    """The answer to Part 2's question, generated from the floor-corrected curves (``trained.stats``): one sentence
    counting, over noise level, MLP and joint-embedding objective, whether the MLP orders joint embedding and
    reconstruction as the closed forms at the same n do (Cor 4.5), then one table: per noise level the closed forms'
    order (the reference), the trained linear model's (the control) and each MLP objective's, with where each
    method's damage falls below the level. Returns the markdown and the MLPs' counts per outcome."""
    found, counts = stats.verdicts(result), dict.fromkeys(stats.OUTCOMES, 0)
    for (_, arch, _), v in found.items():
        counts[v.outcome] += arch != LINEAR
    total = sum(counts.values())
    said = {
        stats.AGREE: "order joint embedding and reconstruction as the closed forms do at the same n (resolved beyond "
        "the floor and the intervals)",
        stats.REVERSE: "reverse that order (resolved)",
        stats.WITHIN_ERROR: "differ from it or match it only within optimisation error",
        stats.CANNOT_TELL: "cannot be told",
    }
    parts = [f"{counts[o]} {said[o]}" for o in stats.OUTCOMES if counts[o]]
    parts += [] if counts[stats.REVERSE] else ["none reverses the closed forms’ order"]
    head = (
        f"**{overall(counts)}.** Of the {total if total > 1 else 'one'} case{'s' * (total > 1)} (noise level × MLP × "
        f"joint-embedding objective), {series(parts)}."
        if total
        else "**Cannot tell.** No MLP’s joint embedding and reconstruction both finished training in this run."
    )
    rows = [
        row
        for g in range(len(result.config.gamma_max))
        for row in _answer_rows(result, g, {k: v for k, v in found.items() if k[0] == g})
    ]
    columns = {"model": "model, JE objective", "je": "JE needs α", "rc": "RC needs α", "order": "order"}
    caption = (
        "The answer per noise level, model and joint-embedding objective: the alignment each method needs (where "
        "its floor-corrected damage falls below its model’s level, with its interval over the seeds) and the order "
        "this gives against the closed forms’. Agrees or reverses: a resolved order (the intervals do not "
        "overlap); within error: they overlap; no reference: the closed forms give no resolved order. The trained "
        "linear model is the closed forms’ own model class: any departure is optimisation error."
    )
    return "\n".join([head, "", markdown_table(rows, columns, caption=caption)]), counts


CONSTRAINT_NAMES = {"whiten": "whitening", "penalty": "a covariance penalty"}  # the paper's JE constraint on the grid
KEEPS = {
    stats.AGREE: "orders joint embedding and reconstruction as the closed forms do",
    stats.REVERSE: "reverses the closed forms’ order",
    stats.WITHIN_ERROR: "orders them only within optimisation error",
}


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _names(result: GridResult, keys: list[tuple[str, str]], many: bool) -> list[str]:
    """(MLP, variant) pairs as prose names them: "VICReg", or "MLP 64 with VICReg" where several MLPs ran."""
    return [f"{arch} with {_objective_name(result, v)}" if many else _objective_name(result, v) for arch, v in keys]


def _last_budget(v: stats.Verdict) -> str:
    """What a run that had not converged showed at its last budget, against the closed forms' order."""
    if not v.trained:
        return ""
    if v.theory:
        return f" (at its last budget it points {'the same way' if v.trained == v.theory else 'the other way'})"
    return f" (at its last budget {_cor45(v.trained)})"


def _level_said(result: GridResult, g: int, found: dict[tuple[str, str], stats.Verdict]) -> str:
    """One sentence, without its full stop: how the MLPs at noise level ``g`` order JE and RC against the closed
    forms (``found``: (MLP, variant) -> verdict), the objectives that agree said together."""
    noise = noise_name(result, g, short=True)
    if all(v.outcome == stats.CANNOT_TELL and v.reason == NO_REFERENCE for v in found.values()):
        return f"Under {noise} the closed forms themselves give no resolved order, so there is none to keep"
    many = len({arch for arch, _ in found}) > 1
    clauses = []
    for outcome, verb in KEEPS.items():
        keys = [k for k, v in found.items() if v.outcome == outcome]
        if keys:
            who = "every objective" if len(keys) == len(found) > 1 else _and(_names(result, keys, many), "or")
            orders = {found[k].trained for k in keys}
            which = f" ({_cor45(orders.pop())})" if len(orders) == 1 and outcome != stats.WITHIN_ERROR else ""
            clauses.append(f"the MLP{'s' * many} trained with {who} {verb}{which}")
    for key, v in found.items():
        if v.outcome == stats.CANNOT_TELL:
            name = _names(result, [key], many)[0]
            clauses.append(
                f"the run with {name} had not converged{_last_budget(v)}"
                if not v.converged
                else f"with {name} the order cannot be told ({v.reason})"
            )
    return f"Under {noise}, " + "; ".join(clauses)


def _objective_name(result: GridResult, variant: str, long: bool = False) -> str:
    """A joint-embedding variant's objective: "whitening" (the paper's constraint; ``long``: saying so), "VICReg"."""
    objective = split_variant(variant)[1]
    if objective:
        return OBJECTIVE_NAMES[objective]
    name = CONSTRAINT_NAMES[result.config.constraint]
    return f"the paper’s constraint by {name}" if long else name


def _objectives_said(result: GridResult, g: int, arch: str, state: str, per: dict[str, stats.Verdict]) -> str:
    """Whether the objectives of one MLP at noise level ``g`` give the same order, in words."""
    noise = noise_name(result, g, short=True)
    told = [v for v, x in per.items() if x.outcome in (stats.AGREE, stats.REVERSE)]
    names = {v: _objective_name(result, v) for v in per}
    if state == stats.UNTOLD:
        reasons = {x.reason for x in per.values()}
        why = f" ({reasons.pop()})" if len(reasons) == 1 else ""
        return f"under {noise} no objective gives {arch} a resolved order{why}"
    if state == stats.SAME:
        return f"under {noise} every objective gives {arch} the same order"
    if state == stats.PARTLY_TOLD:
        rest = [names[v] for v in per if v not in told]
        gives = f"gives {arch} a resolved order" if len(told) == 1 else f"give {arch} the same order"
        return f"under {noise} {_and([names[v] for v in told])} {gives}; with {_and(rest, 'or')} it is not resolved"
    agree = [names[v] for v in told if per[v].outcome == stats.AGREE]
    reverse = [names[v] for v in told if per[v].outcome == stats.REVERSE]
    keep, flip = ("keeps" if len(agree) == 1 else "keep"), ("reverses" if len(reverse) == 1 else "reverse")
    return f"under {noise} {_and(agree)} {keep} the closed forms’ order for {arch}, {_and(reverse)} {flip} it"


def objective_sentence(result: GridResult) -> str:
    """Whether the answer depends on the joint-embedding objective (the paper's constraint, VICReg, BYOL), per
    noise level and MLP, generated from :func:`trained.stats.objective_dependence`; "" without a second objective.
    Objectives missing from the run (collected before they finished) are named."""
    found = stats.objective_dependence(result)
    missing = sorted({u.split("__")[1] for u in result.missing if " " in u.split("__")[1]})
    not_run = ", ".join(_objective_name(result, v) for v in missing)
    if not found:
        return (
            f"Whether the answer depends on the objective, this run cannot say: {not_run} did not finish."
            if missing
            else ""
        )
    told = {k: v for k, v in found.items() if v[0] != stats.UNTOLD} or found  # the table shows the rest
    parts = [_objectives_said(result, g, arch, state, per) for (g, arch), (state, per) in told.items()]
    states = {state for state, _ in found.values()}
    lead = (
        "Yes"
        if stats.DEPENDS in states
        else "Not where it can be told"
        if states & {stats.SAME, stats.PARTLY_TOLD}
        else "This run cannot tell"
    )
    gap = f" Not in this run: {not_run} (training did not finish)." if missing else ""
    return f"Does the answer depend on the objective? {lead}: {'; '.join(parts)}.{gap}"


def run_sentence(result: GridResult, results_path: str | None) -> str:
    """What the grid shown was trained with: on this page (``results_path`` None) or a saved run, with its seeds,
    alignments, samples, models, objectives and ladder, and the units it misses (a run collected before it
    finished); generated from the result's configuration."""
    cfg = result.config
    archs = ", ".join(a for a in cfg.archs if a != LINEAR)
    objectives = (
        f" (also trained with {' and '.join(OBJECTIVE_NAMES[o] for o in cfg.objectives)})" if cfg.objectives else ""
    )
    where = (
        "The grid was trained on this page"
        if not results_path
        else f"The grid shown is a saved run ({Path(results_path).name}), not recomputed on this page"
    )
    missing = result.missing
    partial = (
        f" The run was collected before it finished: {len(missing)} trained "
        f"{'unit is' if len(missing) == 1 else 'units are'} missing "
        f"({', '.join(u.replace('__', ' ') for u in missing)}), and what needs them is not answered here."
        if missing
        else ""
    )
    return (
        f"{where}: {len(cfg.seeds)} seeds, {len(cfg.alphas)} alignments, n = {cfg.n:,}, the linear model and "
        f"{archs}{objectives}, a ladder of {' and '.join(f'{t:,}' for t in cfg.steps)} Adam steps of "
        f"{cfg.batch_size} samples.{partial}"
    )


def source_sentence(result: GridResult, results_path: str | None) -> str:
    """Where the grid's numbers come from (the page's appendix): trained on this page, or a saved run whose
    device, versions, wall time and load come from its provenance."""
    if not results_path:
        return f"The closed forms and training of the grid took {sum(result.seconds.values()):.0f} s on this page."
    meta = result.provenance
    when = f"; collected {meta['finished']}" if "finished" in meta else ""
    load = (
        f", load average {meta['load_average']:.1f} when collected, on a machine shared with other jobs"
        if "load_average" in meta
        else ""
    )
    # Training time summed over the checkpointed units (a resumed run's wall time would leave them out).
    seconds = float(meta.get("trained_seconds", meta["wall_seconds"]))
    return (
        f"The grid’s saved run ({Path(results_path).name}) took {seconds / 60:.0f} minutes of training wall time, "
        f"summed over its checkpointed units, on {meta['device']} (torch {meta['torch']}, numpy "
        f"{meta['numpy']}, Python {meta['python']}{when}{load}); its parameters and seeds are stored with it."
    )


def frame_verdict(result: GridResult) -> str:
    """The chapter's verdict on Part 2 (its frame), without the final full stop: the one-word answer, then one
    sentence per noise level on how the MLPs order JE and RC against the closed forms (levels with an order first),
    and whether the answer changes with the joint-embedding objective; generated."""
    found = {k: v for k, v in stats.verdicts(result).items() if k[1] != LINEAR}
    if not found:
        return "Cannot tell. No MLP’s joint embedding and reconstruction both finished training in this run"
    counts = {o: sum(v.outcome == o for v in found.values()) for o in stats.OUTCOMES}
    levels = sorted({g for g, _, _ in found}, key=lambda g: all(v.reason == NO_REFERENCE for k, v in found.items()
                                                                 if k[0] == g))  # fmt: skip
    parts = [_level_said(result, g, {k[1:]: v for k, v in found.items() if k[0] == g}) for g in levels]
    states = {state for state, _ in stats.objective_dependence(result).values()}
    changes = ". The answer changes with the joint-embedding objective" if stats.DEPENDS in states else ""
    return f"{overall(counts)}. " + ". ".join(parts) + changes


def closing_verdict(counts: dict[str, int]) -> str:
    """The chapter's closing answer from the MLPs' counts per outcome (``verdict``'s), without its full stop:
    shorter than the frame, which it must not repeat."""
    total = sum(counts.values())
    if not total:
        return "Cannot tell: no MLP’s joint embedding and reconstruction both finished training in this run"
    said = lambda n, one, many: f"{n or 'none'} {one if n <= 1 else many}"  # noqa: E731
    rest = [
        *([said(counts[stats.WITHIN_ERROR], "is", "are") + " within optimisation error"] if counts[stats.WITHIN_ERROR]
          else []),
        *([f"{counts[stats.CANNOT_TELL]} cannot be told"]
          if counts[stats.CANNOT_TELL] else []),
    ]  # fmt: skip
    return (
        f"{overall(counts)}: of the {total if total > 1 else 'one'} MLP case{'s' * (total > 1)} "
        "(noise level × objective), "
        f"{said(counts[stats.AGREE], 'keeps', 'keep')} the closed forms’ order beyond optimisation noise, "
        f"{said(counts[stats.REVERSE], 'reverses', 'reverse')} it" + (f", and {_and(rest)}" if rest else "")
    )


def resolved_sentence(resolved: list[tuple[int, str, str]], checked: int) -> str:
    """The resolved orders (``(noise level, model, variant)``: MLP cases and the linear control, counted apart so
    that the count matches the verdict's, which counts MLPs only) and the curves ``check_converged`` checked."""
    if not resolved:
        return "No order is counted as resolved"
    controls = sum(arch == LINEAR for _, arch, _ in resolved)
    mlps = len(resolved) - controls
    linear = "the linear control" if controls == 1 else f"{controls} linear-control cases"
    which = series([f"{mlps} MLP case{'s' * (mlps != 1)}"] * (mlps > 0) + [linear] * (controls > 0))
    many = len(resolved) > 1
    return (
        f"The {len(resolved) if many else 'one'} resolved order{'s' * many} ({which}) rest{'' if many else 's'} on "
        f"curves whose answer survived the ladder’s last step ({checked} curves, checked)"
    )


def convergence_sentence(result: GridResult) -> str:
    """How many trained cells (noise level x alignment) the ladder's last step left within the floor, and how many
    of each model moved by more (the table names them); generated from :func:`convergence_rows`."""
    rows = convergence_rows(result)
    got = {(r["arch"], r["variant"]): tuple(map(int, r["converged"].split(" of "))) for r in rows}
    within, total = sum(a for a, _ in got.values()), sum(b for _, b in got.values())
    head = f"At the ladder’s last step {within} of {total} trained cells stayed within the floor"
    if within == total:
        return head + ", every one."
    rest = total - within
    other = "the other one (the table names it)" if rest == 1 else f"the other {rest} (the table names them)"
    return head + f"; {other} would still change with a longer budget."
