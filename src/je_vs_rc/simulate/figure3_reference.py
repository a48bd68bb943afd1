"""The straightforward implementation of the Figure 3 sweep, one configuration at a time, against which
the vectorised :func:`~je_vs_rc.simulate.figure3.figure3_sweep` is tested and timed."""

from __future__ import annotations

import numpy as np

from ..theory.linalg import single_threaded_module
from .figure3 import Fig3Config, one_hot, protocol_draws
from .pca import pca


def figure3_reference(images: np.ndarray, labels: np.ndarray, config: Fig3Config) -> np.ndarray:
    """Straightforward per-configuration implementation of :func:`figure3_sweep` (same draws).

    Builds the clean and corrupted data matrices explicitly for every (seed, n, noise level, alpha),
    calls the public closed forms and fits each probe with ``numpy.linalg.lstsq``. Slow; it exists to
    validate the vectorised sweep (tests) and to measure its speed-up (benchmarks). Supports the
    full-set PCA and the in-sample probe, and the paper's three methods (SL, JE, RC, in that order).
    """
    from ..theory.joint_embedding import joint_embedding
    from ..theory.reconstruction import reconstruction
    from ..theory.supervised import supervised

    cfg = config
    if cfg.pca_fit != "full" or cfg.probe != "in_sample":
        raise ValueError("figure3_reference supports pca_fit='full' and probe='in_sample' only")
    pixels = images.astype(float) * (cfg.pixel_scale / 255.0)
    mean, comps, _ = pca(pixels, cfg.k)
    out = np.empty((len(cfg.gamma_max), 3, len(cfg.alphas), len(cfg.ns), len(cfg.seeds)))

    def mse(features: np.ndarray, Y: np.ndarray) -> float:
        coef = np.linalg.lstsq(features, Y, rcond=None)[0]
        return float(np.sum((Y - features @ coef) ** 2) / Y.shape[0])

    for s_idx, seed in enumerate(cfg.seeds):
        lam_theta, gamma_unit, order, noise = protocol_draws(np.random.default_rng(seed), cfg, images.shape[0])
        for n_idx, n in enumerate(cfg.ns):
            Z = (pixels[order[:n]] - mean) @ comps
            Y = one_hot(labels[order[:n]])
            for g_idx, g_max in enumerate(cfg.gamma_max):
                X = np.hstack([Z, np.zeros((n, cfg.n_noise))])
                Xc = np.hstack([Z, noise[:n] * np.sqrt(g_max * gamma_unit)])
                probe_inputs = Xc if cfg.encoder_input == "corrupted" else X
                lam_gamma = np.concatenate([np.zeros(cfg.k), g_max * gamma_unit])
                for a_idx, alpha in enumerate(cfg.alphas):
                    Sigma = np.diag(lam_theta + alpha**2 * lam_gamma)
                    V, Vc = supervised(X, Y, Sigma), supervised(Xc, Y, Sigma)
                    sl = abs(np.sum((Y - X @ V.T) ** 2) - np.sum((Y - Xc @ Vc.T) ** 2)) / n
                    W, Wc = joint_embedding(X, Sigma, cfg.k), joint_embedding(Xc, Sigma, cfg.k)
                    E, Ec = reconstruction(X, Sigma, cfg.k)[0], reconstruction(Xc, Sigma, cfg.k)[0]
                    out[g_idx, :, a_idx, n_idx, s_idx] = (
                        sl,
                        abs(mse(X @ W.T, Y) - mse(probe_inputs @ Wc.T, Y)),
                        abs(mse(X @ E.T, Y) - mse(probe_inputs @ Ec.T, Y)),
                    )
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
