"""Beyond the paper (2): intertwined noise.

The paper assumes that the data, Theta and the corruption Gamma share one eigenbasis Q, so the noise
lives exactly on the directions the data leave empty. Here Gamma's eigenbasis is rotated away from
Q by an angle: each noise direction ``q_{k+i}`` is turned towards the signal direction ``q_i`` by
``angle`` (a Givens rotation in that plane, for i = 1..min(k, d-k)): Gamma's i-th noise eigenvector
becomes ``cos(angle) q_{k+i} + sin(angle) q_i``. At angle 0 this is the paper's setting; at pi/2 the
noise sits on the signal directions. The augmentation stays aligned with the corruption (it uses the
rotated Gamma), as in T(alpha). Then Sigma is no longer block diagonal in Q, and even the clean-data
encoder leaves span(Q_1): distances are reported to both references (:func:`limit_distances`).
"""

from __future__ import annotations

import numpy as np

from ..theory import methods as registry
from ..theory.linalg import single_threaded_module, subspace_distance
from ..theory.methods import PAPER_METHODS, Methods
from ..theory.setting import Setting
from ..theory.thresholds import thresholds
from ..theory.validation import as_scalar


def rotation(d: int, k: int, angle: float) -> np.ndarray:
    """d x d rotation turning coordinate k+i towards coordinate i by ``angle`` (i < min(k, d-k)): its
    column k+i is ``cos(angle) e_{k+i} + sin(angle) e_i``."""
    angle = as_scalar("angle", angle)
    R = np.eye(d)
    c, s = np.cos(angle), np.sin(angle)
    for i in range(min(k, d - k)):
        j = k + i
        R[i, i], R[j, j], R[i, j], R[j, i] = c, c, s, -s
    return R


def intertwined(setting: Setting, angle: float) -> Setting:
    """The same spectra with Gamma's eigenbasis rotated by ``angle`` away from the data's basis."""
    return Setting(
        setting.signal_energy,
        setting.lam_theta,
        setting.lam_gamma,
        setting.basis,
        setting.Q @ rotation(setting.d, setting.k, angle),
    )


CLEAN, SIGNAL, DRIFT = "to_clean", "to_signal", "clean_drift"


def limit_distances(
    setting: Setting, angles: object, alphas: object, methods: Methods = PAPER_METHODS
) -> dict[str, dict[str, np.ndarray]]:
    """Exact n -> infinity distances per (alpha, angle) and key of the self-supervised methods of
    ``methods``, to both references:
    ``CLEAN`` (corrupted-data encoder to clean-data encoder, the paper's criterion, as
    :func:`limit_recovery`), ``SIGNAL`` (corrupted-data encoder to span(Q_1), the signal) and ``DRIFT``
    (clean-data encoder to span(Q_1): how far the reference itself has moved)."""
    angles_arr, alphas_arr = np.asarray(angles, dtype=float), np.asarray(alphas, dtype=float)
    shape = (alphas_arr.size, angles_arr.size)
    run = registry.encoders(methods)
    out = {ref: {m.key: np.empty(shape) for m in run} for ref in (CLEAN, SIGNAL, DRIFT)}
    for j, angle in enumerate(angles_arr):
        rotated = intertwined(setting, angle)
        signal = rotated.signal_basis()
        for i, alpha in enumerate(alphas_arr):
            for m in run:
                corrupted, clean = (
                    m.solve(*rotated.population_moments(alpha, corrupted=c), rotated.k).encoder for c in (True, False)
                )
                out[CLEAN][m.key][i, j] = subspace_distance(corrupted, clean)
                out[SIGNAL][m.key][i, j] = subspace_distance(corrupted, signal)
                out[DRIFT][m.key][i, j] = subspace_distance(clean, signal)
    return out


