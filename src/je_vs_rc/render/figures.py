"""One function per figure of the theory chapters. Each returns a matplotlib ``Figure``, drawn in the
book's one style (``render.style``); Figure 3 and its readings are in ``render.figure3``, the deep
chapters' figures in ``render.imagenet_c``, ``render.trained`` and ``render.nuisance``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..simulate.finite_samples import FiniteSweep
from ..simulate.sweeps import PhaseDiagram, Sweep
from ..theory import methods
from ..theory.methods import LinearMethod
from ..theory.thresholds import NoiseMagnitude, Thresholds
from .style import (
    DISPLAY_WIDTH_IN,
    DISTANCE_MAP,
    MARKERS,
    NEUTRAL,
    NEUTRAL_LIGHT,
    NOISE_COLOR,
    SIGNAL_COLOR,
    STACKED_WIDTH_IN,
    band,
    label_rows,
    legend_below,
    levels,
    panels,
    stacked,
    styled,
    text_color,
)

# The phase diagram's stacked drawing: its colour bar and four-line legend take this much height below
# the panels, which would otherwise come out of the panels' own (two panels of a phone's width).
PHASE_STACKED_EXTRA_IN = 2.2


def _alpha_t(method: LinearMethod) -> str:
    """The method's threshold as mathtext, e.g. ``$\\alpha_{\\rm JE}$``."""
    return rf"$\alpha_{{\rm {method.short}}}$"


def _line_colors(method: LinearMethod, count: int) -> list[str]:
    """A panel's lines: ordered levels, or the method's own colour for a single line."""
    return [method.color] if count == 1 else levels(count)


