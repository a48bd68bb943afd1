"""Shared builders for the tests (fixtures live in conftest.py)."""
from __future__ import annotations

import numpy as np

from je_vs_rc.simulate.figure3 import Fig3Config


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images with class structure (a class template plus noise), 0..255, for fast protocol tests."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, (10, 784))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] * rng.uniform(0.5, 1.0, (n, 1)) + rng.normal(0, 30, (n, 784)), 0, 255)
    return images.astype(np.uint8), labels


TINY = Fig3Config(k=6, n_noise=4, gamma_max=(1e3, 1e6), alphas=(0.1, 10.0), ns=(40, 80, 160), seeds=(0, 1))
