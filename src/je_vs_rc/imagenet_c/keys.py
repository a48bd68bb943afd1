"""Cache keys: every cached artefact (corrupted images, checkpoints, features) is stored under a
digest of everything that determines its content, including the code that makes it. A changed input
gives a new key, hence a fresh computation; nothing stale is ever reused.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

LIBRARIES = ("numpy", "torch", "torchvision", "lightly", "timm", "imagecorruptions-imaug")


def digest(*parts: Any) -> str:
    """A short, stable hex digest of JSON-serialisable ``parts``."""
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seed_of(*parts: int) -> int:
    """A 31-bit seed from integers (a run seed, an epoch, an image index), stable across runs and machines."""
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) % 2**31


def file_digest(path: str | Path) -> str:
    """Digest of a file's bytes (a supplied checkpoint)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def array_digest(array: np.ndarray) -> str:
    """Digest of an array's shape, dtype and bytes (its content, whatever produced it)."""
    h = hashlib.sha256(f"{array.shape}{array.dtype}".encode())
    for start in range(0, len(array), 4096):
        h.update(np.ascontiguousarray(array[start : start + 4096]).tobytes())
    return h.hexdigest()[:16]


@cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in LIBRARIES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "absent"))
    return tuple(out)


def code_version(*modules: ModuleType) -> str:
    """Digest of the source of ``modules`` and of the versions of the libraries they build on."""
    h = hashlib.sha256(repr(_library_versions()).encode())
    for module in modules:
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()[:16]
