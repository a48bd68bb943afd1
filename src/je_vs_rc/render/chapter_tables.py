"""The chapters' own tables (chapters 7, 9, 10 and 11): measured rows in, Markdown out. Headers and cell wording
live here, not in the chapters, so a chapter's table is one call."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..simulate.figure3_comparison import MATCH_FACTOR
from ..simulate.finite_samples import FiniteSweep, Rate
from ..theory import methods as registry
from ..words import count, fixed, number, percent, plain, rounded, significant
from .tables import cell, markdown_table


def dataset_table(available: Mapping[str, bool]) -> str:
    """Chapter 7's datasets of the registry: verified here, or the command that fetches one."""
    rows = [
        {
            "dataset": name,
            "status": "available, hashes verified" if ok else f"not in this build: `python -m je_vs_rc.data {name}`",
        }
        for name, ok in available.items()
    ]
    return markdown_table(rows, {"dataset": "dataset", "status": "status"})


def fraction(hits: int, total: int) -> str:
    """``"4 / 6"``: how many of a table's lines have a property."""
    return f"{hits} / {total}"


def threshold_range_table(ranges: Sequence[Mapping[str, object]], methods: registry.Methods) -> str:
    """Chapter 7's thresholds over the seeds, per noise level (rows of
    ``simulate.figure3_comparison.threshold_ranges``), one min and one max column per self-supervised
    method of ``methods``. Thresholds are read side by side, so all at three significant figures
    (``0.760`` beside ``0.762``, :func:`je_vs_rc.words.significant`), as the text says them."""
    columns = {"gamma_max": r"$\lambda^\Gamma_{\max}$"}
    for m in registry.encoders(methods):
        columns[f"{m.key}_min"] = rf"min $\alpha_{{\rm {m.short}}}$"
        columns[f"{m.key}_max"] = rf"max $\alpha_{{\rm {m.short}}}$"
    thresholds = [key for key in columns if key.endswith(("_min", "_max"))]
    rows = [{**row, **{key: significant(float(row[key])) for key in thresholds}} for row in ranges]
    columns.update({"switch": r"$\eta^2/\delta$ (mean)", "regimes": "Cor 4.5 regimes"})
    return markdown_table(rows, columns)