@styled
def plot_sweep(
    sweep: Sweep, shown: Sequence[str | LinearMethod], against: str = "n", th: Thresholds | None = None, title: str = ""
) -> Figure:
    """Distance to the clean solution against n (one line per alpha) or against alpha (one per n),
    one panel per method in ``shown`` (registry keys or methods), each with its legend below it.

    With ``th``, lines the theory predicts to recover are solid and the others dashed. A single line
    (one alpha, or one n) is drawn in the method's colour; a panel's title is in it too. One panel is
    drawn at a phone's width, so that it is shown at its own size there as well.
    """
    if against not in ("n", "alpha"):
        raise ValueError(f"against must be 'n' or 'alpha'; got {against!r}")
    one = len(shown) == 1
    fig, axes = panels(len(shown), width=STACKED_WIDTH_IN if one else 4.6, height=3.0 if one else 3.4)
    for ax, method in zip(axes.flat, map(methods.get, shown)):
        dist = sweep.distance[method.key]
        judged = th is not None and method.has_threshold
        if against == "n":
            palette = _line_colors(method, len(sweep.alphas))
            for i, alpha in enumerate(sweep.alphas):
                ok = not judged or th.recovers(method, alpha)
                tag = "" if not judged else (" (recovers)" if ok else " (fails)")
                band(
                    ax,
                    sweep.ns,
                    dist[i],
                    palette[i],
                    rf"$\alpha = {alpha:g}${tag}",
                    "-" if ok else "--",
                    MARKERS[i % len(MARKERS)],
                )
            ax.set_xlabel("sample size $n$")
        else:
            palette = _line_colors(method, len(sweep.ns))
            for j, n in enumerate(sweep.ns):
                band(
                    ax,
                    sweep.alphas,
                    dist[:, j],
                    palette[j],
                    f"$n = {n:,}$".replace(",", "{,}"),
                    marker=MARKERS[j % len(MARKERS)],
                )
            if judged:
                ax.axvline(th.threshold(method), color="k", lw=1, ls=":", label=_alpha_t(method))
            ax.set_xlabel(r"alignment $\alpha$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(method.label, color=text_color(method.color), fontweight="bold")
        ax.set_ylabel(method.metric_label)
        legend_below(fig, ax, ncols=2 if len(shown) == 1 else 1)
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_phase_diagram(phase: PhaseDiagram, selected: bool = True) -> Figure:
    """Recovery over noise magnitude x alpha, one panel per self-supervised method of the diagram
    (``phase.methods``), with every method's theoretical boundary; one legend below the panels.

    Colour: simulated subspace distance at n = ``phase.n``, between the directions selected in whitened
    coordinates (``selected=True``) or between the encoders' row spaces. Lines: ``alpha_JE`` and ``alpha_RC`` as
    functions of the noise scale; the dotted vertical line is where max lambda_Gamma = eta^2/delta
    (Corollary 4.5's switch).
    """
    shown = [methods.get(key) for key in phase.methods]
    fig, axes = panels(len(shown), width=3.5, height=3.3)
    boundaries = [(m, np.array([t.threshold(m) for t in phase.thresholds]), ls) for m, ls in zip(shown, ("-", "--"))]
    # Corollary 4.5's regimes in units of the noise scale: low below max lambda_Gamma = eta^2/delta,
    # high above min lambda_Gamma = eta^2/delta (eta, delta do not depend on Gamma).
    th0, scale0 = phase.thresholds[0], phase.noise_scales[0]
    low_end = th0.switch * scale0 / th0.noise_gamma.max()
    high_start = th0.switch * scale0 / th0.noise_gamma.min()
    # The distance in greys (colour means a method in this book), so each threshold can be drawn in its
    # method's colour; a white outline keeps every line visible on the dark (failed) cells.
    outline = [patheffects.withStroke(linewidth=4, foreground="white")]
    for ax, method in zip(axes.flat, shown):
        values = (phase.selected if selected else phase.distance)[method.key]
        mesh = ax.pcolormesh(
            phase.noise_scales, phase.alphas, values, shading="nearest", cmap=DISTANCE_MAP, vmin=0, vmax=1
        )
        for boundary, alpha_t, ls in boundaries:
            ax.plot(
                phase.noise_scales,
                np.maximum(alpha_t, phase.alphas.min()),
                color=boundary.color,
                lw=2,
                ls=ls,
                label=_alpha_t(boundary),
                path_effects=outline,
            )
        for x, ls, label in (
            (low_end, ":", r"$\max\,\lambda_\Gamma = \eta^2/\delta$"),
            (high_start, "-.", r"$\min\,\lambda_\Gamma = \eta^2/\delta$"),
        ):
            ax.axvline(x, color=NEUTRAL, lw=1.4, ls=ls, label=label, path_effects=outline)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(phase.alphas.min(), phase.alphas.max())
        ax.set_xlabel(r"noise magnitude (scale of $\Gamma$)")
        ax.set_title(
            f"{method.label} ($n = {phase.n:,}$)".replace(",", "{,}"), color=text_color(method.color), fontweight="bold"
        )
        ax.grid(False)
    label_rows(axes, r"alignment $\alpha$")
    legend_below(fig, ncols=2)
    what = "selected directions" if selected else "encoder row space"
    # Beside the panels; under them in the stacked drawing, where the width is the panels'.
    where = {"location": "bottom", "shrink": 0.8} if stacked() else {}
    label = f"distance to clean ({what})" if stacked() else f"distance to clean\n({what})"
    fig.colorbar(mesh, ax=axes.ravel().tolist(), label=label, **where)
    if stacked():  # room for the colour bar and the legend below, so each panel keeps its height on a phone
        fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() + PHASE_STACKED_EXTRA_IN)
    return fig


@styled
def plot_limit_scores(scores: dict[str, tuple[np.ndarray, np.ndarray]], alpha: float) -> Figure:
    """Per-component n -> infinity scores that each method ranks (signal vs noise components);
    ``scores``: method key -> (signal, noise), as from :func:`~je_vs_rc.theory.thresholds.limit_scores`."""
    fig, axes = panels(len(scores), width=3.5, height=3.0)
    for ax, (key, (signal, noise)) in zip(axes.flat, scores.items()):
        k = signal.size
        ax.bar(np.arange(1, k + 1), signal, color=SIGNAL_COLOR, label="signal components")
        ax.bar(np.arange(k + 1, k + noise.size + 1), noise, color=NOISE_COLOR, label="noise components")
        ax.axhline(signal.min(), color="k", lw=1, ls=":", label="weakest signal score")
        ax.set_xlabel("component $i$")
        method = methods.get(key)
        ax.set_title(rf"{method.label}, $\alpha = {alpha:g}$", color=text_color(method.color), fontweight="bold")
    label_rows(axes, "score ranked by the closed form")
    legend_below(fig, ncols=3)
    return fig


