"""Checks of the recovery results (Props 4.2-4.4), the limit scores and Cor 4.5, on the simulations
of :mod:`je_vs_rc.simulate.sweeps`."""

from __future__ import annotations

import numpy as np

from ..simulate.sweeps import PhaseDiagram, Sweep, population_distance, scaled_setting
from ..theory import methods as registry
from ..theory.linalg import orthogonal_distance, single_threaded_module, subspace_distance
from ..theory.methods import JOINT_EMBEDDING, PAPER_METHODS, RECONSTRUCTION, EncoderMethod, LinearMethod, Methods
from ..theory.setting import Setting
from ..theory.thresholds import EDGE_RTOL, Crossing, Thresholds, limit_scores, thresholds
from ..theory.validation import as_vector
from .claims import DECREASE_FACTOR, FAILED_ABOVE, IDENTITY_ATOL, RECOVERED_BELOW, claim

# Phase-diagram cells whose n -> infinity eigengap, relative to the weakest signal score, is below
# this are too close to the boundary for a finite-n simulation to be judged.
PHASE_MARGIN = 0.1
# Share of all phase-diagram cells (boundary cells included) whose simulated outcome must agree with
# alpha^2 > threshold. Achieved: 98.6% (JE) and 99.7% (RC) on the book's 25 x 25 grid at n = 10,000,
# 94-100% on the 8 x 8 grids at n = 2,000 of the tests; the disagreements are boundary cells, whose
# share grows as the grid gets coarser or n smaller. A threshold off by 10% moves a whole band of cells.
PHASE_MIN_AGREEMENT = 0.9
# The exact (n -> infinity) recovery is tested at alpha^2 this far below and above each threshold:
# a threshold formula wrong by more than 10% puts one of the two on the wrong side.
SHARP_BELOW, SHARP_ABOVE = 0.9, 1.1
# Relative step beside the thresholds' crossing: the difference there is ~1e-6 of the thresholds, far
# above rounding (~1e-15), so its sign is reliable.
CROSSING_STEP = 1e-6


def check_limit_scores(setting: Setting, alpha: float, methods: Methods = PAPER_METHODS) -> float:
    """The per-component scores of the proofs equal the spectra of the closed forms on the
    population moments (JE: eigenvalues of S^-1/2 G S^-1/2; RC: singular values of G S^-1/2), for each
    self-supervised method of ``methods``."""
    S, G = setting.population_moments(alpha, corrupted=True)
    scores = limit_scores(setting, alpha, methods)
    err = max(
        float(np.abs(np.sort(np.concatenate(scores[m.key]))[::-1] - m.solve(S, G, setting.k).spectrum).max())
        for m in registry.encoders(methods)
    )
    claim(err < IDENTITY_ATOL, f"limit scores differ from the closed forms' spectra by {err:.3g}")
    return err


def check_recovery(
    sweep: Sweep, th: Thresholds, method: str | LinearMethod, setting: Setting | None = None
) -> dict[float, str]:
    """Props 4.3/4.4 as n grows: alpha^2 above the threshold -> distance falls to ~0; below -> it stays.

    "Falls" means the seed-mean at the largest n is below ``RECOVERED_BELOW`` and below
    ``DECREASE_FACTOR`` times its value at the smallest n; "stays" means it ends above
    ``FAILED_ABOVE``. With ``setting``, the exact n -> infinity limit must agree as well.
    """
    method = registry.get(method)
    verdicts = {}
    for i, alpha in enumerate(sweep.alphas):
        curve = sweep.distance[method.key][i].mean(axis=-1)
        if th.recovers(method, alpha):
            ok = curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0]
            verdicts[float(alpha)] = "recovers"
        else:
            ok = curve[-1] > FAILED_ABOVE
            verdicts[float(alpha)] = "fails"
        claim(
            ok,
            f"{method.short} at alpha={alpha:g}: theory says it {verdicts[float(alpha)]} "
            f"(alpha^2={alpha**2:.3g} vs threshold {th.threshold2(method):.3g}) but the distance went "
            f"{curve[0]:.3g} -> {curve[-1]:.3g}",
        )
        if setting is not None:
            _check_limit(setting, th, method, float(alpha))
    return verdicts


