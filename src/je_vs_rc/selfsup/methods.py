"""One small CNN encoder and the self-supervised methods trained on it, as a registry with hooks.

Every method uses the same encoder (:class:`Encoder`, output dimension ``k``: the probed features)
and differs only in what it builds on top and in its loss. The design is the deep registry's
(``je_vs_rc.imagenet_c.methods``): a method is one :class:`Method` entry in :data:`METHODS`, linked to
its paradigm in the theory's registry (``je_vs_rc.theory.methods``: "je" or "rc"), and its model is a
:class:`SelfSupModel` whose hooks the training loop (``je_vs_rc.selfsup.grid``) calls; the loop never
asks which method it runs.

- ``n_views``: views of each sample per step (joint embedding 2, reconstruction 1);
- ``loss(x, views, step)``: the batch loss from the samples ``x`` (B x 784, the reconstruction target:
  the data as stored, nuisance included) and their views (each B x 1 x 28 x 28); ``step`` a :class:`Step`;
- ``after_optimizer_step(step)``: after each update (BYOL's momentum target);
- ``features(images)``: the frozen representation that is probed (the encoder's output).

Methods (all hyperparameters scaled to a 32-dimensional CPU encoder, not tuned per condition):

- ``byol`` (JE; Grill et al. 2020): online projector and predictor, momentum target (cosine 0.99 -> 1),
  symmetric negative cosine similarity.
- ``vicreg`` (JE; Bardes et al. 2022): expander, invariance + variance + covariance (25, 25, 1).
- ``mae`` (RC; He et al. 2022, convolutional): half of the 4 x 4 patches of the view are zeroed; the
  decoder reconstructs the sample on the masked patches (the loss of MAE, with the paper's target).
- ``ae`` (RC; the paper's SSL-RC objective): the decoder reconstructs the sample from its view, every pixel.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ..theory import methods as theory_methods

SIDE = 28


@dataclass(frozen=True)
class Step:
    """Where training is: optimiser step ``index`` of ``total``."""

    index: int
    total: int

    @property
    def progress_after(self) -> float:
        """Fraction of training done once this step's update is applied, in (0, 1]."""
        return (self.index + 1) / self.total


class Encoder(nn.Module):
    """The encoder every method shares: two strided convolutions (16 and 32 channels, batch norm, ReLU)
    to 7 x 7 maps, then a linear layer to ``k`` features."""

    def __init__(self, k: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 4, stride=2, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, k),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Decoder(nn.Module):
    """The encoder mirrored: ``k`` features to a 28 x 28 image."""

    def __init__(self, k: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(k, 32 * 7 * 7),
            nn.Unflatten(1, (32, 7, 7)),
            nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).flatten(start_dim=1)


