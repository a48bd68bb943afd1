"""The landing page's reproduction scorecard: one row per result of the paper, marked by the chapter
that reproduces it, from that chapter's own numbers.

Each chapter ends with a hidden cell ``glue_scores({key: Score, ...})``, which glues
``score_<key>_status`` and ``score_<key>_evidence``; book/index.md pastes them into its table (a glue
key that a chapter stops producing fails the build, which runs with warnings as errors). The row
labels and links are the landing page's; what each row says is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..theory import methods
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION, EncoderMethod
from ..theory.thresholds import Thresholds
from ..words import count, number, percent, significant
from .thresholds import SHARP_ABOVE, SHARP_BELOW

REPRODUCED = "reproduced"
PARTLY = "partly"
NOT_REPRODUCED = "not reproduced"
CANNOT_TELL = "cannot tell at this scale"  # run, but smaller than the paper's, and nothing resolves
NOT_RUN = "not run here"
# The symbol in front of each status, so the column reads at a glance (and without colour).
SYMBOLS = {REPRODUCED: "✓", PARTLY: "◐", NOT_REPRODUCED: "✗", CANNOT_TELL: "?", NOT_RUN: "–"}
STATUSES = tuple(SYMBOLS)


@dataclass(frozen=True)
class Score:
    """A row's verdict: ``status`` (one of :data:`STATUSES`) and one line of ``evidence``."""

    status: str
    evidence: str

    def __post_init__(self) -> None:
        if self.status not in SYMBOLS:
            raise ValueError(f"status {self.status!r} is not one of {', '.join(map(repr, STATUSES))}")
        if not self.evidence.strip() or "\n" in self.evidence:
            raise ValueError(f"evidence must be one non-empty line, got {self.evidence!r}")

    @property
    def label(self) -> str:
        """The status as the table shows it, e.g. ``"◐ partly"``."""
        return f"{SYMBOLS[self.status]} {self.status}"


def checked(evidence: str) -> Score:
    """The score of a formal result whose numerical check has just passed.

    A chapter calls it after the check: a check that fails raises ``ClaimError`` and stops the
    chapter (and the build) before this line, so no scorecard row can outlive a failed check.
    """
    return Score(REPRODUCED, evidence)


def counted(hits: int, total: int, evidence: str) -> Score:
    """The score of a result made of ``total`` comparable items (lines of a figure, cells of a table)
    of which ``hits`` agree with the paper: all of them reproduce it, none does not, some partly."""
    if not 0 <= hits <= total or total == 0:
        raise ValueError(f"hits must be in [0, total] with total > 0, got hits={hits}, total={total}")
    status = REPRODUCED if hits == total else NOT_REPRODUCED if hits == 0 else PARTLY
    return Score(status, evidence)


def share(hits: int, total: int) -> str:
    """``"all 6"`` or ``"4 of 6"``: a count as a sentence says it."""
    return f"all {total}" if hits == total else f"{hits} of {total}"


def threshold_evidence(th: Thresholds, method: EncoderMethod, alphas: Sequence[float]) -> str:
    """Props 4.3/4.4 in one line, from a chapter whose ``check_recovery`` (every alignment of the
    sweep converges or fails as the threshold predicts) and ``check_threshold_sharp`` (the exact
    limit changes sides within 10% of the squared threshold) have passed."""
    threshold2 = th.threshold2(method)
    if threshold2 <= 0:
        return f"{method.short}’s squared threshold is ≤ 0: all {len(alphas)} alignments of the sweep recover"
    t = float(np.sqrt(threshold2))
    below = sum(float(a) < t for a in alphas)
    return (
        f"{method.short}’s threshold α = {significant(t, 3)}: of the sweep’s alignments, "
        f"{count(below, 'below it fails', 'below it fail')} and "
        f"{count(len(alphas) - below, 'above it converges', 'above it converge')}, as predicted; the exact n → ∞ "
        f"limit is at distance 1 when α² is {number(SHARP_BELOW)} times the squared threshold and 0 at "
        f"{number(SHARP_ABOVE)} times"
    )