def _check_limit(setting: Setting, th: Thresholds, method: LinearMethod, alpha: float) -> float:
    # The exact n -> infinity encoders are diagonal in Q: distance 0 (recovered) or exactly 1 (a noise
    # direction replaced a signal one), as the threshold predicts.
    limit = population_distance(setting, method, alpha)
    expected = 0.0 if th.recovers(method, alpha) else 1.0
    claim(
        abs(limit - expected) < IDENTITY_ATOL,
        f"{method.short} at alpha={alpha:.4g}: the exact n->inf distance is {limit:.3g}, but alpha^2={alpha**2:.4g} "
        f"against the threshold {th.threshold2(method):.4g} predicts {expected:g}",
    )
    return limit


def check_threshold_sharp(setting: Setting, th: Thresholds, method: str | LinearMethod) -> dict[str, float]:
    """Props 4.3/4.4 at the threshold itself: the exact n -> infinity encoder (closed form on the
    population moments) fails at ``alpha^2 = SHARP_BELOW x threshold`` and recovers at
    ``SHARP_ABOVE x threshold`` (distance exactly 1, then 0). A threshold formula off by more than
    10% fails this check, unlike a sweep over alphas far from the threshold. A threshold <= 0 is
    tested at alpha = 0 (recovery without alignment). Returns the alphas tested and the distances.
    """
    method = registry.get(method)
    t = th.threshold2(method)
    alphas = {"below": np.sqrt(SHARP_BELOW * t), "above": np.sqrt(SHARP_ABOVE * t)} if t > 0 else {"zero": 0.0}
    out = {}
    for name, alpha in alphas.items():
        out[f"alpha_{name}"] = float(alpha)
        out[f"distance_{name}"] = _check_limit(setting, th, method, float(alpha))
    if t > 0:
        claim(
            out["distance_below"] > 1 - IDENTITY_ATOL and out["distance_above"] < IDENTITY_ATOL,
            f"{method.short}: the exact limit does not switch at the threshold {t:.4g}",
        )
    return out


def check_alpha_limit(sweep: Sweep, method: str | LinearMethod) -> None:
    """Props 4.2-4.4, alpha -> infinity at fixed n: the distance falls below ``RECOVERED_BELOW``
    and at least by ``DECREASE_FACTOR`` from the smallest to the largest alpha of the sweep."""
    method = registry.get(method)
    for j, n in enumerate(sweep.ns):
        curve = sweep.distance[method.key][:, j].mean(axis=-1)
        claim(
            curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0],
            f"{method.short} (alpha -> inf) at n={n}: the distance went {np.round(curve, 4)}",
        )


def check_supervised_consistency(by_n: Sweep, by_alpha: Sweep) -> None:
    """Prop 4.2: the supervised gap shrinks (i) as alpha grows at fixed n, (ii) steadily as n grows
    for every alpha, including alignments far below any SSL threshold."""
    check_alpha_limit(by_alpha, registry.SUPERVISED)
    for i, alpha in enumerate(by_n.alphas):
        curve = by_n.distance[registry.SUPERVISED.key][i].mean(axis=-1)
        claim(
            curve[-1] < DECREASE_FACTOR * curve[0] and np.all(np.diff(curve) < 0),
            f"Prop 4.2 (n -> inf) at alpha={alpha:g}: the gap went {np.round(curve, 4)}",
        )


