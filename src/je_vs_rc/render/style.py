"""The book's one plot style and the helpers every figure module uses (public: import them from here).

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot, so a notebook shows each
exactly once and no global state leaks between chapters. The white face keeps them legible on
the site's dark theme too.

One figure system:
- Colour has one meaning per book: blue, orange and green are joint embedding, reconstruction and
  supervised learning (the theory registry's ``method.color``) and nothing else; ordered levels (alignments,
  sample sizes, strengths) take the sequential ``levels(n)`` palette, a single line or a contrast that is
  not a method (a bound against its typical value) takes the neutral greys.
- Output: each figure is a PNG at twice the resolution it is shown at (``FIGURE_DPI``), reduced to a
  palette of 64 or 256 colours where that changes no pixel visibly (a third of the bytes), with its display size
  in the output's metadata; a figure of several panels also carries a second drawing of itself with its
  panels stacked in one column (``STACKED_WIDTH_IN``), which the site shows on phones (_ext/figure_links.py).
- Log axes label whole decades, or plain numbers where an axis spans less than ``PLAIN_TICKS_DECADES``.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import io
import itertools
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec

import matplotlib as mpl
import numpy as np
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

P = ParamSpec("P")

# Colour meanings. The methods' colours live in the theory registry (``method.color``: JE blue, RC
# orange, SL green) and mean the method wherever they appear. Ordered levels (alignments, sample
# sizes, batch sizes, strengths) go from light to dark plum, a hue no method has; the lightest keeps
# 3:1 against the white face (WCAG's contrast for graphics).
LEVEL_RAMP = ("#c9569f", "#7b2b8c", "#2b0a3d")
# A single line, or the first of a contrast that is not a method (a bound beside its typical value),
# in near-black; the second in mid grey.
NEUTRAL, NEUTRAL_LIGHT = "#333333", "#8a8a8a"
# Text in a colour must stand out from the white face as body text must on a page (WCAG AA).
MIN_TEXT_CONTRAST = 4.5


def levels(count: int) -> list[str]:
    """``count`` colours for ordered levels, light to dark (one level: the neutral colour)."""
    if count == 1:
        return [NEUTRAL]
    ramp = mpl.colors.LinearSegmentedColormap.from_list("levels", LEVEL_RAMP)
    return [mpl.colors.to_hex(ramp(t)) for t in np.linspace(0, 1, count)]


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
# A distance from 0 (recovered) to 1 (failed) as a colour map: white to mid grey, so that the methods'
# colours drawn over it keep their meaning and dark lines stay visible on its darkest cells.
DISTANCE_MAP = mpl.colors.LinearSegmentedColormap.from_list("distance", ("#ffffff", "#5c5c5c"))
# The theme's content column holds about this many inches of figure at the 110 CSS pixels per inch the
# book shows figures at (the column measured ~740 px in a 1400 px window). Figures are drawn at most
# this wide, so they are shown at their own size and a 9 pt font stays 9 pt on the page.
DISPLAY_WIDTH_IN = 6.7
CSS_PX_PER_IN = 110
# Saved at twice that, so that they are sharp on screens with two device pixels per CSS pixel.
FIGURE_DPI = 2 * CSS_PX_PER_IN
# On a phone (390 px wide, a column of ~358 px) a figure of several panels is shown in a second drawing,
# its panels stacked in one column this wide (9 pt text stays above 8 CSS px), each panel between
# STACKED_PANEL_IN inches tall (a panel of a phone's width and two thirds of it in height).
STACKED_WIDTH_IN = 3.6
STACKED_PANEL_IN = (2.2, 2.5)
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
# A log axis spanning fewer decades than this is labelled with plain numbers (0.2, 0.5, 1, 2) at
# 1-2-5 steps; a wider one at its decades only ($10^{-2}$), minor ticks unlabelled.
PLAIN_TICKS_DECADES = 1.5

_STACKED: contextvars.ContextVar[bool] = contextvars.ContextVar("stacked", default=False)
# Each figure drawn by a @styled function, with how to draw it again with its panels stacked.
_REDRAW: weakref.WeakKeyDictionary[Figure, Callable[[], Figure]] = weakref.WeakKeyDictionary()


def stacked() -> bool:
    """Whether the figure being drawn is the phone drawing, its panels stacked in one column."""
    return _STACKED.get()


@contextlib.contextmanager
def _stacking() -> Iterator[None]:
    token = _STACKED.set(True)
    try:
        yield
    finally:
        _STACKED.reset(token)


def styled(plot: Callable[P, Figure]) -> Callable[P, Figure]:
    """Draw the whole figure under the book's one plot style, with readable log ticks; a figure of
    several panels remembers how to draw itself stacked (``stacked_drawing``)."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(STYLE):
            fig = plot(*args, **kwargs)
            for ax in fig.axes:
                readable_log_ticks(ax)
        if not stacked() and len(_panels_of(fig)) > 1:
            _REDRAW[fig] = functools.partial(_stacked_call, wrapper, args, kwargs)
        return fig

    return wrapper


