"""Figures of chapter 12 and the answer to its question, generated from the numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..theory import methods
from ..trained import stats
from ..trained.grid_config import LINEAR, OBJECTIVE_NAMES, split_variant, variant_label
from ..trained.linear import VARIANTS, LinearStudy
from ..trained.results import GridResult
from ..trained.stats import CLOSED_FORM
from ..words import number
from .style import COLORS, band, legend_below, panels, styled

NOISE_NAMES = {0: "weak noise", 1: "strong noise"}
THRESHOLD_COLORS = ("#555555", "#b5367a", "#8c6d31")  # threshold bands, apart from the curves' COLORS


def noise_name(result: GridResult, level: int, short: bool = False) -> str:
    """ "weak noise (Γ max 1,000)" with the paper's two levels, else "Γ max ..."; ``short``: the words alone."""
    gamma = f"Γ max {number(result.config.gamma_max[level])}"
    if len(result.config.gamma_max) != 2:
        return gamma
    return NOISE_NAMES[level] if short else f"{NOISE_NAMES[level]} ({gamma})"


@styled
def plot_ladder(study: LinearStudy) -> Figure:
    """Distance to the closed form against the step budget, one panel per variant, one line per batch size."""
    fig, axes = panels(len(VARIANTS), width=3.2, height=3.0)
    steps = np.asarray(study.config.steps)
    for ax, name in zip(axes.flat, VARIANTS):
        for b, batch in enumerate(study.config.batch_sizes):
            band(ax, steps, study.distance[name][:, b], COLORS[b % len(COLORS)], f"batch {batch}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("steps")
    axes[0, 0].set_ylabel("distance to the closed form")
    legend_below(fig, ncols=len(study.config.batch_sizes))
    return fig


def _listed(values) -> str:
    return ", ".join(f"{v:g}" for v in values)


def penalty_sentences(study: LinearStudy) -> tuple[str, str]:
    """What the penalty runs test, generated (chapter 12, "What a soft penalty costs"): at which weights every
    feature survives (``lambda > 1 - omega_k``: the constraint's subspace is selected) and at which some feature
    collapses; and at which weights training diverged, so that the prediction is untested there. Seed-mean omega."""
    collapse = 1 - study.omega.mean(axis=0)
    lams = [float(p) for p in study.config.penalties]
    tested = [p for p, sc in zip(lams, study.scales) if np.all(np.isfinite(sc))]
    diverged = [p for p in lams if p not in tested]
    same = [p for p in tested if p > collapse.max()]
    parts = [
        f"At λ = {_listed(same)} every feature survives, so the penalty selects the constraint's subspace"
        if same
        else "At no tested λ does every feature survive"
    ]
    if len(same) < len(tested):
        parts.append(f"at λ = {_listed([p for p in tested if p not in same])} some feature collapses, as predicted")
    untested = (
        f" At λ = {_listed(diverged)} training diverged at the learning rate that suits the other variants, so the "
        "prediction is untested there: the penalty's curvature grows in proportion to λ, and a step size that is "
        "stable for a weak penalty need not be for a strong one."
        if diverged
        else ""
    )
    return "; ".join(parts) + ".", untested


@styled
def plot_penalty_scales(study: LinearStudy) -> Figure:
    """Eigenvalues of W S W^T for the penalty variant: trained (markers, seed mean) and predicted (lines)."""
    fig, axes = panels(1, width=4.6, height=3.2)
    ax = axes[0, 0]
    lams = np.asarray(study.config.penalties)
    k = study.scales.shape[-1]
    for i in range(k):
        color = COLORS[i % len(COLORS)]
        ax.plot(lams, study.predicted_scales[:, :, i].mean(axis=1), color=color, label=f"feature {i + 1}, predicted")
        trained = study.scales[:, :, i]
        finite = np.isfinite(trained)
        # Diverged runs are NaN; a penalty where every seed diverged gets no marker (and no warning).
        mean = np.where(
            finite.any(axis=1), np.where(finite, trained, 0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1), np.nan
        )
        ax.plot(lams, mean, "o", color=color, ms=5)
    ax.set_xscale("log")
    ax.set_xlabel(r"penalty weight $\lambda$")
    ax.set_ylabel("eigenvalue of W S Wᵀ (1 = constraint met)")
    ax.legend(fontsize=9)
    return fig


def _arch_variant_label(arch: str, variant: str) -> str:
    objective = split_variant(variant)[1]
    return arch if objective is None else f"{arch}, {OBJECTIVE_NAMES[objective]}"


@styled
def plot_grid(result: GridResult) -> Figure:
    """Figure 3's distance against the alignment, per noise level (rows) and method (columns): the closed form,
    the trained linear model and each MLP with each of its objectives (mean, min-max band over seeds), each trained
    model's floor (the clean replicates' distance, seed mean) as a thin dotted line in its colour; shaded: the
    seeds' alpha_JE and alpha_RC ranges."""
    L = len(result.config.gamma_max)
    fig, axes = panels(len(result.methods), nrows=L, width=4.4, height=3.2)
    alphas = np.asarray(result.config.alphas)
    for g in range(L):
        for col, m in enumerate(result.methods):
            ax = axes[g, col]
            i = 0
            for arch, inner in result.mse.items():
                for variant in inner:
                    if split_variant(variant)[0] != m:
                        continue
                    color = COLORS[i % len(COLORS)]
                    style = ":" if arch == CLOSED_FORM else ("--" if arch == LINEAR else "-")
                    marker = "os^Dv"[i % 5]
                    band(
                        ax,
                        alphas,
                        result.distance(arch, variant)[g],
                        color,
                        _arch_variant_label(arch, variant),
                        style,
                        marker,
                    )
                    if arch != CLOSED_FORM:
                        floor = np.abs(inner[variant]["replicate"][-1, g] - inner[variant]["clean"][-1, g]).mean(-1)
                        ax.plot(alphas, floor, color=color, lw=0.8, ls=":")
                    i += 1
            for key, threshold in result.alpha.items():
                values, method = threshold[g], methods.get(key)
                name, color = (
                    rf"$\alpha_{{\rm {method.short}}}$",
                    THRESHOLD_COLORS[list(result.alpha).index(key) % len(THRESHOLD_COLORS)],
                )
                if values.max() > 0:
                    ax.axvspan(max(values.min(), alphas[0]), values.max() * 1.02, color=color, alpha=0.25, lw=0)
                    ax.axvline(values.mean(), color=color, lw=1, ls="-.", label=f"{name} (seeds)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{methods.get(m).label}, {noise_name(result, g)}", fontsize=9)
            ax.set_xlabel(r"alignment $\alpha$")
            ax.set_ylabel("distance to optimality")
    handles: dict[str, object] = {}  # one legend entry per label over all panels (each panel has its own lines)
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=2, fontsize=9)
    return fig


