"""The paper's Figure 3 rerun on MNIST (chapter 7), beside the paper's own markers, in the book's one
style (``render.style``): rows = noise levels, columns = SL, JE, RC (or readings of one model's protocol);
one line per alignment, light to dark from weak to strong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..paper import FIG3_MARKERS, FIG3_NOISE_LEVELS, FIG3_NS
from ..simulate.figure3 import Fig3Result
from ..theory import methods
from .style import MARKERS, NEUTRAL, band, levels, panels, stacked, styled

# The paper's names for Figure 3's rows (noise levels) and lines (alignments).
FIG3_ALIGNMENT_NAMES = {0.1: "Weak", 1.0: "Medium", 10.0: "Strong"}
# A panel's largest gap between a paper marker and our line is annotated from this factor on.
FIG3_ANNOTATE_FACTOR = 10.0
# The paper's markers: hollow, on a dotted line, in the colour of their alignment.
PAPER_STYLE = {"ls": ":", "lw": 0.9, "mfc": "white", "ms": 5, "mew": 1.0, "zorder": 3}


@styled
def plot_figure3(result: Fig3Result, show_paper: bool = True) -> Figure:
    """The paper's Figure 3 layout: rows = noise levels (titled on the right), columns = SL, JE, RC;
    one line and marker per alpha, named as the paper names the alignments.

    Lines: mean over seeds with a light min-max band. With ``show_paper``, hollow markers give the
    paper's markers (``paper.FIG3_MARKERS``, digitised from its figure) at its sample sizes.
    """
    columns = [(methods.get(key).label, result, key) for key in result.methods]
    return _figure3_grid(columns, show_paper)


@styled
def plot_figure3_readings(results: Mapping[str, Fig3Result], titles: Mapping[str, str], method: str) -> Figure:
    """One model's column of Figure 3 under several readings of the protocol side by side (chapter 7's
    sampled views): one column per reading, titled ``titles[key]``, with the paper's markers."""
    return _figure3_grid([(titles[key], res, method) for key, res in results.items()], True)


def figure3_gaps(ns: np.ndarray, ours: np.ndarray, paper: Sequence[float]) -> np.ndarray:
    """paper / ours at each of the paper's sample sizes (``FIG3_NS``) that our run covers (NaN
    elsewhere): our seed-mean line interpolated in log-log coordinates."""
    at = np.asarray(FIG3_NS, dtype=float)
    inside = (at >= ns.min()) & (at <= ns.max())
    line = np.exp(np.interp(np.log(at), np.log(ns), np.log(ours)))
    return np.where(inside, np.asarray(paper) / line, np.nan)


def _power10(x: float) -> str:
    """``1e3`` as mathtext ``$10^{3}$``; other values as ``$2.5\\times10^{3}$``."""
    exponent = int(np.floor(np.log10(x)))
    mantissa = x / 10.0**exponent
    head = "" if np.isclose(mantissa, 1) else f"{mantissa:.2g}\\times"
    return f"${head}10^{{{exponent}}}$"


def _times(factor: float) -> str:
    """A factor in two significant figures, thousands separated: "×4,800", "×12", "÷30"."""
    sign, value = ("×", factor) if factor >= 1 else ("÷", 1 / factor)
    return f"{sign}{float(f'{value:.2g}'):,g}"


def _label_spot(ax, n: float, ours: float, paper: float) -> tuple[float, bool]:
    """Where the gap's label goes: the height along the arrow (and the side of it, right or left) whose
    distance, in decades, to every line drawn in the panel over the label's width is largest, so that the
    label does not sit on the data."""
    lines = [
        (np.log10(x), np.log10(y))
        for x, y in ((np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)) for ln in ax.get_lines())
        if len(x) > 1 and np.all(x > 0) and np.all(np.isfinite(y)) and np.all(y > 0)
    ]
    heights = np.geomspace(min(ours, paper), max(ours, paper), 13)[2:-2]
    best = (-1.0, np.sqrt(paper * ours), True)
    for right in (True, False):
        xs = np.log10(n) + (1 if right else -1) * np.array([0.05, 0.2, 0.35])  # the label's width, in decades
        near = [np.interp(xs, lx, ly, left=np.nan, right=np.nan) for lx, ly in lines]
        for y in heights:
            gap = min((np.nanmin(np.abs(v - np.log10(y))) for v in near if np.isfinite(v).any()), default=9.0)
            best = max(best, (gap, y, right), key=lambda b: b[0])
    return best[1], best[2]


