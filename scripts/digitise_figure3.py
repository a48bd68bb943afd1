"""Digitise every marker of the paper's Figure 3 (18 lines x 10 sample sizes) from its published PNG.

Run from the repository root (offline; needs numpy and Pillow, both in the run profile):

    python scripts/digitise_figure3.py            # print the markers and the digitisation's error
    python scripts/digitise_figure3.py --write    # rewrite the FIG3_MARKERS table in src/je_vs_rc/paper.py
    python scripts/digitise_figure3.py --overlay out.png   # the PNG with the digitised markers drawn on it

It lives here, not in the package: it is a one-off provenance tool that turns a committed image into the
committed table ``je_vs_rc.paper.FIG3_MARKERS``; the package and the book read only that table, so they
never need the image or Pillow's drawing code. ``tests/test_digitise_figure3.py`` reruns it and checks
that it reproduces the table.

Method (nothing is read by eye except the tick labels' values, typed in :data:`Y_TICKS`):

1. Each panel's frame is found as the long light-grey rows and columns of the axes' box.
2. x calibration: the three vertical gridlines inside each panel are at n = 10^2, 10^3, 10^4 (the tick
   labels under them); their sub-pixel centres give pixel = a + b log10(n) per panel.
3. y calibration: the horizontal gridlines sit at the labelled values. The strong-noise reconstruction
   panel labels minor ticks (3e-1, 2e-1, 6e-2) without gridlines; there the tick position is the label's
   vertical centre plus the offset between a label and its gridline, measured on every labelled gridline
   of the figure. A least-squares line log10(value) -> row per panel; its residuals are part of the error.
4. Markers: the 10 sample sizes are n = 100 * 2^j (the digest's reading of the 10 log2-spaced markers;
   checked here: the fitted x positions of the marker columns agree with it, see ``x_check``). At each
   marker's column, the run of pixels of the line's colour (matplotlib's tab10 blue, orange, green) through
   the marker is symmetric about the marker's centre (marker and line segments both are), so the centre is
   the run's midpoint, averaged over the 5 columns around the marker. Lines drawn later hide earlier ones
   (green over orange over blue): where a run ends on a later colour, that end is hidden and the centre is
   taken from the visible end and the colour's median half-height at that column.
5. The digitisation's own error: calibration residuals (gridlines off the fitted line), the spread of the
   centre over the 5 columns, and a synthetic check: :func:`synthetic_error` draws known values with the
   same marker styles and resolution, digitises them with the same code, and reports the largest error.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PNG = ROOT / "scripts" / "fig3_mnist_paper.png"
PAPER_PY = ROOT / "src" / "je_vs_rc" / "paper.py"

NS = tuple(100 * 2**j for j in range(10))
ALPHAS = (0.1, 1.0, 10.0)
# Panels in reading order: (noise level, model key); rows weak then strong, columns SL, JE, RC.
PANELS = (("weak", "sl"), ("weak", "je"), ("weak", "rc"), ("strong", "sl"), ("strong", "je"), ("strong", "rc"))
# The y tick labels of each panel, top to bottom, as printed on the figure (the only values read by eye).
Y_TICKS = {
    ("weak", "sl"): (1e-2, 1e-3, 1e-4, 1e-5),
    ("weak", "je"): (1e-3, 1e-5, 1e-7),
    ("weak", "rc"): (1e-2, 1e-3, 1e-4, 1e-5),
    ("strong", "sl"): (1e-2, 1e-4),
    ("strong", "je"): (1e-1, 1e-3, 1e-5, 1e-7),
    ("strong", "rc"): (3e-1, 2e-1, 1e-1, 6e-2),
}
X_TICKS = (1e2, 1e3, 1e4)
# matplotlib's tab10 colours of the three alphas, in drawing order (later ones hide earlier ones).
COLOURS = {0.1: (31, 119, 180), 1.0: (255, 127, 14), 10.0: (44, 160, 44)}
# A pixel belongs to a line if its RGB distance to the line's colour is below this (anti-aliased edges
# and the light confidence bands, ~100 away, are excluded).
COLOUR_TOL = 60.0
GRID_GREY = (200, 235)  # gridlines and frames are neutral grey in this range (anti-aliased)
HALF_WINDOW = 2  # columns on each side of a marker's column used for its centre
LABEL_STRIP = 55  # the tick labels end within this many pixels left of a frame (the axis title is further left)


def load(path: Path = PNG) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(float)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) inclusive of each run of True values."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    return list(zip(starts.tolist(), ends.tolist()))


def _grey(img: np.ndarray) -> np.ndarray:
    return (np.ptp(img, axis=2) <= 2) & (img[..., 0] >= GRID_GREY[0]) & (img[..., 0] <= GRID_GREY[1])


def _line_centres(profile: np.ndarray, weight: np.ndarray, minimum: float) -> list[float]:
    """Sub-pixel centres of the peaks of a count profile (gridlines span 1-2 anti-aliased pixels)."""
    centres = []
    for start, end in _runs(profile >= minimum):
        idx = np.arange(start, end + 1)
        centres.append(float(np.sum(idx * weight[idx]) / np.sum(weight[idx])))
    return centres


def frames(img: np.ndarray) -> list[tuple[float, float, float, float]]:
    """The six axes boxes (left, right, top, bottom) in reading order, from the grey frame lines."""
    grey = _grey(img)
    h, w = grey.shape
    darkness = np.where(grey, 255 - img[..., 0], 0.0)
    # Frame tops and bottoms span all three panels of a row; the legend's box comes after them.
    rows = _line_centres(grey.sum(1), darkness.sum(1), 0.6 * w)[:4]
    boxes = []
    for top, bottom in ((rows[0], rows[1]), (rows[2], rows[3])):
        # Along the top frame line, the grey runs are the three panels' widths.
        segments = [(a, b) for a, b in _runs(grey[int(round(top))]) if b - a > 0.15 * w]
        if len(segments) != 3:
            raise ValueError(f"expected 3 panels along row {top:.0f}, found {len(segments)}")
        for a, b in segments:
            # Sub-pixel side lines: the grey column profile at each end of the segment.
            sides = []
            for end in (a, b):
                idx = np.arange(end - 2, end + 3)
                prof = grey[int(top) + 5 : int(bottom) - 5, idx].sum(0)
                keep = prof > 0.5 * (bottom - top)
                wgt = darkness[int(top) + 5 : int(bottom) - 5, idx].sum(0) * keep
                sides.append(float(np.sum(idx * wgt) / np.sum(wgt)))
            boxes.append((sides[0], sides[1], top, bottom))
    return boxes


def _interior_lines(img: np.ndarray, box: tuple[float, float, float, float], axis: int) -> list[float]:
    """Sub-pixel centres of the gridlines inside a box: axis 0 for vertical lines, 1 for horizontal."""
    left, right, top, bottom = (int(round(v)) for v in box)
    inner = img[top + 3 : bottom - 2, left + 3 : right - 2]
    grey = _grey(inner)
    darkness = np.where(grey, 255 - inner[..., 0], 0.0)
    extent = inner.shape[axis]
    centres = _line_centres(grey.sum(axis), darkness.sum(axis), 0.3 * extent)
    return [c + (left + 3 if axis == 0 else top + 3) for c in centres]


def _label_centres(img: np.ndarray, box: tuple[float, float, float, float]) -> list[float]:
    """Vertical centres of the y tick labels (runs of dark text rows left of the frame)."""
    left, _, top, bottom = (int(round(v)) for v in box)
    strip = img[top - 25 : bottom + 25, left - LABEL_STRIP : left - 3].mean(2) < 128
    return [(a + b) / 2 + top - 25 for a, b in _runs(strip.any(1)) if b - a >= 15]


def calibrate(img: np.ndarray) -> dict[tuple[str, str], dict[str, object]]:
    """Per panel: the x and y maps (pixel = a + b log10(value)) and their calibration residuals (pixels)."""
    boxes = frames(img)
    # Offset between a tick label's centre and its tick, from every label that sits on a gridline.
    offsets, found = [], {}
    for panel, box in zip(PANELS, boxes):
        grid = _interior_lines(img, box, 1)
        labels = _label_centres(img, box)
        if len(labels) != len(Y_TICKS[panel]):
            raise ValueError(f"panel {panel}: {len(labels)} tick labels found, Y_TICKS lists {len(Y_TICKS[panel])}")
        found[panel] = (grid, labels)
        offsets += [g - lab for lab in labels for g in grid if abs(g - lab) < 6]
    offset = float(np.mean(offsets))
    out = {}
    for panel, box in zip(PANELS, boxes):
        grid, labels = found[panel]
        xs = _interior_lines(img, box, 0)
        if len(xs) != len(X_TICKS):
            raise ValueError(f"panel {panel}: {len(xs)} vertical gridlines, expected {len(X_TICKS)}")
        x_fit = np.polyfit(np.log10(X_TICKS), xs, 1)
        # Each label's tick: its gridline where it has one, else its centre plus the measured offset.
        rows = []
        for lab in labels:
            on_grid = [g for g in grid if abs(g - (lab + offset)) < 6]
            rows.append(on_grid[0] if on_grid else lab + offset)
        y_fit = np.polyfit(np.log10(Y_TICKS[panel]), rows, 1)
        out[panel] = {
            "box": box,
            "x": x_fit,
            "y": y_fit,
            "x_resid": np.asarray(xs) - np.polyval(x_fit, np.log10(X_TICKS)),
            "y_resid": np.asarray(rows) - np.polyval(y_fit, np.log10(Y_TICKS[panel])),
            "gridlines": len([r for r in rows if r in grid]),
        }
    out["label_offset"] = {"mean": offset, "sd": float(np.std(offsets)), "count": len(offsets)}  # type: ignore[index]
    return out


def _colour_mask(img: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.sqrt(((img - np.asarray(colour, float)) ** 2).sum(2)) < COLOUR_TOL


def marker_rows(
    img: np.ndarray, box: tuple[float, float, float, float], columns: np.ndarray
) -> tuple[dict[float, np.ndarray], dict[float, np.ndarray], dict[float, np.ndarray]]:
    """Row of each line's marker centre at each column (NaN where hidden), the spread of the estimate
    over the window's columns, and how hidden it was by later lines (0 visible, 1 an end of its run
    hidden, 2 wholly hidden: then placed where its two line segments meet)."""
    left, right, top, bottom = (int(round(v)) for v in box)
    masks = {a: _colour_mask(img, c) for a, c in COLOURS.items()}
    order = list(COLOURS)
    centres, spreads, hidden = {}, {}, {}
    # First pass: each column's run (start, end) and which ends are hidden by a later-drawn line.
    runs: dict[float, list[list[tuple[int, int, bool, bool, int]]]] = {}
    later_masks = {}
    for i, alpha in enumerate(order):
        later = np.zeros_like(masks[alpha])
        for other in order[i + 1 :]:
            later |= masks[other]
        later_masks[alpha] = later
        per_marker = []
        for x in columns:
            cols = []
            for dx in range(-HALF_WINDOW, HALF_WINDOW + 1):
                col = int(round(x)) + dx
                found = _runs(masks[alpha][top + 2 : bottom - 1, col])
                if not found:
                    continue
                a, b = max(found, key=lambda r: r[1] - r[0])
                a, b = a + top + 2, b + top + 2
                cols.append(
                    (
                        a,
                        b,
                        bool(later[a - 1, col] or later[a - 2, col]),
                        bool(later[b + 1, col] or later[b + 2, col]),
                        dx,
                    )
                )
            per_marker.append(cols)
        runs[alpha] = per_marker
    for alpha in order:
        # Median half-height per column offset, from runs with both ends visible.
        half = {
            dx: np.median(
                [(b - a) / 2 for m in runs[alpha] for a, b, ht, hb, d in m if d == dx and not ht and not hb] or [np.nan]
            )
            for dx in range(-HALF_WINDOW, HALF_WINDOW + 1)
        }
        est, spread, hid = [], [], []
        for cols in runs[alpha]:
            values = []
            for a, b, hide_top, hide_bottom, dx in cols:
                if hide_top and hide_bottom:
                    continue
                if hide_top:
                    values.append(b - half[dx])
                elif hide_bottom:
                    values.append(a + half[dx])
                else:
                    values.append((a + b) / 2)
            values = [v for v in values if np.isfinite(v)]
            est.append(float(np.mean(values)) if values else np.nan)
            spread.append(float(np.ptp(values)) if values else np.nan)
            hid.append(int(any(ht or hb for _, _, ht, hb, _ in cols)))
        for j in np.flatnonzero(np.isnan(est)):  # a marker wholly under a later one: meet of its segments
            est[j] = _from_segments(masks[alpha], later_masks[alpha], columns[j], top, bottom)
            hid[j] = 2
        centres[alpha], spreads[alpha], hidden[alpha] = np.array(est), np.array(spread), np.array(hid)
    return centres, spreads, hidden


def _from_segments(mask: np.ndarray, later: np.ndarray, x: float, top: int, bottom: int) -> float:
    """Where a hidden marker's two line segments meet: each side's visible run midpoints (columns 8 to 24
    pixels away, past the hiding marker) fitted by a straight line and evaluated at the marker's column;
    the mean of the two sides."""
    sides = []
    for side in (-1, 1):
        cols, mids = [], []
        for k in range(8, 25):
            col = int(round(x)) + side * k
            found = _runs(mask[top + 2 : bottom - 1, col])
            if not found:
                continue
            a, b = max(found, key=lambda r: r[1] - r[0])
            a, b = a + top + 2, b + top + 2
            if not (later[a - 1, col] or later[b + 1, col]):
                cols.append(col)
                mids.append((a + b) / 2)
        if len(cols) >= 3:
            sides.append(float(np.polyval(np.polyfit(cols, mids, 1), x)))
    return float(np.mean(sides)) if sides else np.nan


def digitise(img: np.ndarray) -> dict[str, object]:
    """All 180 markers, with the calibration and the per-marker diagnostics."""
    cal = calibrate(img)
    markers: dict[tuple[str, str], dict[float, list[float]]] = {}
    diag = {}
    for panel in PANELS:
        c = cal[panel]
        columns = np.polyval(c["x"], np.log10(NS))
        rows, spreads, hidden = marker_rows(img, c["box"], columns)
        markers[panel] = {}
        for alpha in ALPHAS:
            log_values = (rows[alpha] - c["y"][1]) / c["y"][0]
            markers[panel][alpha] = [float(10**v) for v in log_values]
            # Pixels per decade converts the spread (pixels) to decades.
            diag[(panel, alpha)] = {
                "spread_decades": spreads[alpha] / abs(c["y"][0]),
                "hidden": hidden[alpha],
            }
    return {"markers": markers, "calibration": cal, "diagnostics": diag}


def synthetic_error(seed: int = 0) -> dict[str, float]:
    """The marker finder's error (decades) on a panel with known values drawn in the paper's style
    (markers X, s, D in tab10 colours over light bands, 300 dpi, a similar number of pixels per decade),
    with two lines 0.05 to 0.3 decades apart (partly hiding each other, as in the paper's SL and weak RC
    panels) and a third crossing them: the largest error over fully visible and over partly hidden markers."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    j = np.arange(10)
    truth = {
        0.1: 10 ** (-1.5 - 0.4 * j + rng.normal(0, 0.05, 10)),
        10.0: 10 ** (-0.8 - 0.25 * j + rng.normal(0, 0.2, 10)),
    }
    truth[1.0] = truth[0.1] * 10 ** -np.linspace(0.05, 0.3, 10)
    fig, ax = plt.subplots(figsize=(2.0, 1.4), dpi=300)
    for alpha, marker in zip(ALPHAS, ("X", "s", "D")):
        colour = np.asarray(COLOURS[alpha]) / 255
        ax.fill_between(NS, truth[alpha] / 1.3, truth[alpha] * 1.3, color=colour, alpha=0.3, lw=0)
        ax.plot(NS, truth[alpha], marker=marker, color=colour, ms=3, lw=1.2)
    ax.set(xscale="log", yscale="log", xlim=(70, 7e4), ylim=(1e-6, 1))
    ax.grid(color="#dddddd", lw=0.6)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=300)
    plt.close(fig)
    img = np.asarray(Image.open(buf).convert("RGB")).astype(float)
    # Positions from matplotlib's own transform: this checks the marker finder, not the calibration.
    # Display y runs up from the bottom edge; row r of the image covers display y in (h - r - 1, h - r).
    h, to_px = img.shape[0], ax.transData
    cols = np.array([to_px.transform((n, 1))[0] for n in NS]) - 0.5
    bbox = ax.get_window_extent()
    rows, _, hidden = marker_rows(img, (bbox.x0, bbox.x1, h - bbox.y1, h - bbox.y0), cols)
    per_decade = abs(to_px.transform((1, 10))[1] - to_px.transform((1, 1))[1])
    visible, partly = [0.0], [0.0]
    for alpha in ALPHAS:
        true_rows = h - np.array([to_px.transform((n, v))[1] for n, v in zip(NS, truth[alpha])]) - 0.5
        err = np.abs(rows[alpha] - true_rows) / per_decade
        visible += err[hidden[alpha] == 0].tolist()
        partly += err[hidden[alpha] > 0].tolist()
    return {"visible": max(visible), "partly_hidden": max(partly)}


