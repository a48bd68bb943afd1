"""The book's one plot style and the helpers every figure module uses (public: import them from here).

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot, so a notebook shows each
exactly once and no global state leaks between chapters. The white face keeps them legible on
the site's dark theme too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

P = ParamSpec("P")


def _register_notebook_display() -> None:
    """Show our pyplot-free Figures as PNG in Jupyter (the inline backend only does this for pyplot)."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure

    shell = get_ipython()
    if shell is not None:
        formatter = shell.display_formatter.formatters["image/png"]
        formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight", dpi=110))


_register_notebook_display()
COLORS = ("#1b6ca8", "#e07b24", "#2a9d5c", "#b5367a", "#6c4fb3", "#8c6d31")
# Text in a colour must stand out from the white face as body text must on a page (WCAG AA).
MIN_TEXT_CONTRAST = 4.5


def contrast(first: str | Sequence[float], second: str | Sequence[float]) -> float:
    """The WCAG 2 contrast ratio of two colours (any matplotlib colour, or 0-255 RGB triples)."""

    def luminance(color: str | Sequence[float]) -> float:
        rgb = mpl.colors.to_rgb(color) if isinstance(color, str) else [v / 255 for v in color]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(first), luminance(second)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_color(color: str, background: str = "white") -> str:
    """``color`` for text: itself where it has MIN_TEXT_CONTRAST against ``background``, else the
    lightest darker shade that has (RC's orange #e07b24 has 2.99:1 on white)."""
    rgb = np.array(mpl.colors.to_rgb(color))
    for shade in np.linspace(1, 0, 101):
        if contrast(mpl.colors.to_hex(rgb * shade), background) >= MIN_TEXT_CONTRAST:
            return mpl.colors.to_hex(rgb * shade)
    return "#000000"


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "white" if contrast("white", fill) >= contrast("black", fill) else "black"


# Signal and noise directions in figures whose panels are methods: not JE's blue or RC's orange,
# which would read as a method.
SIGNAL_COLOR, NOISE_COLOR = "#4d4d4d", "#b5367a"
# The theoretical boundaries on the phase diagram, one (colour, line style) per method.
PHASE_LINES = (("white", "-"), ("#ff6b6b", "--"))
# The theme's content column holds about this many inches of figure at the 110 dpi the notebooks
# render at (the column measured ~740 px in a 1400 px window). Figures are drawn at most this wide, so
# they are shown at their own size and a 9 pt font stays 9 pt on the page; on a phone, a click opens
# the image itself (_ext/figure_links.py).
DISPLAY_WIDTH_IN = 6.7
MIN_FONT_PT = 9.0
STYLE = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "legend.frameon": False,
}
# One marker per line of a family (alphas, sample sizes), so lines differ without colour too.
MARKERS = ("X", "s", "D", "o", "^", "v")


def styled(plot: Callable[P, Figure]) -> Callable[P, Figure]:
    """Draw the whole figure under the book's one plot style."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper


def panels(ncols: int, nrows: int = 1, width: float = 4.0, height: float = 3.2) -> tuple[Figure, np.ndarray]:
    """A grid of panels ``width`` x ``height`` inches each, narrowed to fit the page's column."""
    fig = Figure(figsize=(min(width * ncols, DISPLAY_WIDTH_IN), height * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def band(ax, x: np.ndarray, runs: np.ndarray, color: str, label: str, linestyle: str = "-", marker: str = "o") -> None:
    """Mean over the last axis with a min-max band (the spread over seeds), light enough that
    overlapping bands leave the lines readable."""
    ax.plot(x, runs.mean(axis=-1), marker=marker, ms=4, color=color, label=label, linestyle=linestyle)
    if runs.shape[-1] > 1:
        ax.fill_between(x, runs.min(axis=-1), runs.max(axis=-1), color=color, alpha=0.12, lw=0)


def legend_below(fig: Figure, ax=None, ncols: int = 2, **kwargs) -> None:
    """The legend under the panels (of ``ax`` only, or the whole figure), off the data."""
    if ax is None:
        handles, labels = fig.axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols, **kwargs)
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=ncols, **kwargs)
