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
from ..words import number, series
from .tables import markdown_table
from .trained import noise_name, noise_title


def _range(c: stats.Curve, alphas) -> str:
    """The seeds' interval of a drop, "0.17–0.29", its ends past the grid said as such ("<0.1 to 0.9")."""
    lo, hi = c.alpha_range
    low = f"<{number(min(alphas))}" if lo == 0 else number(lo, 2)
    high = f">{number(max(alphas))}" if np.isinf(hi) else number(hi, 2)
    return f"{low}{' to ' if lo == 0 or np.isinf(hi) else '–'}{high}"


NBSP = "\u00a0"  # a model's name ("MLP 128") stays on one line in a table cell
NEEDS = {"no drop": "not inside the grid", "below level": "never reaches the level", "no damage": "no damage"}


def _need(c: stats.Curve, alphas) -> str:
    """Where a curve's floor-corrected damage falls below its level, for a table cell: "0.21 (0.18 to 0.25)"."""
    if c.state != "drop":
        return NEEDS[c.state]
    point, interval = number(c.alpha_level, 2), _range(c, alphas)
    return point if interval == f"{point}–{point}" else f"{point} ({interval})"  # no spread over the seeds


def answer_tables(result: GridResult) -> str:
    """Every curve in detail, one captioned table per noise level: where the floor-corrected damage falls below the
    model's level (``trained.stats``, with its interval over the seeds), that alignment as a factor of the closed
    form's and the grid's step there, the largest excess, the level and the floor; the caption gives the seeds'
    thresholds of Props 4.3/4.4 (a different quantity)."""
    cv, alphas, tables = stats.curves(result), result.config.alphas, []
    columns = {
        "curve": "curve",
        "alpha": "below the level at α",
        "vs_closed": "× closed form",
        "step": "grid step",
        "plateau": "largest excess",
        "level": "level",
        "floor": "floor",
    }
    for g in range(len(result.config.gamma_max)):
        rows = []
        for m in result.methods:
            cf = cv[(g, CLOSED_FORM, m)]
            for arch, inner in result.mse.items():
                for variant in (v for v in inner if split_variant(v)[0] == m):
                    c, drops = cv[(g, arch, variant)], cv[(g, arch, variant)].state == "drop"
                    compared = drops and cf.state == "drop" and arch != CLOSED_FORM
                    rows.append({
                        "curve": f"{arch.replace(' ', NBSP)}, {variant_label(variant)}",
                        "alpha": _need(c, alphas),
                        "vs_closed": number(c.alpha_level / cf.alpha_level, 3) if compared else "–",
                        "step": number(stats.grid_step(alphas, c.alpha_level), 2) if drops else "–",
                        "plateau": c.plateau, "level": c.level, "floor": float(c.floor.mean()),
                    })  # fmt: skip
        thresholds = ", ".join(
            f"$\\alpha_{{\\rm {variant_label(m)}}}$ {_span(result.alpha[m][g])}" for m in result.methods
        )
        caption = (
            f"{_capital(noise_title(result, g).replace(chr(10), ' '))}: where each curve’s floor-corrected damage "
            f"falls below its model’s "
            f"level. The seeds’ thresholds (Props 4.3/4.4, a different quantity): {thresholds}."
        )
        tables.append(markdown_table(rows, columns, caption=caption))
    return "\n\n".join(tables)


def _span(values: np.ndarray) -> str:
    lo, hi = number(values.min(), 2), number(values.max(), 2)
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
                    "arch": arch,
                    "variant": variant_label(variant),
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


def _how(v: stats.Verdict) -> str:
    """How one trained model orders JE and RC against the closed forms, for a table cell."""
    if v.outcome in (stats.AGREE, stats.REVERSE):
        return f"{'agrees' if v.outcome == stats.AGREE else 'reverses'}, resolved ({SHORT_ORDER[v.trained]})"
    if v.outcome == stats.WITHIN_ERROR:
        same = "agrees" if v.trained == v.theory else "reverses"
        return f"{same} only within optimisation error ({SHORT_ORDER[v.trained]}; the intervals overlap)"
    last = f"; the last budget alone: {SHORT_ORDER[v.trained]}{', resolved' if v.resolved else ''}" if v.trained else ""
    return f"cannot tell: {SHORT_REASONS.get(v.reason, v.reason)}{'' if v.converged else last}"


