"""Which of Cor 4.5's noise regimes a corruption puts a data set in, computed from the data.

The linear theory compares the eigenvalues of the irrelevant features' covariance (the noise,
``lam_gamma``) with ``eta^2 / delta``; with no signal augmentation (``lam_theta = 0``) that is the
energy of the weakest relevant direction, the ``k``-th eigenvalue of the clean data's covariance
(paper §4.4; chapter 7 uses the paper's ``k = 50`` principal components of MNIST). So:

- every noise eigenvalue below ``lambda_k``: the low-noise regime, where Cor 4.5 says reconstruction
  needs *less* alignment than joint embedding (no joint-embedding advantage is predicted);
- every noise eigenvalue above it: the high-noise regime, where joint embedding needs less;
- in between: the corollary says nothing.

The noise is measured, not assumed (:func:`noise_variances`): what the corruption as applied adds
(ImageNet-C's clipping to [0, 1] included, which on MNIST's black background removes the negative half
of every draw), in [0, 1] pixel units. numpy only; images up to 64 px (the clean covariance is
``S^2`` or ``3 S^2`` square).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import corruptions

K = 50  # the relevant directions: the paper's PCA dimension for MNIST (§5.1), as in chapter 7
MAX_SIDE = 64


def _flat(images: np.ndarray) -> np.ndarray:
    """N x S x S x 3 uint8 -> N x 3 S^2 floats in [0, 1], every channel as the networks see them."""
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0


def signal_spectrum(images: np.ndarray) -> np.ndarray:
    """Eigenvalues (descending) of the clean images' covariance over all three channels, in [0, 1]
    pixel units. Three equal channels (MNIST's) repeat every direction: the covariance of one channel,
    times 3, has the same non-zero eigenvalues and costs a ninth."""
    x = np.asarray(images, dtype=np.float64) / 255.0
    same = np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2])
    x = (x[..., 0] if same else x).reshape(len(x), -1)
    x = x - x.mean(0)
    return np.sort(np.linalg.eigvalsh(x.T @ x / len(x)) * (3 if same else 1))[::-1]


def noise_variances(images: np.ndarray, corruption: str, severity: int, seed: int = 0) -> np.ndarray:
    """Per pixel and channel, the variance of what ``corruption`` at ``severity`` adds given the image,
    ``E_x Var(corrupted | x)``: half the mean squared difference of two independent corruptions of each
    image. For a corruption with independent draws per pixel (the noises) these are the eigenvalues of
    the noise covariance; the image-dependent mean of the added part (clipping follows the digit) is
    not counted: it is intertwined with the signal (chapter 11), not an irrelevant feature."""
    a = _flat(corruptions.corrupt_all(images, corruption, severity, seed))
    b = _flat(corruptions.corrupt_all(images, corruption, severity, seed + 1))
    return 0.5 * ((a - b) ** 2).mean(0)


def classify(noise: np.ndarray, threshold: float) -> str:
    """ "low" (every noise eigenvalue below ``threshold``), "high" (every one above) or "between"."""
    if noise.max() < threshold:
        return "low"
    if noise.min() > threshold:
        return "high"
    return "between"


def regimes(images: np.ndarray, corruption: str, severities: list[int], k: int = K, seed: int = 0) -> dict[str, Any]:
    """Per severity, the noise covariance's eigenvalue range against the clean data's ``k``-th
    eigenvalue and the regime (``je_vs_rc.render.imagenet_c_text.regime_text`` says it in words)."""
    if max(images.shape[1:3]) > MAX_SIDE:
        raise ValueError(f"regimes needs images of at most {MAX_SIDE} px; got {images.shape[1]}")
    signal = signal_spectrum(images)
    if not 1 <= k <= len(signal):
        raise ValueError(f"k must be between 1 and {len(signal)}; got {k}")
    threshold = float(signal[k - 1])
    rows = []
    for severity in severities:
        noise = noise_variances(images, corruption, severity, seed)
        rows.append(
            {
                "severity": severity,
                "noise_min": float(noise.min()),
                "noise_max": float(noise.max()),
                "noise_mean": float(noise.mean()),
                "regime": classify(noise, threshold),
            }
        )
    return {"k": k, "threshold": threshold, "images": len(images), "severities": rows}