def figure3_comparison_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Chapter 7's line-by-line comparison (rows of ``simulate.figure3_comparison.comparison_rows``), one
    numbered table per noise level: each line's verdict first (the theory's, whether it matches, its markers
    within ``MATCH_FACTOR`` of the paper's and the median factor), then its end points, ours beside the
    paper's in one cell per sample size, so that the table fits the desktop column; on a phone each line is a
    block of labelled values ("stacked"), its end points on screen."""
    columns = {
        "model": "model",
        "alpha": "α",
        "theory": "theory",
        "match": "match",
        "markers_within": f"markers within {number(MATCH_FACTOR)}×",
        "median_factor": "median factor",
        "first": "n = 100: ours / paper",
        "last": "n = 51,200: ours / paper",
    }
    tables = []
    for noise in dict.fromkeys(str(r["noise"]) for r in rows):
        table = [
            {
                **r,
                "model": registry.get(str(r["model"])).short,
                "markers_within": fraction(r["markers_within"], r["markers"]),
                # A pair is read as one: it never breaks across lines (narrow no-break spaces); two
                # significant figures, as the text says end points (and as the paper's figure can be read).
                "first": f"{plain(r['ours_first'])}\u202f/\u202f{plain(r['paper_first'])}",
                "last": f"{plain(r['ours_last'])}\u202f/\u202f{plain(r['paper_last'])}",
            }
            for r in rows
            if r["noise"] == noise
        ]
        caption = f"{noise.capitalize()} noise: each line of Figure 3 against the paper's"
        tables.append(
            markdown_table(table, columns, caption=caption, formats={"median_factor": 2}, classes=("stacked",))
        )
    return "\n\n".join(tables)


def audit_table(counts: Sequence[Mapping[str, object]], methods: registry.Methods, caption: str) -> str:
    """Chapter 7's readings of the protocol (rows of ``checks.figure3.reading_counts``): per method of
    ``methods`` the lines matching the paper; for reconstruction also its markers within ``MATCH_FACTOR``
    and its worst line. The section around the table says which kind of reading its rows are; a seed
    count shared by every row is said once, after ``caption``. On a phone each reading is a block of
    labelled counts ("stacked"): its long name squeezed beside six columns read as a column of words."""
    shown, rc = registry.resolve(methods), registry.RECONSTRUCTION
    columns = {
        "reading": "reading of the protocol",
        "seeds": "seeds",
        **{f"{m.key}_lines": f"{m.short} lines" for m in shown},
        f"{rc.key}_markers": f"{rc.short} markers within {number(MATCH_FACTOR)}×",
        f"{rc.key}_worst": f"{rc.short} worst line (median factor)",
    }
    rows = [
        {
            **row,
            f"{rc.key}_markers": fraction(row[f"{rc.key}_markers"], row[f"{rc.key}_n_markers"]),
            **{f"{m.key}_lines": fraction(row[f"{m.key}_lines"], row[f"{m.key}_n_lines"]) for m in shown},
        }
        for row in counts
    ]
    seeds = {cell(row["seeds"]) for row in rows}
    if len(rows) > 1 and len(seeds) == 1:
        del columns["seeds"]
        caption += f" ({count(int(rows[0]['seeds']), 'seed', 'seeds')} each)"
    # median factors at two significant figures, as the line-by-line tables and the text say them
    return markdown_table(rows, columns, caption=caption, formats={f"{rc.key}_worst": 2}, classes=("stacked",))


def covers(rate: Rate, slope: float = -0.5) -> bool:
    """Whether the confidence interval of a fitted rate contains ``slope`` (the n^(-1/2) of concentration)."""
    return rate.low <= slope <= rate.high


def gap_table(gaps: Mapping[str, Sequence[float]], ratios: Sequence[float]) -> str:
    """Chapter 10's eigengap per method (``checks.finite_samples.check_gap_closes_at_threshold``: at the
    threshold, then at each ``ratios`` x threshold): one row per multiple of the threshold, one column per method."""
    shown = [registry.get(key) for key in gaps]
    multiples = ["1 (the threshold)", *(number(r) for r in ratios)]
    rows = [{"ratio": label, **{m.key: gaps[m.key][i] for m in shown}} for i, label in enumerate(multiples)]
    caption = (
        "The eigengap of the Davis–Kahan bound at each method’s threshold and above it: it closes at the threshold"
    )
    return markdown_table(rows, {"ratio": "α / threshold", **{m.key: f"gap, {m.short}" for m in shown}}, caption)


def multiple(short: str, ratio: float) -> str:
    """An alignment as a multiple of a method's threshold, as MyST math: ``$1.15\\,\\alpha_{\\rm JE}$`` (one
    column instead of a method column and a ratio column, so that chapter 10's tables fit a phone)."""
    return rf"${number(ratio)}\,\alpha_{{\rm {short}}}$"


def rate_table(sweeps: Sequence[FiniteSweep], ratios: Sequence[float], rates: Mapping[tuple[str, float], Rate]) -> str:
    """Chapter 10's fitted error rates: per sweep (method) and alpha = ratio x threshold, the slope of
    ``rates[(method key, ratio)]`` and its 95% interval (whether it contains -1/2 is said in the text)."""
    rows = [
        {
            "alpha": multiple(registry.get(sw.method).short, ratio),
            "slope": rates[(sw.method, ratio)].slope,
            "ci": f"[{fixed(rates[(sw.method, ratio)].low, 2)}, {fixed(rates[(sw.method, ratio)].high, 2)}]",
        }
        for sw in sweeps
        for ratio in ratios
    ]
    caption = "Fitted error rates: the slope of log(error) on log n over the three largest n, with its 95% interval"
    return markdown_table(rows, {"alpha": "α", "slope": "fitted slope", "ci": "95% CI"}, caption)


