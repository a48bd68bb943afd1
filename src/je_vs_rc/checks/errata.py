"""Checks behind the errata chapter: each settles one discrepancy or typo of the paper."""

from __future__ import annotations

import numpy as np

from .. import paper
from ..simulate import errata
from ..simulate.sweeps import population_distance
from ..theory.augmentations import Masking
from ..theory.linalg import single_threaded_module
from ..theory.methods import JOINT_EMBEDDING, PAPER_METHODS, Methods
from ..theory.setting import Setting
from ..theory.thresholds import Thresholds
from .claims import DECREASE_FACTOR, IDENTITY_ATOL, claim

# Above the threshold (at 1.5 alpha_JE) the JE eigengap must be clearly open. Achieved on the book's
# spectra: 0.19; a tie is ~1e-16 (3e-16 at alpha_JE).
OPEN_GAP_MIN = 0.01
# Table 1 prints drops and averages with one decimal: a recomputed value agrees with a printed one iff it
# rounds to it, i.e. lies within half a unit (0.05) of it; 1e-9 absorbs the float error of the division.
# Achieved on the nine drops: 0.031 at most. The averages of section 5.2 are judged at the same precision
# (and reported, not forced: MAE's recomputed 25.04 does not round to the printed 25.1).
TABLE1_HALF_UNIT = 0.05 + 1e-9
# (The masked RC forms use IDENTITY_ATOL: encoder distance 3e-15 and decoder misfit 3e-15 achieved on
# the book's data, entries O(1).)
# The finite-n cross block the proofs drop: above this it is a real term, not rounding (it is O(n^{-1/2}):
# 0.09 to 1.2 on the book's spectra for n from 200 to 20,000).
CROSS_TERM_MIN = 1e-6
# The encoder's row space against span{p_1..p_k} (the sentence after eq. 42): a real miss, not rounding,
# above this. Achieved: 0.45 on the book's finite-n moments (n = 200, alpha = 1), rounding ~1e-15.
SPAN_MISS_MIN = 1e-6


def check_rc_forms(X: np.ndarray, setting: Setting, alpha: float, keep_prob: float) -> dict[str, dict[str, float]]:
    """Thm 3.1, paper's vs slides' form: under T(alpha) they reach the same exact loss (within
    ``IDENTITY_ATOL``). Under masking with ``keep_prob`` = p they give the same encoder (distance within
    ``IDENTITY_ATOL``) and decoders that differ only by the factor p (``D_slides = p D_paper``, within
    ``IDENTITY_ATOL`` relative), so the paper's form reaches the lower loss (unless p = 1).
    Returns the measurements for each family ("aligned", "masked")."""
    same = errata.rc_paper_vs_slides(X, setting.augmentation(alpha), setting.k)
    masked = errata.rc_paper_vs_slides(X, Masking(keep_prob), setting.k)
    claim(abs(same["paper"] - same["slides"]) < IDENTITY_ATOL, f"under T(alpha) the two forms differ: {same}")
    claim(masked["encoder_distance"] < IDENTITY_ATOL, f"under masking the two encoders differ: {masked}")
    claim(
        abs(masked["decoder_scale"] - keep_prob) < IDENTITY_ATOL and masked["decoder_misfit"] < IDENTITY_ATOL,
        f"under masking the slides' decoder is not p = {keep_prob} times the paper's: {masked}",
    )
    claim(
        keep_prob == 1 or masked["paper"] < masked["slides"], f"under masking the slides' form is not worse: {masked}"
    )
    return {"aligned": same, "masked": masked}


def check_threshold_is_a_tie(setting: Setting, th: Thresholds) -> dict[str, float]:
    """Strict threshold: where JE's squared threshold is positive, the JE eigengap is 0 at alpha_JE (within
    ``IDENTITY_ATOL``) and above ``OPEN_GAP_MIN`` at 1.5 alpha_JE. Where it is negative no alignment ties
    and the gap is already open at alpha = 0 (positive). Returns the squared threshold and the gaps
    measured (``gap_at`` and ``gap_above``, or ``gap_zero``)."""
    t2 = th.threshold2(JOINT_EMBEDDING)
    if t2 < 0:
        gap = errata.je_eigengap(setting, 0.0)
        claim(gap > 0, f"JE's squared threshold is {t2:.3g} < 0, yet the eigengap at alpha = 0 is {gap:.3g}")
        return {"threshold2": t2, "gap_zero": gap}
    alpha_je = th.threshold(JOINT_EMBEDDING)
    gap_at, gap_above = errata.je_eigengap(setting, alpha_je), errata.je_eigengap(setting, 1.5 * alpha_je)
    claim(
        abs(gap_at) < IDENTITY_ATOL and gap_above > OPEN_GAP_MIN, f"eigengap at/above threshold: {gap_at}, {gap_above}"
    )
    return {"threshold2": t2, "gap_at": gap_at, "gap_above": gap_above}


