"""Self-supervised methods as a registry: BYOL and DINO (joint embedding) and MAE (reconstruction),
built from lightly's heads, losses and augmentations (the library the paper used), on torchvision
backbones.

A method is one :class:`Method` entry in :data:`METHODS`; the training loop
(``je_vs_rc.imagenet_c.pretrain``) knows nothing else about it. The entry says how to build the model,
which backbones it accepts, and its optimiser and learning rate. The model is an :class:`SSLModel`,
whose hooks the loop calls at fixed points of every step:

- ``transform``: the method's augmentation (image -> list of views);
- ``forward(views, step)``: the loss on a batch of views (the loss is the forward pass, so
  DistributedDataParallel synchronises its gradients); ``step`` is a :class:`Step` (epoch, step
  index, totals), so schedules (DINO's teacher temperature, momentum) read what they need directly;
- ``before_optimizer_step(step)``: after the backward pass (DINO freezes its last layer early on);
- ``after_optimizer_step(step)``: after the update (momentum teachers of BYOL and DINO);
- ``features(images)``: the frozen representation that is linearly probed (the backbone's pooled
  output for ResNets, the CLS token for ViTs);
- ``probed_vit()``: the torchvision ViT inside the model whose output is probed, for loading published
  ViT weights (``je_vs_rc.imagenet_c.convert``); only ViT methods implement it.
- ``sample_extras(generator)``: per-image random inputs that are not views (MAE's masking noise),
  drawn with the image's own generator in the data pipeline, so that a batch is the same whichever
  process computes it.

The recipe (App. D.1.1, and where the paper is silent, each method's own paper, named at
:data:`RECIPES`): optimiser and learning rate at a total batch of 256, weight decay on weights only
(biases and normalisation parameters, and ViT's position embedding and class token, are excluded,
as in the BYOL, DINO and MAE code), linear warmup, gradient clipping where the method's paper clips.

Adding SimCLR or VICReg is one :func:`register` call with a new :class:`SSLModel` subclass: its entry
names its label, its paradigm in the theory's registry and, to run under ``backbones: "paper"``, its
paper backbone; nothing outside the entry changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION, LinearMethod
from .networks import BACKBONES, VITS, ViTCLS, backbone, dino_head_class, vit
from .statistics import BASELINES, PIXELS, RANDOM_INIT


@dataclass(frozen=True)
class Step:
    """Where training is: ``epoch`` of ``epochs``, global optimiser step ``index`` of ``total``."""

    epoch: int
    epochs: int
    index: int
    total: int

    @property
    def progress(self) -> float:
        """Fraction of training done before this step, in [0, 1)."""
        return self.index / self.total

    @property
    def progress_after(self) -> float:
        """Fraction of training done once this step's update is applied, in (0, 1]."""
        return (self.index + 1) / self.total


