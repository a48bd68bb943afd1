"""Centred PCA of images, for Figure 3's protocol: exact for raw pixels, split over threads.

Each thread runs whole products on one BLAS thread (:func:`~je_vs_rc.theory.linalg.split_over_threads`):
on a busy machine no OpenBLAS thread spins waiting for a descheduled sibling, and the results do not
depend on the number of threads.
"""

from __future__ import annotations

import numpy as np

from ..theory.linalg import all_threads, single_threaded_module, split_over_threads


def pca(images: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred PCA: returns ``(mean, components (784 x k), eigenvalues (k))``, eigenvalues descending."""
    mean = images.mean(axis=0)
    # The covariance from the raw second moment: one pass over the images, no centred copy. A large
    # product (60,000 x 784 for MNIST): BLAS keeps its threads for it.
    with all_threads():
        second = images.T @ images / images.shape[0]
    return _components(mean, second, k)


def _components(mean: np.ndarray, second: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vals, vecs = np.linalg.eigh(second - np.outer(mean, mean))
    order = np.argsort(vals)[::-1][:k]
    return mean, vecs[:, order], vals[order]


# Raw pixels (0..255) are shifted by SHIFT to -128..127 before their products: each product is at most
# 128^2, so the products of EXACT_FLOAT32_ROWS rows sum exactly in float32 (1024 * 128^2 = 2^24). Four times
# the rows of unshifted pixels (256 * 255^2 < 2^24): larger, faster products and fewer float64 additions.
SHIFT = 128
EXACT_FLOAT32_ROWS = 1024


def pixel_pca(images: np.ndarray, scale: float, k: int, workers: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`pca` of ``images * scale`` (images in 0..255), to the last bit. For raw pixels (scale 1) the
    sums of pixels and of their products are integers, exact in any order: those of the shifted pixels
    ``u = x - SHIFT`` in float32 over EXACT_FLOAT32_ROWS rows at a time (half the work of float64), then
    in float64 (below 2^53), where ``sum x x^T = sum u u^T + SHIFT (s 1^T + 1 s^T) + n SHIFT^2 1 1^T``
    (``s = sum u``) gives back the same integers; no float copy of the images, the rows split over
    ``workers`` threads. Other scales round, and take :func:`pca`'s path (a float copy) to round as it does."""
    if scale != 1.0 or not np.issubdtype(images.dtype, np.integer):
        return pca(np.multiply(images, scale), k)
    n, width = images.shape
    # Pixels that are 0 in every image (67 of MNIST's 784, at the border) add nothing: left out of the products.
    used = np.flatnonzero(images.any(axis=0))

    def part(starts: range) -> tuple[np.ndarray, np.ndarray]:
        total, second = np.zeros(len(used)), np.zeros((len(used), len(used)))
        pixels = np.empty((EXACT_FLOAT32_ROWS, len(used)), dtype=images.dtype)
        block = np.empty((EXACT_FLOAT32_ROWS, len(used)), dtype=np.float32)
        for start in starts:
            rows = block[: min(EXACT_FLOAT32_ROWS, n - start)]
            np.take(images[start : start + len(rows)], used, axis=1, out=pixels[: len(rows)])
            np.subtract(pixels[: len(rows)], np.float32(SHIFT), out=rows)
            total += rows.sum(axis=0)  # at most 2^17 in magnitude: exact in float32
            second += rows.T @ rows
        return total, second

    parts = split_over_threads(part, range(0, n, EXACT_FLOAT32_ROWS), workers)
    shifted = sum(p[0] for p in parts)  # sum of u, exact
    total = np.zeros(width)
    total[used] = shifted + n * SHIFT
    second = np.zeros((width, width))
    second[np.ix_(used, used)] = (
        sum(p[1] for p in parts) + SHIFT * (shifted[:, None] + shifted[None, :]) + float(n * SHIFT**2)
    )
    return _components(total / n, second / n, k)


# Images are converted to float this many at a time, in one buffer per thread (12 MB), instead of a
# float copy of the whole set (376 MB for MNIST, whose page faults alone cost more than the PCA's product).
BLOCK_ROWS = 2048


def pca_scores(images: np.ndarray, scale: float, mean: np.ndarray, comps: np.ndarray, workers: int = 1) -> np.ndarray:
    """PCA scores ``(images * scale - mean) @ comps``, block by block, the blocks split over ``workers``
    threads (each block's product is the same whichever thread computes it)."""
    n, out = images.shape[0], np.empty((images.shape[0], comps.shape[1]))

    def part(starts: range) -> None:
        buf = np.empty((min(BLOCK_ROWS, n), images.shape[1]))
        for start in starts:
            block = buf[: min(BLOCK_ROWS, n - start)]
            np.multiply(images[start : start + BLOCK_ROWS], scale, out=block)
            block -= mean
            out[start : start + BLOCK_ROWS] = block @ comps

    split_over_threads(part, range(0, n, BLOCK_ROWS), workers)
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