def check_method_contract(method: str | EncoderMethod, setting: Setting, alphas: object) -> int:
    """The contract of :class:`~je_vs_rc.theory.methods.EncoderMethod` on ``setting`` (the paper's shared
    basis), with the closed form applied to the exact n -> infinity moments at each alpha of ``alphas``:

    1. the clean-data encoder spans span(Q_1) (distance below ``IDENTITY_ATOL``);
    2. recovery is monotone in alpha: once the corrupted-data encoder spans span(Q_1), it does at every
       larger alpha;
    3. it recovers iff ``alpha^2`` exceeds the largest of ``threshold2_per_noise``, and iff every signal
       score of ``limit_scores`` beats every noise score.

    Keep the alphas away from the threshold itself, where the limit is a tie. Returns how many recover.
    """
    method = registry.get(method)
    if not isinstance(method, EncoderMethod):
        raise ValueError(f"method must be a self-supervised method (an EncoderMethod); got {method.key!r}")
    spectra, signal_basis, k = setting.spectra(), setting.signal_basis(), setting.k
    threshold2 = float(method.threshold2_per_noise(spectra).max())
    recovered = []
    for alpha in np.sort(as_vector("alphas", alphas, nonnegative=True)):
        corrupted = method.solve(*setting.population_moments(alpha, corrupted=True), k).encoder
        ok = subspace_distance(corrupted, signal_basis) < IDENTITY_ATOL
        claim(
            not (recovered and recovered[-1] and not ok),
            f"{method.short}: recovery is not monotone in alpha (it recovers below alpha={alpha:g}, fails there)",
        )
        clean = method.solve(*setting.population_moments(alpha, corrupted=False), k).encoder
        drift = subspace_distance(clean, signal_basis)
        claim(
            drift < IDENTITY_ATOL,
            f"{method.short} at alpha={alpha:g}: the clean encoder leaves span(Q_1) ({drift:.3g})",
        )
        claim(
            ok == (alpha**2 > threshold2),
            f"{method.short} at alpha={alpha:g}: recovered={ok} but alpha^2 against the threshold {threshold2:.4g} "
            f"says {alpha**2 > threshold2}",
        )
        signal, noise = method.limit_scores(spectra, alpha)
        claim(
            ok == bool(signal.min() > noise.max()),
            f"{method.short} at alpha={alpha:g}: recovered={ok} but the limit scores say {signal.min() > noise.max()}",
        )
        recovered.append(ok)
    return int(sum(recovered))


def check_corollary_45(th: Thresholds) -> float:
    """Cor 4.5: the per-component identity and the ordering of the thresholds in each regime.

    ``[alpha_JE,i^2] - [alpha_RC,i^2] = 1/delta - lam_gamma_i / eta^2`` for every noise component;
    low noise -> alpha_JE^2 > alpha_RC^2; high noise -> alpha_JE^2 < alpha_RC^2.
    """
    je, rc = th.per_noise[JOINT_EMBEDDING.key], th.per_noise[RECONSTRUCTION.key]
    identity = je - rc - (1 / th.delta - th.noise_gamma / th.eta**2)
    err = float(np.abs(identity).max())
    claim(err < IDENTITY_ATOL * max(1.0, float(np.abs(rc).max())), f"Cor 4.5 per-component identity off by {err:.3g}")
    if th.regime == "low":
        claim(
            th.alpha_je2 > th.alpha_rc2,
            f"Cor 4.5 low noise: alpha_JE^2={th.alpha_je2:.4g} <= alpha_RC^2={th.alpha_rc2:.4g}",
        )
    if th.regime == "high":
        claim(
            th.alpha_je2 < th.alpha_rc2,
            f"Cor 4.5 high noise: alpha_JE^2={th.alpha_je2:.4g} >= alpha_RC^2={th.alpha_rc2:.4g}",
        )
    return err


