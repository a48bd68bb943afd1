"""Figures of chapter 13 (MNIST with a controlled nuisance), drawn from a run's JSON payload (no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from ..checks import nuisance as verdicts
from ..theory import methods as theory_methods
from .style import label_rows, legend_below, panels, stacked, styled

# One marker and line style per trained method, in the run's order; the colour is the paradigm's.
METHOD_MARKERS = ("o", "s", "^", "v", "D", "P")
METHOD_LINES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (1, 2)))
COLOUR_NAMES = {"je": "blue", "rc": "orange"}  # the registry's colours (render/style.py), in words
LINTHRESH = 0.1  # alpha = 0 sits on the linear part of the symlog axis, the grid's positive alphas on its log part


def _paradigm_color(key: str) -> str:
    return theory_methods.get(key).color


LEVEL_LINES = ("-", "--", ":")  # the run's last noise level solid, the one before dashed, ...


def _level_line(payload: dict[str, Any], level: str) -> str:
    """The line style of a noise level's runs in the loss and budget figures (clean runs: solid, in black)."""
    names = verdicts.levels(payload)
    return "-" if level == verdicts.CLEAN else LEVEL_LINES[(len(names) - 1 - names.index(level)) % len(LEVEL_LINES)]


def _shade(alphas: list[float], alpha: float) -> float:
    """A noise level's runs are lighter at smaller alignments (the loss and budget figures)."""
    return 0.3 + 0.7 * alphas.index(alpha) / max(1, len(alphas) - 1)


def _condition_legend(fig: Figure, payload: dict[str, Any]) -> None:
    """One legend for the loss and budget figures: black the clean runs, the shade the alignment, the line style
    the noise level, and (its title) the colour the method's paradigm."""
    grey = "0.25"
    handles = [Line2D([], [], color="black", lw=1.2, label="clean")]
    alphas = verdicts.alphas(payload)
    handles += [Line2D([], [], color=grey, lw=2, alpha=_shade(alphas, a), label=f"α = {a:g}") for a in alphas]
    handles += [
        Line2D([], [], color=grey, lw=1.2, ls=_level_line(payload, level), label=f"{level} noise")
        for level in verdicts.levels(payload)
    ]
    colours = ", ".join(f"{m.short} {COLOUR_NAMES[m.key]}" for m in theory_methods.PAPER_ENCODERS)
    title = f"colour: the paradigm ({colours});{chr(10) if stacked() else ' '}shade: the alignment"
    ncols = 1 if stacked() else min(5, len(handles))
    fig.legend(
        handles=_row_major(handles, ncols), loc="outside lower center", ncols=ncols, title=title, title_fontsize="small"
    )


