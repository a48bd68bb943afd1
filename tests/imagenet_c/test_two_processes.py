"""The paper-scale path without a GPU: the pipeline under ``torchrun`` with two processes (gloo on CPU)
on a generated ImageNet and ImageNet-C (WordNet-id class folders, 224 px ImageNet-C JPEGs), through
every phase, against one process on the same files.

What it proves: both processes finish (no process waits on another that works alone); every cache
is built once, by both processes together; ImageNet-C's labels follow the training classes' WordNet
ids even though its folders sort differently and hold a class the training set lacks; and every
number (images, corruptions, features, pretrained weights, probe scores) equals a one-process run's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Three pipeline runs (two under torchrun, one alone): about 27 s of CPU, so marked slow (it starts first).
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Training classes (an ImageNet-100-like subset) and ImageNet-C's classes: one more, sorting first,
# so that labels taken from ImageNet-C's own folder order would all be off by one.
TRAIN_CLASSES = ("n01440764", "n01443537", "n01484850")
IMAGENET_C_CLASSES = ("n00000001",) + TRAIN_CLASSES
PARAMS = {
    "dataset": "imagefolder",
    "image_size": 224,
    "methods": ["mae", "dino"],
    "backbones": "vit_tiny",
    "corruptions": ["gaussian_noise"],
    "severities": [1, 5],
    "epochs": 2,
    "batch_size": 8,
    "lr": {"mae": 1.0e-3, "dino": 1.0e-3},
    "train_images": None,
    "test_images": None,
    "probe_weight_decays": [1.0e-3],
    "probe_iters": 10,
    "seeds": [0],
    "random_init": True,
    "pixels": True,
    "num_threads": 1,
}


def _photo(rng: np.random.Generator, height: int, width: int, label: int) -> np.ndarray:
    """A smooth image whose colour depends on the class (so the probe has something to find)."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    base = np.stack([np.sin(5 * x + label + c) * np.cos(3 * y - c) for c in range(3)], -1)
    return np.clip(127 + 90 * base + rng.normal(0, 20, (height, width, 3)), 0, 255).astype(np.uint8)


