"""The method registry: adding a method is one entry; each method's hooks; no hidden deprecations."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from je_vs_rc.imagenet_c import config, methods, networks
from je_vs_rc.imagenet_c.pretrain import PretrainConfig, pretrain
from je_vs_rc.theory.methods import JOINT_EMBEDDING

DEEP = Path(methods.__file__).parent


class SimCLR(methods.SSLModel):
    """SimCLR (Chen et al. 2020), written the way a contributor would add it: one class, one entry."""

    def __init__(self, backbone_name: str, image_size: int, epochs: int):
        super().__init__()
        from lightly.loss import NTXentLoss
        from lightly.models.modules import SimCLRProjectionHead
        from lightly.transforms import SimCLRTransform

        self.backbone, dim = methods.backbone(backbone_name, image_size)
        self.head = SimCLRProjectionHead(dim, 64, 32)
        self.criterion = NTXentLoss()
        self.transform = SimCLRTransform(input_size=image_size, gaussian_blur=0.0)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x).flatten(start_dim=1)

    def forward(self, views: list[torch.Tensor], step: methods.Step) -> torch.Tensor:
        return self.criterion(self.head(self.features(views[0])), self.head(self.features(views[1])))


def simclr(**entry) -> methods.Method:
    """SimCLR's registry entry: its label, its paradigm in the theory's registry, its hooks."""
    sgd = lambda p, lr: torch.optim.SGD(p, lr=lr)  # noqa: E731
    return methods.Method("simclr", "SimCLR", JOINT_EMBEDDING, SimCLR, 0.3, sgd, **entry)


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry for the test to register into (the real one is left as it was)."""
    monkeypatch.setattr(methods, "METHODS", dict(methods.METHODS))
    return methods


def test_adding_a_method_is_one_entry(registry, images, tmp_path):
    registry.register(simclr())
    trained = pretrain(images(8), PretrainConfig("simclr", "vit_tiny", 32, 1, 8), tmp_path)
    assert trained.epochs_run == 1 and np.isfinite(trained.history).all() and trained.history[0] > 0
    with pytest.raises(ValueError, match="backbone for simclr must be one of"):  # the pipeline checks it too
        config.ExperimentConfig(methods=["simclr"], backbones={"simclr": "resnet9"}).validate()
    assert methods.label("simclr") == "SimCLR (JE)" and methods.label("simclr", paradigm=False) == "SimCLR"


def test_a_new_method_under_the_papers_pairing_without_one_is_one_line_naming_it(registry):
    registry.register(simclr())
    with pytest.raises(ValueError) as err:
        config.ExperimentConfig(methods=["byol", "simclr"], backbones="paper").validate()
    assert "\n" not in str(err.value) and "'simclr' has none" in str(err.value) and "paper_backbone" in str(err.value)


def test_a_new_method_with_its_paper_backbone_runs_through_the_pipeline(registry, tmp_path, image_tree):
    from je_vs_rc.imagenet_c import pipeline
    from je_vs_rc.render.imagenet_c_tables import run_table_markdown

    registry.register(simclr(paper_backbone="vit_tiny"))
    image_tree(tmp_path / "folders", n=4)
    small = dict(corruptions=["pixelate"], severities=[1, 5], epochs=1, batch_size=8, probe_iters=5)
    cfg = config.ExperimentConfig(
        **small, methods=["simclr"], backbones="paper", dataset="imagefolder", data_root=str(tmp_path / "folders")
    )
    run = pipeline.run(dataclasses.replace(cfg, out_dir=str(tmp_path / "out"), probe_weight_decays=[1e-3]))
    assert {(r["method"], r["paradigm"], r["backbone"]) for r in run["rows"] if r["method"] == "simclr"} == {
        ("simclr", "JE", "vit_tiny")
    }
    assert "SimCLR (JE)" in run_table_markdown(run, "A new method")


