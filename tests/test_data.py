"""The data registry: real MNIST verified by hash, clear errors for missing or corrupt files."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from je_vs_rc import data


@pytest.mark.data
def test_mnist_is_the_canonical_dataset():
    raw = data.verify("mnist")
    for name, expected in data.REGISTRY["mnist"].raw_md5.items():
        assert data.md5(raw / name) == expected
    images, labels = data.load("mnist", "train")
    assert images.shape == (60000, 784) and images.dtype == np.uint8 and images.max() == 255
    assert labels.shape == (60000,) and set(np.unique(labels)) == set(range(10))
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]  # the famous first digits
    test_images, _ = data.load("mnist", "test")
    assert test_images.shape == (10000, 784)


def test_missing_data_says_how_to_fetch(tmp_path):
    with pytest.raises(data.DataUnavailable, match=r"missing .*train-images-idx3-ubyte.*make data"):
        data.load("mnist", root=tmp_path)


@pytest.mark.data
def test_corrupt_file_is_rejected(tmp_path):
    raw = data.verify("mnist")
    shutil.copytree(raw, tmp_path / "MNIST" / "raw")
    target = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    blob = bytearray(target.read_bytes())
    blob[-1] ^= 1
    target.write_bytes(bytes(blob))
    with pytest.raises(data.DataUnavailable, match=r"t10k-labels-idx1-ubyte has MD5 .* expected 27ae3e4e"):
        data.load("mnist", "test", root=tmp_path)


def test_unknown_dataset_and_split():
    with pytest.raises(ValueError, match=r"dataset must be one of \['fashion-mnist', 'kmnist', 'mnist'\]; got 'cifar'"):
        data.load("cifar")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load("mnist", "valid")


def test_idx_roundtrip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "x").write_bytes(data._idx_bytes(arr))
    np.testing.assert_array_equal(data._read_idx(tmp_path / "x"), arr)
