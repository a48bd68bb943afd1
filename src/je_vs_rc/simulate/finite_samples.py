"""Beyond the paper (1): finite samples.

The paper's results are limits. Here the selected directions of the closed forms are compared with
their n -> infinity values through standard perturbation theorems (Yu, Wang & Samworth 2015, a
Davis-Kahan variant), which are *proven* deterministic inequalities:

- JE selects the top-k eigenvectors of ``M = S^{-1/2} G S^{-1/2}`` (Thm 3.2). With ``E = M_hat - M``,
      ||sin Theta||_F <= 2 min(sqrt(k) ||E||_op, ||E||_F) / (omega_k - omega_{k+1}).
- RC selects the top-k right singular vectors of ``A = G S^{-1/2}`` (Thm 3.1). With ``E = A_hat - A``,
      ||sin Theta||_F <= 2 (2 phi_1 + ||E||_op) min(sqrt(k) ||E||_op, ||E||_F) / (phi_k^2 - phi_{k+1}^2).

The largest principal-angle sine (our distance) is at most ``||sin Theta||_F``. The gaps are those of
the n -> infinity problem; they vanish exactly at the alignment thresholds (Props 4.3, 4.4), which is
why the required n blows up there. How ``||E||`` shrinks with n is *measured* (it behaves like
``c / sqrt(n)``, the usual concentration rate); combined with the proven inequality it predicts the
sample size needed for a target error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..theory import methods as registry
from ..theory.linalg import single_threaded_module, subspace_distance
from ..theory.methods import EncoderMethod
from ..theory.setting import Setting
from ..theory.thresholds import limit_scores, thresholds
from ..theory.validation import as_scalar


def _encoder_method(method: str | EncoderMethod) -> EncoderMethod:
    method = registry.get(method)
    if not isinstance(method, EncoderMethod):
        raise ValueError(f"method must be a self-supervised method (an EncoderMethod); got {method.key!r}")
    return method


def alphas_above_threshold(setting: Setting, method: str | EncoderMethod, ratios: object) -> list[float]:
    """``ratio x threshold`` for each of ``ratios``: the alignments the chapter sweeps. They exist only
    where the squared threshold is positive; otherwise (no alignment needed) a ValueError says so and
    what to change, instead of a check failing later on a threshold of 0."""
    method = _encoder_method(method)
    t2 = thresholds(setting).threshold2(method)
    if t2 <= 0:
        raise ValueError(
            f"the {method.short} squared threshold is {t2:.3g} <= 0 for these spectra (no alignment needed), so "
            "alpha cannot be set at multiples of it: choose lam_gamma louder, or lam_theta smaller on the noise "
            "components, so that both squared thresholds are positive"
        )
    return [float(r) * float(np.sqrt(t2)) for r in np.atleast_1d(ratios)]


def population_gap(setting: Setting, method: str | EncoderMethod, alpha: float) -> float:
    """Signed n -> infinity gap between the weakest signal score and the strongest noise score (the
    quantities the proofs of Props 4.3/4.4 compare): ``delta_min - max noise eigenvalue`` for JE, and
    the same with squared singular values for RC. Above the threshold it equals the eigengap of the
    perturbation bound (``omega_k - omega_{k+1}`` or ``phi_k^2 - phi_{k+1}^2``); it is 0 at the
    threshold and negative below, where the closed forms select a noise direction."""
    if setting.corruption_basis is not None:
        raise ValueError("population_gap needs the paper's shared eigenbasis (no corruption_basis)")
    method = _encoder_method(method)
    signal, noise = limit_scores(setting, alpha, [method])[method.key]
    return float(signal.min() ** method.gap_power - noise.max() ** method.gap_power)


def perturbation_bound(
    M_hat: np.ndarray, M: np.ndarray, method: str | EncoderMethod, k: int
) -> tuple[float, float, float]:
    """``(distance, bound, ||E||_op)`` for one draw: the selected space of ``M_hat`` against that of ``M``
    and the Yu-Wang-Samworth bound (infinite when the gap is not positive)."""
    method = _encoder_method(method)
    E = M_hat - M
    e_op, e_f = float(np.linalg.norm(E, 2)), float(np.linalg.norm(E, "fro"))
    dist = subspace_distance(method.top_space(M_hat, k), method.top_space(M, k))
    gap, scale = method.gap_and_factor(M, k, e_op)
    bound = scale * min(np.sqrt(k) * e_op, e_f) / gap if gap > 0 else np.inf
    return dist, float(bound), e_op


@dataclass(frozen=True)
class FiniteSweep:
    """Per (alpha, n, seed): measured distance of the selected directions, its proven bound and ||E||_op.
    ``method`` is the registry key of the self-supervised method swept."""

    method: str
    alphas: np.ndarray
    ns: np.ndarray
    distance: np.ndarray
    bound: np.ndarray
    perturbation: np.ndarray


def finite_sample_sweep(
    setting: Setting, method: str | EncoderMethod, alphas: object, ns: object, seeds: object
) -> FiniteSweep:
    """Measure, for corrupted data of each size, the selected-direction error and its bound."""
    method = _encoder_method(method)
    alphas_arr, ns_arr = np.asarray(alphas, dtype=float), np.asarray(ns, dtype=int)
    seeds_list = [int(s) for s in np.atleast_1d(seeds)]
    shape = (alphas_arr.size, ns_arr.size, len(seeds_list))
    dist, bound, pert = np.empty(shape), np.empty(shape), np.empty(shape)
    for a, alpha in enumerate(alphas_arr):
        S_pop, G_pop = setting.population_moments(alpha, corrupted=True)
        M = method.selection_matrix(S_pop, G_pop)
        Sigma = setting.sigma(alpha)
        for s, seed in enumerate(seeds_list):
            rng = np.random.default_rng(seed)
            for j, n in enumerate(ns_arr):
                Xc = setting.clean_data(int(n), rng) + setting.corruption(int(n), rng)
                G = Xc.T @ Xc / n
                dist[a, j, s], bound[a, j, s], pert[a, j, s] = perturbation_bound(
                    method.selection_matrix(G + Sigma, G), M, method, setting.k
                )
    return FiniteSweep(method.key, alphas_arr, ns_arr, dist, bound, pert)


@dataclass(frozen=True)
class Rate:
    """A power law ``error ~ C n^slope`` fitted on log-log axes, with a confidence interval."""

    slope: float
    low: float
    high: float
    intercept: float


def fit_rate(ns: np.ndarray, errors: np.ndarray, level: float = 0.95) -> Rate:
    """Least-squares fit of ``log error = intercept + slope log n`` over every seed (errors: ns x seeds),
    with a ``level`` confidence interval for the slope from the t distribution."""
    from scipy import stats  # here, not at the top: importing scipy.stats costs ~0.75 CPU-s (je_vs_rc.stats)

    x = np.repeat(np.log(np.asarray(ns, dtype=float)), errors.shape[1])
    y = np.log(np.asarray(errors, dtype=float).ravel())
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.5 + level / 2, x.size - 2) * fit.stderr
    return Rate(float(fit.slope), float(fit.slope - half), float(fit.slope + half), float(fit.intercept))


def perturbation_constant(sweep: FiniteSweep, quantile: float = 0.9, ns_from: int = 0) -> np.ndarray:
    """Per alpha, the ``quantile`` over seeds (and over ``sweep.ns[ns_from:]``) of ``||E||_op sqrt(n)``,
    which is nearly constant in n (measured)."""
    scaled = (sweep.perturbation * np.sqrt(sweep.ns)[None, :, None])[:, ns_from:]
    return np.quantile(scaled.reshape(scaled.shape[0], -1), quantile, axis=1)


def scaled_perturbation_spread(sweep: FiniteSweep) -> float:
    """How far ``||E||_op sqrt(n)`` is from constant in n: per alpha, the largest over the smallest of its
    median over seeds at each n; returns the largest such factor over the alphas."""
    median = np.median(sweep.perturbation, axis=-1) * np.sqrt(sweep.ns)[None, :]
    return float((median.max(axis=1) / median.min(axis=1)).max())


def required_n(setting: Setting, method: str | EncoderMethod, alpha: float, target: float, constant: float) -> float:
    """Sample size at which the proven bound falls to ``target``, if ``||E||_op = constant / sqrt(n)``.

    JE: ``2 sqrt(k) c / sqrt(n) <= target gap``. RC: ``2 sqrt(k) x (2 phi_1 + x) <= target gap`` with
    ``x = c / sqrt(n)``, solved for x. Infinite at or below the threshold (no positive gap).
    """
    method = _encoder_method(method)
    target = as_scalar("target", target, minimum=0.0, strict=True)
    constant = as_scalar("constant", constant, minimum=0.0, strict=True)
    gap, k = population_gap(setting, method, alpha), setting.k
    if gap <= 0:
        return float("inf")
    M = method.selection_matrix(*setting.population_moments(alpha, corrupted=True))
    x = method.tolerable_perturbation(M, k, target * gap)
    return float((constant / x) ** 2)


@dataclass(frozen=True)
class Calibration:
    """Constants measured on a :class:`FiniteSweep`, one per swept alpha (given as ``ratios``, alpha /
    threshold), for the sample-size predictions:

    - ``constant``: the 90th percentile of ``||E||_op sqrt(n)`` over every draw (calibrated-bound prediction);
    - ``typical_constant``: its median at the largest n, and ``bound_ratio``: the median measured error /
      bound there (calibrated prediction, aimed at the typical error).
    """

    ratios: np.ndarray
    constant: np.ndarray
    typical_constant: np.ndarray
    bound_ratio: np.ndarray

    def at(self, ratios: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The three constants interpolated on log scales at other ``ratios``, which must lie in the swept
        range (no silent extrapolation: a ValueError names the range)."""
        ratios = np.asarray(ratios, dtype=float)
        low, high = self.ratios.min(), self.ratios.max()
        if np.any(ratios < low * (1 - 1e-12)) or np.any(ratios > high * (1 + 1e-12)):
            raise ValueError(
                f"ratios must lie in the swept range [{low:g}, {high:g}] (the constants are measured "
                f"there, not extrapolated); got {ratios.min():g} to {ratios.max():g}"
            )
        x = np.log(ratios)

        def interp(values: np.ndarray) -> np.ndarray:
            return np.exp(np.interp(x, np.log(self.ratios), np.log(values)))

        return interp(self.constant), interp(self.typical_constant), interp(self.bound_ratio)


