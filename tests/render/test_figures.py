"""Figures: each returns a matplotlib Figure with one panel per method shown, drawing what it was given."""

from __future__ import annotations

import numpy as np

from je_vs_rc import thresholds
from je_vs_rc.render.figures import plot_intertwined, plot_limit_scores, plot_noise_magnitude, plot_sweep
from je_vs_rc.render.schematic import plot_schematic
from je_vs_rc.render.style import text_color
from je_vs_rc.simulate.intertwined import limit_recovery
from je_vs_rc.simulate.sweeps import recovery_sweep
from je_vs_rc.theory.methods import PAPER_ENCODERS
from je_vs_rc.theory.thresholds import limit_scores, noise_magnitude_scores


def test_figures_have_a_panel_per_method(toy):
    th = thresholds(toy)
    sweep = recovery_sweep(toy, [50, 100], [0.5, 2.0])
    assert [ax.get_title() for ax in plot_sweep(sweep, ["sl", "rc"], th=th).axes] == ["Supervised", "Reconstruction"]
    scores = plot_limit_scores(limit_scores(toy, 1.0), 1.0)
    assert [ax.get_title() for ax in scores.axes] == [r"Joint-embedding, $\alpha = 1$", r"Reconstruction, $\alpha = 1$"]
    angles, alphas = np.deg2rad([0.0, 10.0]), np.array([1.0, 3.0])
    fig = plot_intertwined(
        np.array([0.0, 10.0]), alphas, limit_recovery(toy, angles, alphas), {"je": np.ones(2), "rc": np.ones(2)}, th
    )
    assert len([ax for ax in fig.axes if ax.axison]) == 3  # the panels (the legend of the top row has its own row)


def test_noise_magnitude_figure_draws_what_the_theory_computed(toy):
    shown = PAPER_ENCODERS
    result = noise_magnitude_scores(toy, 1.0, np.geomspace(0.01, 100, 30), shown)
    fig = plot_noise_magnitude(result, {"quiet": 0.1, "loud": 1.0})
    assert [ax.get_title().strip() for ax in fig.axes] == [rf"{m.label}, $\alpha = 1$" for m in shown]
    for ax, method in zip(fig.axes, shown):
        lines = [line for line in ax.get_lines() if np.size(line.get_xdata()) == result.scales.size]
        drawn = np.sort([line.get_ydata()[-1] for line in lines])
        expected = np.sort(np.concatenate([result.signal[method.key], result.noise[method.key][-1]]))
        np.testing.assert_allclose(drawn, expected)
        assert ax.get_ylabel() == method.score_label
        # Shaded where a noise direction is among the top k: JE never is at alpha = 1, RC is from s*.
        spans = [p for p in ax.patches if p.get_label().startswith("a noise direction")]
        assert len(spans) == (result.overtaken_at[method.key] < result.scales[-1])
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[1].get_yscale() == "log"
    assert [t.get_text() for t in fig.axes[0].texts] == ["quiet", "loud"]


def test_schematic_names_both_methods_from_the_registry():
    texts = {t.get_text(): t.get_color() for t in plot_schematic().axes[0].texts}
    for method in PAPER_ENCODERS:  # the schematic draws the paper's two, each in its colour readable as text
        assert texts[f"{method.label} ({method.short})"] == text_color(method.color)
    assert r"$\mathbf{W}$" in texts and r"$\mathbf{E}$" in texts and r"$\mathbf{D}$" in texts
