"""Figure 3 with the models fitted on sampled augmented views instead of the augmentation's expected
covariance: a protocol variant (chapter 7) that tests one reading of how the paper's reconstruction
column may have been computed.

The closed forms (eq. 46, Thms 3.1 and 3.2) use the views' expected second moments, ``S = X^T X / n +
Sigma`` and ``G = X^T X / n``. Fitting the same objectives on ``m`` sampled pairs of views per sample
(an input view ``a = x + theta + alpha gamma`` and an independent target view ``b``) replaces them by
their empirical versions over the views, pooled over both orders of each pair, so one pair of moments
serves every model:

    S_m = (A^T A + B^T B) / (2 n m),     G_m = (A^T B + B^T A) / (2 n m),
    (1/(n m)) X^T Y -> (A + B)^T Y / (2 n m) for supervised learning.

RC fitted on the pairs in both directions (``b ~ D E a`` and ``a ~ D E b``) has exactly these moments,
as has JE's invariance objective under its constraint ``W S_m W^T = I``. As ``m`` grows they tend to
the expected ones, so the variant drifts back to :func:`~je_vs_rc.simulate.figure3.figure3_sweep`'s
result. The data, spectra and corruption are the same draws as there (same seeds); the augmentation
draws are shared by the clean-data and corrupted-data models; the probe is unchanged (eq. 93, on the
data, not on views).

Two further readings change how an encoder's features are formed (``features``), for every encoder
method alike: ``"unwhitened"`` drops the whitening ``S^{-1/2}`` (features ``P_k^T x`` from the
directions the closed form selects, :attr:`~je_vs_rc.theory.methods.Encoding.selected`), and
``"decoder"`` reads them off the least-squares decoder ``D = G E^T`` (features ``D^T x``).

Speed: the views of sample i enter only through their mean and their scatter. The views' standard
normal draws have a mean ``~ N(0, I/m)`` and a scatter ``~ Wishart(I, m - 1)`` independent of it, and the
scatters of the nested subsamples add up to one Wishart each (Bartlett's construction), so the cost of
a sweep does not grow with ``m``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..theory import methods as registry
from ..theory.linalg import cores, single_threaded_module, sym_inv_sqrt
from ..theory.methods import PAPER_METHODS, EncoderMethod, LinearMethod, Methods, SupervisedMethod
from ..words import count
from .figure3 import Fig3Config, Fig3Result, one_hot, probe_mse, protocol_draws
from .pca import pca_scores, pixel_pca

FEATURES = ("encoder", "unwhitened", "decoder")


@dataclass(frozen=True)
class SampledViews:
    """One reading: ``m`` sampled pairs of views per sample (``None``: the expected covariance, i.e.
    the paper's closed forms) and how an encoder's features are formed (:data:`FEATURES`)."""

    m: int | None = 1
    features: str = "encoder"

    def __post_init__(self) -> None:
        if self.m is not None and (not isinstance(self.m, int) or self.m < 1):
            raise ValueError(f"m must be a positive integer (views per sample) or None; got {self.m!r}")
        if self.features not in FEATURES:
            raise ValueError(f"features must be one of {FEATURES}; got {self.features!r}")

    @property
    def title(self) -> str:
        """A short name for a figure's panel: "expected covariance", "4 pairs of views, decoder"."""
        views = "expected covariance" if self.m is None else f"{self.m} pair{'s' if self.m > 1 else ''} of views"
        return views if self.features == "encoder" else f"{views}, {self.features}"


def wishart_identity(rng: np.random.Generator, p: int, dof: int) -> np.ndarray:
    """A draw of ``Wishart(I_p, dof)``, the scatter ``sum_j u_j u_j^T`` of ``dof`` standard normal
    vectors, by Bartlett's construction (``A A^T``, A lower triangular; ``dof >= p``), or exactly as the
    sum for ``dof < p``."""
    if dof < p:
        u = rng.standard_normal((dof, p))
        return u.T @ u
    A = np.tril(rng.standard_normal((p, p)), -1)
    A[np.diag_indices(p)] = np.sqrt(rng.chisquare(dof - np.arange(p)))
    return A @ A.T


def _view_grams(base: np.ndarray, ns: tuple[int, ...], m: int, p: int, rng: np.random.Generator) -> list[np.ndarray]:
    """For each nested n: the second moment, per view pair, of ``[base row, view draws]`` (rows: the n
    samples, each with m pairs; view draws: ``p`` standard normals per pair)."""
    mean_draws = rng.standard_normal((base.shape[0], p)) / np.sqrt(m)
    rows = np.hstack([base, mean_draws])
    out, acc, scatter, start = [], np.zeros((rows.shape[1],) * 2), np.zeros((p, p)), 0
    q = base.shape[1]
    for n in ns:
        chunk = rows[start:n]
        acc = acc + chunk.T @ chunk
        if m > 1:
            scatter = scatter + wishart_identity(rng, p, (n - start) * (m - 1))
        gram = acc / n
        gram[q:, q:] += scatter / (n * m)
        out.append(gram)
        start = n
    return out


def _features(method: EncoderMethod, S: np.ndarray, G: np.ndarray, k: int, features: str) -> np.ndarray:
    encoding = method.solve(S, G, k, sym_inv_sqrt(S, "S"))
    if features == "unwhitened":
        return encoding.selected.T
    if features == "decoder":
        return encoding.encoder @ G  # D^T with D = G E^T (G symmetric)
    return encoding.encoder


def projected(images: np.ndarray, config: Fig3Config) -> tuple[np.ndarray, np.ndarray]:
    """``(PCA eigenvalues, PCA scores of every image)``: the full-set PCA of Figure 3's protocol, which
    every reading shares (:func:`run_readings` computes it once)."""
    scale = config.pixel_scale / 255.0
    mean, comps, energy = pixel_pca(images, scale, config.k, cores())
    return energy, pca_scores(images, scale, mean, comps, cores())


def sampled_views_sweep(
    images: np.ndarray,
    labels: np.ndarray,
    config: Fig3Config,
    reading: SampledViews,
    methods: Methods = PAPER_METHODS,
    pca: tuple[np.ndarray, np.ndarray] | None = None,
) -> Fig3Result:
    """Figure 3's protocol with the models fitted on sampled views (see the module's docstring).

    Supports the default reading of the other open choices (full-set PCA, in-sample probe, corrupted
    inputs); the pixel scale is ``config.pixel_scale``. ``reading.m = None`` reproduces
    :func:`~je_vs_rc.simulate.figure3.figure3_sweep` (the expected covariance). ``pca``: the images'
    :func:`projected`, if already computed.
    """
    cfg, run = config, registry.resolve(methods)
    if cfg.pca_fit != "full" or cfg.probe != "in_sample" or cfg.encoder_input != "corrupted":
        raise ValueError(
            "sampled_views_sweep supports pca_fit='full', probe='in_sample' and encoder_input='corrupted'; "
            f"got {cfg.pca_fit!r}, {cfg.probe!r}, {cfg.encoder_input!r}"
        )
    if max(cfg.ns) > images.shape[0]:
        raise ValueError(f"ns goes up to {max(cfg.ns)} but the dataset has {images.shape[0]} images")
    energy, scores = projected(images, cfg) if pca is None else pca
    k, d, nn = cfg.k, cfg.d, cfg.n_noise
    Y = one_hot(labels)
    ell = Y.shape[1]
    q = k + nn + ell  # base row: PCA scores, standard noise, labels
    p = 2 * (d + nn)  # view draws per pair: theta (d) and gamma (n_noise) for each of the two views
    dist = np.empty((len(cfg.gamma_max), len(run), len(cfg.alphas), len(cfg.ns), len(cfg.seeds)))
    thetas, gammas = [], []
    for s_idx, seed in enumerate(cfg.seeds):
        rng = np.random.default_rng(seed)
        lam_theta, gamma_unit, order, noise = protocol_draws(rng, cfg, images.shape[0])
        thetas.append(lam_theta)
        gammas.append(gamma_unit)
        base = np.hstack([scores[order], noise, Y[order]])
        # The views' own stream, after the protocol's draws (which stay those of figure3_sweep).
        view_rng = np.random.default_rng([seed, 1 if reading.m is None else reading.m])
        grams = _view_grams(base, cfg.ns, reading.m or 1, p, view_rng)
        for n_idx, gram in enumerate(grams):
            for g_idx, g_max in enumerate(cfg.gamma_max):
                noise_sd = np.sqrt(g_max * gamma_unit)
                for a_idx, alpha in enumerate(cfg.alphas):
                    maps = _maps(k, nn, ell, q, p, lam_theta, noise_sd, alpha)
                    Sigma = np.diag(lam_theta + alpha**2 * np.concatenate([np.zeros(k), noise_sd**2]))
                    dist[g_idx, :, a_idx, n_idx, s_idx] = [
                        abs(clean - corrupted)
                        for clean, corrupted in zip(*(_mse(gram, maps, x, Sigma, reading, run, k) for x in (0, 1)))
                    ]
    return Fig3Result(cfg, dist, energy, np.array(thetas), np.array(gammas), tuple(m.key for m in run))


def _maps(
    k: int, nn: int, ell: int, q: int, p: int, lam_theta: np.ndarray, noise_sd: np.ndarray, alpha: float
) -> dict[str, np.ndarray]:
    """Linear maps from a Gram row ``[scores, standard noise, labels, theta_a, gamma_a, theta_b, gamma_b]``
    to the clean data, the corrupted data, the two views' augmentation noise and the labels."""
    d, width = k + nn, q + p
    clean, corrupted = np.zeros((d, width)), np.zeros((d, width))
    clean[:k, :k] = np.eye(k)
    corrupted[:k, :k] = np.eye(k)
    corrupted[k:, k : k + nn] = np.diag(noise_sd)
    views = []
    for offset in (q, q + d + nn):
        v = np.zeros((d, width))
        v[:, offset : offset + d] = np.diag(np.sqrt(lam_theta))
        v[k:, offset + d : offset + d + nn] = alpha * np.diag(noise_sd)  # gamma ~ N(0, Gamma) on the noise block
        views.append(v)
    labels = np.zeros((ell, width))
    labels[:, k + nn : q] = np.eye(ell)
    return {"x": np.stack([clean, corrupted]), "a": views[0], "b": views[1], "y": labels}


def _mse(
    gram: np.ndarray,
    maps: Mapping[str, np.ndarray],
    which: int,
    Sigma: np.ndarray,
    reading: SampledViews,
    run: tuple[LinearMethod, ...],
    k: int,
) -> list[float]:
    """Each model's score when trained on the clean (``which = 0``) or corrupted (1) data."""
    X, Ly = maps["x"][which], maps["y"]
    G_data, XY_data, YY = X @ gram @ X.T, X @ gram @ Ly.T, float(np.trace(Ly @ gram @ Ly.T))
    if reading.m is None:  # the expected covariance: the paper's closed forms
        S, G, XY = G_data + Sigma, G_data, XY_data
    else:
        A, B = X + maps["a"], X + maps["b"]
        AA, BB, AB = A @ gram @ A.T, B @ gram @ B.T, A @ gram @ B.T
        S, G, XY = (AA + BB) / 2, (AB + AB.T) / 2, (A + B) @ gram @ Ly.T / 2
    out = []
    for method in run:
        if isinstance(method, SupervisedMethod):
            V = method.solve(S, XY)
            out.append(float(YY - 2 * np.sum(V.T * XY_data) + np.sum(V * (V @ G_data))))
        else:
            assert isinstance(method, EncoderMethod)
            out.append(probe_mse(_features(method, S, G, k, reading.features), G_data, XY_data, YY))
    return out


# The readings chapter 7 compares: key -> (description, reading). The sweep of m shows the drift back
# to the expected covariance (m = None).
READINGS: dict[str, tuple[str, SampledViews]] = {
    "expected": ("the expected covariance (the closed forms as written)", SampledViews(None)),
    "views_1": ("1 sampled pair of views per sample", SampledViews(1)),
    "views_4": ("4 sampled pairs of views per sample", SampledViews(4)),
    "views_16": ("16 sampled pairs of views per sample", SampledViews(16)),
    "views_64": ("64 sampled pairs of views per sample", SampledViews(64)),
    "views_1_unwhitened": (
        "1 sampled pair of views per sample, features without the whitening",
        SampledViews(1, "unwhitened"),
    ),
    "views_1_decoder": (
        "1 sampled pair of views per sample, features read off the decoder",
        SampledViews(1, "decoder"),
    ),
}


def run_readings(
    images: np.ndarray,
    labels: np.ndarray,
    config: Fig3Config,
    readings: Mapping[str, tuple[str, SampledViews]] = READINGS,
    methods: Methods = PAPER_METHODS,
) -> dict[str, Fig3Result]:
    """:func:`sampled_views_sweep` of ``methods`` for each reading (same data, spectra and corruption draws,
    one PCA)."""
    pca = projected(images, config)
    return {
        key: sampled_views_sweep(images, labels, config, reading, methods, pca)
        for key, (_, reading) in readings.items()
    }


def save_readings(path: str | Path, results: Mapping[str, Fig3Result], provenance: Mapping[str, object]) -> None:
    """Write the readings' results (and what made them) as JSON, atomically."""
    first = next(iter(results.values()))
    payload = {
        "provenance": dict(provenance),
        "config": asdict(first.config),
        "signal_energy": first.signal_energy.tolist(),
        "lam_theta": first.lam_theta.tolist(),
        "gamma_unit": first.gamma_unit.tolist(),
        "readings": {
            key: {
                "description": READINGS[key][0] if key in READINGS else key,
                "m": READINGS[key][1].m if key in READINGS else None,
                "features": READINGS[key][1].features if key in READINGS else None,
                "methods": list(res.methods),
                "distance": res.distance.tolist(),
            }
            for key, res in results.items()
        },
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1) + "\n")


