"""The chapters' tables: one row per measured item, headers from the methods shown, cells worded once."""

from __future__ import annotations

import numpy as np

from je_vs_rc.render.chapter_tables import (
    audit_table,
    cross_term_table,
    dataset_table,
    figure3_comparison_table,
    fresh_prediction_tables,
    gap_table,
    labelled,
    rate_table,
    span_distance_table,
    threshold_range_table,
)
from je_vs_rc.simulate.finite_samples import FiniteSweep, Rate
from je_vs_rc.theory.methods import PAPER_ENCODERS, PAPER_METHODS, RECONSTRUCTION


def lines(table: str) -> list[list[str]]:
    """A table's rows (header first), its caption and options left out."""
    rows = [line for line in table.splitlines() if line.startswith("|") and "---" not in line]
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows]


def test_threshold_ranges_have_a_column_pair_per_method_shown():
    row = {
        "gamma_max": 1e3,
        "je_min": 0.5,
        "je_max": 0.7,
        "rc_min": 2.0,
        "rc_max": 3.0,
        "switch": 1.2,
        "regimes": "low",
    }
    header, body = lines(threshold_range_table([row], PAPER_METHODS))
    assert header[1:5] == [
        r"min $\alpha_{\rm JE}$",
        r"max $\alpha_{\rm JE}$",
        r"min $\alpha_{\rm RC}$",
        r"max $\alpha_{\rm RC}$",
    ]
    assert body == ["1,000", "0.500", "0.700", "2.00", "3.00", "1.2", "low"]  # thresholds at one precision
    assert len(lines(threshold_range_table([row], [RECONSTRUCTION]))[0]) == 5


def test_figure3_rows_and_the_audit():
    rows = [
        {
            "noise": "weak",
            "model": "rc",
            "alpha": 10.0,
            "theory": "converges",
            "ours_first": 1.0,
            "ours_last": 0.01,
            "paper_first": 2.0,
            "paper_last": 0.02,
            "markers_within": 9,
            "markers": 10,
            "median_factor": 1.26,
            "match": True,
        },
        {
            "noise": "strong",
            "model": "rc",
            "alpha": 10.0,
            "theory": "fails",
            "ours_first": 1.0,
            "ours_last": 0.9,
            "paper_first": 1.0,
            "paper_last": 0.01,
            "markers_within": 0,
            "markers": 10,
            "median_factor": 40.0,
            "match": False,
        },
    ]
    weak, strong = figure3_comparison_table(rows).split("\n\n~~~")
    assert weak.splitlines()[1] == ":class: stacked"  # on a phone, each line a block of labelled values
    # One numbered table per noise level, the verdict first, the end points pairing ours with the
    # paper's, so that each fits the column.
    assert weak.startswith("~~~{table} Weak noise") and strong.startswith("{table} Strong noise")
    header, first = (row for row in lines(weak) if len(row) > 1)
    assert header[2:5] == ["theory", "match", "markers within 3×"] and first[3:6] == ["yes", "9 / 10", "1.3"]
    assert first[6:] == ["1\u202f/\u202f2", "0.01\u202f/\u202f0.02"] and len(header) == 8
    assert [row for row in lines(strong) if len(row) > 1][1][3] == "no"
    counts = [
        {
            "reading": "pixels in [0, 1]",
            "seeds": 2,
            "je_lines": 1,
            "je_n_lines": 6,
            "rc_lines": 0,
            "rc_n_lines": 6,
            "rc_markers": 3,
            "rc_n_markers": 60,
            "rc_worst": 12.0,
        }
    ]
    audit = audit_table(counts, ["je", "rc"], "Open choices")
    # a numbered table, each reading a block of labelled counts on a phone (site.css "stacked")
    assert audit.splitlines()[:2] == ["~~~{table} Open choices", ":class: stacked"]
    header, body = (row for row in lines(audit) if len(row) > 1)
    assert header == [
        "reading of the protocol",
        "seeds",
        "JE lines",
        "RC lines",
        "RC markers within 3×",
        "RC worst line (median factor)",
    ]
    assert body == ["pixels in [0, 1]", "2", "1 / 6", "0 / 6", "3 / 60", "12"]
    # a seed count shared by every row is said once, in the caption
    two = audit_table([counts[0], {**counts[0], "reading": "PCA on each subsample"}], ["je", "rc"], "Open choices")
    assert two.splitlines()[0] == "~~~{table} Open choices (2 seeds each)"
    assert "seeds" not in next(row for row in lines(two) if len(row) > 1)
    assert (
        lines(dataset_table({"mnist": True, "kmnist": False}))[2][1]
        == "not in this build: `python -m je_vs_rc.data kmnist`"
    )


