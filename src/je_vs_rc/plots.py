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

from .experiments import PhaseDiagram, Sweep
from .finite import FiniteSweep
from .mnist import Fig3Result
from .thresholds import Thresholds

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
MODEL_NAMES = {"sl": "Supervised", "je": "Joint-embedding", "rc": "Reconstruction"}
COLORS = ("#1b6ca8", "#e07b24", "#2a9d5c", "#b5367a", "#6c4fb3", "#8c6d31")
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
def plot_sweep(sweep: Sweep, models: Sequence[str], against: str = "n",
               th: Thresholds | None = None, title: str = "") -> Figure:
    """Distance to the clean solution against n (one line per alpha) or against alpha (one per n).

    With ``th``, lines the theory predicts to recover are solid and the others dashed.
    """
    if against not in ("n", "alpha"):
        raise ValueError(f"against must be 'n' or 'alpha'; got {against!r}")
    fig, axes = _figure(len(models))
    for ax, model in zip(axes.flat, models):
        dist = sweep.distance[model]
        if against == "n":
            for i, alpha in enumerate(sweep.alphas):
                ok = th is None or model == "sl" or th.recovers(model, alpha)
                tag = "" if th is None or model == "sl" else (" (recovers)" if ok else " (fails)")
                _band(ax, sweep.ns, dist[i], COLORS[i % len(COLORS)], f"α={alpha:g}{tag}",
                      "-" if ok else "--")
            ax.set_xlabel("sample size n")
        else:
            for j, n in enumerate(sweep.ns):
                _band(ax, sweep.alphas, dist[:, j], COLORS[j % len(COLORS)], f"n={n:,}")
            if th is not None and model != "sl":
                ax.axvline(th.alpha(model), color="k", lw=1, ls=":", label=f"α_{model.upper()}")
            ax.set_xlabel("alignment α")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(MODEL_NAMES[model])
        ax.set_ylabel("relative error ‖Ṽ−V‖/‖V‖" if model == "sl" else "subspace distance")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_phase_diagram(pd: PhaseDiagram, selected: bool = True) -> Figure:
    """Recovery over noise magnitude x alpha for JE and RC, with both theoretical boundaries.

    Colour: simulated subspace distance at n = ``pd.n``, between the directions selected in whitened
    coordinates (``selected=True``) or between the encoders' row spaces. Lines: ``alpha_JE`` and ``alpha_RC`` as
    functions of the noise scale; the dotted vertical line is where max lambda_Gamma = eta^2/delta
    (Cor 4.5's switch).
    """
    fig, axes = _figure(2, width=4.6, height=3.8)
    a_je = np.array([t.alpha("je") for t in pd.thresholds])
    a_rc = np.array([t.alpha("rc") for t in pd.thresholds])
    # Cor 4.5's regimes in units of the noise scale: low below max lambda_Gamma = eta^2/delta,
    # high above min lambda_Gamma = eta^2/delta (eta, delta do not depend on Gamma).
    th0, scale0 = pd.thresholds[0], pd.noise_scales[0]
    low_end = th0.switch * scale0 / th0.noise_gamma.max()
    high_start = th0.switch * scale0 / th0.noise_gamma.min()
    for ax, model in zip(axes.flat, ("je", "rc")):
        key = f"{model}_selected" if selected else model
        mesh = ax.pcolormesh(pd.noise_scales, pd.alphas, pd.distance[key], shading="nearest",
                             cmap="viridis", vmin=0, vmax=1)
        # A dark outline keeps the white lines visible on the bright (failed) cells too.
        outline = [patheffects.withStroke(linewidth=3.5, foreground="black")]
        ax.plot(pd.noise_scales, np.maximum(a_je, pd.alphas.min()), color="white", lw=2, label="α_JE",
                path_effects=outline)
        ax.plot(pd.noise_scales, np.maximum(a_rc, pd.alphas.min()), color="#ff6b6b", lw=2, ls="--",
                label="α_RC", path_effects=outline)
        for x, ls, label in ((low_end, ":", "max λ_Γ = η²/δ"), (high_start, "-.", "min λ_Γ = η²/δ")):
            ax.axvline(x, color="white", lw=1.2, ls=ls, label=label, path_effects=outline)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(pd.alphas.min(), pd.alphas.max())
        ax.set_xlabel("noise magnitude (scale of Γ)")
        ax.set_ylabel("alignment α")
        ax.set_title(f"{MODEL_NAMES[model]} (n = {pd.n:,})")
        ax.grid(False)
        ax.legend(fontsize=7, loc="upper left", frameon=True, facecolor="white", framealpha=0.85)
    what = "selected directions" if selected else "encoder row space"
    fig.colorbar(mesh, ax=axes.ravel().tolist(), label=f"distance to clean ({what})")
    return fig


@styled
def plot_limit_scores(scores: dict[str, tuple[np.ndarray, np.ndarray]], alpha: float) -> Figure:
    """Per-component n -> infinity scores that JE and RC rank (signal vs noise components)."""
    fig, axes = _figure(2)
    for ax, model in zip(axes.flat, ("je", "rc")):
        signal, noise = scores[model]
        k = signal.size
        ax.bar(np.arange(1, k + 1), signal, color=COLORS[0], label="signal components")
        ax.bar(np.arange(k + 1, k + noise.size + 1), noise, color=COLORS[1], label="noise components")
        ax.axhline(signal.min(), color="k", lw=1, ls=":", label="weakest signal score")
        ax.set_xlabel("component i")
        ax.set_title(f"{MODEL_NAMES[model]}, α = {alpha:g}")
        ax.legend(fontsize=8)
    axes.flat[0].set_ylabel("score ranked by the closed form")
    return fig


