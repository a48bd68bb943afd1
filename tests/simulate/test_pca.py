"""The exact PCA of raw pixels (simulate/pca.py) against the plain float64 one, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import synthetic_digits

from je_vs_rc.simulate.pca import EXACT_FLOAT32_ROWS, pca, pixel_pca


def extreme_pixels(n: int) -> np.ndarray:
    """Only 0s and 255s (the shifted products' largest values, 128^2 and 127^2), one column always 0."""
    images = np.random.default_rng(3).choice(np.array([0, 255], dtype=np.uint8), size=(n, 40), p=[0.7, 0.3])
    images[:, 5] = 0
    images[: EXACT_FLOAT32_ROWS + 1, 7] = 0  # a whole float32 block of the largest product, 128^2
    return images


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("images", [synthetic_digits(2 * EXACT_FLOAT32_ROWS + 77)[0], extreme_pixels(3001)])
def test_pixel_pca_equals_the_float64_pca_bitwise(images, workers):
    exact = pixel_pca(images, 1.0, 6, workers)
    plain = pca(images.astype(float), 6)
    for got, want in zip(exact, plain):
        np.testing.assert_array_equal(got, want)


def test_pixel_pca_of_scaled_pixels_rounds_as_the_float_copy():
    images = synthetic_digits(300)[0]
    for got, want in zip(pixel_pca(images, 1 / 255, 4), pca(images * (1 / 255), 4)):
        np.testing.assert_array_equal(got, want)