@styled
def plot_losses(result: GridResult, level: int = -1) -> Figure:
    """The last budget's training loss of the corrupted-data encoders at one noise level (default: the last), one
    panel per trained model and objective, one line per alignment: the seed-mean loss in equal windows of the
    steps, divided by its value in the last window (so a flat end reads 1)."""
    keys = [(arch, v) for arch in stats.trained_archs(result) for v in result.loss[arch]]
    ncols = 3 if len(keys) > 4 else 2
    nrows = -(-len(keys) // ncols)
    fig, axes = panels(ncols, nrows=nrows, width=2.4, height=2.2)
    steps = result.config.steps[-1]
    for ax, (arch, variant) in zip(axes.flat, keys):
        curves = result.loss[arch][variant][level, :, 1]  # (alphas, points), corrupted data
        x = (np.arange(curves.shape[-1]) + 0.5) * steps / curves.shape[-1]
        for a, (alpha, c) in enumerate(zip(result.config.alphas, curves)):
            ax.plot(x, c / c[np.isfinite(c)][-1], color=COLORS[a % len(COLORS)], lw=1, label=f"α = {alpha:g}")
        ax.set_yscale("log")
        ax.set_title(f"{arch}, {variant_label(variant)}", fontsize=9)
        ax.set_xlabel("step")
    for ax in axes.flat[len(keys) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("loss / final loss")
    legend_below(fig, ncols=4)
    return fig


def _range(c: stats.Curve) -> str:
    lo, hi = c.alpha_range
    low = "below the grid" if lo == 0 else f"{lo:.2g}"
    high = "beyond the grid" if np.isinf(hi) else f"{hi:.2g}"
    return f"{low}–{high}"


def _where(c: stats.Curve) -> str:
    if c.state == "drop":
        return f"falls below the level at α ≈ {c.alpha_level:.2g} ({_range(c)})"
    if c.state == "no drop":
        return "does not fall below the level inside the grid"
    if c.state == "below level":
        return f"stays below the level ({c.level:.2g})"
    return "shows no damage above its floor"


def _factor(a: float, b: float) -> str:
    """``a`` against ``b`` as a factor, in words."""
    f = a / b
    return "the same" if np.isclose(f, 1.0) else (f"{f:.1f}× higher" if f > 1 else f"{1 / f:.1f}× lower")


def answer_rows(result: GridResult) -> list[dict[str, object]]:
    """One row per (noise level, method or objective, architecture): where the floor-corrected damage falls below the
    model's level (``trained.stats``, with its interval), that alignment as a factor of the closed form's and the
    grid's step there, the largest excess, the level and the floor, and the seeds' thresholds (Props 4.3/4.4)."""
    cv, rows = stats.curves(result), []
    alphas = result.config.alphas
    for g in range(len(result.config.gamma_max)):
        for m in result.methods:
            th = result.alpha[m][g]
            cf = cv[(g, CLOSED_FORM, m)]
            for arch, inner in result.mse.items():
                for variant in inner:
                    if split_variant(variant)[0] != m:
                        continue
                    c = cv[(g, arch, variant)]
                    drops = c.state == "drop"
                    rows.append(
                        {
                            "noise": noise_name(result, g),
                            "method": variant_label(variant),
                            "arch": arch,
                            "state": c.state,
                            "alpha_level": f"{c.alpha_level:.2g}" if drops else "–",
                            "interval": _range(c) if drops else "–",
                            "vs_closed": f"{c.alpha_level / cf.alpha_level:.2f}"
                            if drops and cf.state == "drop" and arch != CLOSED_FORM
                            else "–",
                            "step": f"{stats.grid_step(alphas, c.alpha_level):.2g}" if drops else "–",
                            "plateau": c.plateau,
                            "level": c.level,
                            "floor": float(c.floor.mean()),
                            "threshold": f"{th.min():.2g}–{th.max():.2g}",
                        }
                    )
    return rows


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
    return text[:1].upper() + text[1:]


def _cor45(key: str | None) -> str:
    return {"je": "joint embedding needs less alignment", "rc": "reconstruction needs less alignment"}.get(
        key, "no order"
    )


def _how(v: stats.Verdict) -> str:
    """How one trained model orders JE and RC against the closed forms, in words."""
    if v.outcome == stats.AGREE:
        return f"orders the methods as the closed forms do, resolved ({_cor45(v.trained)})"
    if v.outcome == stats.REVERSE:
        return (
            f"reverses the closed forms' order, resolved beyond the floor and the intervals "
            f"({_cor45(v.trained)} here, the other way round in the closed forms)"
        )
    if v.outcome == stats.WITHIN_ERROR:
        same = (
            "orders the methods as the closed forms do" if v.trained == v.theory else "reverses the closed forms' order"
        )
        return f"{same} ({_cor45(v.trained)}) only within optimisation error: the intervals overlap"
    return f"cannot tell: {v.reason}"


def _verdict_line(result: GridResult, key: tuple[int, str, str], v: stats.Verdict, cv: dict) -> str:
    g, arch, variant = key
    je, rc, name = cv[key], cv[(g, arch, "rc")], variant_label(variant)
    cf_je, cf_rc = cv[(g, CLOSED_FORM, "je")], cv[(g, CLOSED_FORM, "rc")]
    line = (
        f"- {_capital(noise_name(result, g))}, {arch}, {name} against RC: {_how(v)}. Floor-corrected damage: "
        f"{name} {_where(je)}, RC {_where(rc)}; the closed forms: JE {_where(cf_je)}, RC {_where(cf_rc)}. "
        f"Largest excess {name} {je.plateau:.2g}, RC {rc.plateau:.2g} (closed forms {cf_je.plateau:.2g}, "
        f"{cf_rc.plateau:.2g})."
    )
    return line.replace("e-0", "e−0")  # a true minus: the exponent does not break across lines


def overall(counts: dict[str, int]) -> str:
    """The one-word answer from the MLPs' counts per outcome: Yes, No, Partly or Cannot tell."""
    total = sum(counts.values())
    if total and counts[stats.AGREE] == total:
        return "Yes"
    if counts[stats.AGREE] + counts[stats.REVERSE] == 0:
        return "Cannot tell"
    return "No" if counts[stats.AGREE] == 0 else "Partly"


def verdict(result: GridResult) -> tuple[str, dict[str, int]]:
    """The answer to Part 2's question, generated from the floor-corrected curves (``trained.stats``): per noise
    level, MLP and joint-embedding objective, whether the MLP orders joint embedding and reconstruction as the
    closed forms at the same n do (Cor 4.5), saying whether a reversal is resolved or within optimisation error;
    then the trained linear model, the control. Returns the markdown and the MLPs' counts per outcome."""
    cv, counts = stats.curves(result), dict.fromkeys(stats.OUTCOMES, 0)
    lines, control = [], []
    for key, v in stats.verdicts(result).items():
        (control if key[1] == LINEAR else lines).append(_verdict_line(result, key, v, cv))
        counts[v.outcome] += key[1] != LINEAR
    intro = "The trained linear model, the closed forms' own model class (any departure is optimisation error):"
    control_block = ["", intro, "", *control] if control else []
    total = sum(counts.values())
    if not total:
        head = "Cannot tell. No MLP's joint embedding and reconstruction both finished training in this run."
        return "\n".join([head, *control_block]), counts
    head = (
        f"{overall(counts)}. Of the {total} cases (noise level × MLP × joint-embedding objective), "
        f"{counts[stats.AGREE]} order joint embedding and reconstruction as the closed forms do at the same n, "
        f"resolved beyond the floor and the intervals; {counts[stats.REVERSE]} reverse the order, resolved; "
        f"{counts[stats.WITHIN_ERROR]} differ from or match it only within optimisation error; and "
        f"{counts[stats.CANNOT_TELL]} cannot be told (closed forms without a resolved order, tied curves, or "
        f"training that had not converged)."
    )
    return "\n".join([head, "", *lines, *control_block]), counts


def _objective_name(result: GridResult, variant: str) -> str:
    objective = split_variant(variant)[1]
    return OBJECTIVE_NAMES[objective] if objective else f"the paper's constraint ({result.config.constraint})"


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
    parts = []
    for (g, arch), (state, per) in found.items():
        each = "; ".join(f"{_objective_name(result, v)}: {_how(x).split(' (')[0]}" for v, x in per.items())
        head = {
            stats.SAME: f"every objective gives the same resolved order ({_cor45(next(iter(per.values())).trained)})",
            stats.DEPENDS: "the objectives give resolved orders that disagree, so the answer depends on the objective",
            stats.PARTLY_TOLD: "the objectives whose order is resolved agree, the others cannot say",
            stats.UNTOLD: "no objective gives a resolved order, so the objectives cannot be compared",
        }[state]
        parts.append(f"{_capital(noise_name(result, g))}, {arch}: {head} ({each}).")
    states = {state for state, _ in found.values()}
    lead = (
        "Does the answer depend on the objective? Yes, somewhere: "
        if stats.DEPENDS in states
        else "Does the answer depend on the objective? Not where the answer can be told: "
        if states & {stats.SAME, stats.PARTLY_TOLD}
        else "Does the answer depend on the objective? This run cannot tell: "
    )
    gap = f" Not in this run: {not_run} (training did not finish)." if missing else ""
    return (lead + " ".join(parts) + gap).replace("e-0", "e−0")


def source_sentence(result: GridResult, results_path: str | None) -> str:
    """Where the grid's numbers come from: trained on this page (``results_path`` None) or a saved run, whose
    parameters, device, versions and wall time come from its provenance."""
    cfg = result.config
    if not results_path:
        return (
            f"The grid was trained on this page: the closed forms and training took "
            f"{sum(result.seconds.values()):.0f} s over {len(cfg.seeds)} seeds, with a ladder of "
            f"{' and '.join(f'{t:,}' for t in cfg.steps)} Adam steps."
        )
    meta = result.provenance
    archs = ", ".join(a for a in cfg.archs if a != LINEAR)
    objectives = (
        f" (also trained with {' and '.join(OBJECTIVE_NAMES[o] for o in cfg.objectives)})" if cfg.objectives else ""
    )
    budgets = " and ".join(f"{t:,}" for t in cfg.steps)
    partial = (
        f" The run was collected before it finished: {len(result.missing)} trained units are missing "
        f"({', '.join(u.replace('__', ' ') for u in result.missing)})."
        if result.missing
        else ""
    )
    when = f"; collected {meta['finished']}" if "finished" in meta else ""
    load = (
        f", load average {meta['load_average']:.1f} when collected, on a machine shared with other jobs"
        if "load_average" in meta
        else ""
    )
    # Training time summed over the checkpointed units (a resumed run's wall time would leave them out).
    seconds = float(meta.get("trained_seconds", meta["wall_seconds"]))
    return (
        f"The grid shown here is a saved run ({Path(results_path).name}), not recomputed on this page: it was "
        f"computed once, with {len(cfg.seeds)} seeds, {len(cfg.alphas)} alignments, n = {cfg.n:,}, "
        f"the linear model and {archs}{objectives}, a ladder of {budgets} Adam steps of {cfg.batch_size} samples, "
        f"its training taking {seconds / 60:.0f} minutes of wall time on {meta['device']} "
        f"(torch {meta['torch']}, numpy {meta['numpy']}, Python {meta['python']}{when}{load}); "
        f"its parameters and seeds are stored with it.{partial}"
    )
