"""BYOL and DINO (joint embedding) and MAE (reconstruction), built from lightly's heads, losses and
augmentations (the library the paper used), on torchvision backbones.

Each method is an ``nn.Module`` with the same small interface, so the training loop does not care
which paradigm it trains:

- ``transform``: the method's standard augmentation (lightly's defaults, resized to the images);
- ``forward(views, progress)``: the method's loss on a batch of views, ``progress`` in [0, 1] (the
  loss is the forward pass, so DistributedDataParallel synchronises its gradients);
- ``after_step(progress)``: momentum updates of the teacher (BYOL, DINO; nothing for MAE);
- ``features(images)``: the frozen representation that is linearly probed (the backbone's pooled
  output for ResNets, the CLS token for ViTs).
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

METHODS = {"byol": "JE", "dino": "JE", "mae": "RC"}
BACKBONES = ("resnet18", "resnet50", "vit_tiny", "vit_b16")


def backbone(name: str, image_size: int) -> tuple[nn.Module, int]:
    """A randomly initialised backbone and its feature dimension.

    ``resnet18``/``resnet50``: torchvision, classifier removed, standard stem at every image size (on
    32 px images the feature maps are then small, which keeps the CPU default fast).
    ``vit_b16``: torchvision ViT-B/16. ``vit_tiny``: a 4-layer, 96-wide ViT with 4 px
    patches for 32 px images (the CPU default).
    """
    import torchvision

    if name in ("resnet18", "resnet50"):
        net = getattr(torchvision.models, name)(weights=None)
        dim = net.fc.in_features
        net.fc = nn.Identity()
        return net, dim
    if name in ("vit_tiny", "vit_b16"):
        net = vit(name, image_size)
        return ViTCLS(net), net.hidden_dim
    raise ValueError(f"backbone must be one of {list(BACKBONES)}; got {name!r}")


def vit(name: str, image_size: int) -> Any:
    """A torchvision VisionTransformer: ``vit_tiny`` (4 px patches, 4 layers, width 96) or ViT-B/16."""
    import torchvision

    kw = dict(patch_size=4, num_layers=4, num_heads=3, hidden_dim=96, mlp_dim=384) if name == "vit_tiny" else \
        dict(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072)
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


def _cosine(progress: float, start: float, end: float) -> float:
    from lightly.utils.scheduler import cosine_schedule

    return float(cosine_schedule(int(progress * 1000), 1000, start, end))


class BYOL(nn.Module):
    """BYOL (Grill et al. 2020): online network predicts the momentum network's projection."""

    def __init__(self, backbone_name: str, image_size: int, proj_dim: int = 256, hidden: int = 1024):
        super().__init__()
        from lightly.loss import NegativeCosineSimilarity
        from lightly.models.modules import BYOLPredictionHead, BYOLProjectionHead
        from lightly.models.utils import deactivate_requires_grad
        from lightly.transforms import BYOLTransform, BYOLView1Transform, BYOLView2Transform

        self.backbone, dim = backbone(backbone_name, image_size)
        self.projection_head = BYOLProjectionHead(dim, hidden, proj_dim)
        self.prediction_head = BYOLPredictionHead(proj_dim, hidden, proj_dim)
        self.backbone_momentum = copy.deepcopy(self.backbone)
        self.projection_head_momentum = copy.deepcopy(self.projection_head)
        deactivate_requires_grad(self.backbone_momentum)
        deactivate_requires_grad(self.projection_head_momentum)
        self.criterion = NegativeCosineSimilarity()
        blur = 1.0 if image_size >= 64 else 0.0  # no blur on tiny images, as lightly's CIFAR recipes
        self.transform = BYOLTransform(BYOLView1Transform(input_size=image_size, gaussian_blur=blur),
                                       BYOLView2Transform(input_size=image_size, gaussian_blur=0.1 * blur))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x).flatten(start_dim=1)

    def _online(self, x: torch.Tensor) -> torch.Tensor:
        return self.prediction_head(self.projection_head(self.features(x)))

    def _momentum(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection_head_momentum(self.backbone_momentum(x).flatten(start_dim=1)).detach()

    def forward(self, views: list[torch.Tensor], progress: float) -> torch.Tensor:
        x0, x1 = views[:2]
        return 0.5 * (self.criterion(self._online(x0), self._momentum(x1)) +
                      self.criterion(self._online(x1), self._momentum(x0)))

    def after_step(self, progress: float) -> None:
        from lightly.models.utils import update_momentum

        m = _cosine(progress, 0.99, 1.0)  # the paper's schedule 0.99 -> 1
        update_momentum(self.backbone, self.backbone_momentum, m)
        update_momentum(self.projection_head, self.projection_head_momentum, m)


class DINO(nn.Module):
    """DINO (Caron et al. 2021): the student matches the centred, sharpened teacher on global views."""

    def __init__(self, backbone_name: str, image_size: int, out_dim: int = 2048, epochs: int = 100):
        super().__init__()
        from lightly.loss import DINOLoss
        from lightly.models.modules import DINOProjectionHead
        from lightly.models.utils import deactivate_requires_grad
        from lightly.transforms import DINOTransform

        self.student_backbone, dim = backbone(backbone_name, image_size)
        self.student_head = DINOProjectionHead(dim, 512, 64, out_dim, freeze_last_layer=1)
        self.teacher_backbone = copy.deepcopy(self.student_backbone)
        self.teacher_head = DINOProjectionHead(dim, 512, 64, out_dim)
        deactivate_requires_grad(self.teacher_backbone)
        deactivate_requires_grad(self.teacher_head)
        self.epochs = epochs
        self.criterion = DINOLoss(output_dim=out_dim, warmup_teacher_temp_epochs=max(1, min(30, epochs // 3)))
        small = image_size < 64
        self.transform = DINOTransform(global_crop_size=image_size, local_crop_size=16 if small else 96,
                                       n_local_views=2 if small else 6, gaussian_blur=(0.0, 0.0, 0.0) if small else (1.0, 0.1, 0.5))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.student_backbone(x).flatten(start_dim=1)

    def forward(self, views: list[torch.Tensor], progress: float) -> torch.Tensor:
        teacher = [self.teacher_head(self.teacher_backbone(v).flatten(start_dim=1)) for v in views[:2]]
        student = [self.student_head(self.features(v)) for v in views]
        epoch = int(progress * self.epochs)
        return self.criterion(teacher, student, epoch=epoch)

    def after_step(self, progress: float) -> None:
        from lightly.models.utils import update_momentum

        m = _cosine(progress, 0.996, 1.0)
        update_momentum(self.student_backbone, self.teacher_backbone, m)
        update_momentum(self.student_head, self.teacher_head, m)


class MAE(nn.Module):
    """MAE (He et al. 2022): reconstruct the pixels of masked patches from the visible ones."""

    def __init__(self, backbone_name: str, image_size: int, mask_ratio: float = 0.75, decoder_dim: int = 128):
        super().__init__()
        from lightly.models.modules import MAEDecoderTIMM, MaskedVisionTransformerTorchvision
        from lightly.transforms import MAETransform

        if not backbone_name.startswith("vit"):
            raise ValueError(f"backbone for MAE must be a ViT ('vit_tiny' or 'vit_b16'); got {backbone_name!r}")
        net = vit(backbone_name, image_size)
        self.mask_ratio = mask_ratio
        self.patch_size = net.patch_size
        self.sequence_length = net.seq_length
        self.backbone = MaskedVisionTransformerTorchvision(vit=net)
        self.decoder = MAEDecoderTIMM(num_patches=net.seq_length - 1, patch_size=self.patch_size, embed_dim=net.hidden_dim,
                                      decoder_embed_dim=decoder_dim, decoder_depth=1, decoder_num_heads=4)
        self.criterion = nn.MSELoss()
        self.transform = MAETransform(input_size=image_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.encode(images=x)[:, 0]  # the CLS token

    def forward(self, views: list[torch.Tensor], progress: float) -> torch.Tensor:
        from lightly.models import utils

        images = views[0]
        batch = images.shape[0]
        idx_keep, idx_mask = utils.random_token_mask(size=(batch, self.sequence_length), mask_ratio=self.mask_ratio,
                                                     device=images.device)
        encoded = self.backbone.encode(images=images, idx_keep=idx_keep)
        decoded = self.decoder.embed(encoded)
        tokens = utils.repeat_token(self.decoder.mask_token, (batch, self.sequence_length))
        tokens = utils.set_at_index(tokens, idx_keep, decoded.type_as(tokens))
        pred = self.decoder.predict(utils.get_at_index(self.decoder.decode(tokens), idx_mask))
        target = utils.get_at_index(utils.patchify(images, self.patch_size), idx_mask - 1)
        return self.criterion(pred, target)

    def after_step(self, progress: float) -> None:
        return None


def build(method: str, backbone_name: str, image_size: int, epochs: int) -> nn.Module:
    """The method's model; ValueError for an unknown method or backbone."""
    import warnings

    classes = {"byol": BYOL, "dino": DINO, "mae": MAE}
    if method not in classes:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    with warnings.catch_warnings():
        # Deprecations inside the pinned lightly 1.6.0 (DINO's head uses torch's old weight_norm; MAE's
        # decoder class is renamed in 1.7). Both work as pinned; there is nothing to change on our side.
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*(weight_norm|MAEDecoderTIMM).*")
        return classes[method](backbone_name, image_size, **({"epochs": epochs} if method == "dino" else {}))


def optimizer(method: str, model: nn.Module, batch_size: int, lr: float | None = None) -> Any:
    """The paper's optimisers (App. D.1.1): LARS (lr 0.45 at batch 256, wd 1e-6) for BYOL; AdamW
    (lr 1.5e-4 at batch 256, wd 0.05) for DINO and MAE. Learning rates scale linearly with the batch."""
    params = [p for p in model.parameters() if p.requires_grad]
    if method == "byol":
        from lightly.utils.lars import LARS

        return LARS(params, lr=lr or 0.45 * batch_size / 256, weight_decay=1e-6)
    return torch.optim.AdamW(params, lr=lr or 1.5e-4 * batch_size / 256, weight_decay=0.05)
