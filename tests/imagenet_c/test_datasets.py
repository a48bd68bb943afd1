"""Image sources: ImageFolder trees, the official ImageNet-C layout, MNIST from its data root; the
key of each follows its content."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from je_vs_rc import data
from je_vs_rc.imagenet_c import datasets, folders


def test_image_folder_set_and_its_key(tmp_path, image_tree):
    image_tree(tmp_path / "data")
    val = tmp_path / "data" / "val"
    first = datasets.folder_set(val, 32)
    assert len(first.files) == 6 and sorted(first.labels.tolist()) == [0, 0, 0, 1, 1, 1]
    assert first.classes == ("a", "b")
    assert datasets.folder_set(val, 32).key == first.key
    assert datasets.folder_set(val, 32, budget=4).key != first.key
    assert datasets.folder_set(val, 64).key != first.key
    # The same folder name elsewhere: another key.
    image_tree(tmp_path / "other" / "data", seed=10)
    assert datasets.folder_set(tmp_path / "other" / "data" / "val", 32).key != first.key
    # A replaced image changes the key.
    shutil.copy(tmp_path / "other" / "data" / "val" / "a" / "0.png", val / "a" / "0.png")
    os.utime(val / "a" / "0.png", ns=(1, 1))
    assert datasets.folder_set(val, 32).key != first.key


def test_labels_follow_the_training_classes_not_the_folder_order(tmp_path, images):
    from PIL import Image

    for c in ("n00", "n01", "n02"):  # ImageNet-C with a class the training set lacks, sorting first
        folder = tmp_path / "imagenet-c" / "pixelate" / "3" / c
        folder.mkdir(parents=True)
        Image.fromarray(images(1)[0]).save(folder / "x.JPEG")
    got = datasets.folder_set(tmp_path / "imagenet-c" / "pixelate" / "3", 32, classes=("n01", "n02"))
    assert got.labels.tolist() == [0, 1] and [Path(f).parent.name for f in got.files] == ["n01", "n02"]
    with pytest.raises(ValueError, match=r"lacks 1 of the 3 training classes \(n03\)"):
        datasets.folder_set(tmp_path / "imagenet-c" / "pixelate" / "3", 32, classes=("n01", "n02", "n03"))


def test_images_at_the_size_are_read_as_they_are_others_resized_and_cropped(tmp_path, images):
    from PIL import Image

    square = images(1)[0]
    Image.fromarray(square).save(tmp_path / "a.png")
    assert np.array_equal(folders.decode(tmp_path / "a.png", 32), square)  # no 1.14x zoom
    Image.fromarray(np.repeat(square, 2, 0)).save(tmp_path / "b.png")  # 64 x 32: resized, cropped
    assert folders.decode(tmp_path / "b.png", 32).shape == (32, 32, 3)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="data folder .*missing does not exist"):
        datasets.folder_set(tmp_path / "missing", 32)


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