def calibrate(sweep: FiniteSweep, ratios: object) -> Calibration:
    """Measure the :class:`Calibration` constants of ``sweep``, whose alphas sit at ``ratios`` x threshold."""
    return Calibration(
        np.asarray(ratios, dtype=float),
        perturbation_constant(sweep),
        perturbation_constant(sweep, quantile=0.5, ns_from=-1),
        np.median(sweep.distance[:, -1] / sweep.bound[:, -1], axis=-1),
    )


CALIBRATED_BOUND = "calibrated bound (90% of draws)"  # as chapter 10 names its predictions
CALIBRATED = "calibrated typical (median)"


def predicted_sample_sizes(
    setting: Setting, method: str | EncoderMethod, calibration: Calibration, ratios: object, target: float
) -> dict[str, np.ndarray]:
    """Sample sizes for a ``target`` error at alpha = ratio x threshold, per ratio: ``CALIBRATED_BOUND`` from
    the proven bound with the 90th-percentile constant, ``CALIBRATED`` from the bound with the typical
    constant and the target divided by the measured error / bound ratio."""
    method = _encoder_method(method)
    threshold = thresholds(setting, methods=[method]).threshold(method)
    ratios = np.asarray(ratios, dtype=float)
    c, c_typ, rho = calibration.at(ratios)
    return {
        CALIBRATED_BOUND: np.array(
            [required_n(setting, method, r * threshold, target, cc) for r, cc in zip(ratios, c)]
        ),
        CALIBRATED: np.array(
            [required_n(setting, method, r * threshold, target / p, cc) for r, cc, p in zip(ratios, c_typ, rho)]
        ),
    }


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