class SSLModel(nn.Module):
    """The interface every method's model implements (see the module docstring)."""

    transform: Callable[[Any], list[torch.Tensor]]

    def forward(self, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        raise NotImplementedError

    def features(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def before_optimizer_step(self, step: Step) -> None:
        """Called between ``backward()`` and ``optimizer.step()``."""

    def after_optimizer_step(self, step: Step) -> None:
        """Called after ``optimizer.step()`` (momentum updates)."""

    def probed_vit(self) -> Any:
        """The torchvision ViT whose output :meth:`features` probes (published ViT weights load into it)."""
        raise ValueError(f"published ViT weights apply to a method on a ViT backbone; {type(self).__name__} has none")

    def sample_extras(self, generator: torch.Generator) -> list[torch.Tensor]:
        """Per-image random inputs appended to the views (none by default)."""
        return []


def _lars(groups: list[dict[str, Any]], lr: float) -> torch.optim.Optimizer:
    from lightly.utils.lars import LARS

    # LARS leaves the groups with weight decay 0 out of its layer adaptation too (BYOL's exclusion)
    return LARS(groups, lr=lr)


def _adamw(groups: list[dict[str, Any]], lr: float) -> torch.optim.Optimizer:
    return torch.optim.AdamW(groups, lr=lr)


NO_DECAY = ("class_token", "pos_embedding", "mask_token")  # ViT parameters the MAE and DINO code exclude


@dataclass(frozen=True)
class Method:
    """One registry entry.

    ``name`` is its key (parameters, rows, cache keys); ``label`` how figures, tables and prose name
    it (through :func:`label`); ``paradigm`` the method of the theory's registry it instantiates
    (joint embedding or reconstruction: its colour, short name and side of every JE-RC comparison
    follow from it); ``build(backbone, image_size, epochs)`` returns the :class:`SSLModel`;
    ``lr_at_256`` is the learning rate at a total batch of 256 (scaled linearly with the batch);
    ``optimizer(groups, lr)`` builds the optimiser; ``weight_decay`` applies to weights only;
    ``warmup_epochs`` of ``recipe_epochs`` are a linear warmup (the run warms up for the same
    fraction of its training); ``clip_grad``: the gradient norm is clipped to it (None: no
    clipping); ``backbones`` lists the backbones the method accepts; ``paper_backbone`` is its
    backbone in the paper's pairing at CPU size (what ``backbones: "paper"`` runs it on; None: the
    paper did not run it); ``source`` names where each recipe value comes from.
    """

    name: str
    label: str
    paradigm: LinearMethod
    build: Callable[[str, int, int], SSLModel]
    lr_at_256: float
    optimizer: Callable[[list[dict[str, Any]], float], torch.optim.Optimizer]
    weight_decay: float = 0.0
    warmup_epochs: int = 0
    recipe_epochs: int = 500
    clip_grad: float | None = None
    backbones: tuple[str, ...] = BACKBONES
    paper_backbone: str | None = None
    source: str = ""

    def warmup_fraction(self) -> float:
        """The share of training spent warming up."""
        return self.warmup_epochs / self.recipe_epochs


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to :data:`METHODS` (its name must be new) and return it."""
    if method.name in METHODS or method.name in BASELINES:
        raise ValueError(f"a deep method named {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


def label(name: str, paradigm: bool = True) -> str:
    """How figures, tables and prose name a method: ``"BYOL (JE)"`` (``"BYOL"`` without its
    paradigm), ``"random init"`` and ``"raw pixels"`` for the baselines; a name the registry lacks (a
    saved run's) in capitals."""
    if name == RANDOM_INIT:
        return "random init"
    if name == PIXELS:
        return "raw pixels"
    if name not in METHODS:
        return name.upper()
    entry = METHODS[name]
    return f"{entry.label} ({entry.paradigm.short})" if paradigm else entry.label


def paper_backbone(name: str) -> str:
    """The backbone of ``name`` in the paper's pairing; one line naming the method if it has none."""
    backbone_name = get(name).paper_backbone
    if backbone_name is None:
        raise ValueError(
            f"backbones 'paper' needs a paper backbone for every method; {name!r} has none (set its registry "
            f"entry's paper_backbone, or name its backbone in backbones)"
        )
    return backbone_name


def get(name: str) -> Method:
    """The registry entry ``name``; ValueError naming the allowed methods otherwise."""
    if not isinstance(name, str) or name not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {name!r}")
    return METHODS[name]


def check_backbone(method: str, backbone_name: str) -> None:
    """ValueError unless ``method`` accepts ``backbone_name``."""
    allowed = get(method).backbones
    if backbone_name not in allowed:
        raise ValueError(f"backbone for {method} must be one of {list(allowed)}; got {backbone_name!r}")


def build(method: str, backbone_name: str, image_size: int, epochs: int) -> SSLModel:
    """The method's model with freshly initialised weights; ValueError for an unknown method or backbone."""
    check_backbone(method, backbone_name)
    return get(method).build(backbone_name, image_size, epochs)


def decays(name: str, param: nn.Parameter) -> bool:
    """Whether weight decay applies: to weight matrices and kernels, not to biases, normalisation
    parameters, position embeddings or class and mask tokens."""
    return param.ndim > 1 and not any(part in NO_DECAY for part in name.split("."))


def optimizer(method: str, model: nn.Module, batch_size: int, lr: float | None = None) -> torch.optim.Optimizer:
    """The method's optimiser over the trainable parameters, weight decay on weights only (:func:`decays`);
    ``lr=None`` takes the method's rate at batch 256 scaled linearly to ``batch_size`` (the total over
    processes)."""
    entry = get(method)
    rate = entry.lr_at_256 * batch_size / 256 if lr is None else lr
    if not rate > 0:
        raise ValueError(f"lr must be positive; got {rate!r}")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in named if decays(n, p)], "weight_decay": entry.weight_decay},
        {"params": [p for n, p in named if not decays(n, p)], "weight_decay": 0.0},
    ]
    return entry.optimizer([g for g in groups if g["params"]], rate)


def _cosine(progress: float, start: float, end: float) -> float:
    from lightly.utils.scheduler import cosine_schedule

    return float(cosine_schedule(int(progress * 1000), 1000, start, end))