def _annotate_gap(ax, n: float, ours: float, paper: float) -> None:
    """A double arrow from our line to the paper's marker, labelled with paper / ours beside it, where the
    label is furthest from the panel's lines (:func:`_label_spot`)."""
    ax.annotate("", xy=(n, paper), xytext=(n, ours), arrowprops={"arrowstyle": "<->", "color": NEUTRAL, "lw": 1})
    height, right = _label_spot(ax, n, ours, paper)
    ax.annotate(
        _times(paper / ours),
        xy=(n, height),
        xytext=(4 if right else -4, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="center",
        fontsize=9,
        color=NEUTRAL,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def _paper_markers(g: int, key: str, alpha: float) -> Sequence[float] | None:
    return FIG3_MARKERS.get((FIG3_NOISE_LEVELS[g], key), {}).get(float(alpha)) if g < len(FIG3_NOISE_LEVELS) else None


def _figure3_panel(ax, result: Fig3Result, g: int, key: str, show_paper: bool) -> None:
    """One panel: our lines (seed mean, min-max band) and the paper's markers, the axes with room around
    every value (no marker on a spine or clipped), and the panel's largest gap to the paper annotated."""
    cfg, m = result.config, result.methods.index(key)
    ns = np.asarray(cfg.ns, dtype=float)
    palette = levels(len(cfg.alphas))
    values, gaps = [result.distance[g, m].ravel()], []
    for a, alpha in enumerate(cfg.alphas):
        name = FIG3_ALIGNMENT_NAMES.get(float(alpha))
        label = rf"{name} ($\alpha = {alpha:g}$)" if name else rf"$\alpha = {alpha:g}$"
        band(ax, ns, result.distance[g, m, a], palette[a], label, marker=MARKERS[a % len(MARKERS)])
        paper = _paper_markers(g, key, alpha)
        if show_paper and paper is not None:
            ax.plot(FIG3_NS, paper, color=palette[a], marker=MARKERS[a % len(MARKERS)], mec=palette[a], **PAPER_STYLE)
            values.append(np.asarray(paper))
            for i, gap in enumerate(figure3_gaps(ns, result.distance[g, m, a].mean(axis=-1), paper)):
                if np.isfinite(gap):
                    gaps.append((abs(np.log10(gap)), FIG3_NS[i], paper[i] / gap, paper[i]))
    ax.set_xscale("log")
    ax.set_yscale("log")
    # Room around every value: half a decade above and below, a fifth of a decade left and right.
    low, high = np.nanmin(np.concatenate(values)), np.nanmax(np.concatenate(values))
    ax.set_ylim(low / 10**0.5, high * 10**0.5)
    ax.set_xlim(min(ns.min(), FIG3_NS[0] if show_paper else ns.min()) / 10**0.2, ns.max() * 10**0.2)
    if gaps and max(gaps)[0] >= np.log10(FIG3_ANNOTATE_FACTOR):
        _annotate_gap(ax, *max(gaps)[1:])


def _label_panel(ax, title: str, g: int, c: int, shape: tuple[int, int], g_max: float) -> None:
    """Titles and labels: the method on top and the noise level on the right of the grid; both in each
    panel's title when stacked."""
    level = FIG3_NOISE_LEVELS[g].capitalize() + " noise" if g < len(FIG3_NOISE_LEVELS) else "Noise"
    if stacked():
        ax.set_title(f"{title}\n{level.lower()}", fontweight="bold")  # two lines: a reading's title is long
        ax.set_ylabel("distance to optimality")
        ax.set_xlabel("sample size $n$")
        return
    if g == 0:
        ax.set_title(title, fontweight="bold")
    if c == 0:
        ax.set_ylabel("distance to optimality")
    if c == shape[1] - 1:
        ax.yaxis.set_label_position("right")
        ax.set_ylabel(
            f"{level}\n" + rf"($\lambda^{{\Gamma}}_{{\max}} = ${_power10(g_max)})",
            fontweight="bold",
            rotation=270,
            labelpad=26,
        )
    if g == shape[0] - 1:
        ax.set_xlabel("sample size $n$")


def _figure3_grid(columns: Sequence[tuple[str, Fig3Result, str]], show_paper: bool) -> Figure:
    """Figure 3's panels for ``columns`` of (title, result, method key); rows = the noise levels, and one
    legend below: the alignments, the paper's markers and the annotated gaps."""
    cfg = columns[0][1].config
    fig, axes = panels(len(columns), len(cfg.gamma_max), width=2.4, height=2.3)
    for g, g_max in enumerate(cfg.gamma_max):
        for c, (title, result, key) in enumerate(columns):
            _figure3_panel(axes[g, c], result, g, key, show_paper)
            _label_panel(axes[g, c], title, g, c, axes.shape, g_max)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if show_paper:
        handles.append(Line2D([], [], color=NEUTRAL, marker="o", mec=NEUTRAL, **PAPER_STYLE))
        labels.append("paper (hollow, dotted: every marker of its Fig. 3)")
        handles.append(Line2D([], [], color=NEUTRAL, lw=1, marker="$\\updownarrow$", ms=9, ls="none"))
        labels.append(f"a panel’s largest gap, paper ÷ ours (from {FIG3_ANNOTATE_FACTOR:g}×)")
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=1 if stacked() else 2,
        title="Alignment between augmentation and noise",
    )
    return fig
