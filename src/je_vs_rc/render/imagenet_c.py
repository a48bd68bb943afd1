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

LINESTYLES, MARKERS = ("-", ":", "-."), ("o", "s", "^")
BASELINE_COLOR = "0.6"


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


@styled
def plot_accuracy_vs_severity(summary: Sequence[dict[str, Any]], strength: int = 0) -> Figure:
    """Linear-probe top-1 against corruption severity per method (mean over seeds, band: one std),
    the baselines dashed (random init) and dotted (raw pixels); one panel per corruption and backbone."""
    cells = sorted({(e["corruption"], e["backbone"]) for e in summary if e["method"] != PIXELS})
    fig, axes = panels(len(cells))
    paradigms = {e["method"]: paradigm_of(e) for e in summary if e["method"] not in BASELINES}
    # Coloured by paradigm like the drop chart and the theory chapters; methods of one paradigm
    # differ by line style and marker.
    styles: dict[str, tuple[str, str, str]] = {}
    for method in sorted(paradigms):
        k = sum(p == paradigms[method] for p in (paradigms[m] for m in styles))
        paradigm = paradigms[method]
        color = paradigm.color if paradigm else NEUTRAL  # a method of no paradigm: not a paradigm's colour
        styles[method] = (color, LINESTYLES[k % len(LINESTYLES)], MARKERS[k % len(MARKERS)])
    for ax, (corruption, backbone) in zip(axes[0], cells):
        for method, (color, linestyle, marker) in styles.items():
            entries = _series(summary, corruption=corruption, backbone=backbone, augment_strength=strength).get(method)
            if entries:
                _line(ax, entries, "top1", color, method_label(method), linestyle, marker)
        base = _series(summary, corruption=corruption, backbone=backbone).get(RANDOM_INIT)
        if base:
            _line(ax, base, "top1", "0.4", method_label(RANDOM_INIT), "--")
        pixels = _series(summary, corruption=corruption, backbone="none").get(PIXELS)
        if pixels:
            _line(ax, pixels, "top1", "0.1", method_label(PIXELS), ":")
        ax.set(
            title=f"{code_name(corruption)}, {backbone_name(backbone)}",
            xlabel="corruption severity",
            ylabel="linear-probe top-1 (%)",
        )
        ax.set_xticks(sorted({e["severity"] for e in summary}))
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
    handles = [
        Patch(facecolor="0.35", edgecolor="0.35", label=f"paper: {paper.TABLE1_SCALE}"),
        Patch(facecolor="white", edgecolor="0.35", hatch="///", label=f"{ours_label} (± 1 std)"),
        Patch(color=JOINT_EMBEDDING.color, label=f"joint embedding ({JOINT_EMBEDDING.short})"),
        Patch(color=RECONSTRUCTION.color, label=f"reconstruction ({RECONSTRUCTION.short})"),
    ]
    if any(e["method"] in BASELINES and e["ours"] is not None for e in comparison):
        handles.append(Patch(color=BASELINE_COLOR, label="baselines: raw pixels, random init (ours only)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=1 if stacked() else 2)
    return fig