def corollary_45_score(regimes: Mapping[str, Thresholds], agreement: Mapping[str, float]) -> Score:
    """Cor 4.5 from chapter 6, after ``check_corollary_45`` on each ``{name: Thresholds}`` and
    ``check_phase_diagram`` (``agreement``: share of cells per method key) have passed. The corollary
    orders the thresholds only in its low- and high-noise regimes: reproduced when both were checked,
    partly when one was, not run when the spectra fell in neither (the corollary is then silent)."""
    orders = []
    je_name, rc_name = JOINT_EMBEDDING.short, RECONSTRUCTION.short
    for name, th in regimes.items():
        je, rc = th.threshold2(JOINT_EMBEDDING), th.threshold2(RECONSTRUCTION)
        word = "above" if je > rc else "below" if je < rc else "equal to"
        # The corollary orders the squared thresholds; where both are <= 0 neither needs alignment.
        what = (
            f"neither needs alignment ({je_name}’s squared threshold {word} {rc_name}’s, both ≤ 0)"
            if max(je, rc) <= 0
            else f"{je_name}’s threshold {word} {rc_name}’s"
        )
        orders.append(f"{name} noise ({th.regime} regime): {what}")
    cells = ", ".join(f"{percent(share, 3)} ({methods.get(key).short})" for key, share in agreement.items())
    evidence = "; ".join(orders) + f"; the simulated phase diagram agrees with the thresholds in {cells} of cells"
    ordered = len({th.regime for th in regimes.values()} & {"low", "high"})
    return Score(REPRODUCED if ordered == 2 else PARTLY if ordered == 1 else NOT_RUN, evidence)


def figure3_column_score(
    rows: Sequence[Mapping[str, object]], method: str, dataset: str, closest: str | None = None
) -> Score:
    """One column of Figure 3 from chapter 7's line-by-line comparison (``comparison_rows``): a line
    reproduces the paper's if it converges or fails as the paper's does and matches its markers (at
    least ``markers_needed`` of them within ``MATCH_FACTOR``). ``closest``, if given, is appended
    (the reading of the protocol that comes closest, for a column that differs)."""
    from ..simulate.figure3_comparison import MATCH_FACTOR

    lines = [r for r in rows if r["model"] == method]
    shape = sum(bool(r["ours_converges"] == r["paper_converges"]) for r in lines)
    values = sum(bool(r["match"]) for r in lines)
    both = sum(bool(r["match"] and r["ours_converges"] == r["paper_converges"]) for r in lines)
    markers = sum(int(r["markers_within"]) for r in lines)
    n_markers = sum(int(r["markers"]) for r in lines)
    return counted(
        both,
        len(lines),
        f"{dataset_title(dataset)}: {share(shape, len(lines))} lines converge or fail as the paper’s do; "
        f"{share(values, len(lines))} match its markers ({markers} of {n_markers} within a factor "
        f"{number(MATCH_FACTOR)}; a line matches with {lines[0]['markers_needed']} of its {lines[0]['markers']})"
        + (f"; {closest}" if closest else ""),
    )


# The paper's appendix figures that rerun Figure 3's protocol on other datasets (App. C).
APPENDIX_FIGURES = {"fashion-mnist": 5, "kmnist": 6}
# The datasets as prose names them.
DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "kmnist": "Kuzushiji-MNIST"}


def dataset_title(name: str) -> str:
    """``"MNIST"`` for ``"mnist"``: a dataset as the text names it (its key otherwise)."""
    return DATASET_TITLES.get(name, name)


