"""Fixtures of the ImageNet-C pipeline's tests (skipped where torch is not installed)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def images():
    """``images(n, seed)``: n random 32 x 32 RGB uint8 images."""

    def make(n: int = 16, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)

    return make


@pytest.fixture
def image_tree(images):
    """``image_tree(root, splits, classes, n, seed)``: an ImageFolder tree ``root/<split>/<class>/<i>.png``."""

    def make(root, splits=("train", "val"), classes=("a", "b"), n: int = 3, seed: int = 0) -> None:
        from PIL import Image

        for split in splits:
            for c in classes:
                (root / split / c).mkdir(parents=True)
                for i in range(n):
                    pixels = images(1, seed=seed + i)[0].repeat(2, 0).repeat(3, 1)
                    Image.fromarray(pixels).save(root / split / c / f"{i}.png")

    return make
