"""The method-agnostic training loop: a probe that can fail, exact resume, refused checkpoints,
atomic outputs, and torch.distributed averaging gradients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from je_vs_rc.imagenet_c import methods, phases, probe
from je_vs_rc.imagenet_c import pretrain as pretrain_module
from je_vs_rc.imagenet_c.pretrain import PretrainConfig, pretrain
from je_vs_rc.theory.methods import JOINT_EMBEDDING

BACKBONE = {"byol": "resnet18", "dino": "vit_tiny", "mae": "vit_tiny"}


def _to_views(image) -> list[torch.Tensor]:
    return [torch.as_tensor(np.array(image), dtype=torch.float32).permute(2, 0, 1) / 255]


class Linear(methods.SSLModel):
    """A deterministic throwaway method (no augmentation, one linear layer, SGD) whose one-step
    update is easy to compute by hand."""

    def __init__(self, backbone_name: str, image_size: int, epochs: int):
        super().__init__()
        self.linear = nn.Linear(3 * image_size * image_size, 3)
        self.transform = _to_views

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(start_dim=1))

    def forward(self, views: list[torch.Tensor], step: methods.Step) -> torch.Tensor:
        return ((self.features(views[0]) - 1) ** 2).mean()  # a mean over the batch


LINEAR = methods.Method(
    "linear", "Linear", JOINT_EMBEDDING, Linear, 0.1, lambda p, lr: torch.optim.SGD(p, lr=lr), backbones=("none",)
)


def brightness_classes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Images whose class is their brightness (dark or bright) under noise: any working backbone's
    features separate them."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    base = np.where(labels == 0, 60, 190)[:, None, None, None]
    return np.clip(base + rng.normal(0, 20, (n, 32, 32, 3)), 0, 255).astype(np.uint8), labels


@pytest.mark.parametrize("method", sorted(BACKBONE))
def test_tiny_pretrain_then_probe_separates_held_out_images(method, tmp_path):
    x, y = brightness_classes(32, seed=0)
    trained = pretrain(x, PretrainConfig(method, BACKBONE[method], 32, 1, 16), tmp_path)
    assert trained.epochs_run == 1 and np.isfinite(trained.history).all()
    with torch.no_grad():
        feats = phases.Features(trained.model.eval(), x, "cpu")(0, len(x))
    assert feats.shape[0] == len(x) and np.isfinite(feats).all()
    score = probe.linear_probe(feats[:16], y[:16], feats[16:], y[16:], weight_decays=(1e-3,), iters=50)
    assert score["top1"] >= 90  # chance is 50; fails for constant, shuffled or wrong features


@pytest.mark.parametrize("method", ["mae", "dino"])  # DINO's hooks depend on the epoch
def test_resume_after_interruption_is_exact(method, tmp_path, images):
    x = images(8)
    cfg = PretrainConfig(method, BACKBONE[method], 32, 2, 4, seed=3)
    straight = pretrain(x, cfg, tmp_path / "a")
    first = pretrain(x, cfg, tmp_path / "b", stop_after=1)
    assert first.epochs_run == 1
    resumed = pretrain(x, cfg, tmp_path / "b")  # picks up last.pt
    assert resumed.epochs_run == 1 and resumed.history == straight.history
    for (name, p), q in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(p, q), name


@pytest.fixture
def linear(monkeypatch):
    monkeypatch.setattr(methods, "METHODS", dict(methods.METHODS))  # a copy to register into
    methods.register(LINEAR)
    return PretrainConfig("linear", "none", 32, 1, 8)


@pytest.mark.parametrize("change, what", [("config", "config"), ("data", "data"), ("code", "code")])
def test_checkpoint_of_another_run_is_refused(change, what, linear, images, tmp_path, monkeypatch):
    pretrain(images(8), linear, tmp_path)
    x, cfg = images(8), linear
    if change == "config":
        cfg = PretrainConfig("linear", "none", 32, 2, 8)
    elif change == "data":
        x = images(8, seed=1)
    else:
        monkeypatch.setattr(pretrain_module, "code_version", lambda: "edited")
    with pytest.raises(ValueError, match=f"belongs to another run \\(different {what}"):
        pretrain(x, cfg, tmp_path)


def test_history_is_written_atomically(linear, images, tmp_path, monkeypatch):
    pretrain(images(8), linear, tmp_path)
    before = (tmp_path / "history.json").read_text()
    original = Path.write_text

    def dies_half_way(self, text, *args, **kwargs):
        original(self, text[:5], *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", dies_half_way)
    (tmp_path / "last.pt").unlink()
    with pytest.raises(OSError, match="disk full"):
        pretrain(images(8), linear, tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "history.json").read_text() == before and json.loads(before)["loss"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "last.pt"]


def _ddp_worker(rank: int, world: int, init: str, out: str, result: str) -> None:
    import torch.distributed as dist

    methods.register(LINEAR)  # a spawned process starts with the built-in registry
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    x = np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
    trained = pretrain(x, PretrainConfig("linear", "none", 32, 1, 32, lr=0.5), out)  # total batch 32, 16 each
    torch.save(trained.model.linear.weight.detach(), f"{result}.{rank}")
    dist.destroy_process_group()


@pytest.mark.slow
def test_distributed_training_averages_gradients(linear, tmp_path):
    # Two processes, 16 different images each, one SGD step. Averaged gradients give exactly the
    # step of one process on all 32 images; no all-reduce, a summed gradient, or the same images on
    # both ranks each give another result (identical replicas alone would not tell).
    import torch.multiprocessing as mp

    init = f"file://{tmp_path / 'rendezvous'}"
    mp.spawn(_ddp_worker, args=(2, init, str(tmp_path / "ddp"), str(tmp_path / "w")), nprocs=2, join=True)
    w0, w1 = torch.load(f"{tmp_path / 'w'}.0"), torch.load(f"{tmp_path / 'w'}.1")
    x = np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
    single = pretrain(x, PretrainConfig("linear", "none", 32, 1, 32, lr=0.5), tmp_path / "one").model.linear.weight
    half = pretrain(x[:16], PretrainConfig("linear", "none", 32, 1, 16, lr=0.5), tmp_path / "half").model.linear.weight
    assert torch.equal(w0, w1)
    torch.testing.assert_close(w0, single.detach(), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(half.detach(), single.detach(), rtol=1e-3, atol=1e-4)  # the check can fail
    assert (tmp_path / "ddp" / "last.pt").is_file()


def test_cpu_run_seeds_its_views_as_torch_manual_seed_does_without_queueing_accelerator_seeds(monkeypatch):
    """A CPU run seeds only torch's CPU generator per image (torch.manual_seed records a stack per call for
    every accelerator not started): the views are the same either way, and no accelerator seed is queued."""
    model = methods.build("dino", "vit_tiny", 32, 1)
    images = brightness_classes(4, seed=0)[0]
    every = pretrain_module.ViewDataset(images, model.transform, model.sample_extras, 3)
    cpu = pretrain_module.ViewDataset(images, model.transform, model.sample_extras, 3, cpu_only=True)
    for i in range(len(images)):
        assert all(torch.equal(a, b) for a, b in zip(every[i], cpu[i]))
    monkeypatch.setattr(torch, "manual_seed", lambda seed: pytest.fail("a CPU run called torch.manual_seed"))
    cpu[0]
