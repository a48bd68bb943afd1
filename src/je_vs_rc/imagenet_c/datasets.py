"""Images for the GPU chapter as fixed-size uint8 arrays (N x S x S x 3) with their labels and a key.

- ``mnist``: the verified MNIST of ``je_vs_rc.data`` (from ``data_root`` if given), padded from 28
  to 32 pixels (ImageNet-C's functions refuse images under 32 px) and repeated over 3 channels. Runs
  anywhere, offline.
- ``imagefolder``: any ``root/<split>/<class>/<image>`` tree (ImageNet, ImageNet-100), resized to
  ``image_size * 256 / 224`` on the short side and centre-cropped to ``image_size`` (the ImageNet-C
  recipe), stored in a memory-mapped ``.npy`` cache so ImageNet scale does not need the RAM.
- ``imagenet_c``: the official ImageNet-C layout ``root/<corruption>/<severity>/<class>/*``, the
  released corrupted validation sets (the pipeline's ``imagenet_c_root`` option evaluates on them).

Every :class:`Images` carries a ``key``: a digest of what determines its content (the data's
identity, the split, the image size, the subset drawn and this module's code), on which every
downstream cache is keyed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_path
from . import keys

DATASETS = ("mnist", "imagefolder")


@dataclass(frozen=True)
class Images:
    """Uint8 images (N x S x S x 3), integer labels, and a key identifying the content."""

    images: np.ndarray
    labels: np.ndarray
    key: str


def _code() -> str:
    import sys

    return keys.code_version(sys.modules[__name__])


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


def _folder_files(root: Path) -> tuple[list[Path], np.ndarray]:
    """Image files of ``root/<class>/*`` (sorted) and their class indices (classes in sorted order)."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"data_root has no folder {root}; expected <data_root>/<split>/<class>/<image> "
            f"(an ImageFolder tree such as ImageNet's)"
        )
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not classes:
        raise FileNotFoundError(f"{root} has no class folders")
    files, labels = [], []
    for c, name in enumerate(classes):
        for f in sorted((root / name).iterdir()):
            if f.suffix.lower() in {".jpeg", ".jpg", ".png"}:
                files.append(f)
                labels.append(c)
    return files, np.asarray(labels)


def _load_image(path: Path, image_size: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        short = round(image_size * 256 / 224)
        scale = short / min(im.size)
        im = im.resize((max(short, round(im.width * scale)), max(short, round(im.height * scale))), Image.BILINEAR)
        left, top = (im.width - image_size) // 2, (im.height - image_size) // 2
        return np.asarray(im.crop((left, top, left + image_size, top + image_size)), dtype=np.uint8)


def image_folder(
    root: str | os.PathLike[str],
    split: str,
    image_size: int,
    cache_dir: str | os.PathLike[str],
    budget: int | None = None,
    seed: int = 0,
) -> Images:
    """An ImageFolder split as a memory-mapped N x S x S x 3 array (built once, then reused).

    ``budget`` keeps a seeded random subset of that many images (all if None). The cache is keyed on
    the folder (path, and every chosen file's name, size and modification time), the image size,
    the subset and the code.
    """
    folder = Path(root) / split
    files, labels = _folder_files(folder)
    order = _subset(len(files), budget, seed)
    listing = [(str(files[i].relative_to(folder)), files[i].stat().st_size, files[i].stat().st_mtime_ns) for i in order]
    key = keys.digest("imagefolder", str(folder.resolve()), listing, image_size, _code())
    cache = Path(cache_dir) / f"{Path(root).name}_{split}_{image_size}_n{order.size}_{key}.npy"
    if not cache.is_file():
        with atomic_path(cache, suffix=".npy") as tmp:
            out = np.lib.format.open_memmap(
                tmp, mode="w+", dtype=np.uint8, shape=(order.size, image_size, image_size, 3)
            )
            for row, i in enumerate(order):
                out[row] = _load_image(files[i], image_size)
            out.flush()
            del out
    return Images(np.load(cache, mmap_mode="r"), labels[order], key)


def imagenet_c(
    root: str | os.PathLike[str],
    corruption: str,
    severity: int,
    image_size: int,
    cache_dir: str | os.PathLike[str],
    budget: int | None = None,
    seed: int = 0,
) -> Images:
    """One corruption x severity of the official ImageNet-C release (``root/<corruption>/<severity>/...``)."""
    from .corruptions import check_corruption

    check_corruption(corruption, severity)
    return image_folder(Path(root) / corruption, str(severity), image_size, cache_dir, budget, seed)


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


def load(
    dataset: str,
    split: str,
    image_size: int,
    data_root: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str],
    budget: int | None = None,
    seed: int = 0,
) -> Images:
    """Images, labels and key of ``dataset`` ("mnist" or "imagefolder"), at most ``budget`` images."""
    if dataset == "mnist":
        if image_size != 32:
            raise ValueError(f"image_size must be 32 for dataset 'mnist'; got {image_size}")
        return mnist("train" if split == "train" else "test", data_root, budget, seed)
    if dataset == "imagefolder":
        if data_root is None:
            raise ValueError("data_root is required for dataset 'imagefolder' (a folder with train/ and val/)")
        return image_folder(data_root, "train" if split == "train" else "val", image_size, cache_dir, budget, seed)
    raise ValueError(f"dataset must be one of {list(DATASETS)}; got {dataset!r}")