def appendix_figures_score(
    dataset: str,
    available: Mapping[str, bool],
    counts: Mapping[str, int],
    appendix: Mapping[str, Mapping[str, int]] | None = None,
) -> Score:
    """Figs 5-6 from chapter 7. A run on one of their datasets is checked against the theory's verdicts
    (``check_figure3``'s ``counts``); a run on MNIST also sweeps those of them this build has, counted
    against the verdicts (``appendix``: ``theory_agreement`` per dataset). Neither is compared with the
    paper's values, which were not read off those figures (partly). Otherwise not run here."""
    if dataset in APPENDIX_FIGURES:
        return Score(
            PARTLY,
            f"this run is Fig. {APPENDIX_FIGURES[dataset]} ({dataset_title(dataset)}): of the lines, "
            f"{count(counts['converges'], 'predicted to converge does', 'predicted to converge do')} and "
            f"{count(counts['fails'], 'predicted to fail does not', 'predicted to fail do not')}; "
            "not compared with the paper’s values",
        )
    if appendix:
        ran = "; ".join(
            f"Fig. {APPENDIX_FIGURES[name]} ({dataset_title(name)}): {c['converges_ok']} of {c['converges']} "
            f"lines predicted to converge do, {c['fails_ok']} of {c['fails']} predicted to fail do not"
            for name, c in appendix.items()
        )
        missing = [
            f"Fig. {fig} ({dataset_title(name)}): data not in this build"
            for name, fig in APPENDIX_FIGURES.items()
            if name not in appendix
        ]
        return Score(PARTLY, "; ".join([ran, *missing]) + "; not compared with the paper’s values")
    state = "; ".join(
        f"Fig. {fig} ({dataset_title(name)}): "
        + ("data verified, not run" if available.get(name) else "data not in this build")
        for name, fig in APPENDIX_FIGURES.items()
    )
    return Score(NOT_RUN, f"{state}; rerun chapter 7 with the dataset parameter")


def nuisance_score(payload: dict[str, Any]) -> Score:
    """Corollary 4.5 on trained networks with a controlled nuisance (chapter 13, beyond the paper), from its
    strict verdict (``checks.nuisance``): the networks that passed the convergence check against the
    prediction's two halves, the closed forms on the same views beside them. Reproduced when the networks
    confirm both halves, partly when they confirm one, not reproduced when they confirm none of the halves
    they test; cannot tell when they test neither (too few seeds, none converged, or no order to compare)."""
    from . import nuisance

    summaries = [nuisance.level_summary(payload, level) for level in nuisance.levels(payload)]
    nets, forms = nuisance.prediction_halves(summaries)
    told = [half for half in nets if half is not None]
    status = (
        CANNOT_TELL
        if not told
        else REPRODUCED
        if all(told) and len(told) == 2
        else PARTLY
        if any(told)
        else NOT_REPRODUCED
    )
    steps, methods = nuisance.budgets(payload), nuisance.network_methods(payload)
    passed = len(nuisance.checked_methods(payload))
    seeds = len(payload["config"]["seeds"])
    who = f"{passed} of {len(methods)} methods" if passed else f"none of the {len(methods)} methods"
    checked = (
        f"{count(seeds, 'seed', 'seeds')} (at least {nuisance.MIN_SEEDS} are needed for an interval)"
        if seeds < nuisance.MIN_SEEDS
        else f"{who} passed the convergence check from {steps[-2]:,} to {steps[-1]:,} steps"
        if len(steps) > 1
        else f"the networks are compared at {steps[-1]:,} steps without a convergence check"
    )
    forms_said = f"the closed forms on the same views {nuisance.BEARS_OUT[forms]}"
    if not passed:
        return Score(status, f"{checked}, so no trained network is compared with the prediction; {forms_said}")
    nets_said = f"of the prediction, the networks compared {nuisance.BEARS_OUT[nets]}"
    return Score(status, f"{checked}; {nets_said}; {forms_said}")


def glue_scores(scores: Mapping[str, Score]) -> None:
    """Glue each ``{key: Score}`` as ``score_<key>_status`` and ``score_<key>_evidence`` for the
    landing page (myst-nb, which chapters run under, is imported here and nowhere else)."""
    from myst_nb import glue

    for key, score in scores.items():
        glue(f"score_{key}_status", score.label, display=False)
        glue(f"score_{key}_evidence", score.evidence, display=False)
