"""Shared builders for the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import nbformat
import numpy as np

from je_vs_rc import Setting
from je_vs_rc.simulate.figure3 import Fig3Config


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images with class structure (a class template plus noise), 0..255, for fast protocol tests."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, (10, 784))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] * rng.uniform(0.5, 1.0, (n, 1)) + rng.normal(0, 30, (n, 784)), 0, 255)
    return images.astype(np.uint8), labels


# Chapter 12's trainers: a toy instance with well-separated spectra (every closed form has a large eigengap).
TRAINED_TOY = Setting(np.array([4.0, 2.0]), np.array([0.5, 0.5, 0.1, 0.1]), np.array([0.0, 0.0, 1.0, 0.5]))
TRAINED_TOY_ALPHA = 1.0


def trained_toy(n: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corrupted data of :data:`TRAINED_TOY` (n x 4), labels linear in it (n x 2), and Sigma at the alpha."""
    rng = np.random.default_rng(seed)
    X = TRAINED_TOY.clean_data(n, rng) + TRAINED_TOY.corruption(n, rng)
    return X, X @ rng.standard_normal((4, 2)), TRAINED_TOY.sigma(TRAINED_TOY_ALPHA)


TINY = Fig3Config(k=6, n_noise=4, gamma_max=(1e3, 1e6), alphas=(0.1, 10.0), ns=(40, 80, 160), seeds=(0, 1))


def figure3_datasets(mnist: bool = False) -> dict[str, tuple[np.ndarray, ...]]:
    """(train images, labels, test images, labels): "synthetic" (400 and 100 digits), and "mnist"."""
    out = {"synthetic": (*synthetic_digits(400), *synthetic_digits(100, seed=1))}
    if mnist:
        from je_vs_rc import data

        out["mnist"] = (*data.load("mnist"), *data.load("mnist", "test"))
    return out


def glued(nb_path) -> dict[str, str]:
    """Values glued by a notebook (myst-nb stores them as papermill records)."""
    nb = nbformat.read(nb_path, as_version=4)
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = output["data"]["application/papermill.record/text/plain"]
    return out
