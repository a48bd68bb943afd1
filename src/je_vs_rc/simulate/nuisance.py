"""A controlled nuisance on real MNIST, and the linear theory's prediction on it (beyond the paper).

The paper's corruption (section 4.1) lives on directions orthogonal to the data's signal and is fixed
per sample. Here it is made on real images (``nuisance_data``):

- **patterns**: ``n_patterns`` smooth random images (white noise blurred by a Gaussian of
  ``smoothness`` pixels), projected orthogonal to the top ``avoid`` principal components of the
  training digits and orthonormalised: the columns of ``P`` (784 x n_patterns);
- **nuisance**: every image carries ``P a`` with ``a ~ N(0, v I)`` drawn once (fixed across epochs, as
  ImageNet-C's corruptions are); test images get fresh draws from the same distribution. In the
  paper's notation ``Gamma = v P P^T``;
- **levels**: each variance ``v`` is a multiple of Cor 4.5's switch ``eta^2 / delta``, computed from the
  data's own spectrum (the top ``k`` principal components' energies and the generic augmentation's
  variance along them), so a level below 1 is the low-noise regime and one above 1 the high-noise
  regime, by construction and by computation (:func:`place_levels`).

The views every method sees (``T(alpha)`` plus the generic augmentations playing Theta's role) are
``tau(x) = shift(x + alpha P g) + sigma eps`` with ``g ~ N(0, v I)`` (the aligned noise, added like the
nuisance it imitates), a uniform translation of at most ``shift`` pixels (zero fill) and ``eps ~ N(0, I)``
pixel noise. Their exact moments (:func:`view_moments`) give
the closed forms of Thm 3.1 and Thm 3.2 on exactly the networks' problem (Xbar is the shift-average of
each image, which is not the image: the general form of both theorems), and the thresholds of Props 4.3
and 4.4 on the reduced setting of the top-``k`` components and the pattern directions
(:func:`theory_setting`).

Pixels are scaled to [0, 1] and centred by the training mean (a constant offset a network absorbs in
its first bias); numpy and scipy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter

from ..theory import methods
from ..theory.linalg import single_threaded_module, sym_inv_sqrt
from ..theory.setting import Setting
from ..theory.thresholds import Thresholds, thresholds

SIDE = 28  # MNIST images are SIDE x SIDE
PIXELS = SIDE * SIDE
PROBE_RIDGE = 1e-3  # ridge of the least-squares probe, relative to the mean feature variance (standardised: 1)
ORTHO_TOL = 1e-8  # |P^T U_avoid| above this means the patterns are not orthogonal to the avoided components


def _positive_int(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _positive(name: str, value: object, allow_zero: bool = False) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}; got {value!r}")
    return x


@dataclass(frozen=True)
class NuisanceConfig:
    """The nuisance, the views and the levels (every value validated; errors name the parameter).

    Attributes:
        n_patterns: number of nuisance patterns (the corruption's rank).
        avoid: top principal components of the training digits the patterns are orthogonal to; with
            ``n_patterns`` they must fit in the image (``avoid + n_patterns <= 784``).
        smoothness: width (pixels) of the Gaussian blur that makes the random patterns smooth.
        k: feature dimension of every encoder (the theory's k signal components).
        levels: noise level name -> nuisance variance as a multiple of the switch ``eta^2 / delta``
            (Cor 4.5); each > 0.
        pixel_noise: standard deviation of the generic pixel noise of every view (Theta), >= 0.
        shift: largest translation of a view, in pixels (Theta), >= 0.
        n_train, n_test: training images per seed (a seeded subset of the 60,000) and test images.
        pattern_seed: draws the patterns (the same for every seed of a run).
    """

    n_patterns: int = 64
    avoid: int = 100
    smoothness: float = 2.0
    k: int = 32
    levels: dict[str, float] = field(default_factory=lambda: {"weak": 0.3, "strong": 10.0})
    pixel_noise: float = 0.1
    shift: int = 1
    n_train: int = 10_000
    n_test: int = 10_000
    pattern_seed: int = 0

    def __post_init__(self) -> None:
        _positive_int("n_patterns", self.n_patterns)
        _positive_int("avoid", self.avoid, low=0)
        _positive_int("k", self.k)
        _positive_int("shift", self.shift, low=0)
        _positive_int("n_train", self.n_train, low=2)
        _positive_int("n_test", self.n_test)
        _positive_int("pattern_seed", self.pattern_seed, low=0)
        _positive("smoothness", self.smoothness, allow_zero=True)
        _positive("pixel_noise", self.pixel_noise, allow_zero=True)
        if self.avoid + self.n_patterns > PIXELS:
            raise ValueError(
                f"avoid + n_patterns = {self.avoid} + {self.n_patterns} exceeds the image dimension {PIXELS}: "
                "the patterns cannot be orthogonal to the avoided components"
            )
        if self.k > self.avoid:
            raise ValueError(
                f"k = {self.k} must be <= avoid = {self.avoid}: the theory's k signal components must be among "
                "the components the nuisance avoids"
            )
        if not isinstance(self.levels, dict) or not self.levels:
            raise ValueError(
                f"levels must map noise-level names to variances (multiples of the switch); got {self.levels!r}"
            )
        for name, ratio in self.levels.items():
            _positive(f"levels[{name!r}]", ratio)
        if 2 * self.shift >= SIDE:
            raise ValueError(f"shift must be below {SIDE // 2} pixels; got {self.shift}")


def smooth_patterns(cfg: NuisanceConfig, avoid_basis: np.ndarray) -> np.ndarray:
    """``P`` (784 x n_patterns, orthonormal columns): blurred white noise, projected orthogonal to the
    columns of ``avoid_basis`` (784 x avoid, orthonormal) and orthonormalised."""
    rng = np.random.default_rng(cfg.pattern_seed)
    noise = rng.standard_normal((cfg.n_patterns, SIDE, SIDE))
    if cfg.smoothness > 0:
        noise = gaussian_filter(noise, sigma=(0, cfg.smoothness, cfg.smoothness), mode="wrap")
    raw = noise.reshape(cfg.n_patterns, PIXELS).T
    raw = raw - avoid_basis @ (avoid_basis.T @ raw)
    P, _ = np.linalg.qr(raw)
    # Twice is enough (Gram-Schmidt): remove what rounding left along the avoided components.
    P = P - avoid_basis @ (avoid_basis.T @ P)
    P, _ = np.linalg.qr(P)
    worst = float(np.abs(avoid_basis.T @ P).max()) if avoid_basis.size else 0.0
    if worst > ORTHO_TOL:
        raise ValueError(f"patterns are not orthogonal to the avoided components (largest |inner product| {worst:.2e})")
    return P


def shift_indices(shift: int) -> list[np.ndarray]:
    """For every translation (dy, dx) in [-shift, shift]^2: index array ``src`` of length 784 with
    ``view[p] = image[src[p]]``, ``src[p] = -1`` where the view is filled with zero."""
    out = []
    rows, cols = np.divmod(np.arange(PIXELS), SIDE)
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            r, c = rows - dy, cols - dx
            ok = (r >= 0) & (r < SIDE) & (c >= 0) & (c < SIDE)
            out.append(np.where(ok, r * SIDE + c, -1))
    return out


def _shifted(X: np.ndarray, src: np.ndarray) -> np.ndarray:
    padded = np.concatenate([X, np.zeros((X.shape[0], 1), X.dtype)], axis=1)
    return padded[:, src]  # index -1 reads the zero column


@dataclass(frozen=True)
class ViewMoments:
    """Exact moments of the generic views of one data set (no alpha term; see :func:`closed_form`).

    ``C``: ``E[shift(x) shift(x)^T]`` averaged over samples and translations, plus ``sigma^2 I`` (784 x 784);
    ``Xbar``: the views' mean of every sample, its shift-average (n x 784); ``XtXbar``: ``(1/n) X^T Xbar``.
    """

    C: np.ndarray
    Xbar: np.ndarray
    XtXbar: np.ndarray

    @property
    def G(self) -> np.ndarray:
        """``(1/n) Xbar^T Xbar``: Thm 3.2's G."""
        return self.Xbar.T @ self.Xbar / self.Xbar.shape[0]


def shift_average(M: np.ndarray, shift: int) -> np.ndarray:
    """``E_s[Shift_s M Shift_s^T]`` over the uniform translations (zero fill): the second moment of
    translated images whose second moment is ``M`` (784 x 784)."""
    Mp = np.zeros((PIXELS + 1, PIXELS + 1))
    Mp[:PIXELS, :PIXELS] = M
    shifts = shift_indices(shift)
    return sum(Mp[np.ix_(src, src)] for src in shifts) / len(shifts)


def view_moments(X: np.ndarray, shift: int, pixel_noise: float) -> ViewMoments:
    """The exact moments of ``shift(x) + pixel_noise * eps`` over the uniform translations (Lemma B.1's
    ``Xbar`` and ``(1/n) sum_i E[tau tau^T]``), with zero fill at the border."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    shifts = shift_indices(shift)
    C = shift_average(X.T @ X / n, shift) + pixel_noise**2 * np.eye(PIXELS)
    Xbar = sum(_shifted(X, src) for src in shifts) / len(shifts)
    return ViewMoments(C, Xbar, X.T @ Xbar / n)


@dataclass
class NuisanceData:
    """One seed's data: clean centred pixels, unit nuisance draws and the patterns.

    ``x_train`` (n_train x 784), ``x_test`` (n_test x 784): clean images in [0, 1] minus the training mean
    ``pixel_mean`` (784); ``z_train``, ``z_test`` (n x n_patterns): standard-normal nuisance coefficients (a
    level of variance v adds ``sqrt(v) z P^T``); ``P`` (784 x n_patterns); ``components`` (784 x avoid) and
    ``energy`` (avoid): the training digits' principal components and variances; ``variance``: level name -> v;
    ``switch``: Cor 4.5's ``eta^2 / delta``; ``lam_theta_signal`` (k), ``lam_theta_noise`` (n_patterns): the
    generic views' variance along the top-k components and along the patterns (Theta's eigenvalues).
    """

    config: NuisanceConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    z_train: np.ndarray
    z_test: np.ndarray
    P: np.ndarray
    components: np.ndarray
    energy: np.ndarray
    variance: dict[str, float]
    switch: float
    lam_theta_signal: np.ndarray
    lam_theta_noise: np.ndarray
    pixel_mean: np.ndarray

    def images(self, split: str, level: str | None) -> np.ndarray:
        """Centred images of ``split`` ("train" or "test") with the nuisance of ``level`` (None: clean)."""
        x, z = (self.x_train, self.z_train) if split == "train" else (self.x_test, self.z_test)
        if level is None:
            return x
        return x + np.sqrt(self.variance[level]) * z @ self.P.T

    def coefficients(self, split: str, level: str) -> np.ndarray:
        """The nuisance coefficients ``a`` of every image (n x n_patterns)."""
        z = self.z_train if split == "train" else self.z_test
        return np.sqrt(self.variance[level]) * z

    def gamma(self, level: str) -> np.ndarray:
        """``Gamma = v P P^T`` (784 x 784)."""
        return self.variance[level] * self.P @ self.P.T

    def setting(self, level: str) -> Setting:
        """The theory's reduced setting: the top-k components (signal) and the pattern directions (noise)."""
        return theory_setting(self, level)

    def thresholds(self, level: str) -> Thresholds:
        """Props 4.3, 4.4 on :meth:`setting` (the theory's thresholds for this level)."""
        return thresholds(self.setting(level))


def theory_setting(data: NuisanceData, level: str) -> Setting:
    """The paper's controlled model as this data approximates it: k signal components with the top-k
    principal variances as energies and the generic views' variance along them as Theta, and the
    n_patterns nuisance directions with variance v (Gamma) and the views' variance along them (Theta).

    An approximation: MNIST has variance beyond the top k components (the paper's model has none) and
    translations do not share the data's eigenbasis. The closed forms (:func:`closed_form`) make none
    of these approximations; the thresholds orient the reader, the closed forms predict.
    """
    k = data.config.k
    m = data.config.n_patterns
    lam_theta = np.concatenate([data.lam_theta_signal, data.lam_theta_noise])
    lam_gamma = np.concatenate([np.zeros(k), np.full(m, data.variance[level])])
    return Setting(data.energy[:k], lam_theta, lam_gamma)


def _generic_variance(moments: ViewMoments, X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """The generic views' variance along each column of ``directions``: ``u^T (C - Xbar^T Xbar / n) u``."""
    proj_bar = moments.Xbar @ directions
    second = np.einsum("ij,ik,kj->j", directions, moments.C, directions)
    return np.maximum(second - np.mean(proj_bar**2, axis=0), 0.0)


def place_levels(
    cfg: NuisanceConfig, energy: np.ndarray, lam_theta_signal: np.ndarray
) -> tuple[float, dict[str, float]]:
    """Cor 4.5's switch ``eta^2 / delta`` of the top-k components and each level's variance (its multiple)."""
    e = energy[: cfg.k]
    eta = float(np.min(e / np.sqrt(e + lam_theta_signal)))
    delta = float(np.min(e / (e + lam_theta_signal)))
    switch = eta**2 / delta
    return switch, {name: ratio * switch for name, ratio in cfg.levels.items()}


def nuisance_data(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    cfg: NuisanceConfig,
    seed: int,
) -> NuisanceData:
    """One seed's controlled data from MNIST (uint8 images, N x 28 x 28): a seeded subset of ``n_train``
    training images, the first ``n_test`` test images, the patterns (from ``pattern_seed``), fresh
    nuisance draws per seed, and the levels placed by the subset's own spectrum."""
    _positive_int("seed", seed, low=0)
    if cfg.n_train > len(train_images) or cfg.n_test > len(test_images):
        raise ValueError(
            f"n_train = {cfg.n_train} and n_test = {cfg.n_test} must not exceed the {len(train_images)} training "
            f"and {len(test_images)} test images"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(train_images))[: cfg.n_train]
    raw = train_images[order].reshape(cfg.n_train, PIXELS).astype(float) / 255.0
    mean = raw.mean(axis=0)
    x_train = raw - mean
    x_test = test_images[: cfg.n_test].reshape(cfg.n_test, PIXELS).astype(float) / 255.0 - mean
    vals, vecs = np.linalg.eigh(x_train.T @ x_train / cfg.n_train)
    top = np.argsort(vals)[::-1][: cfg.avoid]
    components, energy = vecs[:, top], vals[top]
    P = smooth_patterns(cfg, components)
    moments = view_moments(x_train, cfg.shift, cfg.pixel_noise)
    lam_theta_signal = _generic_variance(moments, x_train, components[:, : cfg.k])
    lam_theta_noise = _generic_variance(moments, x_train, P)
    switch, variance = place_levels(cfg, energy, lam_theta_signal)
    z_train = rng.standard_normal((cfg.n_train, cfg.n_patterns))
    z_test = rng.standard_normal((cfg.n_test, cfg.n_patterns))
    return NuisanceData(
        cfg,
        x_train,
        train_labels[order].astype(int),
        x_test,
        test_labels[: cfg.n_test].astype(int),
        z_train,
        z_test,
        P,
        components,
        energy,
        variance,
        switch,
        lam_theta_signal,
        lam_theta_noise,
        mean,
    )


def regime(data: NuisanceData, level: str) -> str:
    """Cor 4.5's regime of a level, computed: "low" (RC needs less alignment), "high" (JE does) or
    "undetermined" (see ``Thresholds.regime``)."""
    return data.thresholds(level).regime


def probe_top1(
    train_features: np.ndarray, y_train: np.ndarray, tests: list[tuple[np.ndarray, np.ndarray]]
) -> list[float]:
    """Linear-probe top-1 (%, one per test set): least squares with intercept from standardised features
    to one-hot labels (ridge ``PROBE_RIDGE`` times n), the predicted class its argmax."""
    F = np.asarray(train_features, dtype=float)
    mu, sd = F.mean(axis=0), F.std(axis=0)
    keep = sd > 1e-12 * max(float(sd.max()), np.finfo(float).tiny)  # constant (dead) features carry nothing
    Fs = (F[:, keep] - mu[keep]) / sd[keep]
    Y = np.eye(10)[y_train]
    Yc = Y - Y.mean(axis=0)
    W = np.linalg.solve(Fs.T @ Fs + PROBE_RIDGE * len(Fs) * np.eye(Fs.shape[1]), Fs.T @ Yc)
    out = []
    for feats, labels in tests:
        pred = ((np.asarray(feats, dtype=float)[:, keep] - mu[keep]) / sd[keep]) @ W + Y.mean(axis=0)
        out.append(100.0 * float(np.mean(pred.argmax(axis=1) == labels)))
    return out


def nuisance_r2(features: np.ndarray, coefficients: np.ndarray) -> float:
    """How much of the features' variance the nuisance coefficients explain linearly: the R^2 of the
    least-squares fit (with intercept) of the standardised features on ``coefficients``, averaged over
    features. 0: the encoder ignores the nuisance; 1: it encodes nothing else."""
    F = np.asarray(features, dtype=float)
    sd = F.std(axis=0)
    keep = sd > 1e-12 * max(float(sd.max()), np.finfo(float).tiny)
    Fs = (F[:, keep] - F[:, keep].mean(axis=0)) / sd[keep]
    A = coefficients - coefficients.mean(axis=0)
    beta, *_ = np.linalg.lstsq(A, Fs, rcond=None)
    resid = Fs - A @ beta
    return float(1.0 - np.mean(resid**2) / np.mean(Fs**2)) if Fs.size else 0.0


@dataclass(frozen=True)
class ClosedFormScore:
    """A closed form's encoder scored like a network: probe top-1 on the corrupted and clean test
    images, and the nuisance R^2 of its features on the corrupted test images (NaN on clean data)."""

    top1: float
    top1_clean: float
    r2: float


def closed_forms(data: NuisanceData, level: str | None, alphas: list[float]) -> list[dict[str, ClosedFormScore]]:
    """Thm 3.1 (RC) and Thm 3.2 (JE) on the views of this data (exact moments), one dict per alpha with
    an entry per self-supervised method of the registry, scored by the probe.

    The alignment enters as ``alpha^2`` times the shift-average of Gamma: the aligned noise is added
    before the generic augmentations, like the nuisance it imitates. ``level=None``: clean data (the
    alignment term vanishes with Gamma).
    """
    alphas = [_positive("alpha", a, allow_zero=True) for a in alphas]
    cfg = data.config
    X = data.images("train", level)
    mom = view_moments(X, cfg.shift, cfg.pixel_noise)
    aligned = shift_average(data.gamma(level), cfg.shift) if level is not None else np.zeros_like(mom.C)
    # Thm 3.2's G is (1/n) Xbar^T Xbar; Thm 3.1's is (1/n) X^T Xbar (the sample is the target).
    G = {methods.JOINT_EMBEDDING.key: mom.G, methods.RECONSTRUCTION.key: mom.XtXbar}
    test = data.images("test", level)
    coefficients = data.coefficients("test", level) if level is not None else None
    out = []
    for alpha in alphas:
        S = mom.C + alpha**2 * aligned
        S_is = sym_inv_sqrt(S, "S")
        scores = {}
        for method in methods.PAPER_ENCODERS:
            E = method.solve(S, G[method.key], cfg.k, S_is).encoder
            top1, top1_clean = probe_top1(
                X @ E.T, data.y_train, [(test @ E.T, data.y_test), (data.x_test @ E.T, data.y_test)]
            )
            r2 = nuisance_r2(test @ E.T, coefficients) if coefficients is not None else float("nan")
            scores[method.key] = ClosedFormScore(top1, top1_clean, r2)
        out.append(scores)
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