class BYOL(SSLModel):
    """BYOL (Grill et al. 2020): online network predicts the momentum network's projection."""

    def __init__(self, backbone_name: str, image_size: int, epochs: int):
        super().__init__()
        from lightly.loss import NegativeCosineSimilarity
        from lightly.models.modules import BYOLPredictionHead, BYOLProjectionHead
        from lightly.models.utils import deactivate_requires_grad
        from lightly.transforms import BYOLTransform, BYOLView1Transform, BYOLView2Transform

        self.backbone, dim = backbone(backbone_name, image_size)
        hidden, proj_dim = BYOL_HEAD.get(backbone_name, BYOL_HEAD["small"])
        self.projection_head = BYOLProjectionHead(dim, hidden, proj_dim)
        self.prediction_head = BYOLPredictionHead(proj_dim, hidden, proj_dim)
        self.backbone_momentum = copy.deepcopy(self.backbone)
        self.projection_head_momentum = copy.deepcopy(self.projection_head)
        deactivate_requires_grad(self.backbone_momentum)
        deactivate_requires_grad(self.projection_head_momentum)
        self.criterion = NegativeCosineSimilarity()
        blur = 1.0 if image_size >= 64 else 0.0  # no blur on tiny images, as lightly's CIFAR recipes
        self.transform = BYOLTransform(
            BYOLView1Transform(input_size=image_size, gaussian_blur=blur),
            BYOLView2Transform(input_size=image_size, gaussian_blur=0.1 * blur),
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x).flatten(start_dim=1)

    def _online(self, x: torch.Tensor) -> torch.Tensor:
        return self.prediction_head(self.projection_head(self.features(x)))

    def _momentum(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection_head_momentum(self.backbone_momentum(x).flatten(start_dim=1)).detach()

    def forward(self, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        x0, x1 = views[:2]
        return 0.5 * (
            self.criterion(self._online(x0), self._momentum(x1)) + self.criterion(self._online(x1), self._momentum(x0))
        )

    def after_optimizer_step(self, step: Step) -> None:
        from lightly.models.utils import update_momentum

        m = _cosine(step.progress_after, 0.99, 1.0)  # the paper's schedule 0.99 -> 1
        update_momentum(self.backbone, self.backbone_momentum, m)
        update_momentum(self.projection_head, self.projection_head_momentum, m)


class DINO(SSLModel):
    """DINO (Caron et al. 2021): the student matches the centred, sharpened teacher on global views."""

    def __init__(self, backbone_name: str, image_size: int, epochs: int):
        super().__init__()
        from lightly.loss import DINOLoss
        from lightly.models.utils import deactivate_requires_grad
        from lightly.transforms import DINOTransform

        self.student_backbone, dim = backbone(backbone_name, image_size)
        head = dino_head_class()
        hidden, bottleneck, out_dim = DINO_HEAD.get(backbone_name, DINO_HEAD["small"])
        self.student_head = head(dim, hidden, bottleneck, out_dim, freeze_last_layer=1)
        self.teacher_backbone = copy.deepcopy(self.student_backbone)
        self.teacher_head = head(dim, hidden, bottleneck, out_dim)
        deactivate_requires_grad(self.teacher_backbone)
        deactivate_requires_grad(self.teacher_head)
        self.criterion = DINOLoss(output_dim=out_dim, warmup_teacher_temp_epochs=max(1, min(30, epochs // 3)))
        small = image_size < 64
        self.transform = DINOTransform(
            global_crop_size=image_size,
            local_crop_size=16 if small else 96,
            n_local_views=2 if small else 6,
            gaussian_blur=(0.0, 0.0, 0.0) if small else (1.0, 0.1, 0.5),
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.student_backbone(x).flatten(start_dim=1)

    def probed_vit(self) -> Any:
        if not isinstance(self.student_backbone, ViTCLS):
            return super().probed_vit()
        return self.student_backbone.vit.vit

    def forward(self, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        teacher = [self.teacher_head(self.teacher_backbone(v).flatten(start_dim=1)) for v in views[:2]]
        student = [self.student_head(self.features(v)) for v in views]
        return self.criterion(teacher, student, epoch=step.epoch)  # the teacher temperature warms up by epoch

    def before_optimizer_step(self, step: Step) -> None:
        self.student_head.cancel_last_layer_gradients(current_epoch=step.epoch)

    def after_optimizer_step(self, step: Step) -> None:
        from lightly.models.utils import update_momentum

        m = _cosine(step.progress_after, 0.996, 1.0)
        update_momentum(self.student_backbone, self.teacher_backbone, m)
        update_momentum(self.student_head, self.teacher_head, m)


class MAE(SSLModel):
    """MAE (He et al. 2022): reconstruct the pixels of masked patches from the visible ones."""

    def __init__(self, backbone_name: str, image_size: int, epochs: int, mask_ratio: float = 0.75):
        super().__init__()
        from lightly.models.modules import MaskedVisionTransformerDecoderTIMM, MaskedVisionTransformerTorchvision
        from lightly.transforms import MAETransform

        net = vit(backbone_name, image_size)
        self.mask_ratio = mask_ratio
        self.patch_size = net.patch_size
        self.sequence_length = net.seq_length
        self.backbone = MaskedVisionTransformerTorchvision(vit=net)
        depth, decoder_dim, heads = MAE_DECODER.get(backbone_name, MAE_DECODER["small"])
        self.decoder_embed = nn.Linear(net.hidden_dim, decoder_dim)
        self.decoder = MaskedVisionTransformerDecoderTIMM(
            num_patches=net.seq_length - 1, embed_dim=decoder_dim, depth=depth, num_heads=heads
        )
        self.prediction_head = nn.Linear(decoder_dim, self.patch_size**2 * 3)
        self.criterion = nn.MSELoss()
        self.transform = MAETransform(input_size=image_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.encode(images=x)[:, 0]  # the CLS token

    def probed_vit(self) -> Any:
        return self.backbone.vit

    def sample_extras(self, generator: torch.Generator) -> list[torch.Tensor]:
        """The image's masking noise: the patches with the smallest values are kept."""
        return [torch.rand(self.sequence_length, generator=generator)]

    def forward(self, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        from lightly.models import utils

        images, noise = views[0], views[-1].clone()
        batch = images.shape[0]
        # lightly's random_token_mask, from the image's own noise: the class token always kept
        noise[:, 0] = -1
        keep = max(1, int((self.sequence_length - 1) * (1 - self.mask_ratio))) + 1
        order = torch.argsort(noise, dim=1)
        idx_keep, idx_mask = order[:, :keep], order[:, keep:]
        encoded = self.decoder_embed(self.backbone.encode(images=images, idx_keep=idx_keep))
        tokens = utils.repeat_token(self.decoder.mask_token, (batch, self.sequence_length))
        tokens = utils.set_at_index(tokens, idx_keep, encoded.type_as(tokens))
        pred = self.prediction_head(utils.get_at_index(self.decoder(tokens), idx_mask))
        target = utils.get_at_index(utils.patchify(images, self.patch_size), idx_mask - 1)
        return self.criterion(pred, target)


# Head and decoder sizes per backbone. ViT-B/16: the method's paper (DINO: a 3-layer head of width
# 2048, bottleneck 256, 65,536 outputs, Caron et al. 2021 §3.1 and App.; MAE: an 8-block decoder of
# width 512 with 16 heads, He et al. 2022 §3 and Table 1a). The small CPU backbones keep small ones
# (a choice of this book, for a CPU: DINO 512/64/2048; MAE one block of width 128).
DINO_HEAD = {"vit_b16": (2048, 256, 65536), "resnet50": (2048, 256, 65536), "small": (512, 64, 2048)}
MAE_DECODER = {"vit_b16": (8, 512, 16), "small": (1, 128, 4)}
BYOL_HEAD = {"resnet50": (4096, 256), "small": (1024, 256)}  # hidden width, output; small: this book's CPU choice

# The paper's optimisers (App. D.1.1): LARS (lr 0.45 at batch 256, wd 1e-6) for BYOL; AdamW (lr
# 1.5e-4 at batch 256, wd 0.05) for DINO and MAE; BYOL's momentum 0.99 -> 1. Not in the paper, from
# each method's paper: the warmup epochs (BYOL 10, Grill et al. 2020 App. C; DINO 10, Caron et al.
# 2021 App.; MAE 40, He et al. 2022 App. A.1) within Table 1's 500 (a shorter run warms up for the
# same share of its training); DINO's gradient clipping at norm 3 (Caron et al. 2021 App.); BYOL and
# MAE do not clip; BYOL's projector of width 4096 (Grill et al. 2020 §3.3).
RECIPES = "App. D.1.1; warmup, clipping and head sizes from the BYOL, DINO and MAE papers"
# Their paper backbones are the paper's pairing (ResNet for BYOL, ViT for DINO and MAE) at CPU size.
register(
    Method(
        "byol",
        "BYOL",
        JOINT_EMBEDDING,
        BYOL,
        0.45,
        _lars,
        weight_decay=1e-6,
        warmup_epochs=10,
        paper_backbone="resnet18",
        source=RECIPES,
    )
)
register(
    Method(
        "dino",
        "DINO",
        JOINT_EMBEDDING,
        DINO,
        1.5e-4,
        _adamw,
        weight_decay=0.05,
        warmup_epochs=10,
        clip_grad=3.0,
        paper_backbone="vit_tiny",
        source=RECIPES,
    )
)
register(
    Method(
        "mae",
        "MAE",
        RECONSTRUCTION,
        MAE,
        1.5e-4,
        _adamw,
        weight_decay=0.05,
        warmup_epochs=40,
        backbones=VITS,
        paper_backbone="vit_tiny",
        source=RECIPES,
    )
)
