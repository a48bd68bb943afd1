"""Models trained by stochastic gradients on the paper's objectives, with sampled views (chapter 12).

The closed forms (eq. 46, Thm 3.1, Thm 3.2) are optima of expectations over augmentations. Here the
same objectives are minimised the way a practitioner would: minibatches of samples, fresh views
``tau(x) = x + theta + alpha gamma`` (eq. 7) drawn at every step, gradients from autograd.

Each method of the theory's registry (``je_vs_rc.theory.methods``) that can be trained has a
:class:`TrainedVariant` in :data:`TRAINED`, under the same key: the trained variant of that method. It
says how many views a sample gets, whether the model has a decoder or needs labels, the batch loss, and
how a trained linear model compares with the method's closed form. The training loop knows nothing
else about a method, and the grid and the Part 1 study iterate over the registry.

- supervised (eq. 44): ``||y - V tau(x)||^2``, one view.
- SSL-RC: ``||x - D(E(tau(x)))||^2``, one view; the target is the sample itself
  (the corrupted sample for corrupted data).
- SSL-JE: ``||f(tau_1(x)) - f(tau_2(x))||^2`` under ``E[f f^T] = I_k``. The constraint is
  enforced in one of three ways (:attr:`JointEmbeddingTraining.constraints`):

  * ``"whiten"``: the loss is computed on whitened embeddings, ``Tr(C^-1 Delta)`` with ``C`` the
    batch second moment of the embeddings and ``Delta`` that of their differences (W-MSE style).
    It is the invariance term on the constraint set exactly, so no weight needs tuning.
  * ``"penalty"``: ``||z_1 - z_2||^2 + lambda ||C - I||_F^2`` (a VICReg-like covariance penalty).
    See :func:`penalty_feature_scales` for what it converges to.
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

Encoders are linear (``hidden=()``, the paper's models, no bias) or ReLU MLPs; the RC decoder mirrors
the encoder. Many independent models (alignments, seeds, clean or corrupted data, budgets, penalty
weights) train in one batched loop: parameters carry a leading model axis, and the models of one data
group share their minibatch indices and standard-normal draws (common random numbers across the
alignment grid), each model with its own step budget and batch size.

Inputs are standardised per coordinate with the exact second moment of the model's own views: a fixed
invertible map that the first linear layer absorbs, so it preconditions the optimisation without
changing the set of minimisers. The RC target is divided by one global scalar (the loss changes by a
constant factor); a per-coordinate normalisation of the target would change the problem, because it
would change how much each coordinate's variance weighs in the loss.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from ..theory import methods
from ..theory.joint_embedding import joint_embedding_from_moments, joint_embedding_objective
from ..theory.linalg import subspace_distance, sym_inv_sqrt
from ..theory.methods import LinearMethod
from ..theory.reconstruction import reconstruction_from_moments, reconstruction_objective
from ..theory.setting import augmented_moments
from ..theory.supervised import supervised_objective

OPTIMIZERS = ("adam", "sgd")
WHITEN_RIDGE = 1e-6  # ridge added to the batch second moment before it is inverted (relative)
WARMUP_FRACTION = 0.05  # linear learning-rate warm-up, then cosine decay to zero
DTYPE = torch.float32
VICREG_WEIGHTS = (25.0, 25.0, 1.0)  # invariance, variance, covariance (Bardes et al. 2022, Sec. 4)
VICREG_EPS = 1e-4  # inside the square root of the variance term (VICReg's)
BYOL_MOMENTUM = 0.99  # target encoder's moving average per step (BYOL uses 0.996 over far longer runs)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_hidden(hidden: object) -> tuple[int, ...]:
    """Hidden-layer widths: a (possibly empty) sequence of positive integers."""
    if isinstance(hidden, (int, np.integer)):
        hidden = (hidden,)
    try:
        widths = tuple(hidden)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"hidden must be a list of layer widths (empty for a linear model); got {hidden!r}") from None
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or int(w) < 1:
            raise ValueError(f"every hidden-layer width must be a positive integer; got {hidden!r}")
    return tuple(int(w) for w in widths)


@dataclass(frozen=True)
class TrainConfig:
    """How every model of one batched run is trained.

    Attributes:
        method: the registry key of a method with a trained variant (:data:`TRAINED`).
        k: encoder output dimension (ignored when the variant predicts labels: the output is their dimension).
        hidden: hidden-layer widths; () is the paper's linear model.
        steps: default step budget (a model may have its own, see :class:`Problems`).
        batch_size: default number of samples per step.
        lr: peak learning rate (linear warm-up, cosine decay to zero at the model's budget).
        optimizer: "adam" or "sgd".
        constraint: how the variant enforces its constraint, one of its ``constraints`` (SSL-JE: "whiten",
            "penalty" or "project"); ignored by variants without a constraint.
        penalty: default weight lambda of the "penalty" constraint.
        seed: seeds the initialisation, the minibatches and the views.
        threads: torch CPU threads (1: on a shared 2-core machine OpenMP spin-waits make 2 slower).
    """

    method: str
    k: int = 1
    hidden: tuple[int, ...] = ()
    steps: int = 1000
    batch_size: int = 64
    lr: float = 1e-2
    optimizer: str = "adam"
    constraint: str = "whiten"
    penalty: float = 10.0
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {self.optimizer!r}")
        object.__setattr__(self, "hidden", check_hidden(self.hidden))
        for name in ("k", "steps", "batch_size", "threads"):
            _positive_int(name, getattr(self, name))
        trained_variant(self.method).check(self)
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}")
        if not (np.isfinite(self.penalty) and self.penalty > 0):
            raise ValueError(f"penalty must be a positive number; got {self.penalty!r}")


@dataclass
class Problems:
    """M training problems of one batched run, in the common eigenbasis (identity) of the setting.

    Attributes:
        X: (G, n, d) data of each data group (view means; RC targets), clean or corrupted.
        group: (M,) the data group each model trains on.
        sd_theta: (M, d) square roots of Theta's eigenvalues.
        sd_gamma: (M, d) ``alpha`` times the square roots of Gamma's eigenvalues.
        Y: (G, n, l) labels, for "sl" only.
        steps, batch_size, penalty: optional (M,) per-model budgets and penalty weights
            (default: the :class:`TrainConfig` values).
    """

    X: np.ndarray
    group: np.ndarray
    sd_theta: np.ndarray
    sd_gamma: np.ndarray
    Y: np.ndarray | None = None
    steps: np.ndarray | None = None
    batch_size: np.ndarray | None = None
    penalty: np.ndarray | None = None

    @property
    def M(self) -> int:
        return int(self.group.shape[0])

    def validate(self, cfg: TrainConfig) -> None:
        X = np.asarray(self.X)
        if X.ndim != 3 or X.shape[1] < 2:
            raise ValueError(f"X must have shape (groups, n >= 2, d); got {X.shape}")
        G, _, d = X.shape
        M = self.M
        if self.group.ndim != 1 or M == 0 or self.group.min() < 0 or self.group.max() >= G:
            raise ValueError(f"group must list, for each of M >= 1 models, a data group in 0..{G - 1}")
        for name in ("sd_theta", "sd_gamma"):
            arr = getattr(self, name)
            if arr.shape != (M, d) or np.any(arr < 0) or not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be a non-negative (M={M}, d={d}) array; got shape {arr.shape}")
        variant = trained_variant(cfg.method)
        if variant.needs_labels and (self.Y is None or self.Y.shape[:2] != X.shape[:2]):
            raise ValueError(f"method {cfg.method!r} needs labels Y of shape (groups, n, l)")
        if not variant.needs_labels and not 1 <= cfg.k <= d:
            raise ValueError(f"k must be in 1..d={d}; got {cfg.k}")
        for name in ("steps", "batch_size"):
            arr = getattr(self, name)
            if arr is not None and (arr.shape != (M,) or np.any(arr < 1)):
                raise ValueError(f"{name} must hold one positive integer per model (M={M})")
        if self.penalty is not None and (self.penalty.shape != (M,) or np.any(self.penalty <= 0)):
            raise ValueError(f"penalty must hold one positive weight per model (M={M})")


@dataclass
class Trained:
    """Trained weights (numpy, in the original input coordinates where linear) and the loss curve.

    ``layers`` / ``decoder``: lists of ``(weight (M, in, out), bias (M, out) or None)`` acting on
    standardised inputs ``x * in_scale``; the decoder's output is multiplied by ``out_scale``.
    """

    config: TrainConfig
    layers: list[tuple[np.ndarray, np.ndarray | None]]
    decoder: list[tuple[np.ndarray, np.ndarray | None]]
    in_scale: np.ndarray
    out_scale: np.ndarray
    loss: np.ndarray = field(repr=False)
    seconds: float = 0.0

    @property
    def linear(self) -> bool:
        return len(self.layers) == 1 and self.layers[0][1] is None

    def encoder_matrix(self) -> np.ndarray:
        """(M, out, d): the linear encoder (or SL predictor) ``F`` with ``z = F x`` in input coordinates."""
        if not self.linear:
            raise ValueError("encoder_matrix is defined for linear models only (hidden=())")
        W = self.layers[0][0]
        return np.transpose(W, (0, 2, 1)) * self.in_scale[:, None, :]

    def decoder_matrix(self) -> np.ndarray:
        """(M, d, k): the linear RC decoder ``D`` with ``x_hat = D z``."""
        if len(self.decoder) != 1:
            raise ValueError("decoder_matrix is defined for linear models with a decoder (SSL-RC) only")
        return np.transpose(self.decoder[0][0], (0, 2, 1)) * self.out_scale[:, None, None]

    def encode(self, X: np.ndarray, group: np.ndarray | None = None, chunk: int = 4096) -> np.ndarray:
        """Features of every model: X is (n, d) for all models or (G, n, d) with ``group`` (M,)."""
        with torch.no_grad():
            layers = [(torch.as_tensor(w), None if b is None else torch.as_tensor(b)) for w, b in self.layers]
            scale = torch.as_tensor(self.in_scale)[:, None, :]
            out = []
            for start in range(0, X.shape[-2], chunk):
                xb = torch.as_tensor(X[..., start : start + chunk, :], dtype=DTYPE)
                xb = xb[torch.as_tensor(group)] if group is not None else xb.expand(self.in_scale.shape[0], *xb.shape)
                out.append(_mlp(layers, xb * scale).numpy())
        return np.concatenate(out, axis=1)


def _mlp(layers, x: torch.Tensor) -> torch.Tensor:
    """Batched MLP: x (M, ..., in); ReLU between layers, none after the last."""
    shape = x.shape
    h = x.reshape(shape[0], -1, shape[-1])
    for i, (w, b) in enumerate(layers):
        h = torch.bmm(h, w)
        if b is not None:
            h = h + b[:, None, :]
        if i < len(layers) - 1:
            h = torch.relu(h)
    return h.reshape(*shape[:-1], h.shape[-1])


def _init(M: int, dims: list[int], bias: bool, gen: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """He-normal weights for ReLU layers, 1/sqrt(fan-in) for the last; zero biases (none if linear)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(dims[:-1], dims[1:])):
        gain = 2.0 if i < len(dims) - 2 else 1.0
        w = torch.randn(M, n_in, n_out, generator=gen, dtype=DTYPE) * math.sqrt(gain / n_in)
        layers.append((w.requires_grad_(), torch.zeros(M, n_out, dtype=DTYPE, requires_grad=True) if bias else None))
    return layers