@styled
def plot_noise_magnitude(result: NoiseMagnitude, marks: dict[str, float] | None = None) -> Figure:
    """The scores each closed form ranks (n -> infinity) against the corruption's magnitude
    (Gamma -> s Gamma), one panel per method of ``result``: the k signal scores (flat) and the d - k
    noise scores. Shaded: scales at which a noise direction is among the top k (from
    ``result.overtaken_at``). A method whose noise scores are bounded (JE: 1/(1+alpha^2)) is drawn
    on a linear axis with that ceiling, an unbounded one (RC) on a log axis. ``marks``: labelled
    noise scales drawn as vertical lines (the chapter's quiet and loud noise)."""
    shown = [methods.get(key) for key in result.signal]
    fig, axes = panels(len(shown), width=3.4, height=3.4)
    s = result.scales
    for ax, method in zip(axes.flat, shown):
        signal, noise = result.signal[method.key], result.noise[method.key]
        k, d = signal.size, signal.size + noise.shape[1]
        for i, value in enumerate(signal):
            label = f"signal ($k = {k}$)" if i == 0 else None
            ax.plot(s, np.full(s.size, value), color=SIGNAL_COLOR, lw=2, label=label)
        for i in range(noise.shape[1]):
            label = f"noise ($d - k = {d - k}$)" if i == 0 else None
            ax.plot(s, noise[:, i], color=NOISE_COLOR, lw=2, ls="--", label=label)
        # A bounded score on a linear axis with its ceiling; an unbounded one on a log axis.
        ceiling = method.noise_ceiling(result.alpha)
        if np.isfinite(ceiling):
            ax.axhline(ceiling, color="k", lw=1, ls=":", label=f"{method.short}'s noise ceiling ({ceiling:.3g})")
            ax.set_ylim(0, 1.05 * max(ceiling, signal.max()))
        else:
            ax.set_yscale("log")
        at = result.overtaken_at[method.key]
        if at < s[-1]:
            ax.axvspan(
                max(at, s[0]), s[-1], color=NOISE_COLOR, alpha=0.12, lw=0, label="a noise direction in the top $k$"
            )
        for name, x in (marks or {}).items():
            ax.axvline(x, color="#555555", lw=1, ls="-.")
            ax.text(x, 1.01, name, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9)
        ax.set_xscale("log")
        ax.set_xlim(s[0], s[-1])
        ax.set_xlabel(r"noise magnitude $s$ ($\Gamma \to s\,\Gamma$)")
        ax.set_ylabel(method.score_label)
        ax.set_title(
            rf"{method.label}, $\alpha = {result.alpha:g}$" + "\n", color=text_color(method.color), fontweight="bold"
        )
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    return fig


