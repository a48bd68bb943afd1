"""Figures of chapter 12 (and Part 1's penalty sentences); its answer in words is ``render.trained_answer``."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ..theory import methods
from ..trained import stats
from ..trained.grid_config import LINEAR, OBJECTIVE_NAMES, split_variant, variant_label
from ..trained.linear import VARIANTS, LinearStudy, penalty_feature_scales
from ..trained.results import GridResult
from ..trained.stats import CLOSED_FORM
from ..words import NOISE_CAP, number
from .style import (
    MARKERS,
    NEUTRAL,
    NEUTRAL_LIGHT,
    STACKED_WIDTH_IN,
    band,
    label_rows,
    legend_below,
    levels,
    panels,
    stacked,
    styled,
)

NOISE_NAMES = {0: "weak noise", 1: "strong noise"}
# Chapter 12's own ordered quantities that are not alignments (batch sizes, feature index) and its models (closed form,
# linear, MLP objectives): greys from mid to near-black, told apart by marker, so that the book's plum ramp keeps
# one meaning (the alignment, Fig 12.4) and blue/orange theirs (JE/RC); the lightest keeps 3:1 on white.
GREY_RAMP = ("#8a8a8a", "#111111")
LOSS_ALIGNMENTS = 3  # Fig 12.4 draws this many of the grid’s alignments: the ramp's three anchors are told apart


def greys(count: int) -> list[str]:
    """``count`` greys, light to dark (one: the neutral colour)."""
    if count == 1:
        return [NEUTRAL]
    ramp = mpl.colors.LinearSegmentedColormap.from_list("greys", GREY_RAMP)
    return [mpl.colors.to_hex(ramp(t)) for t in np.linspace(0, 1, count)]


def noise_name(result: GridResult, level: int, short: bool = False) -> str:
    """ "weak noise (λ^Γ_max = 1,000)" with the paper's two levels, else "λ^Γ_max = ..."; ``short``: the words alone."""
    gamma = f"{NOISE_CAP} = {number(result.config.gamma_max[level])}"
    if len(result.config.gamma_max) != 2:
        return gamma
    return NOISE_NAMES[level] if short else f"{NOISE_NAMES[level]} ({gamma})"


def noise_title(result: GridResult, level: int) -> str:
    """A noise level as a panel title says it: "weak noise" over "($\\lambda^\\Gamma_{\\max}$ = 1,000)", in TeX."""
    gamma = rf"$\lambda^\Gamma_{{\max}}$ = {number(result.config.gamma_max[level])}"
    return gamma if len(result.config.gamma_max) != 2 else f"{NOISE_NAMES[level]}\n({gamma})"


@styled
def plot_ladder(study: LinearStudy) -> Figure:
    """Distance to the closed form against the step budget, one panel per variant, one line per batch size
    (light to dark grey: small to large, one marker each)."""
    fig, axes = panels(len(VARIANTS), width=3.2, height=3.0)
    steps = np.asarray(study.config.steps)
    palette = greys(len(study.config.batch_sizes))
    for ax, name in zip(axes.flat, VARIANTS):
        for b, batch in enumerate(study.config.batch_sizes):
            band(ax, steps, study.distance[name][:, b], palette[b], f"batch {batch}", marker=MARKERS[b % len(MARKERS)])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("steps")
    label_rows(axes, "distance to the closed form")
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
        f"At λ = {_listed(same)} every feature survives, so the penalty selects the constraint’s subspace"
        if same
        else "At no tested λ does every feature survive"
    ]
    if len(same) < len(tested):
        parts.append(f"at λ = {_listed([p for p in tested if p not in same])} some feature collapses, as predicted")
    untested = (
        f" At λ = {_listed(diverged)} training diverged at the learning rate that suits the other variants, so the "
        "prediction is untested there: the penalty’s curvature grows in proportion to λ, and a step size that is "
        "stable for a weak penalty need not be for a strong one."
        if diverged
        else ""
    )
    return "; ".join(parts) + ".", untested


@styled
def plot_penalty_scales(study: LinearStudy) -> Figure:
    """Eigenvalues of W S W^T for the penalty variant against the penalty weight: predicted (lines, the
    closed form ``penalty_feature_scales`` at every weight, seed mean) and trained (markers, mean over the
    seeds that did not diverge), one grey and marker per feature (light to dark: first to last). A weight at which
    some seed diverged is marked on the axis with how many did."""
    fig, axes = panels(1, width=STACKED_WIDTH_IN, height=3.4)  # a phone's width: one panel has no stacked drawing
    ax = axes[0, 0]
    lams = np.asarray(study.config.penalties, dtype=float)
    k = study.scales.shape[-1]
    fine = np.geomspace(lams.min(), lams.max(), 200)
    predicted = np.array([[penalty_feature_scales(om, k, lam) for lam in fine] for om in study.omega]).mean(axis=0)
    palette = greys(k)
    for i in range(k):
        marker = MARKERS[i % len(MARKERS)]
        ax.plot(fine, predicted[:, i], color=palette[i])
        ax.plot([], [], color=palette[i], marker=marker, ms=6, label=f"feature {i + 1}")
        trained = study.scales[:, :, i]
        finite = np.isfinite(trained)
        mean = np.where(
            finite.any(axis=1), np.where(finite, trained, 0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1), np.nan
        )
        ax.plot(lams, mean, marker, color=palette[i], ms=6)
    diverged = (~np.isfinite(study.scales)).any(axis=2).sum(axis=1)  # seeds per weight
    seeds = study.scales.shape[1]
    for lam, count in zip(lams, diverged):
        if count:
            ax.plot(lam, 0, "x", color=NEUTRAL, ms=8, mew=1.5, clip_on=False, zorder=4)
            ax.annotate(
                f"diverged\n({count} of {seeds} seeds)",
                (lam, 0),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
                color=NEUTRAL,
            )
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel(r"penalty weight $\lambda$")
    ax.set_ylabel("eigenvalue of W S Wᵀ (1 = constraint met)")
    legend_below(fig, ax, ncols=2)
    return fig


