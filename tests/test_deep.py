"""The deep-learning pipeline on CPU: tiny pretraining and probing per method, deterministic
corruptions, exact resume after an interruption, two-process torch.distributed (gloo), the table
arithmetic and clear errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the deep stack is part of requirements.txt; CI always has it

from je_vs_rc.deep import corruptions, datasets, experiment, methods, probe, results  # noqa: E402
from je_vs_rc.deep.pretrain import PretrainConfig, pretrain  # noqa: E402

BACKBONE = {"byol": "resnet18", "dino": "vit_tiny", "mae": "vit_tiny"}


def images(n: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("method", sorted(methods.METHODS))
def test_tiny_pretrain_and_probe(method, tmp_path):
    x = images()
    trained = pretrain(x, PretrainConfig(method, BACKBONE[method], 32, 1, 16), tmp_path)
    assert trained.epochs_run == 1 and np.isfinite(trained.history).all()
    feats = probe.extract_features(trained.model, x, batch_size=16, cache=tmp_path / "f.npz")
    assert feats.shape[0] == len(x) and np.isfinite(feats).all()
    assert np.array_equal(probe.extract_features(trained.model, x[:1], cache=tmp_path / "f.npz"), feats)  # cached
    labels = np.arange(len(x)) % 4
    score = probe.linear_probe(feats, labels, feats, labels)
    assert 0 <= score["top1"] <= 100 and score["weight_decay"] in probe.WEIGHT_DECAYS


def test_probe_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    x = rng.normal(size=(300, 5)) + 4 * np.eye(3, 5)[y]
    assert probe.linear_probe(x[:200], y[:200], x[200:], y[200:])["top1"] > 95


def test_corruptions_are_deterministic_and_cached(tmp_path):
    x = images(6)
    a = corruptions.corrupt_all(x, "gaussian_noise", 3, seed=7, cache_dir=tmp_path, tag="t")
    b = corruptions.corrupt_all(x, "gaussian_noise", 3, seed=7)
    assert np.array_equal(a, b) and not np.array_equal(a, x)
    assert not np.array_equal(a[0], corruptions.corrupt(x[0], "gaussian_noise", 3, seed=8))
    assert len(list(tmp_path.glob("*.npy"))) == 1
    # A corrupted image does not depend on which other images were corrupted with it.
    assert np.array_equal(corruptions.corrupt_all(x[:3], "gaussian_noise", 3, seed=7), a[:3])
    for name in ("pixelate", "zoom_blur"):
        assert corruptions.corrupt(x[0], name, 5, 0).shape == (32, 32, 3)


@pytest.mark.parametrize("method", ["mae", "byol"])
def test_resume_after_interruption_is_exact(method, tmp_path):
    x = images(32)
    cfg = PretrainConfig(method, BACKBONE[method], 32, 3, 16, seed=3)
    straight = pretrain(x, cfg, tmp_path / "a")
    first = pretrain(x, cfg, tmp_path / "b", stop_after=1)
    assert first.epochs_run == 1
    resumed = pretrain(x, cfg, tmp_path / "b")  # picks up last.pt
    assert resumed.epochs_run == 2 and resumed.history == straight.history
    for (name, p), q in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(p, q), name


def _ddp_worker(rank: int, world: int, init: str, out: str, result: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    trained = pretrain(images(32), PretrainConfig("mae", "vit_tiny", 32, 1, 8), out)
    flat = torch.cat([p.detach().flatten() for p in trained.model.parameters()])
    torch.save(flat, f"{result}.{rank}")
    dist.destroy_process_group()


@pytest.mark.slow
def test_distributed_two_cpu_processes(tmp_path):
    import torch.multiprocessing as mp

    init = f"file://{tmp_path / 'rendezvous'}"
    mp.spawn(_ddp_worker, args=(2, init, str(tmp_path / "ckpt"), str(tmp_path / "params")), nprocs=2, join=True)
    p0, p1 = torch.load(f"{tmp_path / 'params'}.0"), torch.load(f"{tmp_path / 'params'}.1")
    assert torch.equal(p0, p1)  # gradients were all-reduced: both replicas stay identical
    assert (tmp_path / "ckpt" / "last.pt").is_file()


def test_relative_drop_table(tmp_path):
    rows = [{"method": "mae", "corruption": "pixelate", "severity": s, "top1": t} for s, t in ((1, 64.9), (3, 52.3), (5, 46.8))]
    (drop,) = results.relative_drops(rows)
    assert drop["from"] == 1 and drop["to"] == 5 and drop["drop"] == pytest.approx(27.9, abs=0.05)  # Table 1
    path = results.write(tmp_path / "r.json", rows, {"device": "cpu"})
    assert results.read(path)["drops"][0]["drop"] == pytest.approx(drop["drop"])
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # nothing half-written left behind


def test_image_folder_loader(tmp_path):
    from PIL import Image

    for split in ("train", "val"):
        for c in ("a", "b"):
            (tmp_path / "data" / split / c).mkdir(parents=True)
            for i in range(3):
                Image.fromarray(images(1, seed=i)[0].repeat(2, 0).repeat(3, 1)).save(tmp_path / "data" / split / c / f"{i}.png")
    x, y = datasets.load("imagefolder", "test", 32, tmp_path / "data", tmp_path / "cache")
    assert x.shape == (6, 32, 32, 3) and sorted(y.tolist()) == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("change, match", [
    ({"corruptions": ("rain",)}, r"corruption must be one of \[.*'gaussian_noise'.*\]; got 'rain'"),
    ({"severities": (6,)}, r"severity must be one of \[1, 2, 3, 4, 5\]; got 6"),
    ({"methods": ("simclr",)}, r"methods must be among \['byol', 'dino', 'mae'\]; got \['simclr'\]"),
    ({"dataset": "imagefolder", "data_root": "/no/such/folder"}, r"data_root must be an existing folder"),
])
def test_clear_errors(change, match):
    with pytest.raises(ValueError, match=match):
        experiment.ExperimentConfig(**change).validate()


def test_other_errors(tmp_path):
    with pytest.raises(ValueError, match="backbone for MAE must be a ViT"):
        methods.build("mae", "resnet18", 32, 1)
    with pytest.raises(ValueError, match="backbone must be one of"):
        PretrainConfig("byol", "resnet9", 32, 1, 8)
    with pytest.raises(FileNotFoundError, match="data_root has no folder"):
        datasets.image_folder(tmp_path / "missing", "train", 32, tmp_path)
    with pytest.raises(ValueError, match="image_size must be 32 for dataset 'mnist'"):
        datasets.load("mnist", "train", 64, None, tmp_path)


def test_checkpoint_of_another_configuration_is_refused(tmp_path):
    x = images(16)
    pretrain(x, PretrainConfig("mae", "vit_tiny", 32, 1, 8), tmp_path)
    with pytest.raises(ValueError, match="belongs to another configuration"):
        pretrain(x, PretrainConfig("mae", "vit_tiny", 32, 2, 8), tmp_path)


def test_theory_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, je_vs_rc, je_vs_rc.verify, je_vs_rc.mnist; print('torch' in sys.modules)"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout.strip() == "False"


@pytest.mark.parametrize("method", ["mae", "dino"])
def test_published_vit_weights_load_and_compute_the_same_features(method, tmp_path):
    # Official DINO/MAE weights use timm's names: build such a ViT with timm, save it, load it into
    # our model and check that the probed CLS features are timm's, to rounding.
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    reference = timm.models.vision_transformer.VisionTransformer(img_size=32, patch_size=4, embed_dim=96, depth=4,
                                                                 num_heads=3, mlp_ratio=4.0, num_classes=0).eval()
    torch.save({"model": reference.state_dict()}, tmp_path / "official.pth")
    model = methods.build(method, "vit_tiny", 32, 1)
    from je_vs_rc.deep.convert import load_checkpoint

    load_checkpoint(model, method, str(tmp_path / "official.pth"))
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        ours = model.eval().features(x)
        theirs = reference.forward_features(x)[:, 0]
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_checkpoint_evaluated_off_the_shelf(tmp_path):
    x = images(16)
    trained = pretrain(x, PretrainConfig("mae", "vit_tiny", 32, 1, 8), tmp_path / "run")
    model = methods.build("mae", "vit_tiny", 32, 1)
    from je_vs_rc.deep.convert import load_checkpoint

    load_checkpoint(model, "mae", str(tmp_path / "run" / "last.pt"))
    for p, q in zip(trained.model.state_dict().values(), model.state_dict().values()):
        assert torch.equal(p, q)
    torch.save({"something": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="neither a checkpoint of this pipeline nor timm-style ViT weights"):
        load_checkpoint(model, "mae", str(tmp_path / "bad.pt"))


def test_imagenet_c_folder_layout(tmp_path):
    from PIL import Image

    for c in ("n01", "n02"):
        folder = tmp_path / "imagenet-c" / "pixelate" / "3" / c
        folder.mkdir(parents=True)
        Image.fromarray(images(1)[0]).save(folder / "x.JPEG")
    x, y = datasets.imagenet_c_folder(tmp_path / "imagenet-c", "pixelate", 3, 32, tmp_path / "cache")
    assert x.shape == (2, 32, 32, 3) and y.tolist() == [0, 1]
    with pytest.raises(ValueError, match="corruption must be one of"):
        datasets.imagenet_c_folder(tmp_path / "imagenet-c", "rain", 3, 32, tmp_path / "cache")


@pytest.mark.data
def test_experiment_end_to_end_with_a_checkpoint(tmp_path):
    # Pretrain MAE once through the experiment, then evaluate its checkpoint off the shelf: same score.
    small = dict(methods=["mae"], corruptions=["pixelate"], severities=[1, 5], epochs=1, batch_size=32,
                 train_images=64, test_images=64)
    first = experiment.run(experiment.ExperimentConfig(**small, out_dir=str(tmp_path / "a")))
    assert [r["severity"] for r in first["rows"]] == [1, 5] and len(first["drops"]) == 1
    assert first["provenance"]["throughput"]["pretrain_images"] == 2 * 64
    ckpt = tmp_path / "a" / "checkpoints" / "mae_pixelate_s1" / "last.pt"
    again = experiment.run(experiment.ExperimentConfig(**{**small, "severities": [1]}, out_dir=str(tmp_path / "b"),
                                                       checkpoints={"mae": str(ckpt)}))
    assert again["rows"][0]["top1"] == pytest.approx(first["rows"][0]["top1"])
    assert again["provenance"]["throughput"]["pretrain_images"] == 0