def _stacked_call(plot: Callable[..., Figure], args: tuple, kwargs: dict) -> Figure:
    with _stacking():
        return plot(*args, **kwargs)


def _panels_of(fig: Figure) -> list:
    """The figure's panels: its visible axes that are not colour bars."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def stacked_drawing(fig: Figure) -> Figure | None:
    """``fig`` drawn again with its panels stacked in one column, or None for a one-panel figure."""
    redraw = _REDRAW.get(fig)
    return redraw() if redraw is not None else None


def panels(
    ncols: int, nrows: int = 1, width: float = 4.0, height: float = 3.2, stack: bool = True, count: int | None = None
) -> tuple[Figure, np.ndarray]:
    """A grid of panels ``width`` x ``height`` inches each, narrowed to fit the page's column; an
    ``nrows`` x ``ncols`` array of axes. In the stacked drawing the panels are one column, in
    reading order (row by row), each ``STACKED_WIDTH_IN`` wide, and only the first ``count`` take room
    (a grid whose last row is not full hides the rest); with ``stack=False`` (a grid of thumbnails) the
    grid keeps its shape and shrinks to that width instead."""
    if not stacked():
        fig = Figure(figsize=(min(width * ncols, DISPLAY_WIDTH_IN), height * nrows), layout="constrained")
        return fig, fig.subplots(nrows, ncols, squeeze=False)
    if not stack:
        scale = min(1.0, STACKED_WIDTH_IN / (width * ncols))
        fig = Figure(figsize=(width * ncols * scale, height * nrows * scale), layout="constrained")
        return fig, fig.subplots(nrows, ncols, squeeze=False)
    shown = nrows * ncols if count is None else count
    panel = float(np.clip(height, *STACKED_PANEL_IN))
    fig = Figure(figsize=(STACKED_WIDTH_IN, panel * shown), layout="constrained")
    axes = list(fig.subplots(shown, 1, squeeze=False).flat)
    for _ in range(nrows * ncols - shown):
        spare = fig.add_axes((0, 0, 0, 0), visible=False)
        spare.set_in_layout(False)
        axes.append(spare)
    return fig, np.array(axes, dtype=object).reshape(nrows, ncols)


def label_rows(axes: np.ndarray, ylabel: str) -> None:
    """A y label shared along each row: on the first panel of each row, or on every panel when stacked."""
    for ax in axes.flat if stacked() else axes[:, 0]:
        ax.set_ylabel(ylabel)


def band(ax, x: np.ndarray, runs: np.ndarray, color: str, label: str, linestyle: str = "-", marker: str = "o") -> None:
    """Mean over the last axis with a min-max band (the spread over seeds), light enough that
    overlapping bands leave the lines readable."""
    ax.plot(x, runs.mean(axis=-1), marker=marker, ms=4, color=color, label=label, linestyle=linestyle)
    if runs.shape[-1] > 1:
        ax.fill_between(x, runs.min(axis=-1), runs.max(axis=-1), color=color, alpha=0.12, lw=0)


def legend_below(fig: Figure, ax=None, ncols: int = 2, keyed: dict | None = None, **kwargs) -> None:
    """The legend under the panels (of ``ax`` only, or the whole figure), off the data; one column
    in the stacked drawing. ``keyed`` replaces the handles of some labels, e.g. by a tuple of artists
    drawn over one another (a marker over the line style that goes with it)."""
    ncols = 1 if stacked() else ncols
    if ax is None:
        handles, labels = fig.axes[0].get_legend_handles_labels()
        handles = [(keyed or {}).get(label, handle) for handle, label in zip(handles, labels)]
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols, **kwargs)
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=ncols, **kwargs)


def tick_label(value: float, _pos: object = None) -> str:
    """A tick as a plain number: 0.02, 0.5, 3, 2,000 (thousands separated, as in the text)."""
    text = f"{value:,.6g}"
    return text if "e" not in text else f"{value:.0e}"


def readable_log_ticks(ax) -> None:
    """Label a log axis at whole decades ($10^{3}$), or, where it spans under PLAIN_TICKS_DECADES,
    with plain numbers at 1-2-5 steps; never the minor ticks ("2x10^0 3x10^0")."""
    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()), (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        if scale != "log":
            continue
        low, high = sorted(limits)
        if low <= 0:
            continue
        if np.log10(high / low) < PLAIN_TICKS_DECADES:
            axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(ticker.FuncFormatter(tick_label))
        else:
            axis.set_major_locator(ticker.LogLocator(numticks=12))
            axis.set_major_formatter(ticker.LogFormatterSciNotation())
        axis.set_minor_formatter(ticker.NullFormatter())


# A palette (PALETTE_SIZES colours) may replace the PNG's colours where at most PALETTE_MOVED of the pixels move
# by more than PALETTE_MAX_ERROR (of 255) in a channel: antialiased lines and text keep their look, a
# colour map's smooth shades do not qualify.
PALETTE_MAX_ERROR = 12
PALETTE_MOVED = 1e-3
PALETTE_SIZES = (64, 256)


def figure_png(fig: Figure) -> bytes:
    """The figure as the book shows it: a PNG at FIGURE_DPI, cropped to its contents, in a palette of 64
    or 256 colours where that is faithful (a third of the bytes), recording its dots per inch."""
    from PIL import Image, ImageChops  # matplotlib's own dependency

    # The cropped drawing's pixels as they are (no PNG written by matplotlib and read back).
    raw = io.BytesIO()
    canvas = FigureCanvasAgg(fig)
    fig.savefig(raw, format="rgba", dpi=FIGURE_DPI, bbox_inches="tight")
    size = (int(canvas.renderer.width), int(canvas.renderer.height))
    image = Image.frombuffer("RGBA", size, raw.getbuffer(), "raw", "RGBA", 0, 1).convert("RGB")
    # The fewest colours that are faithful: median cut keeps lines and text best, maximum coverage the
    # shades of overlapping bands. A pixel moves by its largest channel difference.
    best = image
    for colours, method in itertools.product(PALETTE_SIZES, (Image.Quantize.MEDIANCUT, Image.Quantize.MAXCOVERAGE)):
        palette = image.quantize(colours, method=method, dither=Image.Dither.NONE)
        red, green, blue = ImageChops.difference(image, palette.convert("RGB")).split()
        error = ImageChops.lighter(ImageChops.lighter(red, green), blue).histogram()
        if sum(error[PALETTE_MAX_ERROR + 1 :]) / (size[0] * size[1]) <= PALETTE_MOVED:
            best = palette
            break
    out = io.BytesIO()
    best.save(out, format="png", optimize=True, dpi=(FIGURE_DPI, FIGURE_DPI))
    return out.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (from its header)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_bundle(fig: Figure) -> tuple[bytes, dict[str, Any]]:
    """The PNG of ``fig`` and its display metadata: the size to show it at in CSS pixels (half its
    pixels) and, for a figure of several panels, ``stacked``: the phone drawing as a base-64 PNG, with
    ``stacked_width`` and ``stacked_height``."""
    png = figure_png(fig)
    width, height = png_size(png)
    scale = CSS_PX_PER_IN / FIGURE_DPI
    meta: dict[str, Any] = {"width": round(width * scale), "height": round(height * scale)}
    phone = stacked_drawing(fig)
    if phone is not None:
        stacked_png = figure_png(phone)
        sw, sh = png_size(stacked_png)
        meta |= {
            "stacked": base64.b64encode(stacked_png).decode("ascii"),
            "stacked_width": round(sw * scale),
            "stacked_height": round(sh * scale),
        }
    return png, meta


def _register_notebook_display() -> None:
    """Show our pyplot-free Figures in Jupyter (the inline backend only does this for pyplot) as
    ``figure_bundle`` makes them."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_bundle)


_register_notebook_display()
