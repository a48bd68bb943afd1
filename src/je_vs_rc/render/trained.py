"""Figures of chapter 12 and the answer to its question, generated from the numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..checks.trained import grid_summaries
from ..theory import methods
from ..trained.grid import CLOSED_FORM, LINEAR, GridResult
from ..trained.linear import VARIANTS, LinearStudy
from ..words import number
from .style import COLORS, band, legend_below, panels, styled

NOISE_NAMES = {0: "weak noise", 1: "strong noise"}
THRESHOLD_COLORS = ("#555555", "#b5367a", "#8c6d31")  # threshold bands, apart from the curves' COLORS


def noise_name(result: GridResult, level: int) -> str:
    return (
        f"{NOISE_NAMES.get(level, 'noise')} (Γ max {number(result.config.gamma_max[level])})"
        if len(result.config.gamma_max) == 2
        else f"Γ max {number(result.config.gamma_max[level])}"
    )


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


@styled
def plot_grid(result: GridResult) -> Figure:
    """Figure 3's distance against the alignment, per noise level (rows) and method (columns): the closed form,
    the trained linear model and each MLP (mean, min-max band over seeds); shaded: the seeds' alpha_JE and
    alpha_RC ranges."""
    L = len(result.config.gamma_max)
    fig, axes = panels(len(result.methods), nrows=L, width=4.4, height=3.2)
    alphas = np.asarray(result.config.alphas)
    for g in range(L):
        for col, m in enumerate(result.methods):
            ax = axes[g, col]
            for i, arch in enumerate(result.distance):
                style = ":" if arch == CLOSED_FORM else ("--" if arch == LINEAR else "-")
                band(ax, alphas, result.distance[arch][m][g], COLORS[i % len(COLORS)], arch, style)
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
    axes[0, 0].legend(fontsize=9)
    return fig


def _where(s) -> str:
    if s.state == "switch":
        return f"drops at α ≈ {s.alpha_half:.2g}"
    if s.state == "no drop":
        return "does not drop inside the grid"
    if s.state == "no damage":
        return "shows no damage at any α"
    return "shows no switch above its training noise"


def _times(factor: float) -> str:
    return f"{factor:.1f}× later than" if factor >= 1 else f"{1 / factor:.1f}× earlier than"


def answer_rows(result: GridResult) -> list[dict[str, object]]:
    """One row per (noise level, method, architecture): where the curve drops, its plateau and residual, and
    the closed form's drop and the thresholds beside it."""
    summary, rows = grid_summaries(result), []
    for g in range(len(result.config.gamma_max)):
        for m in result.methods:
            th = result.alpha[m][g]
            cf, lin = summary[(g, CLOSED_FORM, m)], summary[(g, LINEAR, m)]
            for arch in result.distance:
                s = summary[(g, arch, m)]
                rows.append(
                    {
                        "noise": noise_name(result, g),
                        "method": methods.get(m).short,
                        "arch": arch,
                        "state": s.state,
                        "alpha_half": s.alpha_half if s.alpha_half is not None else float("nan"),
                        "vs_closed": (s.alpha_half / cf.alpha_half)
                        if s.state == cf.state == "switch"
                        else float("nan"),
                        "vs_linear": (s.alpha_half / lin.alpha_half)
                        if s.state == lin.state == "switch"
                        else float("nan"),
                        "plateau": s.plateau,
                        "residual": s.residual,
                        "threshold": f"{th.min():.2g}–{th.max():.2g}",
                    }
                )
    return rows


def _need(s) -> float | None:
    """The alignment a curve needs: 0 without damage, its drop for a switch, inf without a drop, None unresolved."""
    return {"no damage": 0.0, "no drop": float("inf")}.get(s.state, s.alpha_half)


def less_alignment(je, rc) -> str | None:
    """Cor 4.5's comparison of two curves' summaries: the registry key of the method that needs less alignment,
    None for a tie or where a curve is not resolved."""
    a, b = _need(je), _need(rc)
    if a is None or b is None or a == b:
        return None
    return methods.JOINT_EMBEDDING.key if a < b else methods.RECONSTRUCTION.key


def _order(je, rc) -> str:
    winner = less_alignment(je, rc)
    if winner is None:
        return ""
    needs = _need(je if winner == methods.JOINT_EMBEDDING.key else rc)
    return f" — {methods.get(winner).label.lower()} needs {'none' if needs == 0 else 'less alignment'}"


def _pair(summary, g: int, arch: str):
    # Cor 4.5 orders the paper's two self-supervised methods.
    return summary[(g, arch, methods.JOINT_EMBEDDING.key)], summary[(g, arch, methods.RECONSTRUCTION.key)]