SHORT_REASONS = {"the closed forms give no resolved order": "no resolved reference", "training had not converged":
                 "not converged"}  # fmt: skip


def _reference(je: stats.Curve, rc: stats.Curve) -> str:
    """The closed forms' own order, the reference of a noise level's rows."""
    key, resolved = stats.order(je, rc)
    return f"reference: {SHORT_ORDER[key]}, resolved" if key and resolved else "reference: no resolved order"


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
    columns = {"model": "model, JE objective", "je": "JE below the level at α",
               "rc": "RC below the level at α", "order": "order against the closed forms"}  # fmt: skip
    caption = (
        "The answer per noise level, model and joint-embedding objective: where each method’s floor-corrected "
        "damage falls below its model’s level (α, with its interval over the seeds), and the order this gives "
        "against the closed forms’ (the trained linear model is their own model class: any departure is "
        "optimisation error)."
    )
    return "\n".join([head, "", markdown_table(rows, columns, caption=caption)]), counts


CONSTRAINT_NAMES = {"whiten": "whitening", "penalty": "a covariance penalty"}  # the paper's JE constraint on the grid
VERBS = {
    stats.AGREE: "agrees with the closed forms, resolved",
    stats.REVERSE: "reverses their order, resolved",
    stats.WITHIN_ERROR: "orders the methods only within optimisation error",
}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _why(v: stats.Verdict) -> str:
    """Why a verdict cannot tell and, where training had not converged, what the last budget showed."""
    last = (
        f"; at the last budget alone {_cor45(v.trained)}{', resolved there' if v.resolved else ''}" if v.trained else ""
    )
    return v.reason + ("" if v.converged else last)


def _by_objective(result: GridResult, found: dict[tuple[str, str], stats.Verdict], subject: str) -> str:
    """Verdicts of (architecture, joint-embedding variant) pairs grouped by outcome, in words: "with whitening and
    VICReg the MLP agrees with the closed forms, resolved, and with BYOL it cannot tell (...)"."""
    many = len({arch for arch, _ in found}) > 1
    names = {k: f"{k[0] + ' ' if many else ''}{_objective_name(result, k[1])}" for k in found}
    pieces = [
        (_and([names[k] for k, v in found.items() if v.outcome == o]), VERBS[o])
        for o in VERBS
        if any(v.outcome == o for v in found.values())
    ]
    pieces += [(names[k], f"cannot tell ({_why(v)})") for k, v in found.items() if v.outcome == stats.CANNOT_TELL]
    return "; ".join(f"with {who} {subject if i == 0 else 'it'} {verb}" for i, (who, verb) in enumerate(pieces))


def _objective_name(result: GridResult, variant: str, long: bool = False) -> str:
    """A joint-embedding variant's objective: "whitening" (the paper's constraint; ``long``: saying so), "VICReg"."""
    objective = split_variant(variant)[1]
    if objective:
        return OBJECTIVE_NAMES[objective]
    name = CONSTRAINT_NAMES[result.config.constraint]
    return f"the paper’s constraint by {name}" if long else name


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
    parts, told = [], {k: v for k, v in found.items() if v[0] != stats.UNTOLD} or found  # the table shows the rest
    for (g, arch), (state, per) in told.items():
        reasons = {v.reason for v in per.values()}
        text = (
            f"no objective gives {arch} a resolved order ({reasons.pop()})"
            if state == stats.UNTOLD and len(reasons) == 1
            else _by_objective(result, {(arch, v): x for v, x in per.items()}, arch)
        )
        parts.append(f"{_capital(noise_name(result, g, short=True))}: {text}.")
    states = {state for state, _ in found.values()}
    lead = (
        "Does the answer depend on the objective? Yes: two objectives give resolved orders that disagree. "
        if stats.DEPENDS in states
        else "Does the answer depend on the objective? Not where the answer can be told. "
        if states & {stats.SAME, stats.PARTLY_TOLD}
        else "Does the answer depend on the objective? This run cannot tell. "
    )
    gap = f" Not in this run: {not_run} (training did not finish)." if missing else ""
    return lead + " ".join(parts) + gap


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