def test_register_refuses_a_name_it_holds(registry):
    with pytest.raises(ValueError, match="a deep method named 'byol' is already registered"):
        registry.register(methods.get("byol"))
    with pytest.raises(ValueError, match="'random_init' is already registered"):  # the baseline's rows
        registry.register(dataclasses.replace(simclr(), name="random_init"))


def test_training_code_names_no_method():
    # The loop and the pipeline look methods up in the registry; no branch on a method's name (the
    # config names methods only as default values).
    names = "|".join(methods.METHODS)
    for module in ("pretrain.py", "pipeline.py", "probe.py"):
        source = (DEEP / module).read_text()
        assert not re.search(rf"""["']({names})["']""", source), module


def test_dino_hooks_freeze_the_last_layer_in_the_first_epoch():
    torch.manual_seed(0)
    model = methods.build("dino", "vit_tiny", 32, 2)
    views = [torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32)]
    for epoch, frozen in ((0, True), (1, False)):
        model.zero_grad()
        step = methods.Step(epoch=epoch, epochs=2, index=epoch, total=2)
        model(views, step).backward()
        model.before_optimizer_step(step)
        grads = [p.grad for p in model.student_head.last_layer.parameters() if p.requires_grad]
        assert grads and all((g is None) == frozen for g in grads)


def test_momentum_hook_moves_the_teacher_towards_the_student():
    torch.manual_seed(0)
    model = methods.build("byol", "resnet18", 32, 1)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(1.0)
    before = [p.clone() for p in model.backbone_momentum.parameters()]
    model.after_optimizer_step(methods.Step(epoch=0, epochs=1, index=0, total=100))
    after = list(model.backbone_momentum.parameters())
    assert all(not torch.equal(a, b) for a, b in zip(before, after))


def test_dino_head_computes_lightlys_head():
    from lightly.models.modules import DINOProjectionHead

    torch.manual_seed(0)
    with pytest.warns(FutureWarning, match="weight_norm"):  # why we build our own
        theirs = DINOProjectionHead(16, 32, 8, 64)
    torch.manual_seed(0)
    ours = networks.dino_head_class()(16, 32, 8, 64)
    x = torch.randn(5, 16)
    torch.testing.assert_close(ours(x), theirs(x))
    assert [p.requires_grad for p in ours.last_layer.parameters()] == [False, True]  # fixed norm, as lightly's


def test_building_every_method_raises_no_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, backbone in (("byol", "resnet18"), ("dino", "vit_tiny"), ("mae", "vit_tiny")):
            methods.build(name, backbone, 32, 1)
    for path in DEEP.glob("*.py"):
        assert "MAEDecoderTIMM" not in path.read_text().replace("MaskedVisionTransformerDecoderTIMM", "")
        assert not re.search(r"filterwarnings\([^)]*(FutureWarning|DeprecationWarning)", path.read_text()), path


def test_learning_rates(images):
    model = nn.Linear(2, 2)
    assert methods.optimizer("mae", model, 512).param_groups[0]["lr"] == pytest.approx(3e-4)  # scaled default
    assert methods.optimizer("mae", model, 512, lr=0.01).param_groups[0]["lr"] == 0.01  # honoured
    with pytest.raises(ValueError, match="lr must be positive; got 0.0"):
        methods.optimizer("mae", model, 512, lr=0.0)
    with pytest.raises(ValueError, match=r"lr must be a positive number or None .*got 0.0"):
        PretrainConfig("mae", "vit_tiny", 32, 1, 8, lr=0.0)


def test_errors():
    with pytest.raises(ValueError, match=r"backbone for mae must be one of \['vit_tiny', 'vit_b16'\]; got 'resnet18'"):
        methods.build("mae", "resnet18", 32, 1)
    with pytest.raises(ValueError, match="method must be one of"):
        methods.build("simclr", "resnet18", 32, 1)
    with pytest.raises(ValueError, match="backbone for byol must be one of"):
        PretrainConfig("byol", "resnet9", 32, 1, 8)
