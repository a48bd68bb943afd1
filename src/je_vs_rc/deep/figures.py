"""Figures of the deep-learning chapter, drawn from a results table (``results.summarize``); no
torch needed, only matplotlib, in the book's one plot style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..render.figures import COLORS, _figure, styled
from .results import RANDOM_INIT

NAMES = {"byol": "BYOL (JE)", "dino": "DINO (JE)", "mae": "MAE (RC)", RANDOM_INIT: "random init (frozen)"}


def _series(summary: Sequence[dict[str, Any]], **where: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in summary:
        if all(e.get(k) == v for k, v in where.items()):
            out.setdefault(e["method"], []).append(e)
    return {m: sorted(v, key=lambda e: e["severity"]) for m, v in out.items()}


def _line(ax: Any, entries: list[dict[str, Any]], metric: str, color: str, label: str, linestyle: str = "-") -> None:
    """Mean over seeds with a band of one sample standard deviation (none for a single seed; an error
    bar for a single severity)."""
    x = np.array([e["severity"] for e in entries])
    mean = np.array([e[metric] for e in entries])
    std = np.array([e[f"{metric}_std"] for e in entries])
    if len(x) == 1:  # a single severity: a point with its error bar
        ax.errorbar(x, mean, yerr=np.nan_to_num(std), marker="o", ms=4, capsize=3, color=color, label=label)
        return
    ax.plot(x, mean, marker="o", ms=3, color=color, label=label, linestyle=linestyle)
    has = np.isfinite(std)  # one seed: no band there
    if has.any():
        ax.fill_between(
            x, mean - np.where(has, std, 0), mean + np.where(has, std, 0), where=has, color=color, alpha=0.2, lw=0
        )


@styled
def plot_accuracy_vs_severity(summary: Sequence[dict[str, Any]], strength: int = 0) -> Figure:
    """Linear-probe top-1 against corruption severity per method (mean over seeds, band: one std),
    the random-init baseline dashed; one panel per corruption and backbone."""
    panels = sorted({(e["corruption"], e["backbone"]) for e in summary})
    fig, axes = _figure(len(panels))
    methods = sorted({e["method"] for e in summary if e["method"] != RANDOM_INIT})
    for ax, (corruption, backbone) in zip(axes[0], panels):
        for i, method in enumerate(methods):
            entries = _series(summary, corruption=corruption, backbone=backbone, augment_strength=strength).get(method)
            if entries:
                _line(ax, entries, "top1", COLORS[i % len(COLORS)], NAMES.get(method, method))
        base = _series(summary, corruption=corruption, backbone=backbone).get(RANDOM_INIT)
        if base:
            _line(ax, base, "top1", "0.4", NAMES[RANDOM_INIT], "--")
        ax.set(
            title=f"{corruption.replace('_', ' ')}, {backbone}",
            xlabel="corruption severity",
            ylabel="linear-probe top-1 (%)",
        )
        ax.set_xticks(sorted({e["severity"] for e in summary}))
    axes[0][0].legend(fontsize=8)
    return fig


@styled
def plot_injection(summary: Sequence[dict[str, Any]], corruption: str) -> Figure:
    """App. D.3 on our run: top-1 against severity for each injection strength, per method; left
    the corrupted test set, right clean data (mean over seeds, band: one std)."""
    methods = sorted({e["method"] for e in summary if e["method"] != RANDOM_INIT and e["corruption"] == corruption})
    strengths = sorted({e["augment_strength"] for e in summary if e["method"] != RANDOM_INIT})
    fig, axes = _figure(len(methods), 2, width=3.4, height=2.8)
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
                        COLORS[i % len(COLORS)],
                        f"injected at strength {strength}" if strength else "plain (no injection)",
                    )
            ax.set(title=f"{NAMES.get(method, method)}, {what}", xlabel="corruption severity", ylabel="top-1 (%)")
    axes[0][0].legend(fontsize=8)
    return fig
