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
from typing import Any

import numpy as np

from .._io import atomic_path
from . import keys

SEVERITIES = (1, 2, 3, 4, 5)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # lightly's (ImageNet's) normalisation of views


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
    Images under 32 px (the library's minimum) get the corruption function directly: exact for the
    pixel-wise noises, a ValueError for a function that needs a larger image.

    The library draws from NumPy's global generator, so it is seeded here and restored afterwards.
    """
    from imagecorruptions import corrupt as corrupt_image
    from imagecorruptions import corruption_dict
    from PIL import Image

    check_corruption(name, severity)
    state = np.random.get_state()
    try:
        np.random.seed(seed % 2**32)
        if min(image.shape[:2]) >= 32:
            out = corrupt_image(image, severity=severity, corruption_name=name)
        else:  # the library refuses small images (DINO's local crops); the function itself may still apply
            try:
                out = corruption_dict[name](Image.fromarray(image), severity)
            except Exception as err:  # noqa: BLE001 - any failure means: this corruption needs 32 px
                raise ValueError(
                    f"corruption {name!r} cannot be applied to a {image.shape[0]}x{image.shape[1]} "
                    f"image (ImageNet-C's functions are made for >= 32 px): {err}"
                ) from None
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


def corrupt_all(
    images: np.ndarray,
    name: str,
    severity: int,
    seed: int,
    cache_dir: str | os.PathLike[str] | None = None,
    data_key: str | None = None,
) -> np.ndarray:
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


class Injected:
    """App. D.3's alignment: a view transform followed by the corruption ``name`` at ``strength``
    (a severity, 1-5) on every view it returns, with fresh random draws for every view.

    The views of lightly's transforms are normalised tensors; each is mapped back to uint8 pixels
    (ImageNet mean and std), corrupted with the ImageNet-C function and normalised again. The
    per-view seed is drawn from torch's generator, which the training loop seeds per epoch (and
    DataLoader workers inherit), so a run is reproducible.
    """

    def __init__(self, transform: Any, name: str, strength: int):
        check_corruption(name, strength)
        self.transform, self.name, self.strength = transform, name, strength

    def __call__(self, image: Any) -> list[Any]:
        return [self.corrupt_view(v) for v in self.transform(image)]

    def corrupt_view(self, view: Any) -> Any:
        import torch

        mean = torch.tensor(MEAN).view(3, 1, 1)
        std = torch.tensor(STD).view(3, 1, 1)
        pixels = ((view * std + mean) * 255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        seed = int(torch.randint(0, 2**31 - 1, ()))
        out = torch.from_numpy(corrupt(pixels, self.name, self.strength, seed)).permute(2, 0, 1).float() / 255
        return ((out - mean) / std).to(view.dtype)


def validate(corruptions: Sequence[str], severities: Sequence[int]) -> None:
    """Check a whole grid of corruptions x severities before any work starts: both must be non-empty
    lists (a single string would be read letter by letter), of known names and integer severities."""
    for label, values in (("corruptions", corruptions), ("severities", severities)):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"{label} must be a non-empty list; got {values!r}")
    for name in corruptions:
        for severity in severities:
            check_corruption(name, severity)