def _noise_answer(result: GridResult, g: int, found: dict[tuple[str, str], stats.Verdict]) -> str:
    """What the MLPs' verdicts at one noise level say, in words (``found``: (MLP, variant) -> verdict)."""
    verdicts = list(found.values())
    n, count = len(verdicts), {o: sum(v.outcome == o for v in verdicts) for o in stats.OUTCOMES}
    noise = noise_name(result, g, short=True)
    if count[stats.AGREE] == n:
        order = _cor45(verdicts[0].trained) if len({v.trained for v in verdicts}) == 1 else "the closed forms’ order"
        who = f"every one of the {n} trained MLP cases agrees" if n > 1 else "the trained MLP agrees"
        return f"under {noise} {who} with the closed forms, resolved ({order})"
    if count[stats.CANNOT_TELL] == n and len({v.reason for v in verdicts}) == 1:
        who = "no trained MLP case’s order can" if n > 1 else "the trained MLP’s order cannot"
        return f"under {noise} {who} be told ({verdicts[0].reason})"
    subject = "the trained MLP" if len({arch for arch, _ in found}) == 1 else "each MLP"
    return f"under {noise}, " + _by_objective(result, found, subject)


def frame_verdict(result: GridResult) -> str:
    """The chapter's verdict on Part 2 (its frame and closing), without the final full stop: the one-word answer,
    then one sentence on what each noise level says and whether the answer depends on the joint-embedding
    objective; generated."""
    found = {k: v for k, v in stats.verdicts(result).items() if k[1] != LINEAR}
    if not found:
        return "Cannot tell. No MLP’s joint embedding and reconstruction both finished training in this run"
    counts = {o: sum(v.outcome == o for v in found.values()) for o in stats.OUTCOMES}
    levels = sorted({g for g, _, _ in found})
    parts = [_noise_answer(result, g, {k[1:]: v for k, v in found.items() if k[0] == g}) for g in levels]
    states = {state for state, _ in stats.objective_dependence(result).values()}
    names = [_objective_name(result, v, long=i == 0) for i, v in enumerate(dict.fromkeys(v for _, _, v in found))]
    if stats.DEPENDS in states:
        objective = "; the answer changes with the joint-embedding objective"
    elif stats.SAME in states and stats.PARTLY_TOLD not in states:
        objective = f"; where it can be told, the answer is the same for every objective ({_and(names)})"
    elif states & {stats.SAME, stats.PARTLY_TOLD}:
        objective = "; where it can be told, the objectives whose order is resolved agree"
    elif states:
        objective = "; no objective gives a resolved order to compare"
    else:
        objective = "; whether it depends on the objective, this run cannot say"
    return f"{overall(counts)}. {_capital('; '.join(parts))}{objective}"


def convergence_sentence(result: GridResult) -> str:
    """How many trained cells (noise level x alignment) the ladder's last step left within the floor, and how many
    of each model moved by more (the table names them); generated from :func:`convergence_rows`."""
    rows = convergence_rows(result)
    got = {(r["arch"], r["variant"]): tuple(map(int, r["converged"].split(" of "))) for r in rows}
    within, total = sum(a for a, _ in got.values()), sum(b for _, b in got.values())
    head = f"At the ladder’s last step {within} of {total} trained cells stayed within the floor"
    if within == total:
        return head + ", every one."
    moved = [f"{arch} {variant} {b - a}" for (arch, variant), (a, b) in got.items() if a < b]
    return head + f"; the table names the {total - within} that moved by more ({', '.join(moved)})."