def make_imagenet(root: Path, per_class: int = 6, val_per_class: int = 3) -> None:
    """``root/{train,val}/<wnid>/*.JPEG`` at ImageNet-like sizes (not square, not 224: they are resized). 18
    training images: two global batches of 8 per epoch and an incomplete one, which every process drops."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", per_class), ("val", val_per_class)):
        for label, wnid in enumerate(TRAIN_CLASSES):
            (root / split / wnid).mkdir(parents=True)
            for i in range(n):
                Image.fromarray(_photo(rng, 260, 300, label)).save(root / split / wnid / f"{wnid}_{i}.JPEG")


def make_imagenet_c(root: Path, corruption: str, severities: list[int], per_class: int = 3) -> None:
    """``root/<corruption>/<severity>/<wnid>/*.JPEG``, 224 x 224 as released (a class more than training)."""
    from PIL import Image

    rng = np.random.default_rng(1)
    for severity in severities:
        for wnid in IMAGENET_C_CLASSES:
            label = TRAIN_CLASSES.index(wnid) if wnid in TRAIN_CLASSES else 7
            folder = root / corruption / str(severity) / wnid
            folder.mkdir(parents=True)
            for i in range(per_class):
                Image.fromarray(_photo(rng, 224, 224, label)).save(folder / f"ILSVRC2012_val_{i:08d}.JPEG")


def _run(tmp: Path, params: Path, out: Path, processes: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    launcher = (
        [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
        if processes > 1
        else [sys.executable]
    )
    cmd = launcher + ["-m", "je_vs_rc.imagenet_c.pipeline", str(params), "--out", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two_processes")
    make_imagenet(tmp / "imagenet")
    make_imagenet_c(tmp / "imagenet-c", "gaussian_noise", PARAMS["severities"])
    import yaml

    params = tmp / "p.yml"
    params.write_text(
        yaml.safe_dump({**PARAMS, "data_root": str(tmp / "imagenet"), "imagenet_c_root": str(tmp / "imagenet-c")})
    )
    procs = {n: _run(tmp, params, tmp / f"out{n}", n) for n in (2, 1)}
    for n, proc in procs.items():
        assert proc.returncode == 0, f"{n} process(es) failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return {n: tmp / f"out{n}" for n in procs}


def test_both_processes_finish_every_phase(runs):
    result = json.loads((runs[2] / "results.json").read_text())
    assert result["provenance"]["complete"] and result["provenance"]["world_size"] == 2
    methods = {r["method"] for r in result["rows"]}
    assert methods == {"pixels", "random_init", "mae", "dino"}
    assert len(result["rows"]) == 4 * len(PARAMS["severities"])


def test_every_cache_is_built_once_by_both_processes(runs):
    logs = {kind: (runs[2] / "cache" / kind / "builds.log").read_text().splitlines() for kind in ("images", "features")}
    for lines in logs.values():
        names = [line.split()[0] for line in lines]
        assert len(names) == len(set(names)), f"a cache was built twice: {names}"
        assert {line.split()[1] for line in lines} == {"2"}  # by both processes together
    images = sorted(line.split()[0].rsplit("_", 1)[0] for line in logs["images"])
    # the training set, its two corrupted versions, the two ImageNet-C severities; no clean test set
    assert images == [
        "gaussian_noise_s1",
        "gaussian_noise_s5",
        "imagenet_c_gaussian_noise_s1",
        "imagenet_c_gaussian_noise_s5",
        "imagenet_train",
    ]
    # per severity: pixels, random init, mae, dino on its corrupted training set and its ImageNet-C set
    assert len(logs["features"]) == 2 * 4 * 2


def test_imagenet_c_labels_follow_the_training_classes_wordnet_ids(runs):
    from je_vs_rc.imagenet_c import folders

    train = folders.listing(Path(runs[2]).parent / "imagenet" / "train")
    test = folders.listing(Path(runs[2]).parent / "imagenet-c" / "gaussian_noise" / "5", train.classes)
    assert train.classes == TRAIN_CLASSES
    assert len(test.files) == 3 * len(TRAIN_CLASSES)  # the extra class is left out
    assert [TRAIN_CLASSES[y] for y in test.labels] == [f.parent.name for f in test.files]
    with pytest.raises(ValueError, match=r"lacks 1 of the 4 training classes \(n00000001\)"):
        folders.listing(Path(runs[2]).parent / "imagenet" / "val", IMAGENET_C_CLASSES)


def test_imagenet_c_images_are_read_as_released(runs):
    from PIL import Image

    (cached,) = (runs[2] / "cache" / "images").glob("imagenet_c_gaussian_noise_s5_*.npy")
    first = sorted((Path(runs[2]).parent / "imagenet-c" / "gaussian_noise" / "5" / TRAIN_CLASSES[0]).iterdir())[0]
    assert np.array_equal(np.load(cached, mmap_mode="r")[0], np.asarray(Image.open(first).convert("RGB")))


def test_two_processes_give_the_numbers_of_one(runs):
    one, two = (json.loads((runs[n] / "results.json").read_text())["rows"] for n in (1, 2))
    assert [r["method"] for r in one] == [r["method"] for r in two]
    for a, b in zip(one, two):
        assert a["top1"] == b["top1"] and a["top1_clean"] == b["top1_clean"] or np.isnan(a["top1_clean"]), (a, b)
    for path in sorted((runs[1] / "cache" / "images").glob("*.npy")):
        assert np.array_equal(np.load(path), np.load(runs[2] / "cache" / "images" / path.name)), path.name
    for path in sorted((runs[1] / "cache" / "features").glob("*.npy")):
        np.testing.assert_allclose(np.load(path), np.load(runs[2] / "cache" / "features" / path.name), atol=1e-4)
