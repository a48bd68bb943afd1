"""One function per figure of the book. Each returns a matplotlib ``Figure``.

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
from matplotlib import patheffects
from matplotlib.figure import Figure

from ..paper import FIG3_ENDPOINTS, FIG3_NOISE_LEVELS
from ..simulate.finite_samples import FiniteSweep
from ..simulate.figure3 import Fig3Result
from ..simulate.sweeps import PhaseDiagram, Sweep
from ..theory import methods
from ..theory.methods import LinearMethod
from ..theory.thresholds import Thresholds

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
# The theoretical boundaries on the phase diagram, one (colour, line style) per method.
PHASE_LINES = (("white", "-"), ("#ff6b6b", "--"))
STYLE = {"font.size": 10, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
         "axes.spines.right": False, "figure.facecolor": "white", "savefig.facecolor": "white",
         "legend.frameon": False}


def styled(plot: Callable[P, Figure]) -> Callable[P, Figure]:
    """Draw the whole figure under the book's one plot style."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper


def _figure(ncols: int, nrows: int = 1, width: float = 4.0, height: float = 3.2) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def _band(ax, x: np.ndarray, runs: np.ndarray, color: str, label: str, linestyle: str = "-") -> None:
    """Mean over the last axis with a min-max band (the spread over seeds)."""
    ax.plot(x, runs.mean(axis=-1), marker="o", ms=3, color=color, label=label, linestyle=linestyle)
    if runs.shape[-1] > 1:
        ax.fill_between(x, runs.min(axis=-1), runs.max(axis=-1), color=color, alpha=0.2, lw=0)


@styled
def plot_sweep(sweep: Sweep, shown: Sequence[str | LinearMethod], against: str = "n",
               th: Thresholds | None = None, title: str = "") -> Figure:
    """Distance to the clean solution against n (one line per alpha) or against alpha (one per n),
    one panel per method in ``shown`` (registry keys or methods).

    With ``th``, lines the theory predicts to recover are solid and the others dashed.
    """
    if against not in ("n", "alpha"):
        raise ValueError(f"against must be 'n' or 'alpha'; got {against!r}")
    fig, axes = _figure(len(shown))
    for ax, method in zip(axes.flat, map(methods.get, shown)):
        dist = sweep.distance[method.key]
        judged = th is not None and method.has_threshold
        if against == "n":
            for i, alpha in enumerate(sweep.alphas):
                ok = not judged or th.recovers(method, alpha)
                tag = "" if not judged else (" (recovers)" if ok else " (fails)")
                _band(ax, sweep.ns, dist[i], COLORS[i % len(COLORS)], f"α={alpha:g}{tag}",
                      "-" if ok else "--")
            ax.set_xlabel("sample size n")
        else:
            for j, n in enumerate(sweep.ns):
                _band(ax, sweep.alphas, dist[:, j], COLORS[j % len(COLORS)], f"n={n:,}")
            if judged:
                ax.axvline(th.threshold(method), color="k", lw=1, ls=":", label=f"α_{method.short}")
            ax.set_xlabel("alignment α")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(method.label)
        ax.set_ylabel(method.metric_label)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_phase_diagram(phase: PhaseDiagram, selected: bool = True) -> Figure:
    """Recovery over noise magnitude x alpha, one panel per self-supervised method, with every
    method's theoretical boundary.

    Colour: simulated subspace distance at n = ``phase.n``, between the directions selected in whitened
    coordinates (``selected=True``) or between the encoders' row spaces. Lines: ``alpha_JE`` and ``alpha_RC`` as
    functions of the noise scale; the dotted vertical line is where max lambda_Gamma = eta^2/delta
    (Cor 4.5's switch).
    """
    shown = methods.encoder_methods()
    fig, axes = _figure(len(shown), width=4.6, height=3.8)
    boundaries = [(m, np.array([t.threshold(m) for t in phase.thresholds]), style)
                  for m, style in zip(shown, PHASE_LINES)]
    # Cor 4.5's regimes in units of the noise scale: low below max lambda_Gamma = eta^2/delta,
    # high above min lambda_Gamma = eta^2/delta (eta, delta do not depend on Gamma).
    th0, scale0 = phase.thresholds[0], phase.noise_scales[0]
    low_end = th0.switch * scale0 / th0.noise_gamma.max()
    high_start = th0.switch * scale0 / th0.noise_gamma.min()
    for ax, method in zip(axes.flat, shown):
        values = (phase.selected if selected else phase.distance)[method.key]
        mesh = ax.pcolormesh(phase.noise_scales, phase.alphas, values, shading="nearest",
                             cmap="viridis", vmin=0, vmax=1)
        # A dark outline keeps the white lines visible on the bright (failed) cells too.
        outline = [patheffects.withStroke(linewidth=3.5, foreground="black")]
        for boundary, alpha_t, (color, ls) in boundaries:
            ax.plot(phase.noise_scales, np.maximum(alpha_t, phase.alphas.min()), color=color, lw=2, ls=ls,
                    label=f"α_{boundary.short}", path_effects=outline)
        for x, ls, label in ((low_end, ":", "max λ_Γ = η²/δ"), (high_start, "-.", "min λ_Γ = η²/δ")):
            ax.axvline(x, color="white", lw=1.2, ls=ls, label=label, path_effects=outline)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(phase.alphas.min(), phase.alphas.max())
        ax.set_xlabel("noise magnitude (scale of Γ)")
        ax.set_ylabel("alignment α")
        ax.set_title(f"{method.label} (n = {phase.n:,})")
        ax.grid(False)
        ax.legend(fontsize=7, loc="upper left", frameon=True, facecolor="white", framealpha=0.85)
    what = "selected directions" if selected else "encoder row space"
    fig.colorbar(mesh, ax=axes.ravel().tolist(), label=f"distance to clean ({what})")
    return fig