def check_phase_diagram(phase: PhaseDiagram, setting: Setting, margin: float = PHASE_MARGIN) -> dict[str, float]:
    """The simulated phase diagram agrees with the thresholds away from the boundary.

    A cell counts as recovered if the directions selected in whitened coordinates are within
    ``FAILED_ABOVE`` of the signal's (the ``selected`` metric: at finite n the encoder's own row space
    can look recovered when a loud, heavily shrunk noise direction is selected; see chapter 6). Near the boundary the
    n -> infinity eigengap between the weakest signal score and the strongest noise score
    (:func:`limit_scores`) closes and finite samples blur the transition, so cells whose relative
    gap is below ``margin`` are not judged; every other cell must agree with ``alpha^2 > threshold``.
    At least ``PHASE_MIN_AGREEMENT`` of all cells, boundary cells included, must agree.
    Returns the agreement per key of the diagram's methods over all cells, including the unjudged ones.
    """
    out = {}
    for method in registry.encoders(phase.methods):
        predicted = np.array([[t.recovers(method, a) for t in phase.thresholds] for a in phase.alphas])
        simulated = phase.selected[method.key] < FAILED_ABOVE
        gap = np.empty(predicted.shape)
        for j, scale in enumerate(phase.noise_scales):
            scaled = scaled_setting(setting, scale)
            for i, alpha in enumerate(phase.alphas):
                signal, noise = limit_scores(scaled, alpha, [method])[method.key]
                gap[i, j] = abs(signal.min() - noise.max()) / signal.min()
        wrong = (predicted != simulated) & (gap > margin)
        claim(
            not wrong.any(),
            f"{method.short} phase diagram: {int(wrong.sum())} cells away from the "
            f"boundary disagree with the threshold",
        )
        out[method.key] = float((predicted == simulated).mean())
        claim(
            out[method.key] >= PHASE_MIN_AGREEMENT,
            f"{method.short} phase diagram: only {100 * out[method.key]:.1f}% of the cells agree with the threshold "
            f"(at least {100 * PHASE_MIN_AGREEMENT:.0f}% required)",
        )
    return out


def check_threshold_crossing(setting: Setting, crossing: Crossing) -> dict[str, float]:
    """Where the thresholds cross as Gamma is scaled (:func:`~je_vs_rc.theory.thresholds.threshold_crossing`).

    Recomputes both thresholds from the registry's formulas at ``crossing.scale`` and just beside it:
    they must be equal there, JE's above RC's just below and under it just above (one crossing); the
    crossing lies within Cor 4.5's undetermined band ``[eta^2/(delta max g), eta^2/(delta min g)]``, and
    it sits on the low-noise edge ``max lam_gamma = eta^2/delta`` (to relative ``EDGE_RTOL``) exactly when
    ``crossing.at_switch``. Where both drawn thresholds sit at alpha = 0 (``crossing.zero_until``): both
    squared thresholds are <= 0 just below it and one is > 0 just above it, and it lies beyond the
    crossing exactly when the common squared threshold there is <= 0.
    """

    def diff(scale: float) -> tuple[float, float]:
        th = thresholds(scaled_setting(setting, scale))
        return th.alpha_je2 - th.alpha_rc2, th.alpha_je2

    s = crossing.scale
    at, je2 = diff(s)
    below, above = diff(s * (1 - CROSSING_STEP))[0], diff(s * (1 + CROSSING_STEP))[0]
    spectra = setting.spectra()
    high_edge = spectra.eta**2 / (spectra.delta * spectra.gamma_noise.min())
    claim(
        abs(at) < IDENTITY_ATOL * max(1.0, abs(je2)) and below > 0 > above,
        f"thresholds at scale {s:.6g}: JE^2 - RC^2 = {at:.3g} (just below {below:.3g}, just above {above:.3g})",
    )
    claim(
        abs(je2 - crossing.alpha2) < IDENTITY_ATOL * max(1.0, abs(je2)),
        f"common squared threshold {crossing.alpha2:.6g}, recomputed {je2:.6g}",
    )
    claim(
        crossing.switch_scale * (1 - IDENTITY_ATOL) <= s <= high_edge * (1 + IDENTITY_ATOL),
        f"crossing at scale {s:.6g} outside Cor 4.5's band [{crossing.switch_scale:.6g}, {high_edge:.6g}]",
    )
    on_edge = abs(s - crossing.switch_scale) <= EDGE_RTOL * crossing.switch_scale
    claim(
        on_edge == crossing.at_switch,
        f"crossing at {s:.6g}, low-noise edge at {crossing.switch_scale:.6g}: at_switch={crossing.at_switch} is wrong",
    )
    z = crossing.zero_until
    if 0 < z < np.inf:
        inside, beyond = (thresholds(scaled_setting(setting, z * f)) for f in (1 - CROSSING_STEP, 1 + CROSSING_STEP))
        claim(
            max(inside.alpha_je2, inside.alpha_rc2) <= 0 < max(beyond.alpha_je2, beyond.alpha_rc2),
            f"both thresholds are said to be 0 up to scale {z:.6g}, but the squared thresholds are "
            f"{inside.alpha_je2:.3g} and {inside.alpha_rc2:.3g} just below it, "
            f"{beyond.alpha_je2:.3g} and {beyond.alpha_rc2:.3g} just above",
        )
    claim(
        (z >= s * (1 - CROSSING_STEP)) == (crossing.alpha2 <= 0),
        f"both thresholds 0 up to scale {z:.6g} but the common squared threshold at the crossing {s:.6g} is "
        f"{crossing.alpha2:.3g}",
    )
    return {"scale": s, "switch_scale": crossing.switch_scale, "difference": at, "zero_until": z}


