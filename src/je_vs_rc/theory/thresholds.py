"""Alignment thresholds: Props 4.3 and 4.4 and Corollary 4.5.

Everything is expressed in the common eigenbasis ``Q`` of the data, Theta and Gamma. Each method
(:mod:`.methods`) supplies its own threshold formula; this module collects those of the methods a
caller passes (by default the paper's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import methods as registry
from .linalg import single_threaded_module
from .methods import JOINT_EMBEDDING, PAPER_METHODS, RECONSTRUCTION, LinearMethod, Methods
from .setting import Setting, Spectra
from .validation import as_scalar, as_vector

Regime = Literal["low", "high", "undetermined"]


@dataclass(frozen=True)
class Thresholds:
    """Squared alignment thresholds of the self-supervised methods computed, and the constants that
    define them.

    A squared threshold may be negative: then every ``alpha >= 0`` satisfies ``alpha^2 > threshold``
    and the method recovers the clean encoder without any alignment.

    Attributes:
        squared: method key -> squared threshold; recovery iff ``alpha^2`` exceeds it.
        per_noise: method key -> the threshold's bracket for each noise component i = k+1..d.
        eta: ``min_{i<=k} e_i / sqrt(e_i + lam_theta_i)`` with ``e_i = (1/n) kappa_i^2``.
        delta: ``min_{i<=k} e_i / (e_i + lam_theta_i)``, in (0, 1].
        noise_gamma: ``lam_gamma[k:]``, the corruption's eigenvalues.
    """

    squared: dict[str, float]
    per_noise: dict[str, np.ndarray]
    eta: float
    delta: float
    noise_gamma: np.ndarray

    @property
    def alpha_rc2(self) -> float:
        """``alpha_RC^2`` (eq. 10)."""
        return self.squared[RECONSTRUCTION.key]

    @property
    def alpha_je2(self) -> float:
        """``alpha_JE^2`` (eq. 11)."""
        return self.squared[JOINT_EMBEDDING.key]

    @property
    def switch(self) -> float:
        """``eta^2 / delta``: the noise level that bounds Cor 4.5's regimes. JE and RC trade places exactly
        where ``max lam_gamma`` reaches it only when the loudest noise component also has the smallest
        ``lam_theta_i / lam_gamma_i`` (see :func:`threshold_crossing`)."""
        return self.eta**2 / self.delta

    @property
    def regime(self) -> Regime:
        """Cor 4.5: "low" (RC needs less alignment), "high" (JE does) or "undetermined"."""
        if self.noise_gamma.max() < self.switch:
            return "low"
        if self.noise_gamma.min() > self.switch:
            return "high"
        return "undetermined"

    def threshold2(self, method: str | LinearMethod) -> float:
        """The squared threshold of ``method`` (a registry key or method with a threshold)."""
        key = registry.get(method).key
        if key not in self.squared:
            raise ValueError(f"method must be one with a threshold, one of {list(self.squared)}; got {key!r}")
        return self.squared[key]

    def recovers(self, method: str | LinearMethod, alpha: float) -> bool:
        """Whether the theory predicts recovery as n -> infinity: ``alpha^2 > threshold^2`` (always,
        for a method without a threshold such as supervised learning)."""
        alpha = as_scalar("alpha", alpha, minimum=0.0)
        method = registry.get(method)
        return method.recovers(self.threshold2(method) if method.has_threshold else None, alpha)

    def threshold(self, method: str | LinearMethod) -> float:
        """The threshold on alpha itself, e.g. ``alpha_JE`` (0 when the squared threshold is negative)."""
        return float(np.sqrt(max(self.threshold2(method), 0.0)))


def thresholds(
    setting: Setting | object, lam_theta: object = None, lam_gamma: object = None, *, methods: Methods = PAPER_METHODS
) -> Thresholds:
    """Compute ``alpha_RC^2``, ``alpha_JE^2``, ``eta`` and ``delta`` (Props 4.3, 4.4; Cor 4.5).

        alpha_RC^2 = max_{i>k} ( lam_gamma_i / eta^2 - lam_theta_i / lam_gamma_i - 1 )     (eq. 10)
        alpha_JE^2 = max_{i>k} ( (1 - delta) / delta - lam_theta_i / lam_gamma_i )          (eq. 11)

    Call it with a :class:`Setting`, or with the three spectra ``(signal_energy, lam_theta, lam_gamma)``:
        signal_energy: length k, ``(1/n) kappa_i^2 > 0`` (the limiting per-sample energies).
        lam_theta: length d eigenvalues of Theta, >= 0.
        lam_gamma: length d eigenvalues of Gamma with ``lam_gamma[:k] == 0`` and ``lam_gamma[k:] > 0``.
    ``methods``: whose thresholds to compute (its self-supervised ones; default the paper's).

    Returns:
        A :class:`Thresholds` with one entry per self-supervised method of ``methods``. A squared
        threshold may be negative (no alignment needed).
    """
    if isinstance(setting, Setting):
        if lam_theta is not None or lam_gamma is not None:
            raise ValueError("pass either a Setting or the three spectra (signal_energy, lam_theta, lam_gamma)")
    else:
        if lam_theta is None or lam_gamma is None:
            raise ValueError("thresholds needs a Setting or the three spectra (signal_energy, lam_theta, lam_gamma)")
        setting = Setting(setting, lam_theta, lam_gamma)
    spectra = setting.spectra()
    per_noise = {m.key: m.threshold2_per_noise(spectra) for m in registry.encoders(methods)}
    return Thresholds(
        {key: float(v.max()) for key, v in per_noise.items()},
        per_noise,
        spectra.eta,
        spectra.delta,
        spectra.gamma_noise,
    )


def limit_scores(
    setting: Setting, alpha: float, methods: Methods = PAPER_METHODS
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-component n -> infinity scores that each closed form ranks (proofs of Props 4.3, 4.4).

    JE ranks eigenvalues of ``S^{-1/2} G S^{-1/2}``: ``e_i/(e_i + lam_theta_i)`` on signal components,
    ``lam_gamma_i/(lam_theta_i + (1+alpha^2) lam_gamma_i)`` on noise components.
    RC ranks singular values of ``G S^{-1/2}``: ``e_i/sqrt(e_i + lam_theta_i)`` and
    ``lam_gamma_i/sqrt(lam_theta_i + (1+alpha^2) lam_gamma_i)``.
    Recovery holds iff every signal score beats every noise score.

    Returns:
        ``{method key: (signal scores, noise scores)}`` for each self-supervised method of ``methods``.
    """
    spectra = setting.spectra()
    alpha = as_scalar("alpha", alpha, minimum=0.0)
    return {m.key: m.limit_scores(spectra, alpha) for m in registry.encoders(methods)}


# A crossing whose scale is within this relative distance of the low-noise edge is on it. The general
# root and eta^2/(delta max g) are sums of positive terms and one square root, each accurate to a few
# ulps (~1e-15 relative), so a crossing that is on the edge in exact arithmetic (equal ratios
# lam_theta_i/g_i that round apart, e.g. 0.9/18.9 and 0.1/2.1) lands within ~1e-15 of it; 1e-9 leaves
# a million-fold margin and is still far below the 3 significant digits the book prints. The check of
# the crossing (checks.thresholds) uses the same constant, so the two cannot disagree.
EDGE_RTOL = 1e-9


@dataclass(frozen=True)
class Crossing:
    """Where ``alpha_JE^2`` and ``alpha_RC^2`` are equal when Gamma is scaled by a factor s.

    Attributes:
        scale: the factor s_x (Gamma -> s_x Gamma) at which the squared thresholds are equal; JE's is the
            larger below it, RC's above it.
        switch_scale: the factor at which ``max_i lam_gamma_i = eta^2/delta`` (Cor 4.5's low-noise edge).
        at_switch: whether the crossing is on that edge (to relative ``EDGE_RTOL``; then ``scale`` is
            ``switch_scale``). In exact arithmetic: iff the loudest noise component also has the smallest
            ``lam_theta_i / lam_gamma_i``.
        alpha2: the common squared threshold at ``scale`` (<= 0: both thresholds on alpha are 0 there).
        zero_until: both squared thresholds are <= 0, so both thresholds on alpha (the lines the phase
            diagram draws) are 0, exactly for the scales in (0, zero_until] (0: at no scale; ``inf``: at
            every scale up to ``SCALE_SEARCH``'s end). It is at least ``scale`` iff ``alpha2 <= 0``.
    """

    scale: float
    switch_scale: float
    at_switch: bool
    alpha2: float
    zero_until: float


def threshold_crossing(setting: Setting) -> Crossing:
    """The noise scale at which the two thresholds cross (Cor 4.5 made exact).

    Scale Gamma's noise eigenvalues to ``s g_i`` (eta and delta do not depend on Gamma). With
    ``c_j = lam_theta_j/g_j - min_i lam_theta_i/g_i >= 0``, the JE bracket's maximum is reached at the
    component of smallest ``lam_theta_i/g_i``, so

        alpha_JE^2(s) - alpha_RC^2(s) = min_j h_j(s),   h_j(s) = 1/delta - s g_j/eta^2 + c_j/s.

    Each h_j is strictly decreasing, hence so is the difference: it has exactly one root,
    ``s_x = min_j eta^2 (1/delta + sqrt(1/delta^2 + 4 g_j c_j/eta^2)) / (2 g_j)``. It equals
    ``eta^2/(delta max g)`` -- the crossing at ``max lam_gamma = eta^2/delta`` -- iff the loudest
    component has ``c_j = 0``; otherwise the thresholds cross at a louder noise.

    Both squared thresholds increase with s, so both are <= 0 on an interval (0, s_0], s_0 the first
    scale at which either reaches 0 (:func:`overtaking_scale` at alpha = 0); there the phase diagram
    draws both thresholds at alpha = 0. When the common value at s_x is <= 0, s_0 >= s_x: the two
    lines do not cross visibly, they lie together at alpha = 0 up to s_0 and part there.
    """
    spectra = setting.spectra()
    g, theta = spectra.gamma_noise, spectra.theta_noise
    eta2, delta = spectra.eta**2, spectra.delta
    c = theta / g - np.min(theta / g)
    roots = eta2 * (1 / delta + np.sqrt(1 / delta**2 + 4 * g * c / eta2)) / (2 * g)
    scale = float(roots.min())
    switch_scale = float(eta2 / (delta * g.max()))
    # Not c == 0 at the loudest component: equal ratios can round apart (see EDGE_RTOL).
    at_switch = abs(scale - switch_scale) <= EDGE_RTOL * switch_scale
    if at_switch:
        scale = switch_scale  # the same number up to rounding: keep the one Cor 4.5 names
    je = JOINT_EMBEDDING
    alpha2 = float(je.threshold2_per_noise(spectra.noise_scaled(scale)).max())
    zero_until = min(overtaking_scale(spectra, m, 0.0) for m in (JOINT_EMBEDDING, RECONSTRUCTION))
    return Crossing(scale, switch_scale, at_switch, alpha2, zero_until)


# Where :func:`overtaking_scale` looks for the crossing: factors of Gamma from 1e-12 to 1e12.
SCALE_SEARCH = (1e-12, 1e12)


def overtaking_scale(spectra: Spectra, method: str | LinearMethod, alpha: float) -> float:
    """The smallest factor s (Gamma -> s Gamma) at which ``alpha`` stops exceeding the method's
    threshold: a noise score reaches the weakest signal score and a noise direction enters the top k.

    Every noise bracket of eqs. 10-11 increases with s (only ``lam_gamma_i`` scales), so the excess
    ``threshold^2(s) - alpha^2`` crosses zero at most once; it is found by bisection in log s over
    :data:`SCALE_SEARCH`. Returns 0 if alpha fails at every magnitude and ``inf`` if at none.
    """
    from scipy.optimize import brentq  # imported here: scipy.optimize takes 0.3 s to import

    method = registry.get(method)
    alpha = as_scalar("alpha", alpha, minimum=0.0)

    def excess(log_s: float) -> float:
        return float(method.threshold2_per_noise(spectra.noise_scaled(np.exp(log_s))).max()) - alpha**2

    lo, hi = np.log(SCALE_SEARCH[0]), np.log(SCALE_SEARCH[1])
    if excess(lo) >= 0:
        return 0.0
    if excess(hi) < 0:
        return float("inf")
    return float(np.exp(brentq(excess, lo, hi, xtol=1e-13)))


@dataclass(frozen=True)
class NoiseMagnitude:
    """Each self-supervised method's n -> infinity scores as the corruption grows, at one alignment.

    Attributes:
        scales: the factors s of the corruption (Gamma -> s Gamma), increasing.
        alpha: the alignment of T(alpha).
        signal: method key -> its k signal scores (they do not depend on s).
        noise: method key -> len(scales) x (d - k) noise scores.
        overtaken_at: method key -> :func:`overtaking_scale` (``inf``: at no magnitude).
    """

    scales: np.ndarray
    alpha: float
    signal: dict[str, np.ndarray]
    noise: dict[str, np.ndarray]
    overtaken_at: dict[str, float]


def noise_magnitude_scores(
    setting: Setting, alpha: float, scales: object, methods: Methods = PAPER_METHODS
) -> NoiseMagnitude:
    """The limit scores (:func:`limit_scores`) of each self-supervised method of ``methods`` with the
    setting's Gamma multiplied by each of ``scales``, and where a noise score overtakes the signal."""
    spectra = setting.spectra()
    alpha = as_scalar("alpha", alpha, minimum=0.0)
    scales = as_vector("scales", scales, positive=True)
    if np.any(np.diff(scales) <= 0):
        raise ValueError(f"scales must be increasing; got {scales}")
    shown = registry.encoders(methods)
    return NoiseMagnitude(
        scales,
        alpha,
        {m.key: m.limit_scores(spectra, alpha)[0] for m in shown},
        {m.key: np.array([m.limit_scores(spectra.noise_scaled(s), alpha)[1] for s in scales]) for m in shown},
        {m.key: overtaking_scale(spectra, m, alpha) for m in shown},
    )


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