@styled
def plot_limit_scores(scores: dict[str, tuple[np.ndarray, np.ndarray]], alpha: float) -> Figure:
    """Per-component n -> infinity scores that each method ranks (signal vs noise components);
    ``scores``: method key -> (signal, noise), as from :func:`~je_vs_rc.theory.thresholds.limit_scores`."""
    fig, axes = _figure(len(scores))
    for ax, (key, (signal, noise)) in zip(axes.flat, scores.items()):
        k = signal.size
        ax.bar(np.arange(1, k + 1), signal, color=COLORS[0], label="signal components")
        ax.bar(np.arange(k + 1, k + noise.size + 1), noise, color=COLORS[1], label="noise components")
        ax.axhline(signal.min(), color="k", lw=1, ls=":", label="weakest signal score")
        ax.set_xlabel("component i")
        ax.set_title(f"{methods.get(key).label}, α = {alpha:g}")
        ax.legend(fontsize=8)
    axes.flat[0].set_ylabel("score ranked by the closed form")
    return fig


@styled
def plot_figure3(result: Fig3Result, show_paper: bool = True) -> Figure:
    """The paper's Figure 3 layout: rows = noise levels, columns = SL, JE, RC; one line per alpha.

    Lines: mean over seeds with a min-max band. With ``show_paper``, hollow markers give the values
    read off the paper's figure at the smallest and largest n.
    """
    cfg = result.config
    fig, axes = _figure(len(result.methods), len(cfg.gamma_max), width=3.6, height=2.8)
    ns = np.asarray(cfg.ns)
    for g, g_max in enumerate(cfg.gamma_max):
        for m, key in enumerate(result.methods):
            ax = axes[g, m]
            for a, alpha in enumerate(cfg.alphas):
                color = COLORS[a % len(COLORS)]
                _band(ax, ns, result.distance[g, m, a], color, f"α={alpha:g}")
                paper = FIG3_ENDPOINTS.get((FIG3_NOISE_LEVELS[g], key), {}).get(float(alpha)) \
                    if g < len(FIG3_NOISE_LEVELS) else None
                if show_paper and paper is not None:
                    ax.plot([100, 51_200], paper, ls="none", marker="s", mfc="none", mec=color, ms=7)
            ax.set_xscale("log")
            ax.set_yscale("log")
            if g == 0:
                ax.set_title(methods.get(key).label)
            if m == 0:
                ax.set_ylabel(f"Γ max {g_max:.0e}\ndistance to optimality")
            if g == len(cfg.gamma_max) - 1:
                ax.set_xlabel("sample size n")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if show_paper:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], ls="none", marker="s", mfc="none", mec="k"))
        labels.append("paper (read off Fig. 3)")
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return fig


