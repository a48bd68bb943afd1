"""Why joint embedding's criterion ignores the noise's magnitude and reconstruction's grows with it
(chapter 1's picture), checked on the closed forms' direction scores (``theory.thresholds.NoiseMagnitude``)."""

from __future__ import annotations

import numpy as np

from ..simulate.sweeps import scaled_setting
from ..theory.linalg import single_threaded_module
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION, EncoderMethod, LinearMethod
from ..theory.setting import Setting
from ..theory.thresholds import NoiseMagnitude
from .claims import IDENTITY_ATOL, claim


def check_noise_magnitude(
    setting: Setting,
    result: NoiseMagnitude,
    rescale: float = 100.0,
    je: EncoderMethod = JOINT_EMBEDDING,
    rc: EncoderMethod = RECONSTRUCTION,
) -> dict[str, float]:
    """Why JE's criterion ignores the noise's magnitude and RC's grows with it (chapter 1's picture).

    ``je`` and ``rc`` are the two closed forms checked (a test passes a wrong one). A direction's score
    is its entry in the matrix the closed form ranks (``selection_matrix`` on the population moments:
    S^-1/2 G S^-1/2 for JE, G S^-1/2 for RC), which is diagonal in Q.

    1. Scale-free against not: multiplying every variance along one noise direction by ``rescale``
       (the direction measured in other units: S -> DSD, G -> DGD) leaves JE's scores unchanged and
       multiplies RC's score of that direction by sqrt(rescale).
    2. Along the sweep (Gamma -> s Gamma, Theta fixed): JE's noise scores never exceed 1/(1+alpha^2),
       whatever s; RC's grow without bound, phi_i^2 >= s g_i/(1+alpha^2) - lam_theta_i/(1+alpha^2)^2
       (from 1/(1+x) >= 1-x).
    3. The scores of ``result`` are the closed forms' own, at every scale.
    4. Why: RC's score of direction i is JE's (``G_ii / S_ii``, the uncentred correlation of the two
       views along it) times ``sqrt(S_ii)``, the views' standard deviation along it.
    5. Where ``result`` says a method is overtaken, its loudest noise score equals its weakest signal
       score; RC is overtaken at a finite scale; JE at no scale when its ceiling is below its weakest
       signal score, and at a finite one when the ceiling is above it.

    Returns the ceiling, each method's weakest signal score and overtaking scale, and the largest
    difference between ``result`` and the closed forms.
    """
    check_scale_free(setting, result.alpha, rescale, je, rc)
    ceiling = check_ceiling_and_growth(setting, result, je, rc)
    err = check_scores_are_the_closed_forms(setting, result, je, rc)
    return {"ceiling": ceiling, "closed_form_error": err, **check_overtaking(setting, result, ceiling, je, rc)}