def check_encoder_caveat(phase: PhaseDiagram, setting: Setting, method: str | LinearMethod) -> int:
    """Cells where theory says ``method`` fails but its finite-n encoder's row space looks recovered must
    still fail in the exact n -> infinity limit (distance 1). Returns how many such cells there are."""
    method = registry.get(method)
    count = 0
    for j, scale in enumerate(phase.noise_scales):
        scaled = scaled_setting(setting, scale)
        for i, alpha in enumerate(phase.alphas):
            if not phase.thresholds[j].recovers(method, alpha) and phase.distance[method.key][i, j] < FAILED_ABOVE:
                limit = population_distance(scaled, method, alpha)
                claim(
                    limit > 1 - IDENTITY_ATOL,
                    f"{method.short} at scale {scale:.3g}, alpha {alpha:.3g}: the exact "
                    f"limit distance is {limit:.3g}, not 1",
                )
                count += 1
    return count


def check_up_to_orthogonal(
    setting: Setting,
    th: Thresholds,
    alphas: object,
    ns: object,
    seed: int = 0,
    method: EncoderMethod = JOINT_EMBEDDING,
) -> dict[float, list[float]]:
    """Prop 4.4's "up to an orthogonal U", checked directly with ``min_U ||W~ - U W|| / ||W||``
    (:func:`~je_vs_rc.theory.linalg.orthogonal_distance`; the subspace distance cannot see it).

    For each alpha above the threshold of ``method`` (JE, whose encoder is unique up to U): the exact
    n -> infinity encoders differ by an orthogonal U (distance below ``IDENTITY_ATOL``), and on data
    drawn with ``seed`` the distance at the largest n is below ``RECOVERED_BELOW`` and below
    ``DECREASE_FACTOR`` times its value at the smallest n.
    Returns alpha -> the distances at each n.
    """
    ns = [int(n) for n in np.atleast_1d(ns)]
    out = {}
    for alpha in np.atleast_1d(alphas):
        if not th.recovers(method, alpha):
            continue
        limit = orthogonal_distance(
            *[method.solve(*setting.population_moments(alpha, corrupted=c), setting.k).encoder for c in (True, False)]
        )
        claim(
            limit < IDENTITY_ATOL,
            f"{method.short} at alpha={alpha:g}: the exact limits differ by more than an orthogonal U "
            f"(distance {limit:.3g})",
        )
        rng = np.random.default_rng(seed)
        curve = []
        for n in ns:
            X = setting.clean_data(n, rng)
            Xc = X + setting.corruption(n, rng)
            Sigma = setting.sigma(alpha)
            G, Gc = X.T @ X / n, Xc.T @ Xc / n
            curve.append(
                orthogonal_distance(
                    method.solve(Gc + Sigma, Gc, setting.k).encoder, method.solve(G + Sigma, G, setting.k).encoder
                )
            )
        claim(
            curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0],
            f"{method.short} at alpha={alpha:g}: min_U ||W~ - U W|| / ||W|| went {np.round(curve, 4)} as n grew",
        )
        out[float(alpha)] = curve
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