def check_table1_arithmetic() -> dict[str, object]:
    """Table 1 at its printed precision (``TABLE1_HALF_UNIT``): every printed relative drop is the one
    recomputed from the printed accuracies, rounded; the averages quoted in section 5.2 are the means of
    the printed (rounded) drops, rounded. Returns ``worst`` (largest per-drop difference) and ``rows``:
    per method, the printed average, the mean of the recomputed drops and of the printed drops, and
    whether each rounds to the printed average (reported, not required, for the recomputed one)."""
    worst, rows = 0.0, []
    for method, table in paper.TABLE1.items():
        recomputed = [paper.relative_drop(s1, s5) for s1, _, s5, _ in table.values()]
        printed = [row[3] for row in table.values()]
        worst = max(worst, max(abs(r - p) for r, p in zip(recomputed, printed)))
        quoted = paper.TABLE1_MEAN_DROP[method]
        row = {
            "method": method,
            "quoted": quoted,
            "recomputed": float(np.mean(recomputed)),
            "from_printed": float(np.mean(printed)),
        }
        row["recomputed_agrees"] = abs(row["recomputed"] - quoted) <= TABLE1_HALF_UNIT
        row["printed_agrees"] = abs(row["from_printed"] - quoted) <= TABLE1_HALF_UNIT
        claim(
            row["printed_agrees"],
            f"{method} mean drop: the mean of the printed drops {row['from_printed']:.3f} "
            f"does not round to the quoted {quoted}",
        )
        rows.append(row)
    claim(worst <= TABLE1_HALF_UNIT, f"a printed drop is off by {worst:.3f}")
    return {"worst": worst, "rows": rows}


def check_eq68_is_harmless(setting: Setting, th: Thresholds) -> dict[str, float]:
    """Eq. 68's sentence on clean data is about the *smallest* positive eigenvalue: it equals delta as
    eqs. 12 and 76 define it (a min), within ``IDENTITY_ATOL``; the thresholds use that delta. Returns
    the smallest and largest positive eigenvalue and delta."""
    values = errata.clean_positive_eigenvalues(setting)
    claim(
        abs(values["smallest"] - values["delta"]) < IDENTITY_ATOL and abs(th.delta - values["delta"]) < IDENTITY_ATOL,
        f"the smallest positive clean eigenvalue is not delta: {values}, thresholds' delta {th.delta}",
    )
    return values


def check_whitening_typo(S: np.ndarray, G: np.ndarray, k: int) -> dict[str, float]:
    """Proof of Thm 3.2 (:func:`~je_vs_rc.simulate.errata.whitening_errors`): eq. 41 as printed
    (``G S^-1 = P Omega P^-1``, ``P = S^{1/2} Q``) holds within ``IDENTITY_ATOL`` and fails with
    ``P = S^{-1/2} Q``; eq. 42's last member ``U Q_k^T S^{-1/2}`` meets the constraint ``W S W^T = I``
    within ``IDENTITY_ATOL``, its middle member ``U P_k^T`` misses it; the encoder's rows span
    ``span{S^-1 p_i}`` (distance within ``IDENTITY_ATOL``), not ``span{p_i}`` (distance above
    ``SPAN_MISS_MIN``). S and G must not commute (finite-n moments): if they do, both readings of P
    satisfy eq. 41 and both spans coincide, and the check says so. Returns the errors."""
    errors = errata.whitening_errors(S, G, k)
    claim(
        errors["eq41_printed"] < IDENTITY_ATOL < errors["eq41_inverse"],
        f"eq. 41: as printed off by {errors['eq41_printed']:.3g}, with S^-1/2 Q by {errors['eq41_inverse']:.3g} "
        "(S and G must not commute for the two readings to differ)",
    )
    claim(errors["eq42_last"] < IDENTITY_ATOL < errors["eq42_middle"], f"eq. 42: {errors}")
    claim(
        errors["span_corrected"] < IDENTITY_ATOL and errors["span_printed"] > SPAN_MISS_MIN,
        f"the sentence after eq. 42: distance to span(p_i) {errors['span_printed']:.3g}, "
        f"to span(S^-1 p_i) {errors['span_corrected']:.3g}",
    )
    return errors


def check_dropped_cross_terms(
    setting: Setting, alpha: float, ns: object, seed: int, methods: Methods = PAPER_METHODS
) -> dict[str, np.ndarray]:
    """Eqs. 49, 57-58 and 72-73 drop the finite-n cross block ``(1/n) X_1^T N_2``: it exceeds
    ``CROSS_TERM_MIN`` at every n of ``ns`` (it is a real term) and shrinks from the smallest to the
    largest n by ``DECREASE_FACTOR`` at least (it vanishes only in the limit). Returns
    :func:`~je_vs_rc.simulate.errata.dropped_cross_terms` for the self-supervised methods of ``methods``."""
    out = errata.dropped_cross_terms(setting, alpha, ns, seed, methods)
    cross = out["cross"]
    claim(bool(np.all(cross > CROSS_TERM_MIN)), f"a finite-n cross block vanishes: {cross}")
    claim(bool(cross[-1] < DECREASE_FACTOR * cross[0]), f"the cross block does not shrink with n: {cross}")
    return out


def check_rotated_basis(setting: Setting, alpha: float) -> float:
    """With a non-identity data basis Q, the n -> infinity JE encoder above threshold spans Q_1 exactly
    (distance within ``IDENTITY_ATOL``). Returns the distance."""
    dist = population_distance(setting, JOINT_EMBEDDING, alpha)
    claim(dist < IDENTITY_ATOL, f"rotated basis: distance {dist}")
    return dist


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