def verdict(result: GridResult) -> tuple[str, dict[str, int]]:
    """The answer to Part 2's question, generated: per noise level and MLP, whether the trained MLP orders joint
    embedding and reconstruction as the closed forms at the same n do (Cor 4.5), and its damage beside theirs.
    Returns the markdown and the counts ("agree", "depart", "undecided")."""
    summary, counts, lines = grid_summaries(result), {"agree": 0, "depart": 0, "undecided": 0}, []
    mlps = [a for a in result.distance if a not in (CLOSED_FORM, LINEAR)]
    for g in range(len(result.config.gamma_max)):
        cf_je, cf_rc = _pair(summary, g, CLOSED_FORM)
        theory = less_alignment(cf_je, cf_rc)
        for arch in mlps:
            je, rc = _pair(summary, g, arch)
            got = less_alignment(je, rc)
            if theory is None or got is None:
                key, how = "undecided", "cannot be compared with the linear theory here"
            elif got == theory:
                key, how = (
                    "agree",
                    f"orders the methods as the linear theory does ({methods.get(got).label.lower()} "
                    f"needs less alignment)",
                )
            else:
                key, how = (
                    "depart",
                    f"reverses the linear theory's order ({methods.get(theory).label.lower()} "
                    f"needs less alignment in the closed forms, {methods.get(got).label.lower()} here)",
                )
            counts[key] += 1
            lines.append(
                f"- **{noise_name(result, g)}, {arch}** {how}: JE {_where(je)}, RC {_where(rc)}; the closed "
                f"forms: JE {_where(cf_je)}, RC {_where(cf_rc)}. Largest distance JE {je.plateau:.2g}, RC "
                f"{rc.plateau:.2g} (closed forms {cf_je.plateau:.2g}, {cf_rc.plateau:.2g}); at α = "
                f"{result.config.alphas[-1]:g}: JE {je.residual:.2g}, RC {rc.residual:.2g} (closed forms "
                f"{cf_je.residual:.2g}, {cf_rc.residual:.2g})."
            )
    total = sum(counts.values())
    overall = "Yes" if counts["agree"] == total else ("No" if counts["agree"] == 0 else "Partly")
    head = (
        f"**{overall}.** In {counts['agree']} of the {total} cases (noise level × MLP) the trained MLPs order "
        f"joint embedding and reconstruction as the linear theory does at the same n; {counts['depart']} reverse "
        f"the order and {counts['undecided']} cannot be compared (a curve whose drop is within the seeds' spread, "
        f"or closed forms that tie)."
    )
    return "\n".join([head, "", *lines]), counts


def answer(result: GridResult) -> str:
    """Where each curve drops, per noise level and model, with Cor 4.5's order; then, where the closed form, the
    trained linear model and an MLP all switch, how far apart (generated from the summaries)."""
    summary, cfg, lines = grid_summaries(result), result.config, []
    archs = [a for a in result.distance if a != CLOSED_FORM]
    for g in range(len(cfg.gamma_max)):
        for arch in [CLOSED_FORM, *archs]:
            je, rc = _pair(summary, g, arch)
            lines.append(f"- **{noise_name(result, g)}, {arch}**: JE {_where(je)}, RC {_where(rc)}{_order(je, rc)}.")
    lines.append("")
    for g in range(len(cfg.gamma_max)):
        for arch in archs:
            if arch == LINEAR:
                continue
            for m in result.methods:
                s, cf, lin = summary[(g, arch, m)], summary[(g, CLOSED_FORM, m)], summary[(g, LINEAR, m)]
                if s.state == cf.state == lin.state == "switch":
                    lines.append(
                        f"- {noise_name(result, g)}, {arch}, {methods.get(m).short}: drops at α ≈ {s.alpha_half:.2g}, "
                        f"{_times(s.alpha_half / cf.alpha_half)} the closed form (α ≈ {cf.alpha_half:.2g}) and "
                        f"{_times(s.alpha_half / lin.alpha_half)} the trained linear model (α ≈ {lin.alpha_half:.2g}, "
                        f"the nonlinearity's own share); at α = {cfg.alphas[-1]:g} it keeps a distance of "
                        f"{s.residual:.2g}, {s.residual / lin.residual:.0f}× the trained linear model's "
                        f"{lin.residual:.2g}."
                    )
    return "\n".join(lines)


def source_sentence(result: GridResult, results_path: str | None) -> str:
    """Where the grid's numbers come from: trained on this page (``results_path`` None) or a saved run, whose
    parameters, device, versions and wall time come from its provenance."""
    cfg = result.config
    if not results_path:
        return (
            f"The grid was trained on this page: the closed forms and training took "
            f"{sum(result.seconds.values()):.0f} s over {len(cfg.seeds)} seeds."
        )
    meta = result.provenance
    archs = ", ".join(a for a in cfg.archs if a != LINEAR)
    when = f"; finished {meta['finished']}" if "finished" in meta else ""
    load = (
        f", load average {meta['load_average']:.1f} on a machine shared with other jobs"
        if "load_average" in meta
        else ""
    )
    return (
        f"The grid shown here is a saved run ({Path(results_path).name}), not recomputed on this page: it was "
        f"computed once, with {len(cfg.seeds)} seeds, {len(cfg.alphas)} alignments, n = {cfg.n:,}, "
        f"the linear model and {archs}, {cfg.steps:,} Adam steps of {cfg.batch_size} samples, "
        f"in {float(meta['wall_seconds']) / 60:.0f} minutes of wall time on {meta['device']} "
        f"(torch {meta['torch']}, numpy {meta['numpy']}, Python {meta['python']}{when}{load}); "
        f"its parameters and seeds are stored with it."
    )
