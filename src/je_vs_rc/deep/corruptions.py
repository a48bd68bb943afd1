"""ImageNet-C corruptions (Hendrycks & Dietterich, 2019), applied deterministically and cached.

The functions come from ``imagecorruptions`` (the maintained ``imagecorruptions-imaug`` release,
which works with NumPy 2). As in the paper, each image gets one fixed corruption: the random draws
of image ``i`` are seeded by ``(seed, i)``, so every epoch, every rerun and every process sees the
same corrupted image; the corrupted set is computed once and cached as a ``.npy`` array, keyed on the
input images, the corruption, the severity, the seed and the code (:func:`cache_key`).
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._io import atomic_path
from . import keys

SEVERITIES = (1, 2, 3, 4, 5)


def corruption_names() -> tuple[str, ...]:
    """The 19 ImageNet-C corruption names (15 benchmark + 4 held-out)."""
    from imagecorruptions import get_corruption_names

    return tuple(get_corruption_names("all"))


def check_corruption(name: str, severity: int) -> None:
    """ValueError naming the unknown corruption or severity and what is allowed."""
    names = corruption_names()
    if name not in names:
        raise ValueError(f"corruption must be one of {list(names)}; got {name!r}")
    if not isinstance(severity, int) or isinstance(severity, bool) or severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {list(SEVERITIES)}; got {severity!r}")


def corrupt(image: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """Corrupt one H x W x 3 uint8 image; the same (image, name, severity, seed) gives the same bytes.

    The library draws from NumPy's global generator, so it is seeded here and restored afterwards.
    """
    from imagecorruptions import corrupt as corrupt_image

    check_corruption(name, severity)
    state = np.random.get_state()
    try:
        np.random.seed(seed % 2**32)
        out = corrupt_image(image, severity=severity, corruption_name=name)
    finally:
        np.random.set_state(state)
    return np.clip(np.asarray(out), 0, 255).astype(np.uint8)


def image_seed(seed: int, index: int, name: str, severity: int) -> int:
    """A per-image seed from the run seed, the image index and the corruption (stable across runs)."""
    digest = hashlib.sha256(f"{seed}:{index}:{name}:{severity}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def cache_key(data_key: str, name: str, severity: int, seed: int) -> str:
    """Digest of everything that determines a corrupted set: the input images (``data_key``), the
    corruption, its severity, the seed, and the code (this module and the corruption library)."""
    return keys.digest(data_key, name, severity, seed, keys.code_version(sys.modules[__name__]))


def corrupt_all(images: np.ndarray, name: str, severity: int, seed: int,
                cache_dir: str | os.PathLike[str] | None = None, data_key: str | None = None) -> np.ndarray:
    """Corrupt every image of ``images`` (N x H x W x 3 uint8), caching the result.

    With ``cache_dir``, the array is stored as ``<name>_s<severity>_<cache_key>.npy`` (written to a
    temporary file, then renamed) and loaded on the next call instead of being recomputed.
    ``data_key`` identifies the input images (default: a digest of their bytes).
    """
    check_corruption(name, severity)
    path = None
    if cache_dir is not None:
        key = cache_key(data_key or keys.array_digest(np.asarray(images)), name, severity, seed)
        path = Path(cache_dir) / f"{name}_s{severity}_{key}.npy"
        if path.is_file():
            return np.load(path)
    out = np.stack([corrupt(img, name, severity, image_seed(seed, i, name, severity)) for i, img in enumerate(images)])
    if path is not None:
        with atomic_path(path, suffix=".npy") as tmp:
            np.save(tmp, out)
    return out


def validate(corruptions: Sequence[str], severities: Sequence[int]) -> None:
    """Check a whole grid of corruptions x severities before any work starts: both must be non-empty
    lists (a single string would be read letter by letter), of known names and integer severities."""
    for label, values in (("corruptions", corruptions), ("severities", severities)):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"{label} must be a non-empty list; got {values!r}")
    for name in corruptions:
        for severity in severities:
            check_corruption(name, severity)
