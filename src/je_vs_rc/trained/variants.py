"""How each method of the theory's registry is trained by stochastic gradients (chapter 12).

Each method of the theory's registry (``je_vs_rc.theory.methods``) that can be trained has a
:class:`TrainedVariant` in :data:`TRAINED`, under the same key: the trained variant of that method. It
says how many views a sample gets, whether the model has a decoder or needs labels, the batch loss, and
how a trained linear model compares with the method's closed form. The training loop
(``je_vs_rc.trained.models``) knows nothing else about a method, and the grid and the Part 1 study iterate
over the registry.

- supervised (eq. 44): ``||y - V tau(x)||^2``, one view.
- SSL-RC: ``||x - D(E(tau(x)))||^2``, one view; the target is the sample itself
  (the corrupted sample for corrupted data).
- SSL-JE: ``||f(tau_1(x)) - f(tau_2(x))||^2`` under ``E[f f^T] = I_k``. The constraint is
  enforced in one of three ways (:attr:`JointEmbeddingTraining.constraints`):

  * ``"whiten"``: the loss is computed on whitened embeddings, ``Tr(C^-1 Delta)`` with ``C`` the
    batch second moment of the embeddings and ``Delta`` that of their differences (W-MSE style).
    It is the invariance term on the constraint set exactly, so no weight needs tuning.
  * ``"penalty"``: ``||z_1 - z_2||^2 + lambda ||C - I||_F^2`` (a VICReg-like covariance penalty).
    See ``trained.linear.penalty_feature_scales`` for what it converges to.
  * ``"project"``: gradient steps on the invariance term alone, each followed by the projection
    ``W <- (W S_hat W^T)^{-1/2} W`` onto the constraint, ``S_hat`` the running mean of the views'
    second moment (linear encoders only).

  Two more ways are the objectives deep joint-embedding methods train with, beyond the paper's
  constraint:

  * ``"vicreg"``: VICReg (Bardes et al. 2022) with its published weights: 25 x the mean squared
    difference of the two views' embeddings, 25 x a hinge keeping each coordinate's batch standard
    deviation above 1, 1 x the squared off-diagonal batch covariances (divided by k).
  * ``"byol"``: BYOL (Grill et al. 2020): a linear predictor on the online embedding of one view regresses
    the normalised embedding of the other view by a target encoder, an exponential moving average
    (``BYOL_MOMENTUM``) of the online encoder that receives no gradient; symmetrised over the two views.
    Nothing constrains the embeddings' covariance: the predictor and the moving average avoid collapse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch

from ..theory import methods
from ..theory.joint_embedding import joint_embedding_from_moments, joint_embedding_objective
from ..theory.linalg import subspace_distance, sym_inv_sqrt
from ..theory.methods import LinearMethod
from ..theory.reconstruction import reconstruction_from_moments, reconstruction_objective
from ..theory.setting import augmented_moments
from ..theory.supervised import supervised_objective
from .nets import mlp, second_moment

if TYPE_CHECKING:
    from .models import TrainConfig

WHITEN_RIDGE = 1e-6  # ridge added to the batch second moment before it is inverted (relative)
VICREG_WEIGHTS = (25.0, 25.0, 1.0)  # invariance, variance, covariance (Bardes et al. 2022, Sec. 4)
VICREG_EPS = 1e-4  # inside the square root of the variance term (VICReg's)
BYOL_MOMENTUM = 0.99  # target encoder's moving average per step (BYOL uses 0.996 over far longer runs)


@dataclass
class Batch:
    """What a variant's loss sees at one step (M models, V views, B samples; weights mask each model's batch).

    ``out`` (M, V, B, out): encoder outputs of the views; ``target`` (M, B, d): the samples, divided by
    ``out_scale``; ``labels`` (M, B, l) or None; ``decoder``: the decoder's layers (empty without one);
    ``weights`` (M, B); ``penalty`` (M,): the penalty weights; ``predictor``: the predictor's layers and
    ``target_out`` (M, V, B, out) the target encoder's outputs (BYOL only).
    """

    out: torch.Tensor
    target: torch.Tensor
    labels: torch.Tensor | None
    decoder: list
    weights: torch.Tensor
    penalty: torch.Tensor
    predictor: list = field(default_factory=list)
    target_out: torch.Tensor | None = None


class TrainedVariant:
    """How a registered linear method is trained by stochastic gradients (its trained variant).

    Class attributes: ``n_views`` (views per sample and step), ``needs_labels`` (supervised: the output is
    the label dimension), ``has_decoder`` (the decoder mirrors the encoder), ``constraints`` (ways of
    enforcing a constraint, accepted as ``TrainConfig.constraint``; empty: none).
    """

    n_views: ClassVar[int] = 1
    needs_labels: ClassVar[bool] = False
    has_decoder: ClassVar[bool] = False
    constraints: ClassVar[tuple[str, ...]] = ()

    def check(self, cfg: TrainConfig) -> None:
        """Raise a ValueError naming the parameter if ``cfg`` does not suit this variant."""
        if self.constraints and cfg.constraint not in self.constraints:
            raise ValueError(f"constraint must be one of {list(self.constraints)}; got {cfg.constraint!r}")

    def projects(self, cfg: TrainConfig) -> bool:
        """Whether each step projects the encoder back onto the constraint set (linear encoders only)."""
        return False

    def predictor_dims(self, cfg: TrainConfig) -> list[int]:
        """Layer widths of a predictor on the embeddings, trained with the encoder ([]: none)."""
        return []

    def target_momentum(self, cfg: TrainConfig) -> float | None:
        """Moving-average momentum of a target encoder that gets no gradient (None: no target encoder)."""
        return None

    def loss(self, batch: Batch, cfg: TrainConfig) -> torch.Tensor:
        """(M,) the loss of every model on the batch."""
        raise NotImplementedError

    def against_closed_form(
        self, F: np.ndarray, D: np.ndarray | None, X: np.ndarray, Y: np.ndarray | None, Sigma: np.ndarray, k: int
    ) -> tuple[float, float]:
        """A trained linear model (``F`` out x d, decoder ``D`` or None) against the method's closed form on the
        data ``X`` (labels ``Y``) with noise covariance ``Sigma``: (distance, relative objective gap)."""
        raise NotImplementedError


def _weighted_sum(per_sample: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (per_sample * weights).sum(-1)


class SupervisedTraining(TrainedVariant):
    """Eq. 44 on one sampled view; compared with eq. 46 by the relative error of V."""

    needs_labels: ClassVar[bool] = True

    def loss(self, batch: Batch, cfg: TrainConfig) -> torch.Tensor:
        assert batch.labels is not None
        return _weighted_sum(((batch.labels - batch.out[:, 0]) ** 2).sum(-1), batch.weights)

    def against_closed_form(self, F, D, X, Y, Sigma, k):
        S, _ = augmented_moments(X, Sigma)
        V = methods.SUPERVISED.solve(S, X.T @ Y / X.shape[0])
        best = supervised_objective(V, X, Y, Sigma)
        return float(np.linalg.norm(F - V) / np.linalg.norm(V)), supervised_objective(F, X, Y, Sigma) / best - 1


class ReconstructionTraining(TrainedVariant):
    """SSL-RC on one sampled view, through a decoder mirroring the encoder; compared with Thm 3.1."""

    has_decoder: ClassVar[bool] = True

    def loss(self, batch: Batch, cfg: TrainConfig) -> torch.Tensor:
        recon = mlp(batch.decoder, batch.out[:, 0])
        return _weighted_sum(((batch.target - recon) ** 2).sum(-1), batch.weights)

    def against_closed_form(self, F, D, X, Y, Sigma, k):
        E, D_star = reconstruction_from_moments(*augmented_moments(X, Sigma), k)[:2]
        best = reconstruction_objective(E, D_star, X, Sigma)
        return subspace_distance(F, E), reconstruction_objective(F, D, X, Sigma) / best - 1


class JointEmbeddingTraining(TrainedVariant):
    """SSL-JE on two sampled views, its constraint enforced by whitening, a penalty or a projection (see the
    module docstring); compared with Thm 3.2 after rescaling onto the constraint set."""

    n_views: ClassVar[int] = 2
    constraints: ClassVar[tuple[str, ...]] = ("whiten", "penalty", "project")
    objectives: ClassVar[tuple[str, ...]] = ("vicreg", "byol")  # deep methods' objectives, beyond the paper

    def check(self, cfg: TrainConfig) -> None:
        if cfg.constraint not in self.constraints + self.objectives:
            raise ValueError(
                f"constraint must be one of {list(self.constraints + self.objectives)}; got {cfg.constraint!r}"
            )
        if self.projects(cfg) and cfg.hidden:
            raise ValueError("constraint='project' needs a linear encoder (hidden=()); use 'whiten' or 'penalty'")

    def projects(self, cfg: TrainConfig) -> bool:
        return cfg.constraint == "project"

    def predictor_dims(self, cfg: TrainConfig) -> list[int]:
        return [cfg.k, cfg.k] if cfg.constraint == "byol" else []

    def target_momentum(self, cfg: TrainConfig) -> float | None:
        return BYOL_MOMENTUM if cfg.constraint == "byol" else None

    def loss(self, batch: Batch, cfg: TrainConfig) -> torch.Tensor:
        out, weights = batch.out, batch.weights
        diff = out[:, 0] - out[:, 1]
        eye = torch.eye(out.shape[-1], dtype=out.dtype)
        if cfg.constraint == "whiten":
            C = second_moment(out, weights)
            C = C + WHITEN_RIDGE * C.diagonal(dim1=1, dim2=2).mean(-1)[:, None, None] * eye
            Delta = second_moment(diff[:, None], weights)
            return torch.linalg.solve(C, Delta).diagonal(dim1=1, dim2=2).sum(-1)
        if cfg.constraint == "vicreg":
            return _vicreg(out, weights)
        if cfg.constraint == "byol":
            return _byol(batch)
        invariance = _weighted_sum((diff**2).sum(-1), weights)
        if cfg.constraint == "penalty":
            return invariance + batch.penalty * ((second_moment(out, weights) - eye) ** 2).sum((1, 2))
        return invariance

    def against_closed_form(self, F, D, X, Y, Sigma, k):
        S, G = augmented_moments(X, Sigma)
        W = joint_embedding_from_moments(S, G, k)[0]
        on_constraint = sym_inv_sqrt(F @ S @ F.T, "W S W^T") @ F  # same row space, W S W^T = I
        return subspace_distance(F, W), joint_embedding_objective(on_constraint, Sigma) / joint_embedding_objective(
            W, Sigma
        ) - 1


def _vicreg(out: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """VICReg's loss (``VICREG_WEIGHTS``) of two views' embeddings ``out`` (M, 2, B, k), batch weights (M, B)."""
    inv_w, var_w, cov_w = VICREG_WEIGHTS
    k = out.shape[-1]
    invariance = _weighted_sum(((out[:, 0] - out[:, 1]) ** 2).mean(-1), weights)
    mean = (out * weights[:, None, :, None]).sum(2, keepdim=True)
    centred = (out - mean) * weights[:, None, :, None].sqrt()
    cov = centred.transpose(2, 3) @ centred  # (M, 2, k, k) batch covariance of each view
    std = torch.sqrt(cov.diagonal(dim1=2, dim2=3) + VICREG_EPS)
    variance = torch.relu(1.0 - std).mean(-1).sum(1)
    off = cov - torch.diag_embed(cov.diagonal(dim1=2, dim2=3))
    covariance = (off**2).sum((2, 3)).sum(1) / k
    return inv_w * invariance + var_w * variance + cov_w * covariance


def _byol(batch: Batch) -> torch.Tensor:
    """BYOL's symmetrised loss: ``2 - 2 cos(q(z_v), z'_{other view})`` with ``q`` the predictor and ``z'`` the
    target encoder's embedding (no gradient)."""
    assert batch.target_out is not None
    pred = torch.nn.functional.normalize(mlp(batch.predictor, batch.out), dim=-1)
    target = torch.nn.functional.normalize(batch.target_out.flip(1), dim=-1)
    return _weighted_sum((2.0 - 2.0 * (pred * target).sum(-1)).sum(1), batch.weights)


# Trained variants, keyed by the theory registry's keys (a method without one cannot be trained here).
TRAINED: dict[str, TrainedVariant] = {}


def register_trained(method: str | LinearMethod, variant: TrainedVariant) -> TrainedVariant:
    """Attach ``variant`` to a registered method (one variant per method)."""
    key = methods.get(method).key
    if key in TRAINED:
        raise ValueError(f"method {key!r} already has a trained variant")
    TRAINED[key] = variant
    return variant


def trained_variant(method: str | LinearMethod) -> TrainedVariant:
    """The trained variant of a registered method; a ValueError names the methods that have one."""
    key = methods.get(method).key
    if key not in TRAINED:
        raise ValueError(f"method must be one with a trained variant, one of {list(TRAINED)}; got {key!r}")
    return TRAINED[key]


register_trained(methods.SUPERVISED, SupervisedTraining())
register_trained(methods.JOINT_EMBEDDING, JointEmbeddingTraining())
register_trained(methods.RECONSTRUCTION, ReconstructionTraining())