def load_readings(path: str | Path) -> tuple[dict[str, Fig3Result], dict[str, str], dict[str, object]]:
    """The results written by :func:`save_readings`: ``(results, descriptions, provenance)``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no sampled-views results at {path}: recompute them (see chapter 7's parameters)")
    payload = json.loads(path.read_text())
    config = Fig3Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in payload["config"].items()})
    shared = {
        "signal_energy": np.asarray(payload["signal_energy"]),
        "lam_theta": np.asarray(payload["lam_theta"]),
        "gamma_unit": np.asarray(payload["gamma_unit"]),
    }
    results, descriptions = {}, {}
    for key, entry in payload["readings"].items():
        distance = np.asarray(entry["distance"], dtype=float)
        expected = (len(config.gamma_max), len(entry["methods"]), len(config.alphas), len(config.ns), len(config.seeds))
        if distance.shape != expected:
            raise ValueError(f"{path}: reading {key!r} has distances of shape {distance.shape}, expected {expected}")
        results[key] = Fig3Result(config, distance, methods=tuple(entry["methods"]), **shared)
        descriptions[key] = entry["description"]
    return results, descriptions, payload["provenance"]


def readings_for(
    images: np.ndarray, labels: np.ndarray, config: Fig3Config, dataset: str, path: str | Path | None
) -> tuple[dict[str, Fig3Result], dict[str, str], str]:
    """The readings for a chapter run: the saved ones at ``path`` when they were made on this dataset
    (MNIST) with this protocol (any seeds), else :func:`run_readings` on ``config``. Returns the results,
    their descriptions and a sentence saying where they come from."""
    if path and dataset == "mnist":
        results, descriptions, provenance = load_readings(path)
        saved = next(iter(results.values())).config
        if saved == replace(config, seeds=saved.seeds):
            return (
                results,
                descriptions,
                # How long it took, and under what load, is in the file's provenance, not in the prose.
                f"saved with the book ({Path(path).name}: {len(saved.seeds)} seeds, computed at commit "
                f"{provenance['commit']})",
            )
    results = run_readings(images, labels, config)
    seeds = count(len(config.seeds), "seed", "seeds")
    return results, {key: READINGS[key][0] for key in results}, f"computed in this build ({seeds})"


def main(argv: list[str] | None = None) -> int:
    """``python -m je_vs_rc.simulate.sampled_views OUT.json``: run :data:`READINGS` on MNIST with the
    default protocol (chapter 7's defaults) and save them with their provenance."""
    import argparse
    import os
    import subprocess
    import time

    from .. import data

    parser = argparse.ArgumentParser(description="Figure 3's sampled-views readings on MNIST")
    parser.add_argument("out", type=Path, help="JSON file to write")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(Fig3Config().seeds))
    args = parser.parse_args(argv)
    images, labels = data.load("mnist", "train")
    config = Fig3Config(seeds=tuple(args.seeds))
    start, load = time.perf_counter(), os.getloadavg()[0]
    results = run_readings(images, labels, config)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    provenance = {
        "command": f"python -m je_vs_rc.simulate.sampled_views {args.out} --seeds {' '.join(map(str, args.seeds))}",
        "commit": commit.stdout.strip() or "unknown",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "seconds": round(time.perf_counter() - start, 1),
        "load_average_at_start": round(load, 2),
        "dataset": "mnist (train, hashes verified by je_vs_rc.data)",
    }
    save_readings(args.out, results, provenance)
    print(f"wrote {args.out} ({provenance['seconds']} s)")
    return 0


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())

if __name__ == "__main__":
    raise SystemExit(main())