def _row_major(handles: list, ncols: int) -> list:
    """``handles`` reordered so that a legend of ``ncols`` columns (filled column by column) reads them row by row."""
    rows = -(-len(handles) // ncols)
    return [handles[r * ncols + c] for c in range(ncols) for r in range(rows) if r * ncols + c < len(handles)]


@styled
def plot_top1(payload: dict[str, Any]) -> Figure:
    """Linear-probe top-1 on the corrupted test images against the alignment, one panel per noise level: the
    closed forms (lines, seed mean), each trained method (points, mean and t interval over seeds, offset
    sideways to stay apart) and its clean run (thin horizontal line); JE blue, RC orange as everywhere."""
    levels = verdicts.levels(payload)
    alphas = np.array(verdicts.alphas(payload))
    nets = verdicts.network_methods(payload)
    fig, axes = panels(len(levels), width=3.6, height=3.3)
    spread = 0.06  # sideways offset between methods, in log10 alpha
    keyed: dict[str, Any] = {}  # a method's legend entry: its marker over its clean run's line style
    for ax, level in zip(axes[0], levels):
        for m in theory_methods.PAPER_ENCODERS:
            mean = [
                np.mean(list(verdicts.by_seed(payload, "closed_form", method=m.key, level=level, alpha=a).values()))
                for a in alphas
            ]
            ax.plot(alphas, mean, color=m.color, lw=2, alpha=0.45, label=f"closed form, {m.short}")
        for i, name in enumerate(nets):
            key = verdicts.paradigm_of(payload, name)
            color = _paradigm_color(key)
            stats = [
                verdicts.t_interval(verdicts.by_seed(payload, "cells", method=name, level=level, alpha=a).values())
                for a in alphas
            ]
            mean = np.array([s[0] for s in stats])
            half = np.array([s[1] if np.isfinite(s[1]) else 0.0 for s in stats])
            low, high = np.clip(mean - half, 0.0, 100.0), np.clip(mean + half, 0.0, 100.0)  # top-1 in [0, 100]
            shift = 10 ** (spread * (i - (len(nets) - 1) / 2))
            x = np.where(alphas > 0, alphas * shift, (i - (len(nets) - 1) / 2) * 0.02)
            points = ax.errorbar(
                x,
                mean,
                yerr=[mean - low, high - mean],
                fmt=METHOD_MARKERS[i % len(METHOD_MARKERS)],
                ms=4.5,
                color=color,
                mfc="white" if key == theory_methods.RECONSTRUCTION.key and i % 2 else color,
                capsize=2,
                lw=1,
                label=verdicts.method_label(payload, name),
            )
            clean = verdicts.by_seed(payload, "cells", method=name, level=verdicts.CLEAN)
            style = dict(color=color, lw=0.8, ls=METHOD_LINES[i % len(METHOD_LINES)], alpha=0.6)
            line = ax.axhline(np.mean(list(clean.values())), **style) if clean else None
            keyed.setdefault(verdicts.method_label(payload, name), (points, line) if line else points)
        ax.set_xscale("symlog", linthresh=LINTHRESH, linscale=0.4)
        ax.set_xlim(-0.05, alphas.max() * 1.6)
        # Ticks at the grid's alignments only (the symlog axis would add 10⁻¹ where nothing was run).
        ax.set_xticks(alphas, [f"{a:g}" for a in alphas])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(r"alignment $\alpha$")
        ax.set_title(f"{level} noise ({verdicts.level_regime(payload, level)}-noise regime)")
    # Stacked on a phone, the panels are shorter than the label on one line: it would run into the next panel's.
    label_rows(axes, "probe top-1 (%)\ncorrupted test" if stacked() else "probe top-1 (%), corrupted test")
    legend_below(fig, ncols=3, keyed=keyed)
    return fig


@styled
def plot_losses(payload: dict[str, Any]) -> Figure:
    """Each method's training loss against the step (window means), every run of the grid: clean runs
    black, the noise levels in their paradigm's colour at every alignment, lighter at smaller alignments, one
    line style per level (:func:`_level_line`)."""
    fig, axes, nets = _method_panels(payload, height=2.4)
    alphas = verdicts.alphas(payload)
    for ax, name in zip(axes.flat, nets):
        color = _paradigm_color(verdicts.paradigm_of(payload, name))
        for cell in payload["cells"]:
            if cell["method"] != name:
                continue
            curve = np.asarray(cell["loss"])
            x = np.linspace(0, cell["steps"], len(curve) + 1)[1:]
            if cell["level"] == verdicts.CLEAN:
                ax.plot(x, curve, color="black", lw=1)
            else:
                shade = _shade(alphas, cell["alpha"])
                ax.plot(x, curve, color=color, lw=0.7, alpha=shade, ls=_level_line(payload, cell["level"]))
        ax.set_title(verdicts.method_label(payload, name))
        ax.set_xlabel("step")
    return _finish_method_panels(fig, axes, nets, payload, "loss")


@styled
def plot_budget(payload: dict[str, Any]) -> Figure:
    """Each method's top-1 against the training steps at which its networks were read out (the same runs at
    their probes and at their budget; mean and t interval over seeds, slightly offset), one line per condition:
    clean black, the noise levels in the paradigm's colour, lighter at smaller alignments, one line style per
    level (:func:`_level_line`)."""
    fig, axes, nets = _method_panels(payload, height=2.6)
    steps = np.array(verdicts.budgets(payload), dtype=float)
    alphas = verdicts.alphas(payload)
    conditions = verdicts.conditions(payload)
    for ax, name in zip(axes.flat, nets):
        color = _paradigm_color(verdicts.paradigm_of(payload, name))
        for j, (level, alpha) in enumerate(conditions):
            stats = [
                verdicts.t_interval(verdicts.top1_at(payload, int(b), method=name, level=level, alpha=alpha).values())
                for b in steps
            ]
            mean = np.array([s[0] for s in stats])
            half = np.array([s[1] if np.isfinite(s[1]) else 0.0 for s in stats])
            low, high = np.clip(mean - half, 0.0, 100.0), np.clip(mean + half, 0.0, 100.0)  # top-1 in [0, 100]
            bars = [mean - low, high - mean]
            clean = level == verdicts.CLEAN
            shade = 1.0 if clean else _shade(alphas, alpha)
            x = steps + 0.012 * steps[-1] * (j - (len(conditions) - 1) / 2)
            ax.errorbar(
                x,
                mean,
                yerr=bars,
                color="black" if clean else color,
                alpha=shade,
                marker="o",
                ms=3,
                lw=1,
                ls=_level_line(payload, level),
                capsize=2,
                label=verdicts.condition_text(level, alpha),
            )
        ax.set_xticks(steps, [f"{int(b):,}" for b in steps])
        ax.set_xlim(0, steps[-1] * 1.08)
        ax.set_ylim(max(0.0, ax.get_ylim()[0]), min(100.0, ax.get_ylim()[1]))
        ax.set_title(verdicts.method_label(payload, name))
        ax.set_xlabel("training steps")
    return _finish_method_panels(fig, axes, nets, payload, "probe top-1 (%)")


def _method_panels(payload: dict[str, Any], height: float) -> tuple[Figure, Any, list[str]]:
    """One panel per trained method, two per row (stacked on phones): the figure, its axes and the methods."""
    nets = verdicts.network_methods(payload)
    cols = min(2, len(nets))
    fig, axes = panels(cols, nrows=int(np.ceil(len(nets) / cols)), width=3.35, height=height, count=len(nets))
    return fig, axes, nets


def _finish_method_panels(fig: Figure, axes: Any, nets: list[str], payload: dict[str, Any], ylabel: str) -> Figure:
    """Hide the panels no method filled, label the rows ``ylabel`` and add the conditions' legend."""
    for ax in axes.flat[len(nets) :]:
        ax.set_visible(False)
    label_rows(axes, ylabel)
    _condition_legend(fig, payload)
    return fig


@styled
def plot_examples(data: Any, count: int = 5) -> Figure:
    """The data: the first nuisance patterns (top row), then the first training digits clean and with each
    noise level's nuisance (one row each), pixels in [0, 1] plus the nuisance, on one grey scale per row."""
    levels = [None, *data.variance]
    fig, axes = panels(count, nrows=len(levels) + 1, width=1.2, height=1.25, stack=False)
    rows = [("patterns", data.P[:, :count].T)]
    for level in levels:
        # The training mean added back: pixels on their [0, 1] scale, plus the nuisance.
        rows.append(
            ("clean" if level is None else f"{level} noise", data.images("train", level)[:count] + data.pixel_mean)
        )
    for r, (name, images) in enumerate(rows):
        lim = np.abs(images).max() if r == 0 else None
        for c in range(count):
            ax = axes[r, c]
            ax.imshow(images[c].reshape(28, 28), cmap="gray", vmin=-lim if lim else None, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
        # On a phone the thumbnails are small: a label of two words on two lines.
        axes[r, 0].set_ylabel(name.replace(" ", "\n") if stacked() else name, fontsize=9)
    return fig
