"""Image sources: ImageFolder trees, the official ImageNet-C layout, MNIST from its data root; the
key of each follows its content."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from je_vs_rc import data
from je_vs_rc.imagenet_c import datasets


def test_image_folder_loader_and_its_key(tmp_path, image_tree):
    image_tree(tmp_path / "data")
    first = datasets.load("imagefolder", "test", 32, tmp_path / "data", tmp_path / "cache")
    assert first.images.shape == (6, 32, 32, 3) and sorted(first.labels.tolist()) == [0, 0, 0, 1, 1, 1]
    assert datasets.load("imagefolder", "test", 32, tmp_path / "data", tmp_path / "cache").key == first.key
    assert datasets.load("imagefolder", "test", 32, tmp_path / "data", tmp_path / "cache", budget=4).key != first.key
    # The same folder name elsewhere, with other content: another key, another cache file.
    image_tree(tmp_path / "other" / "data", seed=10)
    other = datasets.load("imagefolder", "test", 32, tmp_path / "other" / "data", tmp_path / "cache")
    assert other.key != first.key and not np.array_equal(other.images, first.images)
    # A replaced image changes the key.
    shutil.copy(tmp_path / "other" / "data" / "val" / "a" / "0.png", tmp_path / "data" / "val" / "a" / "0.png")
    os.utime(tmp_path / "data" / "val" / "a" / "0.png", ns=(1, 1))
    assert datasets.load("imagefolder", "test", 32, tmp_path / "data", tmp_path / "cache").key != first.key


def test_imagenet_c_layout(tmp_path, images):
    from PIL import Image

    for c in ("n01", "n02"):
        folder = tmp_path / "imagenet-c" / "pixelate" / "3" / c
        folder.mkdir(parents=True)
        Image.fromarray(images(1)[0]).save(folder / "x.JPEG")
    got = datasets.imagenet_c(tmp_path / "imagenet-c", "pixelate", 3, 32, tmp_path / "cache")
    assert got.images.shape == (2, 32, 32, 3) and got.labels.tolist() == [0, 1]
    with pytest.raises(ValueError, match="corruption must be one of"):
        datasets.imagenet_c(tmp_path / "imagenet-c", "rain", 3, 32, tmp_path / "cache")


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_root has no folder"):
        datasets.image_folder(tmp_path / "missing", "train", 32, tmp_path)
    with pytest.raises(ValueError, match="image_size must be 32 for dataset 'mnist'"):
        datasets.load("mnist", "train", 64, None, tmp_path)


@pytest.mark.data
def test_mnist_honours_data_root_and_keys_its_subset(tmp_path):
    with pytest.raises(data.DataUnavailable, match=str(tmp_path)):
        datasets.mnist("test", data_root=tmp_path)  # an empty root is used, not silently replaced
    (tmp_path / "MNIST").symlink_to(data.verify("mnist").parent, target_is_directory=True)
    a = datasets.mnist("test", data_root=tmp_path, budget=32, seed=0)
    assert a.images.shape == (32, 32, 32, 3)
    assert datasets.mnist("test", budget=32, seed=0).key == a.key  # same bytes, wherever they live
    assert (
        len(
            {
                a.key,
                datasets.mnist("test", budget=48).key,
                datasets.mnist("test", budget=32, seed=1).key,
                datasets.mnist("train", budget=32).key,
            }
        )
        == 4
    )
