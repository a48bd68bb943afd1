"""Checks of the recovery results (Props 4.2-4.4), the limit scores and Cor 4.5, on the simulations
of :mod:`je_vs_rc.simulate.sweeps`."""
from __future__ import annotations

import numpy as np

from ..simulate.sweeps import PhaseDiagram, Sweep, population_distance, scaled_setting
from ..theory import methods
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION, LinearMethod
from ..theory.setting import Setting
from ..theory.thresholds import Thresholds, limit_scores
from .claims import DECREASE_FACTOR, FAILED_ABOVE, IDENTITY_ATOL, RECOVERED_BELOW, claim

# Phase-diagram cells whose n -> infinity eigengap, relative to the weakest signal score, is below
# this are too close to the boundary for a finite-n simulation to be judged.
PHASE_MARGIN = 0.1


def check_limit_scores(setting: Setting, alpha: float) -> float:
    """The per-component scores of the proofs equal the spectra of the closed forms on the
    population moments (JE: eigenvalues of S^-1/2 G S^-1/2; RC: singular values of G S^-1/2)."""
    S, G = setting.population_moments(alpha, corrupted=True)
    scores = limit_scores(setting, alpha)
    err = max(float(np.abs(np.sort(np.concatenate(scores[m.key]))[::-1] - m.solve(S, G, setting.k).spectrum).max())
              for m in methods.encoder_methods())
    claim(err < IDENTITY_ATOL, f"limit scores differ from the closed forms' spectra by {err:.3g}")
    return err


def check_recovery(sweep: Sweep, th: Thresholds, method: str | LinearMethod,
                   setting: Setting | None = None) -> dict[float, str]:
    """Props 4.3/4.4 as n grows: alpha^2 above the threshold -> distance falls to ~0; below -> it stays.

    "Falls" means the seed-mean at the largest n is below ``RECOVERED_BELOW`` and below
    ``DECREASE_FACTOR`` times its value at the smallest n; "stays" means it ends above
    ``FAILED_ABOVE``. With ``setting``, the exact n -> infinity limit must agree as well.
    """
    method = methods.get(method)
    verdicts = {}
    for i, alpha in enumerate(sweep.alphas):
        curve = sweep.distance[method.key][i].mean(axis=-1)
        if th.recovers(method, alpha):
            ok = curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0]
            verdicts[float(alpha)] = "recovers"
        else:
            ok = curve[-1] > FAILED_ABOVE
            verdicts[float(alpha)] = "fails"
        claim(ok, f"{method.short} at alpha={alpha:g}: theory says it {verdicts[float(alpha)]} "
                  f"(alpha^2={alpha**2:.3g} vs threshold {th.threshold2(method):.3g}) but the distance went "
                  f"{curve[0]:.3g} -> {curve[-1]:.3g}")
        if setting is not None:
            limit = population_distance(setting, method, alpha)
            claim((limit < IDENTITY_ATOL) == th.recovers(method, alpha),
                  f"{method.short} at alpha={alpha:g}: the exact n->inf limit is {limit:.3g}, against the threshold")
    return verdicts


def check_alpha_limit(sweep: Sweep, method: str | LinearMethod) -> None:
    """Props 4.2-4.4, alpha -> infinity at fixed n: the distance falls below ``RECOVERED_BELOW``
    and at least by ``DECREASE_FACTOR`` from the smallest to the largest alpha of the sweep."""
    method = methods.get(method)
    for j, n in enumerate(sweep.ns):
        curve = sweep.distance[method.key][:, j].mean(axis=-1)
        claim(curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0],
              f"{method.short} (alpha -> inf) at n={n}: the distance went {np.round(curve, 4)}")


def check_supervised_consistency(by_n: Sweep, by_alpha: Sweep) -> None:
    """Prop 4.2: the supervised gap shrinks (i) as alpha grows at fixed n, (ii) steadily as n grows
    for every alpha, including alignments far below any SSL threshold."""
    check_alpha_limit(by_alpha, methods.SUPERVISED)
    for i, alpha in enumerate(by_n.alphas):
        curve = by_n.distance[methods.SUPERVISED.key][i].mean(axis=-1)
        claim(curve[-1] < DECREASE_FACTOR * curve[0] and np.all(np.diff(curve) < 0),
              f"Prop 4.2 (n -> inf) at alpha={alpha:g}: the gap went {np.round(curve, 4)}")