def limit_recovery(
    setting: Setting, angles: object, alphas: object, methods: Methods = PAPER_METHODS
) -> dict[str, np.ndarray]:
    """Exact n -> infinity distance between corrupted- and clean-data encoders, per (alpha, angle),
    for each self-supervised method of ``methods`` (keyed by method key): ``limit_distances(...)[CLEAN]``."""
    return limit_distances(setting, angles, alphas, methods)[CLEAN]


def residual_trend(
    limits: dict[str, np.ndarray], angles: object, alphas: object, recovers: dict[str, np.ndarray]
) -> dict[str, dict[str, object]]:
    """How the residual distance (``limits``, per method key: alphas x angles) behaves over the tilted
    angles (0 < angle < 90 degrees), for the alphas that recover at angle 0 (``recovers[key]``, per alpha).
    Per method key: ``alpha`` (the smallest such alpha), ``grows_with_angle`` (non-decreasing over the
    tilted angles at that alpha), ``peak_angle`` (radians, where it is largest) and
    ``shrinks_with_alpha`` (at every tilted angle, non-increasing along the recovering alphas);
    empty when no alpha recovers or no angle is tilted."""
    angles_arr, alphas_arr = np.asarray(angles, dtype=float), np.asarray(alphas, dtype=float)
    # Tilted angles in increasing order (the parameters need not be sorted).
    tilted = np.array([j for j in np.argsort(angles_arr) if 0 < angles_arr[j] < np.pi / 2 - 1e-9], dtype=int)
    out = {}
    for key, dist in limits.items():
        rows = np.flatnonzero(recovers[key])
        if rows.size == 0 or tilted.size == 0:
            out[key] = {}
            continue
        first = dist[rows[0], tilted]
        block = dist[np.ix_(rows, tilted)]
        out[key] = {
            "alpha": float(alphas_arr[rows[0]]),
            "grows_with_angle": bool(np.all(np.diff(first) >= 0)),
            "peak_angle": float(angles_arr[tilted][int(np.argmax(first))]),
            "shrinks_with_alpha": bool(np.all(np.diff(block, axis=0) <= 0)),
        }
    return out


def threshold_agreement(
    setting: Setting, angles: object, alphas: object, recovered_below: float, methods: Methods = PAPER_METHODS
) -> dict[str, np.ndarray]:
    """Per angle, the share of alphas on which the paper's threshold (computed from the spectra as if
    the bases were shared) agrees with the exact limit (recovered iff distance < ``recovered_below``)."""
    th = thresholds(setting, methods=methods)
    limits = limit_recovery(setting, angles, alphas, methods)
    alphas_arr = np.asarray(alphas, dtype=float)
    out = {}
    for m, dist in limits.items():
        predicted = np.array([th.recovers(m, a) for a in alphas_arr])[:, None]
        out[m] = ((dist < recovered_below) == predicted).mean(axis=0)
    return out


def effective_threshold(distances: np.ndarray, alphas: object, recovered_below: float) -> float:
    """The smallest alpha of the (increasing) grid from which every larger alpha recovers
    (distance < ``recovered_below``); ``inf`` if even the largest does not. ``distances``: per alpha."""
    alphas_arr = np.asarray(alphas, dtype=float)
    ok = np.asarray(distances) < recovered_below
    if not ok[-1]:
        return float("inf")
    failing = np.flatnonzero(~ok)
    return float(alphas_arr[0] if failing.size == 0 else alphas_arr[failing[-1] + 1])


def effective_thresholds(
    setting: Setting, angles: object, alphas: object, recovered_below: float, methods: Methods = PAPER_METHODS
) -> dict[str, np.ndarray]:
    """Per key of the self-supervised methods of ``methods`` and angle, :func:`effective_threshold` on the
    (increasing) grid ``alphas``."""
    limits = limit_recovery(setting, angles, alphas, methods)
    return {
        key: np.array([effective_threshold(dist[:, j], alphas, recovered_below) for j in range(dist.shape[1])])
        for key, dist in limits.items()
    }


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
