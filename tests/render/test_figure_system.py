"""The book's one figure system (render.style): colour means one thing, every figure has a sharp PNG
with its display size, a figure of several panels has a stacked drawing that fits a phone, log axes
are labelled readably, and Figure 3's paper overlay can be compared with its lines."""

from __future__ import annotations

import base64
import io

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from je_vs_rc.paper import FIG3_MARKERS, FIG3_NS
from je_vs_rc.render import figure3, style
from je_vs_rc.render.style import (
    CSS_PX_PER_IN,
    FIGURE_DPI,
    MIN_TEXT_CONTRAST,
    STACKED_WIDTH_IN,
    contrast,
    figure_bundle,
    stacked_drawing,
)
from je_vs_rc.simulate.figure3 import Fig3Config, Fig3Result
from je_vs_rc.theory import methods

from .test_figure_legibility import _fig3_result, every_figure


@pytest.fixture(scope="module")
def drawn():
    from je_vs_rc.theory.setting import Setting

    toy = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 10.0, 6.0, 3.0])
    # Each figure with its stacked drawing (None for one panel), drawn again once here for the tests that read it.
    return {
        name: [(fig, stacked_drawing(fig)) for fig in figs]
        for name, figs in every_figure(toy).items()
        if name != "plot_schematic"
    }


def _both(figs):
    """Each figure and, where it has one, its stacked drawing."""
    for fig, phone in figs:
        yield fig
        if phone is not None:
            yield phone


def test_method_colours_mean_their_method_only(drawn):
    by_colour = {mpl.colors.to_hex(m.color): m for m in methods.METHODS.values()}
    for name, figs in drawn.items():
        for fig in _both(figs):
            for line in fig.findobj(Line2D):
                method = by_colour.get(mpl.colors.to_hex(line.get_color()))
                if method is not None:
                    label = line.get_label()
                    assert method.short in label or method.label in label, f"{name}: {label!r} in {method.key}'s colour"


def test_coloured_text_reads_on_white(drawn):
    for name, figs in drawn.items():
        for fig in _both(figs):
            for text in fig.findobj(Text):
                color = mpl.colors.to_hex(text.get_color())
                if text.get_text().strip() and text.get_visible() and color != "#ffffff":  # white: on a dark legend
                    assert contrast(color, "white") >= MIN_TEXT_CONTRAST, f"{name}: {text.get_text()!r} in {color}"


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def test_several_panels_have_a_stacked_drawing_that_fits_a_phone(drawn):
    for name, figs in drawn.items():
        for fig, phone in figs:
            assert (phone is not None) == (len(_panels(fig)) > 1), name
            if phone is not None:
                # One column (no two panels side by side), as wide as a phone's column allows.
                lefts = {round(ax.get_position().x0, 2) for ax in _panels(phone)}
                assert len(lefts) == 1, f"{name}: stacked panels start at {lefts}"
                box = phone.get_tightbbox(FigureCanvasAgg(phone).get_renderer())
                assert box.width <= STACKED_WIDTH_IN * 1.2, f"{name}: stacked drawing {box.width:.1f} in wide"


def test_figure_png_is_twice_its_display_size_and_says_so():
    from PIL import Image

    png, meta = figure_bundle(figure3.plot_figure3(_fig3_result()))
    image = Image.open(io.BytesIO(png))
    assert round(image.info["dpi"][0]) == FIGURE_DPI == 2 * CSS_PX_PER_IN
    assert (meta["width"], meta["height"]) == (round(image.size[0] / 2), round(image.size[1] / 2))
    assert image.mode == "P"  # lines and text: a palette is faithful
    phone = Image.open(io.BytesIO(base64.b64decode(meta["stacked"])))
    assert meta["stacked_width"] == round(phone.size[0] / 2) <= 1.2 * STACKED_WIDTH_IN * CSS_PX_PER_IN
    _, single = figure_bundle(_one_log_panel((0.3, 2.0)))
    assert "stacked" not in single


