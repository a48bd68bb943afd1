"""ImageFolder trees of ImageNet and of the ImageNet-C release, labelled by WordNet id.

Class folders are WordNet ids (``n01440764``...). A model's labels are the sorted WordNet ids of its
*training* tree; every other tree (the validation split, an ImageNet-C corruption at a severity) is
labelled by looking its folder names up in that list, never by its own sorted order. So ImageNet-100
as the training set works with the full 1,000-class ImageNet-C: the test set keeps the images of the
100 training classes. A training class absent from a test tree is an error naming it (a test set
without a class would score a different task).

Images are decoded as ImageNet-C made them: an image already ``image_size`` square (every ImageNet-C
image is 224 x 224) is taken as it is; any other is resized to ``image_size * 256 / 224`` on its short
side and centre-cropped to ``image_size`` (the validation recipe ImageNet-C applied before corrupting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SUFFIXES = {".jpeg", ".jpg", ".png"}


@dataclass(frozen=True)
class Listing:
    """The image files of a tree, their labels (indices into ``classes``) and the class list."""

    files: tuple[Path, ...]
    labels: np.ndarray
    classes: tuple[str, ...]


def class_folders(root: str | os.PathLike[str]) -> list[str]:
    """The sorted class-folder names of ``root`` (FileNotFoundError naming the layout if there are none)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"data folder {root} does not exist; expected <root>/<class>/<image> "
            f"(an ImageFolder tree such as ImageNet's)"
        )
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not classes:
        raise FileNotFoundError(f"{root} has no class folders")
    return classes


def listing(root: str | os.PathLike[str], classes: list[str] | tuple[str, ...] | None = None) -> Listing:
    """The images of ``root/<class>/*``, labelled by position in ``classes``.

    ``classes=None``: the tree defines the classes (its sorted folder names: the training tree).
    Otherwise folders not in ``classes`` are skipped and every class of ``classes`` must be present
    (ValueError naming the missing ones)."""
    root = Path(root)
    present = class_folders(root)
    if classes is None:
        classes = present
    else:
        missing = sorted(set(classes) - set(present))
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise ValueError(
                f"{root} lacks {len(missing)} of the {len(classes)} training classes ({shown}): its labels "
                f"would not be the training set's; use a test tree that holds every training class"
            )
    index = {c: i for i, c in enumerate(classes)}
    files, labels = [], []
    for name in present:
        if name not in index:
            continue
        for f in sorted((root / name).iterdir()):
            if f.suffix.lower() in SUFFIXES:
                files.append(f)
                labels.append(index[name])
    return Listing(tuple(files), np.asarray(labels, dtype=np.int64), tuple(classes))


def decode(path: str | os.PathLike[str], image_size: int) -> np.ndarray:
    """One image as ``image_size`` x ``image_size`` x 3 uint8: as it is if already that size, otherwise
    resized (short side ``image_size * 256 / 224``, bilinear) and centre-cropped."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        if im.size == (image_size, image_size):
            return np.asarray(im, dtype=np.uint8)
        short = round(image_size * 256 / 224)
        scale = short / min(im.size)
        im = im.resize((max(short, round(im.width * scale)), max(short, round(im.height * scale))), Image.BILINEAR)
        left, top = (im.width - image_size) // 2, (im.height - image_size) // 2
        return np.asarray(im.crop((left, top, left + image_size, top + image_size)), dtype=np.uint8)
