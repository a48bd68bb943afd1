"""Loading checkpoints: published ViT weights (pickle or safetensors), our own checkpoints, and
refusal of a pickle that carries code."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from je_vs_rc.imagenet_c import methods
from je_vs_rc.imagenet_c.convert import load_checkpoint, load_state
from je_vs_rc.imagenet_c.pretrain import PretrainConfig, pretrain


@pytest.mark.parametrize("method, fmt", [("mae", "pth"), ("dino", "pth"), ("mae", "safetensors")])
def test_published_vit_weights_load_and_compute_the_same_features(method, fmt, tmp_path):
    # Official DINO/MAE weights use timm's names: build such a ViT with timm, save it, load it into
    # our model and check that the probed CLS features are timm's, to rounding.
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    reference = timm.models.vision_transformer.VisionTransformer(
        img_size=32, patch_size=4, embed_dim=96, depth=4, num_heads=3, mlp_ratio=4.0, num_classes=0
    ).eval()
    path = tmp_path / f"official.{fmt}"
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(path))
    else:
        torch.save({"model": reference.state_dict()}, path)
    model = methods.build(method, "vit_tiny", 32, 1)
    load_checkpoint(model, method, path)
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        ours = model.eval().features(x)
        theirs = reference.forward_features(x)[:, 0]
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_checkpoint_evaluated_off_the_shelf(tmp_path, images):
    trained = pretrain(images(8), PretrainConfig("mae", "vit_tiny", 32, 1, 8), tmp_path / "run")
    model = methods.build("mae", "vit_tiny", 32, 1)
    load_checkpoint(model, "mae", tmp_path / "run" / "last.pt")
    for p, q in zip(trained.model.state_dict().values(), model.state_dict().values()):
        assert torch.equal(p, q)
    torch.save({"something": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="neither a checkpoint of this pipeline nor timm-style ViT weights"):
        load_checkpoint(model, "mae", tmp_path / "bad.pt")


class Payload:
    """Unpickling this runs code: it creates the file named by ``marker``."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_carrying_code_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"model": {"w": torch.zeros(1)}, "extra": Payload(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="refusing to load"):
        load_state(tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="refusing to load"):
        load_checkpoint(methods.build("mae", "vit_tiny", 32, 1), "mae", tmp_path / "evil.pt")
    assert not marker.exists()  # nothing ran
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "evil.pt").rename(tmp_path / "ckpt" / "last.pt")
    with pytest.raises(ValueError, match="refusing to load"):  # resuming refuses it too
        pretrain(np.zeros((8, 32, 32, 3), np.uint8), PretrainConfig("mae", "vit_tiny", 32, 1, 8), tmp_path / "ckpt")
    assert not marker.exists()
