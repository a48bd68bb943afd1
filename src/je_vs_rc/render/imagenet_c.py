"""Figures of the ImageNet-C chapter, drawn from a run's summaries (``statistics.summarize``,
``statistics.drop_comparison``), in the book's one plot style; methods are named by the registry
(``methods.label``) and coloured by their paradigm, as the theory chapters colour JE and RC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import paper
from ..imagenet_c.methods import label as method_label
from ..imagenet_c.statistics import BASELINES, PIXELS, RANDOM_INIT, paradigm_of
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION
from ..words import code_name
from .imagenet_c_text import backbone_name
from .style import (
    DISPLAY_WIDTH_IN,
    NEUTRAL,
    STACKED_WIDTH_IN,
    label_rows,
    legend_below,
    levels,
    panels,
    stacked,
    styled,
)

MARKERS = ("o", "s", "^")
BASELINE_COLOR, NEUTRAL_SWATCH = "0.6", "0.55"


def _series(summary: Sequence[dict[str, Any]], **where: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in summary:
        if all(e.get(k) == v for k, v in where.items()):
            out.setdefault(e["method"], []).append(e)
    return {m: sorted(v, key=lambda e: e["severity"]) for m, v in out.items()}


def _line(
    ax: Any, entries: list[dict[str, Any]], metric: str, color: str, label: str, linestyle: str = "-", marker: str = "o"
) -> None:
    """Mean over seeds with a band of one sample standard deviation (none for a single seed; an error
    bar for a single severity)."""
    x = np.array([e["severity"] for e in entries])
    mean = np.array([e[metric] for e in entries])
    std = np.array([e[f"{metric}_std"] for e in entries])
    if len(x) == 1:  # a single severity: a point with its error bar
        ax.errorbar(x, mean, yerr=np.nan_to_num(std), marker="o", ms=4, capsize=3, color=color, label=label)
        return
    ax.plot(x, mean, marker=marker, ms=3, color=color, label=label, linestyle=linestyle)
    has = np.isfinite(std)  # one seed: no band there
    if has.any():
        ax.fill_between(
            x, mean - np.where(has, std, 0), mean + np.where(has, std, 0), where=has, color=color, alpha=0.2, lw=0
        )


def _method_styles(entries: Sequence[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """A colour (its paradigm's, as in the theory chapters) and a marker per method of ``entries``; methods of one
    paradigm differ by marker."""
    paradigms = {e["method"]: paradigm_of(e) for e in entries}
    styles: dict[str, tuple[str, str]] = {}
    for method in sorted(paradigms):
        k = sum(paradigms[m] == paradigms[method] for m in styles)
        styles[method] = (paradigms[method].color if paradigms[method] else NEUTRAL, MARKERS[k % len(MARKERS)])
    return styles


@styled
def plot_margins(margins: Sequence[dict[str, Any]], strength: int = 0) -> Figure:
    """Each method's margin in top-1 over the same backbone frozen at its random initialisation, per severity
    (``statistics.beyond_random``: mean over seeds, error bar its t interval over seeds, the interval the verdict
    reads), one panel per corruption and backbone; zero, the random init, drawn as a line: a bar that crosses it
    is not resolved. The methods sit side by side at each severity so that their bars do not overlap."""
    here = [b for b in margins if b["augment_strength"] == strength]
    cells = sorted({(b["corruption"], b["backbone"]) for b in here})
    # One panel (one corruption and backbone, the committed run's case) at a phone's width: it has no stacked drawing.
    fig, axes = panels(len(cells), width=STACKED_WIDTH_IN if len(cells) == 1 else 4.0)
    styles = _method_styles(here)
    severities = sorted({b["severity"] for b in here})
    offset = dict(zip(styles, np.linspace(-0.2, 0.2, len(styles)) if len(styles) > 1 else [0.0]))
    for ax, (corruption, backbone) in zip(axes[0], cells):
        ax.axhline(0, color=NEUTRAL, lw=1, ls="--", label=f"{method_label(RANDOM_INIT)} (margin 0)")
        for method, (color, marker) in styles.items():
            points = sorted((b for b in here if (b["corruption"], b["backbone"], b["method"]) ==
                             (corruption, backbone, method)), key=lambda b: b["severity"])  # fmt: skip
            if not points:
                continue
            x = np.array([severities.index(b["severity"]) + offset[method] for b in points])
            half = np.nan_to_num(np.array([b["margin_halfwidth"] for b in points]), posinf=0.0)
            ax.errorbar(x, [b["margin"] for b in points], yerr=half, fmt=marker, ms=6, capsize=4, color=color,
                        label=method_label(method))  # fmt: skip
        ax.set_xticks(range(len(severities)), [str(s) for s in severities])
        ax.set_xlim(-0.6, len(severities) - 0.4)
        ax.set(title=f"{code_name(corruption)}, {backbone_name(backbone)}", xlabel="corruption severity",
               ylabel="margin over random init (points)")  # fmt: skip
    legend_below(fig)
    return fig


@styled
def plot_injection(summary: Sequence[dict[str, Any]], corruption: str) -> Figure:
    """App. D.3 on our run: top-1 against severity for each injection strength, per method; left
    the corrupted test set, right clean data (mean over seeds, band: one std)."""
    methods = sorted({e["method"] for e in summary if e["method"] not in BASELINES and e["corruption"] == corruption})
    strengths = sorted({e["augment_strength"] for e in summary if e["method"] not in BASELINES})
    fig, axes = panels(len(methods), 2, width=3.4, height=2.8)
    palette = levels(len(strengths))
    for col, method in enumerate(methods):
        for row, (metric, what) in enumerate((("top1", "corrupted test"), ("top1_clean", "clean data"))):
            ax = axes[row][col]
            for i, strength in enumerate(strengths):
                entries = _series(summary, corruption=corruption, augment_strength=strength).get(method)
                if entries:
                    _line(
                        ax,
                        entries,
                        metric,
                        palette[i],
                        f"injected at strength {strength}" if strength else "plain (no injection)",
                    )
            ax.set(title=f"{method_label(method)}, {what}", xlabel="corruption severity", ylabel="top-1 (%)")
    legend_below(fig)
    return fig


BASELINE_TICKS = {RANDOM_INIT: "rand.\ninit", PIXELS: "raw\npixels"}


@styled
def plot_drop_comparison(comparison: Sequence[dict[str, Any]], ours_label: str) -> Figure:
    """Relative drop in top-1 per method, one panel per corruption: the paper's (Table 1, ImageNet;
    solid) beside ours (``results.drop_comparison``; hatched, error bar one sample std over seeds),
    coloured by paradigm so that joint embedding against reconstruction reads at a glance. A side
    without the corruption or method has no bar; a panel our run did not measure says so."""
    corruptions = list(dict.fromkeys(e["corruption"] for e in comparison))
    groups = [sum(e["corruption"] == c for e in comparison) for c in corruptions]  # panels as wide as their bars
    if stacked():  # one panel per corruption, one under the other
        fig = Figure(figsize=(STACKED_WIDTH_IN, 2.8 * len(corruptions) + 1.4), layout="constrained")
        axes = fig.subplots(len(corruptions), 1, sharey=True, squeeze=False)[:, 0]
    else:
        fig = Figure(figsize=(DISPLAY_WIDTH_IN, 3.6), layout="constrained")
        axes = fig.subplots(1, len(corruptions), sharey=True, squeeze=False, width_ratios=groups)[0]
    width = 0.4
    for ax, corruption in zip(axes, corruptions):
        here = [e for e in comparison if e["corruption"] == corruption]
        for x, e in enumerate(here):
            paradigm = paradigm_of(e)
            color = paradigm.color if paradigm else BASELINE_COLOR
            if e["paper"] is not None:
                ax.bar(x - width / 2, e["paper"], width, color=color, edgecolor=color, label="paper")
            if e["ours"] is not None:
                std = e["ours_std"] if e["ours_std"] is not None and np.isfinite(e["ours_std"]) else 0.0
                ax.bar(
                    x + width / 2, e["ours"], width, color="white", edgecolor=color, hatch="///", lw=1.2, label="ours"
                )
                ax.errorbar(x + width / 2, e["ours"], yerr=std, color="0.15", capsize=3, lw=1)
        if all(e["ours"] is None for e in here):
            ax.text(0.5, 0.97, "ours: not run", transform=ax.transAxes, ha="center", va="top", color="0.3")
        ax.set_xticks(
            range(len(here)),
            [BASELINE_TICKS.get(e["method"]) or method_label(e["method"], paradigm=False) for e in here],
        )
        ax.set_title(code_name(corruption))
        ax.grid(axis="x", visible=False)
    label_rows(axes[:, None] if stacked() else axes[None, :], "relative drop in top-1 (%)")
    # Fill says whose bar (solid: the paper, hatched: ours), hue says which paradigm: the fill swatches are neutral.
    handles = [
        Patch(facecolor=NEUTRAL_SWATCH, edgecolor=NEUTRAL_SWATCH, label=f"solid, paper: {paper.TABLE1_SCALE}"),
        Patch(facecolor="white", edgecolor=NEUTRAL_SWATCH, hatch="///", label=f"hatched, {ours_label}"),
        Patch(color=JOINT_EMBEDDING.color, label=f"joint embedding ({JOINT_EMBEDDING.short})"),
        Patch(color=RECONSTRUCTION.color, label=f"reconstruction ({RECONSTRUCTION.short})"),
    ]
    if any(e["method"] in BASELINES and e["ours"] is not None for e in comparison):
        handles.append(Patch(facecolor="white", edgecolor=BASELINE_COLOR, hatch="///",
                             label="grey, ours only: raw pixels, random init"))  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=1 if stacked() else 2)
    return fig