def mlp(dims: list[int]) -> nn.Sequential:
    """Linear layers with batch norm and ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers += [nn.BatchNorm1d(b), nn.ReLU()]
    return nn.Sequential(*layers)


class SelfSupModel(nn.Module):
    """The interface every method's model implements (see the module docstring)."""

    n_views: int = 1

    def __init__(self, k: int):
        super().__init__()
        self.encoder = Encoder(k)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.encoder(images)

    def loss(self, x: torch.Tensor, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        raise NotImplementedError

    def after_optimizer_step(self, step: Step) -> None:
        """Called after ``optimizer.step()`` (momentum updates)."""


class BYOL(SelfSupModel):
    """BYOL: the online network predicts the momentum network's projection of the other view."""

    n_views = 2

    def __init__(self, k: int, hidden: int = 128, proj: int = 64):
        super().__init__(k)
        self.projector = mlp([k, hidden, proj])
        self.predictor = mlp([proj, hidden, proj])
        self.target_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.target_projector = copy.deepcopy(self.projector).requires_grad_(False)

    def _online(self, v: torch.Tensor) -> torch.Tensor:
        return self.predictor(self.projector(self.encoder(v)))

    def _target(self, v: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.target_projector(self.target_encoder(v))

    def loss(self, x: torch.Tensor, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        v1, v2 = views
        cos = nn.functional.cosine_similarity
        return -0.5 * (cos(self._online(v1), self._target(v2)).mean() + cos(self._online(v2), self._target(v1)).mean())

    def after_optimizer_step(self, step: Step) -> None:
        m = 1.0 - 0.01 * (math.cos(math.pi * step.progress_after) + 1) / 2  # cosine 0.99 -> 1
        with torch.no_grad():
            for online, target in ((self.encoder, self.target_encoder), (self.projector, self.target_projector)):
                for p, q in zip(online.parameters(), target.parameters()):
                    q.mul_(m).add_(p, alpha=1 - m)
                for p, q in zip(online.buffers(), target.buffers()):
                    q.copy_(p)


class VICReg(SelfSupModel):
    """VICReg: invariance between the two views' expansions, each expansion's per-dimension standard
    deviation held above 1 and its covariance pushed to diagonal (weights 25, 25, 1)."""

    n_views = 2

    def __init__(self, k: int, hidden: int = 128, expand: int = 128):
        super().__init__(k)
        self.expander = mlp([k, hidden, expand])

    def loss(self, x: torch.Tensor, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        z1, z2 = (self.expander(self.encoder(v)) for v in views)
        invariance = nn.functional.mse_loss(z1, z2)
        variance = covariance = z1.new_zeros(())
        for z in (z1, z2):
            z = z - z.mean(dim=0)
            std = torch.sqrt(z.var(dim=0) + 1e-4)
            variance = variance + torch.relu(1 - std).mean() / 2
            cov = z.T @ z / (z.shape[0] - 1)
            off = cov - torch.diag(torch.diagonal(cov))
            covariance = covariance + (off**2).sum() / z.shape[1] / 2
        return 25 * invariance + 25 * variance + covariance


class Autoencoder(SelfSupModel):
    """The paper's SSL-RC: the decoder reconstructs the sample from its view (mean squared error)."""

    n_views = 1

    def __init__(self, k: int):
        super().__init__(k)
        self.decoder = Decoder(k)

    def loss(self, x: torch.Tensor, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        return nn.functional.mse_loss(self.decoder(self.encoder(views[0])), x)


class MaskedAutoencoder(Autoencoder):
    """MAE-style, convolutional: a fraction of the view's square patches is zeroed (half of its 4 × 4-pixel
    patches: ``mask_ratio``, ``patch``); the decoder reconstructs the sample, scored on the masked patches only
    (MAE's loss)."""

    def __init__(self, k: int, patch: int = 4, mask_ratio: float = 0.5):
        super().__init__(k)
        self.patch, self.mask_ratio = patch, mask_ratio

    def loss(self, x: torch.Tensor, views: list[torch.Tensor], step: Step) -> torch.Tensor:
        view = views[0]
        B, grid = view.shape[0], SIDE // self.patch
        # One uniform draw per patch, from the global RNG (seeded by the loop), ranked: exactly the ratio.
        ranks = torch.rand(B, grid * grid).argsort(dim=1).argsort(dim=1)
        masked = (ranks < int(self.mask_ratio * grid * grid)).to(view.dtype).reshape(B, 1, grid, grid)
        masked = masked.repeat_interleave(self.patch, 2).repeat_interleave(self.patch, 3)
        recon = self.decoder(self.encoder(view * (1 - masked)))
        weight = masked.flatten(start_dim=1)
        return (((recon - x) ** 2) * weight).sum() / weight.sum()


@dataclass(frozen=True)
class Method:
    """One registry entry: ``name``, its ``paradigm`` (a key of the theory's registry with a threshold),
    ``build(k)`` the model, a display ``label``, and the Adam learning rate ``lr``."""

    name: str
    paradigm: str
    build: Callable[[int], SelfSupModel]
    label: str
    lr: float = 2e-3


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to :data:`METHODS`; its name must be new and its paradigm a self-supervised method
    of the theory's registry."""
    if method.name in METHODS:
        raise ValueError(f"a method named {method.name!r} is already registered")
    paradigm = theory_methods.get(method.paradigm)
    if not paradigm.has_threshold:
        raise ValueError(
            f"paradigm must be a self-supervised method of the theory's registry, one of "
            f"{[m.key for m in theory_methods.PAPER_ENCODERS]}; got {method.paradigm!r}"
        )
    METHODS[method.name] = method
    return method


def get(name: str) -> Method:
    """The registry entry ``name``; a ValueError names the methods there are."""
    if not isinstance(name, str) or name not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {name!r}")
    return METHODS[name]


def paradigm_label(name: str) -> str:
    """ "JE" or "RC": the short name of the method's paradigm in the theory's registry."""
    return theory_methods.get(get(name).paradigm).short


register(Method("byol", theory_methods.JOINT_EMBEDDING.key, BYOL, "BYOL"))
register(Method("vicreg", theory_methods.JOINT_EMBEDDING.key, VICReg, "VICReg"))
register(Method("mae", theory_methods.RECONSTRUCTION.key, MaskedAutoencoder, "masked AE"))
register(Method("ae", theory_methods.RECONSTRUCTION.key, Autoencoder, "AE (paper's RC)"))
