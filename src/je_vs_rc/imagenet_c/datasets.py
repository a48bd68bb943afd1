"""Images for the GPU chapter as fixed-size uint8 arrays (N x S x S x 3) with their labels and a key.

- ``mnist``: the verified MNIST of ``je_vs_rc.data`` (from ``data_root`` if given), padded from 28
  to 32 pixels (ImageNet-C's functions refuse images under 32 px) and repeated over 3 channels. Runs
  anywhere, offline.
- ``imagefolder``: any ``root/<split>/<wnid>/<image>`` tree (ImageNet, ImageNet-100) and the official
  ImageNet-C layout ``root/<corruption>/<severity>/<wnid>/*``, as :class:`FolderSet` (files, labels
  by the training classes' WordNet ids, a key); ``je_vs_rc.imagenet_c.folders`` lists and decodes
  them, the pipeline's data phase caches them memory-mapped.

Every set carries a ``key``: a digest of what determines its content (the data's identity, the
split, the image size, the subset drawn and the code), on which every downstream cache is keyed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import folders, keys

DATASETS = ("mnist", "imagefolder")


@dataclass(frozen=True)
class Images:
    """Uint8 images (N x S x S x 3), integer labels, and a key identifying the content."""

    images: np.ndarray
    labels: np.ndarray
    key: str


def _code() -> str:
    import sys

    return keys.code_version(sys.modules[__name__], folders)


def _subset(n: int, budget: int | None, seed: int) -> np.ndarray:
    """Indices of a seeded random subset of ``budget`` of ``n`` items, in order (all if None or >= n)."""
    if budget is None or budget >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, budget, replace=False))


def mnist32(split: str, data_root: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as N x 32 x 32 x 3 uint8 with integer labels."""
    from .. import data

    images, labels = data.load("mnist", split, root=data_root)  # verified against the registry's MD5s
    padded = np.pad(images.reshape(-1, 28, 28), ((0, 0), (2, 2), (2, 2)))
    return np.repeat(padded[..., None], 3, axis=-1), labels


@dataclass(frozen=True)
class FolderSet:
    """Image files of an ImageFolder tree chosen for a run, their labels, the class names and a key."""

    files: tuple[str, ...]
    labels: np.ndarray
    classes: tuple[str, ...]
    key: str


def folder_set(
    folder: str | os.PathLike[str],
    image_size: int,
    budget: int | None = None,
    seed: int = 0,
    classes: tuple[str, ...] | None = None,
) -> FolderSet:
    """The images of ``folder/<wnid>/*`` (a seeded subset of ``budget`` if given), labelled by
    ``classes`` (the training tree's WordNet ids; None: this tree's own, see ``folders.listing``). The
    key covers the folder, every chosen file's name, size and modification time, the image size, the
    subset and the code."""
    folder = Path(folder)
    listing = folders.listing(folder, classes)
    order = _subset(len(listing.files), budget, seed)
    chosen = [listing.files[i] for i in order]
    stats = [(str(f.relative_to(folder)), f.stat().st_size, f.stat().st_mtime_ns) for f in chosen]
    key = keys.digest("imagefolder", str(folder.resolve()), stats, image_size, _code())
    return FolderSet(tuple(map(str, chosen)), listing.labels[order], listing.classes, key)


def mnist(
    split: str, data_root: str | os.PathLike[str] | None = None, budget: int | None = None, seed: int = 0
) -> Images:
    """Verified MNIST ``split`` at 32 px; the key is the registry's hashes of its files (so where the
    files live does not matter, only what they hold), the subset drawn and the code."""
    from .. import data

    images, labels = mnist32(split, data_root)
    keep = _subset(len(images), budget, seed)
    files = data.SPLITS[split]
    key = keys.digest("mnist", split, [data.REGISTRY["mnist"].raw_md5[f] for f in files], keep.size, seed, _code())
    return Images(images[keep], labels[keep], key)
