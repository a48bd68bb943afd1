"""Figure 3 read against the theory and against the paper: the theory's verdict for each line (from the
thresholds of each seed's spectra), the thresholds' spread over seeds, and each of our lines against the
paper's digitised markers (``paper.FIG3_MARKERS``)."""

from __future__ import annotations

import numpy as np

from ..theory import methods as registry
from ..theory.linalg import single_threaded_module
from .figure3 import Fig3Result

# A line "converges" if it falls by at least this factor between the smallest and largest n.
CONVERGE_FACTOR = 0.1
# A marker "matches" the paper's if within this factor (half a decade on the figure's log axis; the
# digitisation's own error, paper.FIG3_DIGITISATION_DECADES, is 20 times smaller).
MATCH_FACTOR = 3.0
# A line matches if at least this share of its markers match: on the paper's grid, 8 of 10 (two may
# stray: seed noise at the smallest distances, ~1e-8, where the paper's bands reach the axis).
LINE_MATCH_SHARE = 0.8


def markers_needed(markers: int) -> int:
    """How many of a line's ``markers`` compared must match for the line to match."""
    return int(np.ceil(LINE_MATCH_SHARE * markers - 1e-9))


def predictions(result: Fig3Result) -> np.ndarray:
    """The theory's verdict for each (noise level, model, alpha): "converges", "fails" or "mixed".

    SL always converges (Prop 4.2). JE and RC converge iff ``alpha^2`` exceeds the threshold computed
    from the PCA spectrum and each seed's drawn spectra; "mixed" when the seeds disagree.
    """
    cfg = result.config
    out = np.empty((len(cfg.gamma_max), len(result.methods), len(cfg.alphas)), dtype=object)
    for g in range(len(cfg.gamma_max)):
        ths = result.thresholds(g)
        for m, key in enumerate(result.methods):
            for a, alpha in enumerate(cfg.alphas):
                votes = {th.recovers(key, alpha) for th in ths}
                out[g, m, a] = "mixed" if len(votes) == 2 else ("converges" if votes.pop() else "fails")
    return out


def converges(curve: np.ndarray) -> bool:
    """A line converges if its last value is below ``CONVERGE_FACTOR`` times its first."""
    return bool(curve[-1] < CONVERGE_FACTOR * curve[0])


def paper_markers(noise: str, method: str, alpha: float) -> np.ndarray | None:
    """The paper's 10 markers of one line (n = ``paper.FIG3_NS``), or None if the figure has no such line."""
    from ..paper import FIG3_MARKERS

    values = FIG3_MARKERS.get((noise, method), {}).get(float(alpha))
    return None if values is None else np.asarray(values)


def marker_factors(ours: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Per marker, how far ours is from the paper's as a factor >= 1 (``max(r, 1/r)``, r = ours/paper;
    infinite where ours is exactly 0, as the clean-input variant's distances can be)."""
    ratio = np.asarray(ours, float) / np.asarray(paper, float)
    with np.errstate(divide="ignore"):
        return np.maximum(ratio, 1 / ratio)


def line_comparison(curve: np.ndarray, paper: np.ndarray) -> dict[str, object]:
    """One line against the paper's markers: markers within ``MATCH_FACTOR``, median and worst factor,
    and whether the line matches (at least :func:`markers_needed` markers within the factor)."""
    factors = marker_factors(curve, paper)
    within = int(np.sum(factors < MATCH_FACTOR))
    return {
        "markers_within": within,
        "markers": int(factors.size),
        "markers_needed": markers_needed(factors.size),
        "median_factor": float(np.median(factors)),
        "worst_factor": float(np.max(factors)),
        "match": within >= markers_needed(factors.size),
    }


def comparison_rows(result: Fig3Result) -> list[dict[str, object]]:
    """One row per panel line: the theory's verdict, our endpoints (seed mean), the paper's, and the
    comparison of the paper's markers at the run's sample sizes (:func:`line_comparison`; all 10 on the
    paper's grid ``paper.FIG3_NS``, fewer on a thinned one).

    Only meaningful for the paper's noise levels (1e3/1e6) and alphas (0.1/1/10), with n from 100 to
    51,200: :func:`~je_vs_rc.checks.figure3.check_paper_grid` checks that.
    """
    from ..paper import FIG3_NOISE_LEVELS, FIG3_NS

    cfg, verdicts, rows = result.config, predictions(result), []
    mean = result.distance.mean(axis=-1)
    ours_at = [i for i, n in enumerate(cfg.ns) if n in FIG3_NS]
    paper_at = [FIG3_NS.index(cfg.ns[i]) for i in ours_at]
    for g, noise in enumerate(FIG3_NOISE_LEVELS[: len(cfg.gamma_max)]):
        for m, key in enumerate(result.methods):
            for a, alpha in enumerate(cfg.alphas):
                curve = mean[g, m, a]
                paper = paper_markers(noise, key, alpha)
                compared = (
                    line_comparison(curve[ours_at], paper[paper_at])
                    if paper is not None and ours_at
                    else {
                        "markers_within": 0,
                        "markers": 0,
                        "markers_needed": 0,
                        "median_factor": np.nan,
                        "worst_factor": np.nan,
                        "match": False,
                    }
                )
                rows.append(
                    {
                        "noise": noise,
                        "model": key,
                        "alpha": float(alpha),
                        "theory": verdicts[g, m, a],
                        "ours_first": float(curve[0]),
                        "ours_last": float(curve[-1]),
                        "ours_converges": converges(curve),
                        "paper_first": float(paper[0]) if paper is not None else np.nan,
                        "paper_last": float(paper[-1]) if paper is not None else np.nan,
                        "paper_converges": converges(paper) if paper is not None else None,
                        **compared,
                    }
                )
    return rows


def threshold_ranges(result: Fig3Result) -> list[dict[str, object]]:
    """Per noise level, the spread over seeds of each threshold (keys ``"{method}_min"`` and
    ``"{method}_max"``, e.g. alpha_JE as ``je_min``/``je_max``) and of eta^2/delta, and the Cor 4.5
    regimes met (thresholds from the PCA spectrum and each seed's drawn spectra)."""
    out = []
    for g, g_max in enumerate(result.config.gamma_max):
        ths = result.thresholds(g)
        row: dict[str, object] = {"gamma_max": float(g_max)}
        for method in registry.encoders(result.methods):
            values = [t.threshold(method) for t in ths]
            row[f"{method.key}_min"], row[f"{method.key}_max"] = min(values), max(values)
        row["switch"] = float(np.mean([t.switch for t in ths]))
        row["regimes"] = ", ".join(sorted({t.regime for t in ths}))
        out.append(row)
    return out


def comparison_row(rows: list[dict[str, object]], noise: str, method: str, alpha: float) -> dict[str, object]:
    """The row of :func:`comparison_rows` for one line of the figure (a clear error if the run lacks it)."""
    for row in rows:
        if row["noise"] == noise and row["model"] == method and row["alpha"] == float(alpha):
            return row
    raise ValueError(
        f"this run has no Figure 3 line for noise={noise!r}, method={method!r}, alpha={alpha:g}; "
        f"the chapter discusses it: keep it in gamma_max and alphas"
    )


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