def _direction_scores(method: LinearMethod, S: np.ndarray, G: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """The score of each direction of ``Q`` (signal first) in the matrix the closed form ranks; that
    matrix must be diagonal in ``Q`` (the paper's setting)."""
    M = Q.T @ method.selection_matrix(S, G) @ Q
    off = float(np.abs(M - np.diag(np.diag(M))).max())
    claim(off < IDENTITY_ATOL * max(1.0, float(np.abs(M).max())), f"{method.short}: ranked matrix not diagonal in Q")
    return np.diag(M)


def check_scale_free(setting: Setting, alpha: float, rescale: float, je: EncoderMethod, rc: EncoderMethod) -> None:
    """Item 1: measuring one noise direction in other units (S -> DSD, G -> DGD, D scaling it by
    sqrt(``rescale``)) leaves JE's scores unchanged and multiplies RC's score of it by sqrt(``rescale``)."""
    k, d, Q = setting.k, setting.d, setting.Q
    S, G = setting.population_moments(alpha, corrupted=True)
    base = {m.key: _direction_scores(m, S, G, Q) for m in (je, rc)}
    for j in range(k, d):
        units = np.where(np.arange(d) == j, np.sqrt(rescale), 1.0)
        D = (Q * units) @ Q.T
        for m, expected in ((je, base[je.key]), (rc, base[rc.key] * units)):
            got = _direction_scores(m, D @ S @ D, D @ G @ D, Q)
            claim(
                np.allclose(got, expected, rtol=IDENTITY_ATOL, atol=IDENTITY_ATOL),
                f"{m.short}: rescaling noise direction {j + 1} by {rescale:g} moved its scores from "
                f"{np.round(base[m.key], 4)} to {np.round(got, 4)}",
            )


def check_ceiling_and_growth(setting: Setting, result: NoiseMagnitude, je: EncoderMethod, rc: EncoderMethod) -> float:
    """Item 2: along the sweep JE's noise scores stay at most 1/(1+alpha^2) (returned: the ceiling) and
    RC's squared noise scores grow at least linearly in the noise scale."""
    spectra = setting.spectra()
    ceiling = 1.0 / (1.0 + result.alpha**2)
    worst = float(result.noise[je.key].max())
    claim(worst <= ceiling + IDENTITY_ATOL, f"JE: a noise score {worst:.4g} exceeds 1/(1+alpha^2) = {ceiling:.4g}")
    floor = np.outer(result.scales, spectra.gamma_noise) * ceiling - spectra.theta_noise * ceiling**2
    short = float((floor - result.noise[rc.key] ** 2).max())
    claim(
        short <= IDENTITY_ATOL * max(1.0, float(floor.max())),
        f"RC: squared noise scores fall {short:.3g} short of linear growth",
    )
    return ceiling


def check_scores_are_the_closed_forms(
    setting: Setting, result: NoiseMagnitude, je: EncoderMethod, rc: EncoderMethod
) -> float:
    """Items 3 and 4: at every noise scale the scores of ``result`` are the closed forms' own, and RC's are
    JE's times sqrt(S_ii); returns the largest relative difference from the closed forms."""
    Q, err, why = setting.Q, 0.0, 0.0
    for i, s in enumerate(result.scales):
        S, G = scaled_setting(setting, s).population_moments(result.alpha, corrupted=True)
        scores = {m.key: _direction_scores(m, S, G, Q) for m in (je, rc)}
        for m in (je, rc):
            given = np.concatenate([result.signal[m.key], result.noise[m.key][i]])
            diff = float(np.abs(scores[m.key] - given).max() / max(1.0, np.abs(given).max()))
            claim(
                diff < IDENTITY_ATOL,
                f"{m.short} at noise scale {s:.4g}: scores differ from the closed form by {diff:.3g}",
            )
            err = max(err, diff)
        spread = np.sqrt(np.diag(Q.T @ S @ Q))
        why = max(why, float(np.abs(scores[rc.key] - scores[je.key] * spread).max() / max(1.0, scores[rc.key].max())))
    claim(why < IDENTITY_ATOL, f"RC's scores are not JE's times sqrt(S_ii): off by {why:.3g}")
    return err


def check_overtaking(
    setting: Setting, result: NoiseMagnitude, ceiling: float, je: EncoderMethod, rc: EncoderMethod
) -> dict[str, float]:
    """Item 5: where a method is overtaken its loudest noise score meets its weakest signal score; RC is
    overtaken at a finite scale, JE exactly when its ``ceiling`` exceeds its weakest signal score. Returns
    each method's weakest signal score and overtaking scale."""
    spectra = setting.spectra()
    out = {}
    for m in (je, rc):
        weakest, at = float(result.signal[m.key].min()), result.overtaken_at[m.key]
        out[f"{m.key}_weakest_signal"], out[f"{m.key}_overtaken_at"] = weakest, at
        if 0 < at < np.inf:
            loudest = float(m.limit_scores(spectra.noise_scaled(at), result.alpha)[1].max())
            claim(
                abs(loudest - weakest) < IDENTITY_ATOL * max(1.0, weakest),
                f"{m.short} at noise scale {at:.6g}: the loudest noise score {loudest:.6g} does not meet the "
                f"weakest signal score {weakest:.6g}",
            )
    claim(out[f"{rc.key}_overtaken_at"] < np.inf, "RC: no noise magnitude overtakes its signal")
    je_at, je_weakest = out[f"{je.key}_overtaken_at"], out[f"{je.key}_weakest_signal"]
    claim(
        (je_at == np.inf) == (ceiling < je_weakest) or ceiling == je_weakest,
        f"JE: ceiling {ceiling:.4g} against weakest signal {je_weakest:.4g}, yet overtaken at scale {je_at:.4g}",
    )
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