def labelled(rows: Mapping[str, Sequence[Mapping[str, object]]]) -> list[dict[str, object]]:
    """Rows per method key as one list, each with the method's short name under ``"model"``."""
    return [{**row, "model": registry.get(key).short} for key, method_rows in rows.items() for row in method_rows]


def fresh_prediction_tables(rows: Sequence[Mapping[str, float]]) -> tuple[str, str]:
    """Chapter 10's predicted sample sizes tried on fresh draws (rows of
    ``checks.finite_samples.check_fresh_predictions``, :func:`labelled`), as two tables: at the calibrated
    typical n (its median error) and at the calibrated-bound n (its largest error and the share within
    the target). A predicted n is an estimate: two significant figures, millions in words."""
    shown = [
        {
            **row,
            "alpha": multiple(str(row["model"]), float(row["ratio"])),
            "n_cal": rounded(row["n_cal"]),
            "n_bound": rounded(row["n_bound"]),
            "share_bound": "–" if math.isnan(row["share_bound"]) else percent(row["share_bound"], 3),
        }
        for row in rows
    ]
    key = {"alpha": "α"}
    typical = markdown_table(
        shown,
        key | {"n_cal": "predicted n", "err_cal": "median error there"},
        "The calibrated typical n tried on fresh draws: the median error there",
    )
    bound = markdown_table(
        shown,
        key | {"n_bound": "predicted n", "err_bound": "largest error there", "share_bound": "within target"},
        "The calibrated bound’s n tried on fresh draws: the largest error there and the share within the target",
    )
    return typical, bound


def cross_term_table(
    cross: Mapping[float, Mapping[str, Sequence[float]]], ns: Sequence[int], shown: registry.Methods
) -> str:
    """Chapter 9's dropped cross terms (``checks.errata.check_dropped_cross_terms`` per alpha): one column
    per sample size; the block's operator norm, then how far dropping it moves each encoder at each
    alpha (subspace distances), as decimals to two significant figures."""
    first = next(iter(cross.values()))
    rows = [{"what": "norm of the block", **{str(n): plain(v) for n, v in zip(ns, first["cross"])}}]
    rows += [
        {"what": f"{m.short} moved, α = {number(alpha, 3)}"}
        | {str(n): plain(v) for n, v in zip(ns, out[f"encoder_shift_{m.key}"])}
        for alpha, out in cross.items()
        for m in shown
    ]
    caption = (
        "The cross block eqs. 49, 57–58 and 72–73 drop: its operator norm, and how far dropping it moves each encoder"
    )
    return markdown_table(rows, {"what": "", **{str(n): f"n = {number(n)}" for n in ns}}, caption)


def span_distance_table(
    angles_deg: Sequence[float],
    clean: Mapping[str, Sequence[float]],
    corrupted: Mapping[str, Sequence[float]],
    caption: str,
) -> str:
    """Chapter 11's distances to span(Q_1) per rotation angle: ``sin(angle)``, then the clean-data encoders'
    (``clean[method key]``, one column "clean" for all methods when they read the same in every row) and the
    corrupted-data encoders' (``corrupted[method key]``, "corr."), in short headers that fit a phone."""
    shown = [registry.get(key) for key in clean]
    # Distances read down a column at one precision: three significant figures with their trailing zeros
    # (0.0860 above 0.0872, 0.500 beside 0.495), zero as 0.
    rows = [
        {"angle": float(a), "sin": significant(math.sin(math.radians(a)))}
        | {f"clean_{m.key}": significant(clean[m.key][j]) for m in shown}
        | {f"corrupted_{m.key}": significant(corrupted[m.key][j]) for m in shown}
        for j, a in enumerate(angles_deg)
    ]
    same = all(len({row[f"clean_{m.key}"] for m in shown}) == 1 for row in rows)
    clean_columns = (
        {f"clean_{shown[0].key}": "clean"} if same else {f"clean_{m.key}": f"clean {m.short}" for m in shown}
    )
    columns = {"angle": "ϑ (°)", "sin": "sin ϑ"} | clean_columns
    return markdown_table(rows, columns | {f"corrupted_{m.key}": f"corr. {m.short}" for m in shown}, caption)