def _matplotlib_png_pixels(fig: Figure) -> np.ndarray:
    """The figure as matplotlib itself saves it (PNG, FIGURE_DPI, cropped), RGB."""
    from PIL import Image

    raw = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(raw, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    return np.asarray(Image.open(raw).convert("RGB"), dtype=int)


def test_a_palette_only_where_it_moves_no_pixel_visibly():
    """Smooth colours in every direction keep every pixel of matplotlib's own cropped PNG; lines and text take
    a palette whose pixels are within PALETTE_MAX_ERROR of it but for a PALETTE_MOVED share."""
    from PIL import Image

    smooth, lines = Figure(figsize=(3, 2)), Figure(figsize=(3, 2))
    u, v = np.meshgrid(np.linspace(0, 1, 200), np.linspace(0, 1, 120))
    smooth.subplots().imshow(np.dstack([u, v, 1 - u * v]))
    ax = lines.subplots()
    for i, color in enumerate(("#1f77b4", "#ff7f0e", "#7b2b8c")):
        ax.plot(np.arange(5), np.arange(5) * (i + 1), color=color, label=f"line {i}")
    ax.legend()
    full = Image.open(io.BytesIO(figure_bundle(smooth)[0]))
    assert full.mode == "RGB"
    assert np.array_equal(np.asarray(full, dtype=int), _matplotlib_png_pixels(smooth))
    reduced = Image.open(io.BytesIO(figure_bundle(lines)[0]))
    assert reduced.mode == "P"
    moved = np.abs(np.asarray(reduced.convert("RGB"), dtype=int) - _matplotlib_png_pixels(lines)).max(axis=-1)
    assert (moved > style.PALETTE_MAX_ERROR).mean() <= style.PALETTE_MOVED


def test_log_axes_label_decades_or_plain_numbers_never_minor_ticks(drawn):
    for name, figs in drawn.items():
        for fig in _both(figs):
            fig.canvas.draw()
            for ax in fig.axes:
                for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
                    if scale != "log":
                        continue
                    minor = [t.get_text() for t in axis.get_minorticklabels() if t.get_text()]
                    assert not minor, f"{name}: labelled minor ticks {minor}"
                    for tick in axis.get_majorticklabels():
                        assert "times" not in tick.get_text(), f"{name}: tick {tick.get_text()!r}"


def test_a_narrow_log_axis_gets_plain_numbers():
    fig = style.styled(lambda: _one_log_panel((0.3, 2.0)))()
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].yaxis.get_majorticklabels() if t.get_text()]
    assert "0.5" in labels and "1" in labels and not any("10^" in t for t in labels)


def _one_log_panel(limits):
    fig, axes = style.panels(1)
    axes[0, 0].plot([1, 2], limits)
    axes[0, 0].set_yscale("log")
    return fig


def _fig3_with_paper_gap() -> Fig3Result:
    """Our lines at the paper's markers except strong-noise RC at alpha = 10, three decades lower."""
    cfg = Fig3Config(ns=FIG3_NS, seeds=(0, 1))
    keys = tuple(m.key for m in methods.PAPER_METHODS)
    dist = np.ones((2, 3, 3, len(FIG3_NS), 2))
    for (level, key), by_alpha in FIG3_MARKERS.items():
        for alpha, values in by_alpha.items():
            g, m, a = ("weak", "strong").index(level), keys.index(key), cfg.alphas.index(alpha)
            dist[g, m, a] = np.asarray(values)[:, None] * (1e-3 if (level, key, alpha) == ("strong", "rc", 10.0) else 1)
    return Fig3Result(cfg, dist, np.ones(cfg.k), np.ones((2, cfg.d)), np.ones((2, cfg.d - cfg.k)), keys)


@pytest.mark.parametrize("phone", [False, True])
def test_figure3_overlay_shows_every_paper_marker_and_annotates_the_gap(phone):
    fig = figure3.plot_figure3(_fig3_with_paper_gap())
    fig = stacked_drawing(fig) if phone else fig
    annotated = []
    for ax in fig.axes:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        for line in ax.get_lines():
            x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            if line.get_linestyle() == ":" and x.size == len(FIG3_NS):  # the paper's markers
                # inside the axes with room: a tenth of a decade from every spine
                assert (np.log10(y / y0) > 0.1).all() and (np.log10(y1 / y) > 0.1).all()
                assert (np.log10(x / x0) > 0.1).all() and (np.log10(x1 / x) > 0.1).all()
        annotated += [t.get_text() for t in ax.texts if t.get_text().startswith(("×", "÷"))]
    assert annotated == ["×1,000"]  # only the panel three decades off: paper / ours


def test_the_gap_label_keeps_off_the_lines():
    # A line through the arrow's middle (where the label used to go): the label moves along the arrow, away from it.
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([100, 1000, 10000], [0.1, 0.1, 0.1])
    ax.plot([100, 1000, 10000], [10, 10, 10])
    height, _ = figure3._label_spot(ax, 1000.0, 1e-3, 10.0)
    assert min(abs(np.log10(height) - np.log10(0.1)), abs(np.log10(height) - 1)) >= 0.8
