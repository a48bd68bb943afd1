"""Images for the GPU chapter as fixed-size uint8 arrays (N x S x S x 3), so corruptions are cached once.

- ``mnist``: the verified MNIST of ``je_vs_rc.data``, padded from 28 to 32 pixels (ImageNet-C's
  functions refuse images under 32 px) and repeated over 3 channels. Runs anywhere, offline.
- ``imagefolder``: any ``root/<split>/<class>/<image>`` tree (ImageNet, ImageNet-100), resized to
  ``image_size * 256 / 224`` on the short side and centre-cropped to ``image_size`` (the ImageNet-C
  recipe), stored in a memory-mapped ``.npy`` cache so ImageNet scale does not need the RAM.
- ``imagenet_c_folder``: the official ImageNet-C layout ``root/<corruption>/<severity>/<class>/*``,
  for evaluating checkpoints on the released corrupted validation sets.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._io import atomic_path

DATASETS = ("mnist", "imagefolder")


def mnist32(split: str, data_root: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as N x 32 x 32 x 3 uint8 with integer labels."""
    from .. import data

    images, labels = data.load("mnist", split, root=data_root)
    padded = np.pad(images.reshape(-1, 28, 28), ((0, 0), (2, 2), (2, 2)))
    return np.repeat(padded[..., None], 3, axis=-1), labels


def _folder_files(root: Path) -> tuple[list[Path], np.ndarray]:
    if not root.is_dir():
        raise FileNotFoundError(f"data_root has no folder {root}; expected <data_root>/<split>/<class>/<image> "
                                f"(an ImageFolder tree such as ImageNet's)")
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


def image_folder(root: str | os.PathLike[str], split: str, image_size: int, cache_dir: str | os.PathLike[str],
                 budget: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An ImageFolder split as a memory-mapped N x S x S x 3 array (built once, then reused).

    ``budget`` keeps a seeded random subset of that many images (all if None).
    """
    files, labels = _folder_files(Path(root) / split)
    order = np.arange(len(files))
    if budget is not None and budget < len(files):
        order = np.sort(np.random.default_rng(seed).choice(len(files), budget, replace=False))
    cache = Path(cache_dir) / f"{Path(root).name}_{split}_{image_size}_n{order.size}_seed{seed}.npy"
    if not cache.is_file():
        with atomic_path(cache, suffix=".npy") as tmp:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(order.size, image_size, image_size, 3))
            for row, i in enumerate(order):
                out[row] = _load_image(files[i], image_size)
            out.flush()
            del out
    return np.load(cache, mmap_mode="r"), labels[order]


def imagenet_c_folder(root: str | os.PathLike[str], corruption: str, severity: int, image_size: int,
                      cache_dir: str | os.PathLike[str], budget: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One corruption x severity of the official ImageNet-C release (``root/<corruption>/<severity>/...``)."""
    from .corruptions import check_corruption

    check_corruption(corruption, severity)
    return image_folder(Path(root) / corruption, str(severity), image_size, cache_dir, budget)


def load(dataset: str, split: str, image_size: int, data_root: str | os.PathLike[str] | None,
         cache_dir: str | os.PathLike[str], budget: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of ``dataset`` ("mnist" or "imagefolder"), at most ``budget`` images."""
    if dataset == "mnist":
        if image_size != 32:
            raise ValueError(f"image_size must be 32 for dataset 'mnist'; got {image_size}")
        images, labels = mnist32("train" if split == "train" else "test", None)
        if budget is not None and budget < len(images):
            keep = np.sort(np.random.default_rng(seed).choice(len(images), budget, replace=False))
            images, labels = images[keep], labels[keep]
        return images, labels
    if dataset == "imagefolder":
        if data_root is None:
            raise ValueError("data_root is required for dataset 'imagefolder' (a folder with train/ and val/)")
        return image_folder(data_root, "train" if split == "train" else "val", image_size, cache_dir, budget, seed)
    raise ValueError(f"dataset must be one of {list(DATASETS)}; got {dataset!r}")