@styled
def plot_figure3(result: Fig3Result, show_paper: bool = True) -> Figure:
    """The paper's Figure 3 layout: rows = noise levels, columns = SL, JE, RC; one line per alpha.

    Lines: mean over seeds with a min-max band. With ``show_paper``, hollow markers give the values
    read off the paper's figure at the smallest and largest n.
    """
    from .mnist import FIG3_MODELS
    from .paper import FIG3_ENDPOINTS, FIG3_NOISE_LEVELS

    cfg = result.config
    fig, axes = _figure(len(FIG3_MODELS), len(cfg.gamma_max), width=3.6, height=2.8)
    ns = np.asarray(cfg.ns)
    for g, g_max in enumerate(cfg.gamma_max):
        for m, model in enumerate(FIG3_MODELS):
            ax = axes[g, m]
            for a, alpha in enumerate(cfg.alphas):
                color = COLORS[a % len(COLORS)]
                _band(ax, ns, result.distance[g, m, a], color, f"α={alpha:g}")
                paper = FIG3_ENDPOINTS.get((FIG3_NOISE_LEVELS[g], model), {}).get(float(alpha)) \
                    if g < len(FIG3_NOISE_LEVELS) else None
                if show_paper and paper is not None:
                    ax.plot([100, 51_200], paper, ls="none", marker="s", mfc="none", mec=color, ms=7)
            ax.set_xscale("log")
            ax.set_yscale("log")
            if g == 0:
                ax.set_title(MODEL_NAMES[model])
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


def markdown_table(rows: Sequence[dict[str, object]], columns: dict[str, str]) -> str:
    """A Markdown table of ``rows`` with the given ``{key: header}`` columns (floats in 3 digits,
    scientific notation outside [0.01, 1000))."""
    def cell(value: object) -> str:
        if isinstance(value, float):
            if np.isnan(value):
                return "–"
            return f"{value:.3g}" if value == 0 or 0.01 <= abs(value) < 1000 else f"{value:.1e}"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[key]) for key in columns) + " |" for row in rows]
    return "\n".join(lines)


@styled
def plot_finite_samples(sweeps: Sequence[FiniteSweep]) -> Figure:
    """Measured selected-direction error (solid, mean and min-max over seeds) and the proven
    perturbation bound (dashed, median) against n; one panel per model, one colour per alpha."""
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
        ax.set_title(f"{MODEL_NAMES[sweep.model]} (dashed: bound)")
        ax.legend(fontsize=8)
    return fig


@styled
def plot_required_n(ratios: np.ndarray, required: dict[str, dict[str, np.ndarray]], target: float) -> Figure:
    """Predicted sample size for a target error against alpha / alpha_threshold, per model:
    from the proven bound and from the calibrated bound."""
    fig, axes = _figure(len(required), width=4.2, height=3.3)
    for ax, (model, by_method) in zip(axes.flat, required.items()):
        for i, (method, values) in enumerate(by_method.items()):
            ax.plot(ratios, values, marker="o", ms=3, color=COLORS[i], label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"α / α_{model.upper()}")
        ax.set_ylabel(f"n needed for error {target:g}")
        ax.set_title(MODEL_NAMES[model])
        ax.legend(fontsize=8)
    return fig


@styled
def plot_intertwined(angles_deg: np.ndarray, alphas: np.ndarray, limits: dict[str, np.ndarray],
                     effective: dict[str, np.ndarray], th: Thresholds) -> Figure:
    """Left two panels: exact n -> infinity distance to the clean encoder against the rotation angle,
    one line per alpha. Right: the smallest alpha that recovers, per model, against the angle, with the
    paper's thresholds (computed as if the bases were shared) as horizontal lines."""
    fig, axes = _figure(3, width=3.9, height=3.3)
    for ax, model in zip(axes.flat[:2], ("je", "rc")):
        for i, alpha in enumerate(alphas):
            ax.plot(angles_deg, limits[model][i], marker="o", ms=3, color=COLORS[i % len(COLORS)], label=f"α={alpha:g}")
        ax.set_xlabel("rotation of Γ's basis (degrees)")
        ax.set_ylabel("distance to the clean encoder (n → ∞)")
        ax.set_title(MODEL_NAMES[model])
        ax.legend(fontsize=7)
    ax = axes.flat[2]
    for i, model in enumerate(("je", "rc")):
        ax.plot(angles_deg, effective[model], marker="o", ms=3, color=COLORS[i], label=f"{model.upper()}: smallest α that recovers")
        ax.axhline(max(th.alpha(model), 1e-3), color=COLORS[i], ls=":", lw=1, label=f"α_{model.upper()} (paper)")
    ax.set_yscale("log")
    ax.set_xlabel("rotation of Γ's basis (degrees)")
    ax.set_ylabel("alignment α")
    ax.set_title("JE vs RC")
    ax.legend(fontsize=7)
    return fig
