"""Every figure is legible where the book shows it: text at least MIN_FONT_PT once the image is
scaled to the page's column, and labels written as math rather than raw Unicode subscripts."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from je_vs_rc import thresholds
from je_vs_rc.render import figure3, figures, schematic
from je_vs_rc.render.style import DISPLAY_WIDTH_IN, MIN_FONT_PT
from je_vs_rc.simulate.figure3 import Fig3Config, Fig3Result
from je_vs_rc.simulate.finite_samples import finite_sample_sweep
from je_vs_rc.simulate.intertwined import limit_recovery
from je_vs_rc.simulate.sweeps import phase_diagram, recovery_sweep
from je_vs_rc.theory.methods import PAPER_ENCODERS, PAPER_METHODS
from je_vs_rc.theory.thresholds import limit_scores, noise_magnitude_scores

# The notebooks save figures with bbox_inches="tight", so the shown width is the tight box's.
DPI = 110


def displayed_font_sizes(fig: Figure) -> list[tuple[float, str]]:
    """(size in points once the saved image is fitted to the column, text) for each visible text."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    width_in = fig.get_tightbbox(renderer).width
    shrink = min(1.0, DISPLAY_WIDTH_IN / width_in)
    return [
        (t.get_fontsize() * shrink, t.get_text()) for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]


def _fig3_result() -> Fig3Result:
    cfg = Fig3Config(ns=(100, 400, 1600, 51_200), seeds=(0, 1))
    dist = np.geomspace(1e-2, 1e-5, 4)[None, None, None, :, None] * np.ones((2, 3, 3, 4, 2))
    keys = tuple(m.key for m in PAPER_METHODS)
    return Fig3Result(cfg, dist, np.ones(cfg.k), np.ones((2, cfg.d)), np.ones((2, cfg.d - cfg.k)), keys)


def every_figure(toy):
    """Each figure function of render/figures.py, figure3.py and schematic.py on small inputs (names must
    cover them all)."""
    th = thresholds(toy)
    sweep = recovery_sweep(toy, [50, 200], [0.3, 1.0, 2.0, 5.0, 20.0])
    angles, alphas = np.array([0.0, 20.0]), np.array([0.3, 1.5, 10.0])
    ratios = np.array([1.5, 3.0])
    return {
        "plot_sweep": [
            figures.plot_sweep(sweep, ["rc"], th=th),
            figures.plot_sweep(sweep, ["sl", "je", "rc"], against="alpha", th=th),
        ],
        "plot_phase_diagram": [figures.plot_phase_diagram(phase_diagram(toy, [0.1, 10.0], [0.3, 3.0], 40, (0,)))],
        "plot_limit_scores": [figures.plot_limit_scores(limit_scores(toy, 0.3), 0.3)],
        "plot_noise_magnitude": [
            figures.plot_noise_magnitude(noise_magnitude_scores(toy, a, np.geomspace(0.01, 100, 20)), {"loud": 1.0})
            for a in (0.3, 1.0)
        ],
        "plot_schematic": [schematic.plot_schematic()],
        "plot_figure3": [figure3.plot_figure3(_fig3_result())],
        "plot_figure3_readings": [
            figure3.plot_figure3_readings(
                {"a": _fig3_result(), "b": _fig3_result(), "c": _fig3_result()}, {"a": "A", "b": "B", "c": "C"}, "rc"
            )
        ],
        "plot_finite_samples": [
            figures.plot_finite_samples(
                [finite_sample_sweep(toy, m, ratios * th.threshold(m), [40, 80], (0,)) for m in PAPER_ENCODERS], th
            )
        ],
        "plot_required_n": [
            figures.plot_required_n(
                ratios, {m.key: {"proven": ratios, "calibrated": ratios} for m in PAPER_ENCODERS}, 0.1
            )
        ],
        "plot_intertwined": [
            figures.plot_intertwined(
                angles,
                alphas,
                limit_recovery(toy, np.deg2rad(angles), alphas),
                {"je": np.ones(2), "rc": np.ones(2)},
                th,
            )
        ],
    }


@pytest.fixture(scope="module")
def drawn():
    from je_vs_rc.theory.setting import Setting

    toy = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 10.0, 6.0, 3.0])
    return every_figure(toy)


@pytest.fixture(scope="module")
def shown_texts(drawn):
    """:func:`displayed_font_sizes` of each drawn figure, measured once (a draw of every figure) for the tests
    that read them."""
    return {name: [displayed_font_sizes(fig) for fig in figs] for name, figs in drawn.items()}


def test_every_figure_function_is_covered(drawn):
    public = {name for module in (figure3, figures, schematic) for name in dir(module) if name.startswith("plot_")}
    assert public == set(drawn)


def test_text_is_at_least_min_font_at_the_displayed_size(shown_texts):
    for name, figs in shown_texts.items():
        for texts in figs:
            small = [(round(size, 1), text) for size, text in texts if size < MIN_FONT_PT]
            assert not small, f"{name}: text below {MIN_FONT_PT} pt as displayed: {small[:5]}"


def test_labels_are_mathtext_not_raw_subscripts(shown_texts):
    for name, figs in shown_texts.items():
        for texts in figs:
            raw = [text for _, text in texts if "α_" in text or "λ_" in text or "α" in text]
            assert not raw, f"{name}: raw symbols instead of mathtext: {raw}"


def test_the_check_sees_a_shrunk_figure():
    """A 12 in wide figure with 10 pt text is shown at 7/12 of its size: under 9 pt."""
    fig = Figure(figsize=(12, 3))
    fig.subplots().set_title("wide")
    sizes = [size for size, text in displayed_font_sizes(fig) if text == "wide"]
    assert sizes and sizes[0] < MIN_FONT_PT