def test_rates_and_fresh_predictions():
    sweeps = [FiniteSweep(m.key, np.array([1.0, 2.0]), np.array([10]), *np.ones((3, 2, 1, 1))) for m in PAPER_ENCODERS]
    rates = {(m.key, r): Rate(-0.5, -0.6, -0.4 if r < 2 else -0.55, 0.0) for m in PAPER_ENCODERS for r in (1.5, 3.0)}
    header, *body = lines(rate_table(sweeps, [1.5, 3.0], rates))
    # The alignment as a multiple of the method's threshold, in one column (the table fits a phone).
    assert header == ["α", "fitted slope", "95% CI"]
    assert body[0] == [r"$1.5\,\alpha_{\rm JE}$", "−0.5", "[−0.60, −0.40]"]
    assert body[1][-1] == "[−0.60, −0.55]" and body[2][0] == r"$1.5\,\alpha_{\rm RC}$"
    fresh = {
        "je": [
            {
                "ratio": 1.5,
                "n_cal": 12345.6,
                "err_cal": 0.05,
                "n_bound": 1.61e6,
                "err_bound": np.nan,
                "share_bound": np.nan,
            },
            {"ratio": 3.0, "n_cal": 345.6, "err_cal": 0.04, "n_bound": 27531, "err_bound": 0.01, "share_bound": 5 / 6},
        ]
    }
    typical, bound = (lines(table) for table in fresh_prediction_tables(labelled(fresh)))
    # Predicted sizes are estimates (two significant figures); a prediction not simulated is a dash.
    assert typical[1] == [r"$1.5\,\alpha_{\rm JE}$", "12,000", "0.05"] and typical[2][1] == "350"
    assert bound[1][1:] == ["1.6 million", "–", "–"] and bound[2][1:] == ["28,000", "0.01", "83.3%"]


def test_gap_cross_term_and_span_tables():
    gaps = {"je": [0.0, 0.06, 0.2], "rc": [0.0, 0.3, 0.7]}
    header, *body = lines(gap_table(gaps, [1.15, 2.0]))
    assert header == ["α / threshold", "gap, JE", "gap, RC"] and body[0] == ["1 (the threshold)", "0", "0"]
    assert body[2] == ["2", "0.2", "0.7"]
    out = {"cross": [1.25, 0.0908], "encoder_shift_je": [0.0016, 6.2e-4], "encoder_shift_rc": [0.019, 2e-15]}
    header, *body = lines(cross_term_table({1.0: out}, [200, 20000], PAPER_ENCODERS))
    assert header == ["", "n = 200", "n = 20,000"] and body[0] == ["norm of the block", "1.2", "0.091"]
    assert body[1] == ["JE moved, α = 1", "0.0016", "0.00062"] and body[2][2] == "2\u202f×\u202f10⁻¹⁵"
    clean = {"je": [0.0, 0.5], "rc": [0.0, 0.5]}
    header, *body = lines(span_distance_table([0, 30], clean, {"je": [0.0, 0.5], "rc": [0.0, 0.49]}, "Distances"))
    assert header == ["ϑ (°)", "sin ϑ", "clean", "corr. JE", "corr. RC"]
    assert body[1] == ["30", "0.500", "0.500", "0.500", "0.490"]  # one precision down a column
    header = lines(span_distance_table([0, 30], {"je": [0.0, 0.5], "rc": [0.0, 0.4]}, clean, "Distances"))[0]
    assert header[2:4] == ["clean JE", "clean RC"]


def test_every_chapter_table_is_captioned():
    # A numbered table beside numbered ones: each helper writes a captioned MyST table.
    gaps = {"je": [0.0, 0.1], "rc": [0.0, 0.2]}
    assert gap_table(gaps, [2.0]).startswith("~~~{table} The eigengap")
    clean = {"je": [0.0, 0.5], "rc": [0.0, 0.5]}
    assert span_distance_table([0, 30], clean, clean, "Distances").startswith("~~~{table} Distances")
