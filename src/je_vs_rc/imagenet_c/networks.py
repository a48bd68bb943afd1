"""The networks the methods are built from: the backbones they train and the probe reads
(torchvision ResNets and ViTs; a ViT returns its CLS token), DINO's projection head, and the frozen
random-init baseline every pretrained method must beat."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

BACKBONES = ("resnet18", "resnet50", "vit_tiny", "vit_b16")
VITS = ("vit_tiny", "vit_b16")


def backbone(name: str, image_size: int) -> tuple[nn.Module, int]:
    """A randomly initialised backbone and its feature dimension.

    ``resnet18``/``resnet50``: torchvision, classifier removed, standard stem at every image size (on
    32 px images the feature maps are then small, which keeps the CPU default fast).
    ``vit_b16``: torchvision ViT-B/16. ``vit_tiny``: a 4-layer, 96-wide ViT on an 8 x 8 grid of
    patches (4 px patches on 32 px images: the CPU default).
    """
    import torchvision

    if name in ("resnet18", "resnet50"):
        net = getattr(torchvision.models, name)(weights=None)
        dim = net.fc.in_features
        net.fc = nn.Identity()
        return net, dim
    if name in VITS:
        net = vit(name, image_size)
        return ViTCLS(net), net.hidden_dim
    raise ValueError(f"backbone must be one of {list(BACKBONES)}; got {name!r}")


def vit(name: str, image_size: int) -> Any:
    """A torchvision VisionTransformer: ``vit_tiny`` (8 x 8 patches, 4 layers, width 96) or ViT-B/16."""
    import torchvision

    if name == "vit_tiny" and image_size % 8:
        raise ValueError(f"vit_tiny needs an image_size divisible by 8 (an 8 x 8 grid of patches); got {image_size}")
    kw = (
        dict(patch_size=image_size // 8, num_layers=4, num_heads=3, hidden_dim=96, mlp_dim=384)
        if name == "vit_tiny"
        else dict(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072)
    )
    net = torchvision.models.VisionTransformer(image_size=image_size, **kw)
    net.heads = nn.Identity()  # no classifier: it would be an unused parameter under DDP
    return net


class ViTCLS(nn.Module):
    """A ViT returning its CLS token, for any image size that is a multiple of the patch size
    (lightly's wrapper interpolates the position embeddings, which DINO's local crops need)."""

    def __init__(self, vit: Any):
        super().__init__()
        from lightly.models.modules import MaskedVisionTransformerTorchvision

        self.vit = MaskedVisionTransformerTorchvision(vit=vit)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.vit.encode(images=x)[:, 0]


class RandomInit(nn.Module):
    """A frozen, randomly initialised backbone: the baseline every pretrained method must beat
    (the same probe on features that learned nothing)."""

    def __init__(self, backbone_name: str, image_size: int):
        super().__init__()
        self.backbone, _ = backbone(backbone_name, image_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x).flatten(start_dim=1)


def random_init(backbone_name: str, image_size: int, seed: int) -> RandomInit:
    """The backbone ``backbone_name`` with the initial weights of ``seed`` (no training)."""
    if backbone_name not in BACKBONES:
        raise ValueError(f"backbone must be one of {list(BACKBONES)}; got {backbone_name!r}")
    torch.manual_seed(seed)
    return RandomInit(backbone_name, image_size)


def dino_head_class() -> type:
    """lightly's DINO projection head on the maintained weight-norm parametrisation (built on first use:
    lightly is imported only then)."""
    from lightly.models.modules import DINOProjectionHead
    from lightly.models.modules.heads import ProjectionHead

    class DINOHead(DINOProjectionHead):
        """lightly's ``DINOProjectionHead`` (weight-normalised last layer with fixed norm), built with
        ``torch.nn.utils.parametrizations.weight_norm``: lightly 1.6 still calls the deprecated
        ``torch.nn.utils.weight_norm``, which computes the same function."""

        def __init__(
            self, input_dim: int, hidden_dim: int, bottleneck_dim: int, output_dim: int, freeze_last_layer: int = -1
        ):
            ProjectionHead.__init__(
                self,
                [
                    (input_dim, hidden_dim, None, nn.GELU()),
                    (hidden_dim, hidden_dim, None, nn.GELU()),
                    (hidden_dim, bottleneck_dim, None, None),
                ],
            )
            self.apply(self._init_weights)
            self.freeze_last_layer = freeze_last_layer
            self.last_layer = nn.utils.parametrizations.weight_norm(nn.Linear(bottleneck_dim, output_dim, bias=False))
            norm = self.last_layer.parametrizations.weight.original0
            norm.data.fill_(1)
            norm.requires_grad = False

    return DINOHead
