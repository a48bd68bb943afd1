"""Figures: each returns a matplotlib Figure with one panel per method shown."""

from __future__ import annotations

import numpy as np

from je_vs_rc import thresholds
from je_vs_rc.render.figures import plot_intertwined, plot_limit_scores, plot_sweep
from je_vs_rc.simulate.intertwined import limit_recovery
from je_vs_rc.simulate.sweeps import recovery_sweep
from je_vs_rc.theory.thresholds import limit_scores


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
    assert len(fig.axes) == 3
