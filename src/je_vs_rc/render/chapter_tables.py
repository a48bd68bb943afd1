"""The chapters' own tables (chapters 7 and 10): measured rows in, Markdown out. Headers and cell wording
live here, not in the chapters, so a chapter's table is one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..simulate.figure3_comparison import MATCH_FACTOR
from ..simulate.finite_samples import FiniteSweep, Rate
from ..theory import methods as registry
from ..words import fixed, number
from .tables import markdown_table


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
    method of ``methods``."""
    columns = {"gamma_max": r"$\lambda^\Gamma_{\max}$"}
    for m in registry.encoders(methods):
        columns[f"{m.key}_min"] = rf"min $\alpha_{{\rm {m.short}}}$"
        columns[f"{m.key}_max"] = rf"max $\alpha_{{\rm {m.short}}}$"
    columns.update({"switch": r"$\eta^2/\delta$ (mean)", "regimes": "Cor 4.5 regimes"})
    return markdown_table(ranges, columns)


def figure3_comparison_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Chapter 7's line-by-line comparison (rows of ``simulate.figure3_comparison.comparison_rows``): endpoints, the
    markers within ``MATCH_FACTOR`` of the paper's, the median factor and the verdict."""
    short = {r["model"]: registry.get(str(r["model"])).short for r in rows}
    table = [
        {**r, "model": short[r["model"]], "markers_within": fraction(r["markers_within"], r["markers"])} for r in rows
    ]
    columns = {
        "noise": "noise",
        "model": "model",
        "alpha": "α",
        "theory": "theory",
        "ours_first": "ours, n=100",
        "paper_first": "paper, n=100",
        "ours_last": "ours, n=51,200",
        "paper_last": "paper, n=51,200",
        "markers_within": f"markers within {number(MATCH_FACTOR)}×",
        "median_factor": "median factor",
        "match": "match",
    }
    return markdown_table(table, columns, formats={"median_factor": 2})


def audit_table(counts: Sequence[Mapping[str, object]], kind: str, methods: registry.Methods) -> str:
    """Chapter 7's readings of the protocol (rows of ``checks.figure3.reading_counts``), each marked as of
    ``kind``: per method of ``methods`` the lines matching the paper; for reconstruction also its markers
    within ``MATCH_FACTOR`` and its worst line."""
    shown, rc = registry.resolve(methods), registry.RECONSTRUCTION
    columns = {
        "kind": "kind",
        "reading": "reading of the protocol",
        "seeds": "seeds",
        **{f"{m.key}_lines": f"{m.short} lines" for m in shown},
        f"{rc.key}_markers": f"{rc.short} markers within {number(MATCH_FACTOR)}×",
        f"{rc.key}_worst": f"{rc.short} worst line (median factor)",
    }
    rows = [
        {
            **row,
            "kind": kind,
            f"{rc.key}_markers": fraction(row[f"{rc.key}_markers"], row[f"{rc.key}_n_markers"]),
            **{f"{m.key}_lines": fraction(row[f"{m.key}_lines"], row[f"{m.key}_n_lines"]) for m in shown},
        }
        for row in counts
    ]
    return markdown_table(rows, columns)


def covers(rate: Rate, slope: float = -0.5) -> bool:
    """Whether the confidence interval of a fitted rate contains ``slope`` (the n^(-1/2) of concentration)."""
    return rate.low <= slope <= rate.high


def rate_table(sweeps: Sequence[FiniteSweep], ratios: Sequence[float], rates: Mapping[tuple[str, float], Rate]) -> str:
    """Chapter 10's fitted error rates: per sweep (method) and alpha = ratio x threshold, the slope of
    ``rates[(method key, ratio)]``, its 95% interval and whether it contains -1/2."""
    rows = [
        {
            "model": registry.get(sw.method).short,
            "ratio": ratio,
            "alpha": float(alpha),
            "slope": rates[(sw.method, ratio)].slope,
            "ci": f"[{fixed(rates[(sw.method, ratio)].low, 2)}, {fixed(rates[(sw.method, ratio)].high, 2)}]",
            "half": covers(rates[(sw.method, ratio)]),
        }
        for sw in sweeps
        for ratio, alpha in zip(ratios, sw.alphas)
    ]
    columns = {
        "model": "model",
        "ratio": "α / threshold",
        "alpha": "α",
        "slope": "fitted slope",
        "ci": "95% CI",
        "half": "CI contains −1/2",
    }
    return markdown_table(rows, columns)


def labelled(rows: Mapping[str, Sequence[Mapping[str, object]]]) -> list[dict[str, object]]:
    """Rows per method key as one list, each with the method's short name under ``"model"``."""
    return [{**row, "model": registry.get(key).short} for key, method_rows in rows.items() for row in method_rows]


def fresh_prediction_table(rows: Sequence[Mapping[str, float]], target: float) -> str:
    """Chapter 10's predicted sample sizes tried on fresh draws: rows of
    ``checks.finite_samples.check_fresh_predictions`` (:func:`labelled`); errors also as a multiple of ``target``."""
    shown = [
        {
            **row,
            "n_cal": f"{row['n_cal']:,.0f}",
            "n_bound": f"{row['n_bound']:,.0f}",
            "ratio_cal": row["err_cal"] / target,
        }
        for row in rows
    ]
    columns = {
        "model": "model",
        "ratio": "α / threshold",
        "n_cal": "calibrated n",
        "err_cal": "median error there",
        "ratio_cal": "÷ target",
        "n_bound": "calibrated-bound n",
        "err_bound": "largest error there",
        "share_bound": "share within target",
    }
    return markdown_table(shown, columns)