def _schedule(step: int, steps: torch.Tensor) -> torch.Tensor:
    """Per-model learning-rate factor: linear warm-up, cosine decay to zero at the budget, then 0."""
    warm = torch.clamp(steps * WARMUP_FRACTION, min=1.0)
    progress = torch.clamp(step / steps, max=1.0)
    factor = 0.5 * (1.0 + torch.cos(math.pi * progress))
    return torch.where(
        step < steps, torch.minimum(torch.ones_like(steps), (step + 1) / warm) * factor, torch.zeros_like(steps)
    )


def _second_moment(z: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """sum_b w_b z_b z_b^T over the views and the (weighted) batch: z (M, V, B, k), w (M, B)."""
    zw = z * w[:, None, :, None].sqrt()
    flat = zw.reshape(z.shape[0], -1, z.shape[-1])
    return flat.transpose(1, 2) @ flat / z.shape[1]


def _sym_inv_sqrt(C: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(C)
    return (vecs / vals.clamp_min(1e-12).sqrt()[:, None, :]) @ vecs.transpose(1, 2)


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
        recon = _mlp(batch.decoder, batch.out[:, 0])
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
            C = _second_moment(out, weights)
            C = C + WHITEN_RIDGE * C.diagonal(dim1=1, dim2=2).mean(-1)[:, None, None] * eye
            Delta = _second_moment(diff[:, None], weights)
            return torch.linalg.solve(C, Delta).diagonal(dim1=1, dim2=2).sum(-1)
        if cfg.constraint == "vicreg":
            return _vicreg(out, weights)
        if cfg.constraint == "byol":
            return _byol(batch)
        invariance = _weighted_sum((diff**2).sum(-1), weights)
        if cfg.constraint == "penalty":
            return invariance + batch.penalty * ((_second_moment(out, weights) - eye) ** 2).sum((1, 2))
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
    pred = torch.nn.functional.normalize(_mlp(batch.predictor, batch.out), dim=-1)
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


def train(problems: Problems, cfg: TrainConfig) -> Trained:
    """Train every model of ``problems`` with ``cfg`` (CPU, float32, deterministic for a given seed)."""
    problems.validate(cfg)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        return _train(problems, cfg)
    finally:
        torch.set_num_threads(threads)


def _train(problems: Problems, cfg: TrainConfig) -> Trained:
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(int(cfg.seed))
    X = torch.as_tensor(np.asarray(problems.X), dtype=DTYPE)
    G, n, d = X.shape
    M = problems.M
    group = torch.as_tensor(problems.group, dtype=torch.long)
    sd_theta = torch.as_tensor(problems.sd_theta, dtype=DTYPE)
    sd_gamma = torch.as_tensor(problems.sd_gamma, dtype=DTYPE)
    steps = torch.as_tensor(problems.steps if problems.steps is not None else np.full(M, cfg.steps), dtype=DTYPE)
    batch = torch.as_tensor(problems.batch_size if problems.batch_size is not None else np.full(M, cfg.batch_size))
    lam = torch.as_tensor(problems.penalty if problems.penalty is not None else np.full(M, cfg.penalty), dtype=DTYPE)
    B = int(batch.max())
    weights = (torch.arange(B)[None, :] < batch[:, None]).to(DTYPE) / batch[:, None].to(DTYPE)  # (M, B)
    variant = trained_variant(cfg.method)
    Y = torch.as_tensor(np.asarray(problems.Y), dtype=DTYPE) if variant.needs_labels else None

    # Exact per-coordinate second moment of each model's views: the input standardisation.
    data_moment = (X**2).mean(dim=1)[group]
    in_scale = 1.0 / torch.sqrt(data_moment + sd_theta**2 + sd_gamma**2).clamp_min(1e-12)
    out_scale = torch.sqrt(data_moment.mean(dim=1)).clamp_min(1e-12)  # one global scalar per model

    out_dim = Y.shape[-1] if Y is not None else cfg.k
    linear = not cfg.hidden
    enc = _init(M, [d, *cfg.hidden, out_dim], not linear, gen)
    dec = _init(M, [cfg.k, *cfg.hidden[::-1], d], not linear, gen) if variant.has_decoder else []
    pred = _init(M, variant.predictor_dims(cfg), False, gen) if variant.predictor_dims(cfg) else []
    params = [p for layer in enc + dec + pred for p in layer if p is not None]
    momentum = variant.target_momentum(cfg)
    target = [tuple(None if p is None else p.detach().clone() for p in layer) for layer in enc] if momentum else []
    moments = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    n_views = variant.n_views
    project = variant.projects(cfg)
    S_sum = torch.zeros(M, d, d, dtype=DTYPE)
    losses = np.empty((int(steps.max()), M))

    for t in range(int(steps.max())):
        idx = torch.randint(n, (G, B), generator=gen)
        xb = X[torch.arange(G)[:, None], idx]  # (G, B, d)
        z = torch.randn(G, 2, n_views, B, d, generator=gen, dtype=DTYPE)
        x_m = xb[group]  # (M, B, d)
        z_m = z[group]
        views = x_m[:, None] + z_m[:, 0] * sd_theta[:, None, None] + z_m[:, 1] * sd_gamma[:, None, None]
        views = views * in_scale[:, None, None]  # (M, V, B, d)
        if project:
            S_sum += _second_moment(views.detach(), weights)
            W = enc[0][0]
            with torch.no_grad():  # keep W on the constraint set W S_hat W^T = I
                C = W.transpose(1, 2) @ (S_sum / (t + 1)) @ W
                W.copy_(W @ _sym_inv_sqrt(C))
        labels = None if Y is None else Y[torch.arange(G)[:, None], idx][group]
        with torch.no_grad():
            target_out = _mlp(target, views) if target else None
        batch_in = Batch(_mlp(enc, views), x_m / out_scale[:, None, None], labels, dec, weights, lam, pred, target_out)
        per_model = variant.loss(batch_in, cfg)
        losses[t] = per_model.detach().numpy()
        grads = torch.autograd.grad(per_model.sum(), params)
        lr = cfg.lr * _schedule(t, steps)
        with torch.no_grad():
            for p, g, m1, m2 in zip(params, grads, *moments):
                rate = lr.reshape(-1, *([1] * (p.dim() - 1)))
                if cfg.optimizer == "sgd":
                    p -= rate * g
                else:
                    m1.mul_(0.9).add_(g, alpha=0.1)
                    m2.mul_(0.999).addcmul_(g, g, value=0.001)
                    p -= rate * (m1 / (1 - 0.9 ** (t + 1))) / ((m2 / (1 - 0.999 ** (t + 1))).sqrt() + 1e-12)
            for online, averaged in zip(enc, target):  # the target encoder follows the online one
                for p, q in zip(online, averaged):
                    if p is not None:
                        q.mul_(momentum).add_(p, alpha=1 - momentum)
    if project:
        with torch.no_grad():
            W = enc[0][0]
            W.copy_(W @ _sym_inv_sqrt(W.transpose(1, 2) @ (S_sum / steps.max()) @ W))

    def numpy_layers(layers):
        return [(w.detach().numpy().copy(), None if b is None else b.detach().numpy().copy()) for w, b in layers]

    return Trained(
        cfg,
        numpy_layers(enc),
        numpy_layers(dec),
        in_scale.numpy(),
        out_scale.numpy(),
        losses,
        time.perf_counter() - start,
    )