@styled
def plot_finite_samples(sweeps: Sequence[FiniteSweep]) -> Figure:
    """Measured selected-direction error (solid, mean and min-max over seeds) and the proven
    perturbation bound (dashed, median) against n; one panel per method, one colour per alpha."""
    fig, axes = _figure(len(sweeps), width=4.4, height=3.4)
    for ax, sweep in zip(axes.flat, sweeps):
        for i, alpha in enumerate(sweep.alphas):
            color = COLORS[i % len(COLORS)]
            _band(ax, sweep.ns, sweep.distance[i], color, f"α={alpha:.3g}")
            ax.plot(sweep.ns, np.median(sweep.bound[i], axis=-1), color=color, ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sample size n")
        ax.set_ylabel("distance of selected directions")
        ax.set_title(f"{methods.get(sweep.method).label} (dashed: bound)")
        ax.legend(fontsize=8)
    return fig


@styled
def plot_required_n(ratios: np.ndarray, required: dict[str, dict[str, np.ndarray]], target: float) -> Figure:
    """Predicted sample size for a target error against alpha / alpha_threshold, per method key:
    from the proven bound and from the calibrated bound (``required[key][prediction name]``)."""
    fig, axes = _figure(len(required), width=4.2, height=3.3)
    for ax, (key, by_prediction) in zip(axes.flat, required.items()):
        method = methods.get(key)
        for i, (name, values) in enumerate(by_prediction.items()):
            ax.plot(ratios, values, marker="o", ms=3, color=COLORS[i], label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"α / α_{method.short}")
        ax.set_ylabel(f"n needed for error {target:g}")
        ax.set_title(method.label)
        ax.legend(fontsize=8)
    return fig


@styled
def plot_intertwined(angles_deg: np.ndarray, alphas: np.ndarray, limits: dict[str, np.ndarray],
                     effective: dict[str, np.ndarray], th: Thresholds) -> Figure:
    """Left two panels: exact n -> infinity distance to the clean encoder against the rotation angle,
    one line per alpha. Right: the smallest alpha that recovers, per method, against the angle, with the
    paper's thresholds (computed as if the bases were shared) as horizontal lines."""
    shown = [methods.get(key) for key in limits]
    fig, axes = _figure(len(shown) + 1, width=3.9, height=3.3)
    for ax, method in zip(axes.flat, shown):
        for i, alpha in enumerate(alphas):
            ax.plot(angles_deg, limits[method.key][i], marker="o", ms=3, color=COLORS[i % len(COLORS)], label=f"α={alpha:g}")
        ax.set_xlabel("rotation of Γ's basis (degrees)")
        ax.set_ylabel("distance to the clean encoder (n → ∞)")
        ax.set_title(method.label)
        ax.legend(fontsize=7)
    ax = axes.flat[len(shown)]
    for method in shown:
        ax.plot(angles_deg, effective[method.key], marker="o", ms=3, color=method.color,
                label=f"{method.short}: smallest α that recovers")
        ax.axhline(max(th.threshold(method), 1e-3), color=method.color, ls=":", lw=1, label=f"α_{method.short} (paper)")
    ax.set_yscale("log")
    ax.set_xlabel("rotation of Γ's basis (degrees)")
    ax.set_ylabel("alignment α")
    ax.set_title("JE vs RC")
    ax.legend(fontsize=7)
    return fig
