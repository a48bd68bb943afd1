"""The paper's linear MNIST experiment (section 5.1, App. C, Figure 3), vectorised.

Protocol (App. C): PCA of the images to ``k = 50`` components, 50 appended noise coordinates
(``d = 100``); Theta eigenvalues ~ U[0, theta_max] on all d coordinates, Gamma eigenvalues
~ U[0, gamma_max] on the noise block; closed-form SL (eq. 46), JE (Thm 3.2) and RC (Thm 3.1)
trained on clean and on corrupted data; metric "distance to optimality" =
|probe MSE of the clean-data model - probe MSE of the corrupted-data model| (eq. 93).

Speed: every quantity is a function of the Gram matrix of ``[Z, N0, Y]`` (PCA scores, standard
normal noise, one-hot labels). Gram matrices of the nested subsamples are accumulated chunk by chunk,
and the noise magnitude enters by rescaling the Gram's noise block, so one Gram per (seed, n)
serves every noise level, alpha and model. The clean-data models, which the noise levels and alphas
leave unchanged (they change Sigma only where the clean data are 0), are fitted once per seed.

Ambiguities of the protocol are options (``Fig3Config``): pixel scale, where the PCA is fitted,
whether the probe is scored in-sample or on the test set, and whether the corrupted-data encoder
is applied to corrupted or clean inputs.
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..config import ALPHA, POSITIVE, SEED, SIZE, Choice, Number, Numbers, ParameterError, Validated, param, show_value
from ..theory import methods as registry
from ..theory.linalg import cores, far_from_singular, single_threaded_module, whitener
from ..theory.methods import PAPER_METHODS, LinearMethod, Methods, SupervisedMethod
from ..theory.thresholds import Thresholds, thresholds
from .pca import pca_scores, pixel_pca

PCA_FITS = ("full", "subsample")
PROBES = ("in_sample", "held_out")
ENCODER_INPUTS = ("corrupted", "clean")


@dataclass(frozen=True)
class Fig3Config(Validated):
    """Parameters of the Figure 3 protocol (defaults: the paper's values and our reading of its gaps).

    Attributes:
        k: PCA components kept (signal dimension); the noise block has ``n_noise`` coordinates.
        theta_max: Theta eigenvalues ~ U[0, theta_max] (paper: 1e4).
        gamma_max: one entry per noise level, Gamma eigenvalues ~ U[0, gamma_max] (paper: 1e3, 1e6).
        alphas: alignments (paper: 0.1, 1, 10).
        ns: nested sample sizes (our reading: 100 * 2^j up to 51,200), each above k.
        seeds: one run per seed (subsample, spectra and noise all redrawn).
        pixel_scale: value of a white pixel (255: raw bytes; 1: scaled to [0, 1]).
        pca_fit: "full" (fit on the whole training set) or "subsample" (on each subsample).
        probe: "in_sample" (eq. 93, scored on the training subsample) or "held_out" (test set).
        encoder_input: inputs the corrupted-data encoder is probed on: "corrupted" or "clean".
    """

    k: int = param(50, SIZE, "PCA components kept")
    n_noise: int = param(50, SIZE, "noise coordinates appended")
    theta_max: float = param(1e4, Number(low=0), "Theta eigenvalues ~ U[0, theta_max]")
    gamma_max: tuple[float, ...] = param(
        (1e3, 1e6), Numbers(POSITIVE, container=tuple), "noise levels (Gamma ~ U[0, gamma_max])"
    )
    alphas: tuple[float, ...] = param((0.1, 1.0, 10.0), Numbers(ALPHA, container=tuple), "alignments")
    ns: tuple[int, ...] = param(
        tuple(100 * 2**j for j in range(10)), Numbers(SIZE, increasing=True, container=tuple), "nested sample sizes"
    )
    seeds: tuple[int, ...] = param((0, 1, 2, 3, 4), Numbers(SEED, distinct=True, container=tuple), "one run per seed")
    pixel_scale: float = param(255.0, POSITIVE, "value of a white pixel")
    pca_fit: str = param("full", Choice(PCA_FITS), "where the PCA is fitted")
    probe: str = param("in_sample", Choice(PROBES), "where the probe is scored")
    encoder_input: str = param("corrupted", Choice(ENCODER_INPUTS), "what the corrupted-data encoder is probed on")

    def check(self) -> None:
        if self.ns[0] <= self.k:
            raise ParameterError(
                f"parameter ns = {show_value(list(self.ns))} is not allowed: sample sizes must be > k = {self.k}"
            )

    @property
    def d(self) -> int:
        return self.k + self.n_noise


@dataclass(frozen=True)
class Fig3Result:
    """Distances to optimality and the spectra each seed drew.

    ``distance`` has shape (noise levels, methods, alphas, ns, seeds), methods in the order of
    :attr:`methods` (the keys of the methods run); ``signal_energy`` (k) are the PCA
    eigenvalues (1/n) kappa_i^2 of the full training set;
    ``lam_theta`` (seeds x d) and ``gamma_unit`` (seeds x n_noise, in [0, 1]) the drawn spectra:
    Gamma's noise eigenvalues for noise level g are ``gamma_max[g] * gamma_unit``.
    """

    config: Fig3Config
    distance: np.ndarray
    signal_energy: np.ndarray
    lam_theta: np.ndarray
    gamma_unit: np.ndarray = field(repr=False)
    methods: tuple[str, ...]

    def lam_gamma(self, level: int, seed_index: int) -> np.ndarray:
        """Gamma's d eigenvalues (zeros on the signal block) for one noise level and seed."""
        noise = self.config.gamma_max[level] * self.gamma_unit[seed_index]
        return np.concatenate([np.zeros(self.config.k), noise])

    def thresholds(self, level: int) -> list[Thresholds]:
        """Props 4.3/4.4 thresholds of each seed at one noise level (PCA spectrum + drawn spectra)."""
        return [
            thresholds(self.signal_energy, self.lam_theta[s], self.lam_gamma(level, s), methods=self.methods)
            for s in range(len(self.config.seeds))
        ]


def one_hot(labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    return np.eye(n_classes)[labels]


def protocol_draws(
    rng: np.random.Generator, cfg: Fig3Config, n_images: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One seed's random draws of the protocol, in a fixed order: Theta's d eigenvalues ~ U[0, theta_max],
    Gamma's noise eigenvalues divided by gamma_max (``gamma_unit`` ~ U[0, 1]), the subsample order
    (``max(ns)`` image indices) and standard-normal noise (``max(ns)`` x n_noise)."""
    n_max = max(cfg.ns)
    lam_theta = rng.uniform(0.0, cfg.theta_max, cfg.d)
    gamma_unit = rng.uniform(0.0, 1.0, cfg.n_noise)
    order = rng.permutation(n_images)[:n_max]
    return lam_theta, gamma_unit, order, rng.standard_normal((n_max, cfg.n_noise))


def _prefix_grams(A: np.ndarray, ns: tuple[int, ...]) -> list[np.ndarray]:
    """``A[:n].T @ A[:n] / n`` for every n, accumulated chunk by chunk (nested subsamples)."""
    out, acc, start = [], np.zeros((A.shape[1], A.shape[1])), 0
    for n in ns:
        chunk = A[start:n]
        acc = acc + chunk.T @ chunk
        out.append(acc / n)
        start = n
    return out


def _gram(scores: np.ndarray, noise: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Second moment of ``[PCA scores, standard noise, labels]`` (one row per image)."""
    A = np.hstack([scores, noise, Y])
    return A.T @ A / A.shape[0]


def _total(x: np.ndarray) -> np.ndarray:
    """Sum over the last two axes, in the order ``np.sum`` adds one matrix (C order, pairwise)."""
    x = np.ascontiguousarray(x)
    return x.reshape(*x.shape[:-2], -1).sum(axis=-1)


def probe_mse(
    F: np.ndarray,
    G: np.ndarray,
    XtY: np.ndarray,
    YtY: float | np.ndarray,
    G_eval: np.ndarray | None = None,
    XtY_eval: np.ndarray | None = None,
    YtY_eval: float | np.ndarray | None = None,
) -> float | np.ndarray:
    """MSE of the least-squares linear probe on features ``z = F x`` (eq. 93), from moments.

    Fitted on (G, XtY); scored on the same moments (in-sample) or on ``*_eval`` (held out). Stacks of
    encoders and moments (leading axes broadcast) give an array of MSEs.
    """
    Ft = np.swapaxes(F, -1, -2)
    C, B = F @ G @ Ft, F @ XtY
    P = np.linalg.solve(C, B)  # probe weights, k x l
    if G_eval is None:
        out = YtY - _total(B * P)
    else:
        assert XtY_eval is not None and YtY_eval is not None
        out = YtY_eval - 2 * _total(P * (F @ XtY_eval)) + _total(P * (F @ G_eval @ Ft @ P))
    return float(out) if np.ndim(out) == 0 else out


def _sl_mse(V: np.ndarray, G: np.ndarray, XtY: np.ndarray, YtY: np.ndarray) -> np.ndarray:
    """Training MSE of the supervised model ``V`` from moments (stacks broadcast)."""
    return YtY - 2 * _total(np.swapaxes(V, -1, -2) * XtY) + _total(V * (V @ G))


@dataclass(frozen=True)
class _Moments:
    """Second moments of clean and corrupted inputs with labels, for every sample size and noise level
    of one seed: ``G`` (n, noise level, 2, d, d), ``XY`` (n, noise level, 2, d, l) and ``YY`` (n, 1, 1);
    axis 2 is (clean, corrupted). Clean inputs have zeros on the noise block."""

    G: np.ndarray
    XY: np.ndarray
    YY: np.ndarray

    def level(self, g: int) -> _Moments:
        """The moments at noise level ``g`` alone (a level axis of length 1)."""
        return _Moments(self.G[:, g : g + 1], self.XY[:, g : g + 1], self.YY)


def _moments(grams: np.ndarray, k: int, d: int, noise_sd: np.ndarray) -> _Moments:
    """From the Grams of ``[PCA scores, standard noise, labels]`` (n, D, D) and the noise's standard
    deviations at each level (noise levels, d - k): the noise block rescaled, once per level."""
    ones = np.ones((len(noise_sd), 1))
    scale = np.hstack(
        [
            np.broadcast_to(ones, (len(noise_sd), k)),
            noise_sd,
            np.broadcast_to(ones, (len(noise_sd), grams.shape[-1] - d)),
        ]
    )
    g = grams[:, None] * (scale[:, :, None] * scale[:, None, :])
    G = np.zeros((*g.shape[:2], 2, d, d))
    XY = np.zeros((*g.shape[:2], 2, d, g.shape[-1] - d))
    G[:, :, 0, :k, :k], XY[:, :, 0, :k] = g[..., :k, :k], g[..., :k, d:]
    G[:, :, 1], XY[:, :, 1] = g[..., :d, :d], g[..., :d, d:]
    return _Moments(G, XY, np.trace(g[:, :1, d:, d:], axis1=-2, axis2=-1)[..., None])


def _model_mses(
    train: _Moments,
    test: _Moments | None,
    lam_theta: np.ndarray,
    lam_gamma: np.ndarray,
    alphas: tuple[float, ...],
    cfg: Fig3Config,
    run: tuple[LinearMethod, ...],
    clean: tuple[bool, ...],
) -> np.ndarray:
    """MSEs of the clean-data and the corrupted-data model (last axis) of each method of ``run``, n, noise
    level (those of the moments, with Gamma's eigenvalues ``lam_gamma`` (levels, d)) and alpha of ``alphas``
    of one seed: shape (methods, n, noise levels, alphas, 2). ``clean[i]`` False skips method i's clean-data
    model (NaN): the sweep fits once per seed those that are the same at every noise level and alpha.

    Supervised learning is scored by its own MSE; a self-supervised encoder by the least-squares probe
    on its features (eq. 93), the corrupted-data encoder on corrupted inputs (or on clean ones, a variant).
    The models of the seed share stacked computations over (n, noise level, alpha, clean/corrupted):
    S = G + Sigma and its whitener (a Cholesky factorisation, which also shows that S is invertible: every
    S is checked, skipped models' included, :func:`_whiteners`), the probes and the scores; each method's
    closed form is called once on the whole stack.
    """
    d = cfg.d
    # Sigma's diagonal for each (noise level, alpha), as a matrix added to G (n, level, alpha, 2, d, d).
    sigma = np.zeros((len(lam_gamma), len(alphas), d, d))
    for a, alpha in enumerate(alphas):
        sigma[:, a, np.arange(d), np.arange(d)] = lam_theta + alpha**2 * lam_gamma
    G, XY = train.G[:, :, None], train.XY[:, :, None]
    S = G + sigma[None, :, :, None]
    T = _whiteners(S, np.diagonal(sigma, axis1=-2, axis2=-1), cfg.k, any(clean))
    # The probe sees the corrupted-data encoder's inputs: corrupted, or clean (a variant).
    probe_on = [0, 1] if cfg.encoder_input == "corrupted" else [0, 0]
    scored = test if test is not None else train  # SL is scored on its own kind of inputs
    mse = np.full((len(run), *S.shape[:3], 2), np.nan)
    for i, method in enumerate(run):
        h = slice(0 if clean[i] else 1, 2)  # the models fitted: clean and corrupted, or corrupted alone
        if isinstance(method, SupervisedMethod):
            V = method.solve(S[..., h, :, :], XY[..., h, :, :], check=False)  # whitener() has checked S
            sl_on = (scored.G[:, :, None][..., h, :, :], scored.XY[:, :, None][..., h, :, :], scored.YY[..., None])
            mse[i, ..., h] = _sl_mse(V, *sl_on)
            continue
        F = method.encoders(S[..., h, :, :], G[..., h, :, :], cfg.k, T[..., h, :, :])
        on = probe_on[h]
        fit = (G[:, :, :, on], XY[:, :, :, on], train.YY[..., None])
        if test is None:
            mse[i, ..., h] = probe_mse(F, *fit)
        else:
            held_out = (test.G[:, :, None][:, :, :, on], test.XY[:, :, None][:, :, :, on], test.YY[..., None])
            mse[i, ..., h] = probe_mse(F, *fit, *held_out)
    return mse


def _whiteners(S: np.ndarray, sigma: np.ndarray, k: int, clean: bool) -> np.ndarray:
    """Whiteners ``T`` of a stack of S (n, noise levels, alphas, clean/corrupted, d, d), ``T^T S T = I``, shared by
    the self-supervised closed forms; :func:`whitener`'s ValueError if an S is singular (every S is checked).

    Without clean-data models to fit (``clean`` False) the clean S are only checked, and their whiteners are NaN:
    ``[G_k + Sigma_k, 0; 0, Sigma_noise]`` with Sigma diagonal (``sigma``: levels, alphas, d) has a condition
    number at most ``max(tr(G_k + Sigma_k), max Sigma_noise) / min Sigma`` (Weyl: G_k is positive semi-definite),
    which spares it the factorisation when it is far from singular."""
    if clean:
        return whitener(S, "S")
    top = np.maximum(np.trace(S[..., 0, :k, :k], axis1=-2, axis2=-1), sigma[..., k:].max(axis=-1))
    low = sigma.min(axis=-1)
    if not far_from_singular(np.divide(top, low, out=np.full(top.shape, np.inf), where=low > 0)):
        return whitener(S, "S")
    T = np.full(S.shape, np.nan).swapaxes(-1, -2)  # laid out as whitener()'s (products round alike)
    try:
        T[..., 1:, :, :] = whitener(S[..., 1:, :, :], "S")
    except ValueError:
        whitener(S, "S")  # raises for the first singular S of the whole stack, as without this shortcut
        raise
    return T


@dataclass(frozen=True)
class _Projected:
    """The sweep's data, projected once on the full-set PCA: the training images' scores and one-hot labels,
    and for the held-out probe the test set's (its scores only with the full-set PCA)."""

    images: np.ndarray
    scale: float
    scores: np.ndarray
    Y: np.ndarray
    test_images: np.ndarray | None = None
    t_y: np.ndarray | None = None
    t_scores: np.ndarray | None = None


def _project(
    images: np.ndarray,
    labels: np.ndarray,
    cfg: Fig3Config,
    test_images: np.ndarray | None,
    test_labels: np.ndarray | None,
) -> tuple[_Projected, np.ndarray]:
    """The full-set PCA of the training images (App. C's first step): the projected data and the PCA's energy."""
    scale = cfg.pixel_scale / 255.0
    mean, comps, energy = pixel_pca(images, scale, cfg.k, cores())
    scores = pca_scores(images, scale, mean, comps, cores())  # PCA scores of every image, projected once
    if cfg.probe != "held_out":
        return _Projected(images, scale, scores, one_hot(labels)), energy
    assert test_images is not None and test_labels is not None
    t_scores = pca_scores(test_images, scale, mean, comps, cores()) if cfg.pca_fit == "full" else None
    return _Projected(images, scale, scores, one_hot(labels), test_images, one_hot(test_labels), t_scores), energy


def _seed_draws(
    seed: int, cfg: Fig3Config, n_images: int, n_test: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """One seed's draws (App. C): :func:`protocol_draws`, then, for the held-out probe (``n_test`` images),
    the test set's standard-normal noise."""
    rng = np.random.default_rng(seed)
    draws = protocol_draws(rng, cfg, n_images)
    return (*draws, None if n_test is None else rng.standard_normal((n_test, cfg.n_noise)))


def _seed_moments(
    draws: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None],
    data: _Projected,
    cfg: Fig3Config,
    buffers: queue.SimpleQueue,
) -> tuple[np.ndarray, np.ndarray, _Moments, _Moments | None, np.ndarray]:
    """The moments of one seed's nested subsamples (``draws`` from :func:`_seed_draws`), on the training data
    and, for the held-out probe, on the test set: ``(lam_theta, gamma_unit, train, test, lam_gamma)``
    (``lam_gamma`` per noise level). ``buffers`` lends a row buffer for the Grams."""
    k, scale, images, Y, t_y = cfg.k, data.scale, data.images, data.Y, data.t_y
    lam_theta, gamma_unit, order, noise, t_noise = draws
    if cfg.pca_fit == "full":
        rows = buffers.get()
        rows[:, :k] = data.scores[order]  # (faster than np.take into the strided columns)
        rows[:, k : cfg.d], rows[:, cfg.d :] = noise, Y[order]
        grams = _prefix_grams(rows, cfg.ns)
        buffers.put(rows)
    else:  # one PCA per subsample size, with its own mean and components
        bases = [pixel_pca(images[order[:n]], scale, k)[:2] for n in cfg.ns]
        grams = [
            _gram(pca_scores(images[order[:n]], scale, *basis), noise[:n], Y[order[:n]])
            for n, basis in zip(cfg.ns, bases)
        ]
    levels = np.asarray(cfg.gamma_max)[:, None] * gamma_unit  # Gamma's noise eigenvalues, per level
    train = _moments(np.array(grams), k, cfg.d, np.sqrt(levels))
    test = None
    if cfg.probe == "held_out":
        assert t_noise is not None
        test_grams = (
            [_gram(data.t_scores, t_noise, t_y)] * len(cfg.ns)
            if data.t_scores is not None
            else [_gram(pca_scores(data.test_images, scale, *basis), t_noise, t_y) for basis in bases]
        )
        test = _moments(np.array(test_grams), k, cfg.d, np.sqrt(levels))
    lam_gamma = np.hstack([np.zeros((len(levels), k)), levels])
    return lam_theta, gamma_unit, train, test, lam_gamma


def figure3_sweep(
    images: np.ndarray,
    labels: np.ndarray,
    config: Fig3Config = Fig3Config(),
    test_images: np.ndarray | None = None,
    test_labels: np.ndarray | None = None,
    methods: Methods = PAPER_METHODS,
) -> Fig3Result:
    """Run the Figure 3 protocol on one dataset (images n x 784 in 0..255, integer labels).

    Returns distances for every noise level, method of ``methods`` (default the paper's), alpha, n and
    seed (see :class:`Fig3Result`).
    ``test_images``/``test_labels`` are required when ``config.probe == "held_out"``.
    """
    cfg, run = config, registry.resolve(methods)
    if max(cfg.ns) > images.shape[0]:
        raise ValueError(f"ns goes up to {max(cfg.ns)} but the dataset has {images.shape[0]} images")
    if cfg.probe == "held_out" and (test_images is None or test_labels is None):
        raise ValueError("probe='held_out' needs test_images and test_labels")
    # Seeds are independent, and so are a seed's noise levels and alphas once its moments are drawn: they
    # run in threads, one per core (LAPACK releases the GIL; each call keeps one BLAS thread), each seed
    # with a buffer for the [scores, noise, labels] rows of its subsample. Each (seed, level, alpha) is
    # a task, so the cores stay busy to the end (5 whole seeds on 2 cores would leave one idle for a
    # fifth of the time); a stack's matrices are solved one by one by LAPACK, so the split changes no bit.
    workers = min(len(cfg.seeds) * len(cfg.gamma_max) * len(cfg.alphas), cores())
    # A method's clean-data model that is the same at every noise level and alpha (the clean data are 0 where
    # the noise levels and alphas change Sigma) is fitted once per seed, in its first (level, alpha) task.
    once = np.array([m.ignores_empty_coordinates for m in run], dtype=bool)
    mse = np.empty((len(cfg.gamma_max), len(run), len(cfg.alphas), len(cfg.ns), len(cfg.seeds), 2))
    drawn, tasks = [], {}
    with ThreadPoolExecutor(workers) as pool:
        # The seeds' draws need no PCA: they are made while it runs (its eigendecomposition is serial).
        n_test = len(test_labels) if test_labels is not None and cfg.probe == "held_out" else None
        draws = [pool.submit(_seed_draws, seed, cfg, images.shape[0], n_test) for seed in cfg.seeds]
        data, energy = _project(images, labels, cfg, test_images, test_labels)
        buffers: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        for _ in range(workers):
            buffers.put(np.empty((max(cfg.ns), cfg.d + data.Y.shape[1])))
        seeds = pool.map(lambda seed: _seed_moments(seed.result(), data, cfg, buffers), draws)
        for s, (lam_theta, gamma_unit, train, test, lam_gamma) in enumerate(seeds):
            drawn.append((lam_theta, gamma_unit))
            for g in range(len(cfg.gamma_max)):
                level = (train.level(g), None if test is None else test.level(g), lam_theta, lam_gamma[g : g + 1])
                for a in range(len(cfg.alphas)):
                    clean = tuple(bool(g == a == 0 or not o) for o in once)
                    tasks[g, a, s] = pool.submit(_model_mses, *level, cfg.alphas[a : a + 1], cfg, run, clean)
        for (g, a, s), task in tasks.items():
            mse[g, :, a, :, s] = task.result()[:, :, 0, 0]
    mse[:, once, :, :, :, 0] = mse[:1, once, :1, :, :, 0]
    dist = np.abs(mse[..., 0] - mse[..., 1])
    thetas, gammas = zip(*drawn)
    return Fig3Result(cfg, dist, energy, np.array(thetas), np.array(gammas), tuple(m.key for m in run))


# The protocol's open choices (App. C), each changed in turn from the default reading:
# key -> (description, change to Fig3Config).
VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "default": ("default (raw pixels, full PCA, in-sample, corrupted inputs)", {}),
    "unit_pixels": ("pixels scaled to [0, 1]", {"pixel_scale": 1.0}),
    "subsample_pca": ("PCA refitted on each subsample", {"pca_fit": "subsample"}),
    "held_out_probe": ("probe scored on the test set", {"probe": "held_out"}),
    "clean_inputs": ("corrupted encoder probed on clean inputs", {"encoder_input": "clean"}),
}

# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