@styled
def plot_finite_samples(sweeps: Sequence[FiniteSweep], th: Thresholds) -> Figure:
    """Measured selected-direction error (solid, mean and min-max over seeds) and the proven
    perturbation bound (dashed, median) against n; one panel per method, one colour per alpha, alpha
    given as a multiple of the method's threshold in one legend under the panels (the sweeps share
    their multiples)."""
    fig, axes = panels(len(sweeps), width=3.5, height=3.0)
    for ax, sweep in zip(axes.flat, sweeps):
        method = methods.get(sweep.method)
        palette = levels(len(sweep.alphas))
        for i, alpha in enumerate(sweep.alphas):
            label = rf"$\alpha = {alpha / th.threshold(method):.3g} \times \mathrm{{threshold}}$"
            band(ax, sweep.ns, sweep.distance[i], palette[i], label, marker=MARKERS[i % len(MARKERS)])
            ax.plot(sweep.ns, np.median(sweep.bound[i], axis=-1), color=palette[i], ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sample size $n$")
        ax.set_title(method.label)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles += [Line2D([], [], color=NEUTRAL, marker="o", ms=4), Line2D([], [], color=NEUTRAL, ls="--", lw=1)]
    labels += ["measured (mean; band: min–max)", "proven bound (median)"]
    fig.legend(handles, labels, loc="outside lower center", ncols=1 if stacked() else 3)
    label_rows(axes, "distance to the limit")
    return fig


@styled
def plot_required_n(ratios: np.ndarray, required: dict[str, dict[str, np.ndarray]], target: float) -> Figure:
    """Predicted sample size for a target error against alpha / alpha_threshold, per method key:
    from the proven bound and from the calibrated bound (``required[key][prediction name]``), in
    near-black and grey (a bound and its calibration, not methods)."""
    fig, axes = panels(len(required), width=3.5, height=3.0)
    for ax, (key, by_prediction) in zip(axes.flat, required.items()):
        method = methods.get(key)
        for i, (name, values) in enumerate(by_prediction.items()):
            ax.plot(
                ratios,
                values,
                marker=MARKERS[i % len(MARKERS)],
                ms=4,
                color=(NEUTRAL, NEUTRAL_LIGHT)[i % 2],
                ls=("-", "--")[i % 2],
                label=name,
            )
        ax.set_yscale("log")  # alpha / threshold on a linear axis: its log axis had only two labelled ticks
        ax.set_xlabel(rf"$\alpha\,/\,${_alpha_t(method)}")
        ax.set_title(method.label)
    label_rows(axes, f"$n$ needed for error {target:g}")
    legend_below(fig, ncols=2)
    return fig


@styled
def plot_intertwined(
    angles_deg: np.ndarray,
    alphas: np.ndarray,
    limits: dict[str, np.ndarray],
    effective: dict[str, np.ndarray],
    th: Thresholds,
) -> Figure:
    """Top row: exact n -> infinity distance to the clean encoder against the rotation angle, one
    panel per method, one line per alpha (light to dark: weak to strong), their legend under the row.
    Bottom: the smallest alpha that recovers, per method in its colour, against the angle, with the
    paper's thresholds (computed as if the bases were shared) as horizontal lines, on a linear axis
    from 0. Stacked: one column, the comparison last."""
    shown = [methods.get(key) for key in limits]
    rows = len(shown) if stacked() else 1
    width = STACKED_WIDTH_IN if stacked() else DISPLAY_WIDTH_IN
    fig = Figure(figsize=(width, 2.6 * rows + 3.4 + (0.9 if stacked() else 0.5)), layout="constrained")
    # Rows: the distance panels, a row for their legend, then the comparison with its legend below it.
    heights = [2.6] * rows + [0.5 if stacked() else 0.35, 2.8]
    grid = fig.add_gridspec(rows + 2, 1 if stacked() else len(shown), height_ratios=heights)
    top = [fig.add_subplot(grid[i, 0] if stacked() else grid[0, i]) for i in range(len(shown))]
    key = fig.add_subplot(grid[rows, :])
    ax = fig.add_subplot(grid[rows + 1, :])
    palette = levels(len(alphas))
    for panel, method in zip(top, shown):
        for i, alpha in enumerate(alphas):
            panel.plot(
                angles_deg,
                limits[method.key][i],
                marker=MARKERS[i % len(MARKERS)],
                ms=4,
                color=palette[i],
                label=rf"$\alpha = {alpha:g}$",
            )
        panel.set_xlabel(r"rotation $\vartheta$ of $\Gamma$'s basis (°)")
        panel.set_title(method.label)
    for panel in top if stacked() else top[:1]:
        panel.set_ylabel("distance to the clean encoder\n" + r"($n \to \infty$)")
    key.axis("off")
    key.legend(*top[0].get_legend_handles_labels(), loc="center", ncols=3 if stacked() else len(alphas))
    for method in shown:
        ax.plot(
            angles_deg,
            effective[method.key],
            marker="o",
            ms=4,
            color=method.color,
            label=rf"{method.short}: smallest $\alpha$ that recovers",
        )
        ax.axhline(th.threshold(method), color=method.color, ls=":", lw=1.2, label=f"{_alpha_t(method)} (paper)")
    ax.set_ylim(bottom=0)
    ax.set_xlabel(r"rotation $\vartheta$ of $\Gamma$'s basis (°)")
    ax.set_ylabel(r"alignment $\alpha$")
    ax.set_title("Smallest alignment that recovers")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=1 if stacked() else 2)
    return fig