def _arch_variant_label(arch: str, variant: str) -> str:
    objective = split_variant(variant)[1]
    return arch if objective is None else f"{arch}, {OBJECTIVE_NAMES[objective]}"


def _model_colors(result: GridResult) -> dict[tuple[str, str | None], str]:
    """A grey per (model, objective), the same in every panel: the closed form near-black and the linear model mid
    grey (references), the trained MLPs from mid grey to black; models are told apart by line style and marker, not
    hue (blue and orange mean JE and RC, which the panels' titles name)."""
    models = list(dict.fromkeys((a, split_variant(v)[1]) for a, inner in result.mse.items() for v in inner))
    mlps = [m for m in models if m[0] not in (CLOSED_FORM, LINEAR)]
    shades = dict(zip(mlps, greys(len(mlps))))
    return {m: {CLOSED_FORM: NEUTRAL, LINEAR: NEUTRAL_LIGHT}.get(m[0]) or shades[m] for m in models}


@styled
def plot_grid(result: GridResult) -> Figure:
    """Figure 3's distance against the alignment, per noise level (rows) and method (columns): the closed form,
    the trained linear model and each MLP with each of its objectives (mean, min-max band over seeds), each trained
    model's floor (the clean replicates' distance, seed mean) as a thin dotted line in its colour; shaded: the
    seeds' alpha_JE and alpha_RC ranges."""
    L = len(result.config.gamma_max)
    fig, axes = panels(len(result.methods), nrows=L, width=4.4, height=3.2)
    palette = _model_colors(result)
    alphas = np.asarray(result.config.alphas)
    for g in range(L):
        for col, m in enumerate(result.methods):
            ax = axes[g, col]
            i = 0
            for arch, inner in result.mse.items():
                for variant in inner:
                    if split_variant(variant)[0] != m:
                        continue
                    color = palette[(arch, split_variant(variant)[1])]
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
                name, color = rf"$\alpha_{{\rm {method.short}}}$", method.color  # the method's threshold
                if values.max() > 0:
                    ax.axvspan(max(values.min(), alphas[0]), values.max() * 1.02, color=color, alpha=0.25, lw=0)
                    ax.axvline(values.mean(), color=color, lw=1, ls="-.", label=f"{name} (seeds)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{methods.get(m).label}, {noise_title(result, g)}", fontsize=9)
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
    panel per trained model and objective, one line per alignment for ``LOSS_ALIGNMENTS`` of the grid's alignments
    spread over it (first and last included): the seed-mean loss in equal windows of the steps, divided by its value
    in the last window (so a flat end reads 1)."""
    keys = [(arch, v) for arch in stats.trained_archs(result) for v in result.loss[arch]]
    ncols = 3 if len(keys) > 4 else 2
    nrows = -(-len(keys) // ncols)
    fig, axes = panels(ncols, nrows=nrows, width=2.4, height=2.2, count=len(keys))
    if stacked():  # each title clear of the panel above's axis label
        fig.get_layout_engine().set(h_pad=0.15)
    steps = result.config.steps[-1]
    shown = np.unique(np.linspace(0, len(result.config.alphas) - 1, LOSS_ALIGNMENTS).round().astype(int))
    palette = levels(len(shown))
    for ax, (arch, variant) in zip(axes.flat, keys):
        curves = result.loss[arch][variant][level, :, 1]  # (alphas, points), corrupted data
        x = (np.arange(curves.shape[-1]) + 0.5) * steps / curves.shape[-1]
        for color, a in zip(palette, shown):
            c = curves[a]
            ax.plot(x, c / c[np.isfinite(c)][-1], color=color, lw=1.2, label=f"α = {result.config.alphas[a]:g}")
        ax.set_yscale("log")
        ax.set_title(f"{arch}, {variant_label(variant)}", fontsize=9)
        ax.set_xlabel("step")
    for ax in axes.flat[len(keys) :]:
        ax.set_visible(False)
    label_rows(axes, "loss / final loss")
    legend_below(fig, ncols=len(shown))  # one row: the alignments read in order
    return fig