def check_corollary_45(th: Thresholds) -> float:
    """Cor 4.5: the per-component identity and the ordering of the thresholds in each regime.

    ``[alpha_JE,i^2] - [alpha_RC,i^2] = 1/delta - lam_gamma_i / eta^2`` for every noise component;
    low noise -> alpha_JE^2 > alpha_RC^2; high noise -> alpha_JE^2 < alpha_RC^2.
    """
    je, rc = th.per_noise[JOINT_EMBEDDING.key], th.per_noise[RECONSTRUCTION.key]
    identity = je - rc - (1 / th.delta - th.noise_gamma / th.eta**2)
    err = float(np.abs(identity).max())
    claim(err < IDENTITY_ATOL * max(1.0, float(np.abs(rc).max())),
          f"Cor 4.5 per-component identity off by {err:.3g}")
    if th.regime == "low":
        claim(th.alpha_je2 > th.alpha_rc2, f"Cor 4.5 low noise: alpha_JE^2={th.alpha_je2:.4g} <= alpha_RC^2={th.alpha_rc2:.4g}")
    if th.regime == "high":
        claim(th.alpha_je2 < th.alpha_rc2, f"Cor 4.5 high noise: alpha_JE^2={th.alpha_je2:.4g} >= alpha_RC^2={th.alpha_rc2:.4g}")
    return err


def check_phase_diagram(phase: PhaseDiagram, setting: Setting, margin: float = PHASE_MARGIN) -> dict[str, float]:
    """The simulated phase diagram agrees with the thresholds away from the boundary.

    A cell counts as recovered if the directions selected in whitened coordinates are within
    ``FAILED_ABOVE`` of the signal's (the ``selected`` metric: at finite n the encoder's own row space
    can look recovered when a loud, heavily shrunk noise direction is selected; see chapter 6). Near the boundary the
    n -> infinity eigengap between the weakest signal score and the strongest noise score
    (:func:`limit_scores`) closes and finite samples blur the transition, so cells whose relative
    gap is below ``margin`` are not judged; every other cell must agree with ``alpha^2 > threshold``.
    Returns the agreement per method key over all cells, including the unjudged ones.
    """
    out = {}
    for method in methods.encoder_methods():
        predicted = np.array([[t.recovers(method, a) for t in phase.thresholds] for a in phase.alphas])
        simulated = phase.selected[method.key] < FAILED_ABOVE
        gap = np.empty(predicted.shape)
        for j, scale in enumerate(phase.noise_scales):
            scaled = scaled_setting(setting, scale)
            for i, alpha in enumerate(phase.alphas):
                signal, noise = limit_scores(scaled, alpha)[method.key]
                gap[i, j] = abs(signal.min() - noise.max()) / signal.min()
        wrong = (predicted != simulated) & (gap > margin)
        claim(not wrong.any(), f"{method.short} phase diagram: {int(wrong.sum())} cells away from the "
                               f"boundary disagree with the threshold")
        out[method.key] = float((predicted == simulated).mean())
    return out


def check_encoder_caveat(phase: PhaseDiagram, setting: Setting, method: str | LinearMethod) -> int:
    """Cells where theory says ``method`` fails but its finite-n encoder's row space looks recovered must
    still fail in the exact n -> infinity limit (distance 1). Returns how many such cells there are."""
    method = methods.get(method)
    count = 0
    for j, scale in enumerate(phase.noise_scales):
        scaled = scaled_setting(setting, scale)
        for i, alpha in enumerate(phase.alphas):
            if not phase.thresholds[j].recovers(method, alpha) and phase.distance[method.key][i, j] < FAILED_ABOVE:
                limit = population_distance(scaled, method, alpha)
                claim(limit > 1 - IDENTITY_ATOL, f"{method.short} at scale {scale:.3g}, alpha {alpha:.3g}: the exact "
                                                 f"limit distance is {limit:.3g}, not 1")
                count += 1
    return count