def summary(result: dict[str, object]) -> dict[str, float]:
    """The digitisation's error terms, in decades (and as a factor, 10^decades)."""
    cal = result["calibration"]
    pixels_per_decade = {p: abs(cal[p]["y"][0]) for p in PANELS}
    y_resid = max(float(np.max(np.abs(cal[p]["y_resid"]))) / pixels_per_decade[p] for p in PANELS)
    x_resid = max(float(np.max(np.abs(cal[p]["x_resid"]))) / abs(cal[p]["x"][0]) for p in PANELS)
    spreads = np.concatenate([d["spread_decades"] for d in result["diagnostics"].values()])
    hidden = np.concatenate([d["hidden"] for d in result["diagnostics"].values()])
    return {
        "y_calibration_decades": y_resid,
        "x_calibration_decades": x_resid,
        "window_spread_median_decades": float(np.nanmedian(spreads)),
        "window_spread_max_decades": float(np.nanmax(spreads)),
        "partly_hidden_markers": int(np.sum(hidden == 1)),
        "wholly_hidden_markers": int(np.sum(hidden == 2)),
        "missing_markers": int(np.isnan([v for lines in result["markers"].values() for v in lines.values()]).sum()),
        "min_pixels_per_decade": min(pixels_per_decade.values()),
        "label_offset_sd_pixels": cal["label_offset"]["sd"],
    }


