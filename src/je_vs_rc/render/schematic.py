"""The book's schematic of the two families (chapter 1): reconstruction against joint embedding.

Drawn with matplotlib patches in a coordinate system whose unit is the inch, so sizes and gaps read
as they will be printed. Names and colours of the methods come from the registry.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Polygon

from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION
from .style import styled, text_color, text_on

# Narrow, with large text, so that a phone (which shows it at about 60% of its size) keeps the text
# near 7 pt; a click opens the full-size image.
WIDTH_IN, HEIGHT_IN = 4.4, 4.6
FONT_PT = 12
NODE_R = 0.28  # radius of a sample's circle
GREY = "#e6e6e6"


def _node(ax, x: float, y: float, text: str, face: str = GREY) -> None:
    ax.add_patch(Circle((x, y), NODE_R, facecolor=face, edgecolor="black", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT_PT)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], color: str = "black", **kwargs) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, lw=1.2, color=color, **kwargs))


def _map(ax, x: float, y: float, text: str, color: str, narrowing: bool, width: float = 0.5) -> None:
    """A linear map as a trapezoid: narrowing (d -> k, an encoder) or widening (k -> d, a decoder)."""
    tall, short = 0.62, 0.32
    left, right = (tall, short) if narrowing else (short, tall)
    corners = [(x - width / 2, y - left / 2), (x + width / 2, y - right / 2)]
    corners += [(x + width / 2, y + right / 2), (x - width / 2, y + left / 2)]
    ax.add_patch(Polygon(corners, closed=True, facecolor=color, edgecolor="black", lw=1, alpha=0.85))
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT_PT + 1, color=text_on(color))


def _title(ax, y: float, method, task: str) -> None:
    ax.text(
        0.05,
        y,
        f"{method.label} ({method.short})",
        fontsize=FONT_PT + 1,
        fontweight="bold",
        color=text_color(method.color),
    )
    ax.text(0.05, y - 0.25, task, fontsize=FONT_PT - 1, color="#333333")


def _reconstruction(ax, top: float) -> None:
    color = RECONSTRUCTION.color
    _title(ax, top, RECONSTRUCTION, "predicts the input: loss in input space")
    y = top - 0.95
    xs = {"x": 0.33, "view": 1.33, "E": 2.1, "D": 2.85, "out": 3.7}
    _node(ax, xs["x"], y, r"$\mathbf{x}$")
    _arrow(ax, (xs["x"] + NODE_R, y), (xs["view"] - NODE_R, y))
    ax.text(
        (xs["x"] + xs["view"]) / 2,
        y + NODE_R,
        r"$\tau\sim\mathcal{T}(\alpha)$",
        ha="center",
        va="bottom",
        fontsize=FONT_PT,
    )
    _node(ax, xs["view"], y, r"$\tau(\mathbf{x})$")
    _arrow(ax, (xs["view"] + NODE_R, y), (xs["E"] - 0.27, y))
    _map(ax, xs["E"], y, r"$\mathbf{E}$", color, narrowing=True)
    _arrow(ax, (xs["E"] + 0.25, y), (xs["D"] - 0.27, y))
    _map(ax, xs["D"], y, r"$\mathbf{D}$", color, narrowing=False)
    _arrow(ax, (xs["D"] + 0.25, y), (xs["out"] - NODE_R, y))
    _node(ax, xs["out"], y, r"$\hat{\mathbf{x}}$", face="white")
    ax.text((xs["E"] + xs["D"]) / 2, y + 0.36, r"code: $k$ numbers", ha="center", va="bottom", fontsize=FONT_PT - 1)
    # The loss compares the prediction with the (corrupted) sample itself.
    low = y - 0.55
    ax.plot([xs["out"], xs["out"], xs["x"]], [y - NODE_R, low, low], color=color, lw=1.4, ls="--")
    _arrow(ax, (xs["x"], low), (xs["x"], y - NODE_R), color=color, ls="--")
    ax.text(
        (xs["x"] + xs["out"]) / 2, low - 0.08, r"$\|\mathbf{x}-\mathbf{D}\mathbf{E}\,\tau(\mathbf{x})\|^2$",
        ha="center", va="top", fontsize=FONT_PT, color=color,
    )  # fmt: skip


def _joint_embedding(ax, top: float) -> None:
    color = JOINT_EMBEDDING.color
    _title(ax, top, JOINT_EMBEDDING, "predicts an embedding: loss in latent space")
    y, dy = top - 1.25, 0.48
    xs = {"x": 0.33, "view": 1.33, "W": 2.1, "z": 2.9}
    _node(ax, xs["x"], y, r"$\mathbf{x}$")
    for sign, i in ((1, 1), (-1, 2)):
        yv = y + sign * dy
        direction = np.array([xs["view"] - xs["x"], yv - y])
        unit = direction / np.linalg.norm(direction)
        _arrow(ax, tuple(np.array([xs["x"], y]) + NODE_R * unit), tuple(np.array([xs["view"], yv]) - NODE_R * unit))
        ax.text(
            (xs["x"] + xs["view"]) / 2 - 0.05, y + sign * (dy / 2 + 0.13), rf"$\tau_{i}$",
            ha="center", va="center", fontsize=FONT_PT,
        )  # fmt: skip
        _node(ax, xs["view"], yv, rf"$\tau_{i}(\mathbf{{x}})$")
        _arrow(ax, (xs["view"] + NODE_R, yv), (xs["W"] - 0.27, yv))
        _map(ax, xs["W"], yv, r"$\mathbf{W}$", color, narrowing=True)
        _arrow(ax, (xs["W"] + 0.25, yv), (xs["z"] - NODE_R, yv))
        _node(ax, xs["z"], yv, rf"$\mathbf{{z}}_{i}$", face="white")
    ax.text(xs["W"], y, "shared", ha="center", va="center", fontsize=FONT_PT - 1, color="#333333")
    # The loss compares the two embeddings; the constraint keeps them from collapsing to a constant.
    right = xs["z"] + 0.4
    ax.plot(
        [xs["z"] + NODE_R, right, right, xs["z"] + NODE_R],
        [y + dy, y + dy, y - dy, y - dy],
        color=color,
        lw=1.4,
        ls="--",
    )
    ax.text(right + 0.1, y + 0.12, r"$\|\mathbf{z}_1-\mathbf{z}_2\|^2$", va="bottom", fontsize=FONT_PT, color=color)
    constraint = "subject to\n" + r"$\mathbb{E}[\mathbf{z}\mathbf{z}^\top]=\mathbf{I}_k$" + "\n(no collapse)"
    ax.text(right + 0.1, y - 0.05, constraint, va="top", fontsize=FONT_PT - 1, color=color)


@styled
def plot_schematic() -> Figure:
    """Reconstruction (top) against joint embedding (bottom), in the notation of the paper's section 2:
    the views, the encoders E and W, RC's decoder D and where each loss is measured."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_IN)
    ax.set_ylim(0, HEIGHT_IN)
    ax.set_aspect("equal")
    ax.axis("off")
    _reconstruction(ax, HEIGHT_IN - 0.3)
    _joint_embedding(ax, HEIGHT_IN - 2.35)
    return fig