def table_source(markers: dict[tuple[str, str], dict[float, list[float]]]) -> str:
    """The Python literal of FIG3_MARKERS (3 significant digits, as ``ruff format`` writes it)."""
    lines = ["FIG3_MARKERS: dict[tuple[str, str], dict[float, tuple[float, ...]]] = {"]
    for panel in PANELS:
        lines.append(f'    ("{panel[0]}", "{panel[1]}"): {{')
        for alpha in ALPHAS:
            values = ", ".join(f"{v:.3g}" for v in markers[panel][alpha])
            lines.append(f"        {alpha!r}: ({values}),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines)


BEGIN, END = "# BEGIN FIG3_MARKERS (generated by scripts/digitise_figure3.py --write)", "# END FIG3_MARKERS"


def write_table(source: str, path: Path = PAPER_PY) -> None:
    text = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no '{BEGIN}' ... '{END}' block to rewrite")
    tmp = path.with_suffix(".py.partial")
    tmp.write_text(pattern.sub(lambda _: f"{BEGIN}\n{source}\n{END}", text))
    tmp.replace(path)


def overlay(img: np.ndarray, result: dict[str, object], out: Path) -> None:
    """The figure with a black ring on every digitised marker (drawn from the digitised values back
    through the calibration, so a ring off its marker shows an error in either step)."""
    pic = Image.fromarray(img.astype(np.uint8))
    draw = ImageDraw.Draw(pic)
    cal = result["calibration"]
    for panel in PANELS:
        xs = np.polyval(cal[panel]["x"], np.log10(NS))
        for alpha in ALPHAS:
            ys = np.polyval(cal[panel]["y"], np.log10(result["markers"][panel][alpha]))
            for x, y in zip(xs, ys):
                draw.ellipse((x - 9, y - 9, x + 9, y + 9), outline=(0, 0, 0), width=2)
                draw.line((x - 13, y, x - 10, y), fill=(0, 0, 0), width=1)
    pic.save(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--png", type=Path, default=PNG, help="the paper's Figure 3 (default: %(default)s)")
    parser.add_argument("--write", action="store_true", help="rewrite FIG3_MARKERS in src/je_vs_rc/paper.py")
    parser.add_argument("--overlay", type=Path, help="write the figure with the digitised markers drawn on it")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the synthetic check (needs matplotlib)")
    args = parser.parse_args(argv)
    img = load(args.png)
    result = digitise(img)
    source = table_source(result["markers"])
    print(source)
    for key, value in summary(result).items():
        print(f"# {key}: {value:.4g}")
    if not args.no_synthetic:
        for key, value in synthetic_error().items():
            print(f"# synthetic_max_error_decades_{key}: {value:.4g}")
    if args.overlay:
        overlay(img, result, args.overlay)
    if args.write:
        write_table(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
