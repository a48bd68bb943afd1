"""Models trained by stochastic gradients on the paper's objectives, with sampled views (chapter 12).

The closed forms (eq. 46, Thm 3.1, Thm 3.2) are optima of expectations over augmentations. Here the
same objectives are minimised the way a practitioner would: minibatches of samples, fresh views
``tau(x) = x + theta + alpha gamma`` (eq. 7) drawn at every step, gradients from autograd. What each
method's loss is, and how it is compared with its closed form, is its trained variant
(``je_vs_rc.trained.variants``); this module is the training loop, which knows nothing else about a method.

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

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .nets import DTYPE, batched_inv_sqrt, init_layers, mlp, schedule, second_moment
from .variants import Batch, trained_variant

OPTIMIZERS = ("adam", "sgd")


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
        method: the registry key of a method with a trained variant (``trained.variants.TRAINED``).
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
                out.append(mlp(layers, xb * scale).numpy())
        return np.concatenate(out, axis=1)


def train(problems: Problems, cfg: TrainConfig) -> Trained:
    """Train every model of ``problems`` with ``cfg`` (CPU, float32, deterministic for a given seed)."""
    problems.validate(cfg)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        return _train(problems, cfg)
    finally:
        torch.set_num_threads(threads)


@dataclass
class _Run:
    """One batched run's tensors: data (G, n, d), each model's group, view scales, budget, batch mask, penalty
    weight, labels, input and target scales; encoder, decoder, predictor and target-encoder layers."""

    X: torch.Tensor
    group: torch.Tensor
    sd_theta: torch.Tensor
    sd_gamma: torch.Tensor
    steps: torch.Tensor
    weights: torch.Tensor  # (M, B): each model's batch mask, divided by its batch size
    lam: torch.Tensor
    Y: torch.Tensor | None
    in_scale: torch.Tensor
    out_scale: torch.Tensor
    enc: list
    dec: list
    pred: list
    target: list

    @property
    def params(self) -> list[torch.Tensor]:
        return [p for layer in self.enc + self.dec + self.pred for p in layer if p is not None]


def _setup(problems: Problems, cfg: TrainConfig, gen: torch.Generator) -> _Run:
    X = torch.as_tensor(np.asarray(problems.X), dtype=DTYPE)
    G, n, d = X.shape
    M = problems.M
    group = torch.as_tensor(problems.group, dtype=torch.long)
    sd_theta = torch.as_tensor(problems.sd_theta, dtype=DTYPE)
    sd_gamma = torch.as_tensor(problems.sd_gamma, dtype=DTYPE)
    steps = torch.as_tensor(problems.steps if problems.steps is not None else np.full(M, cfg.steps), dtype=DTYPE)
    batch = torch.as_tensor(problems.batch_size if problems.batch_size is not None else np.full(M, cfg.batch_size))
    lam = torch.as_tensor(problems.penalty if problems.penalty is not None else np.full(M, cfg.penalty), dtype=DTYPE)
    weights = (torch.arange(int(batch.max()))[None, :] < batch[:, None]).to(DTYPE) / batch[:, None].to(DTYPE)
    variant = trained_variant(cfg.method)
    Y = torch.as_tensor(np.asarray(problems.Y), dtype=DTYPE) if variant.needs_labels else None

    # Exact per-coordinate second moment of each model's views: the input standardisation.
    data_moment = (X**2).mean(dim=1)[group]
    in_scale = 1.0 / torch.sqrt(data_moment + sd_theta**2 + sd_gamma**2).clamp_min(1e-12)
    out_scale = torch.sqrt(data_moment.mean(dim=1)).clamp_min(1e-12)  # one global scalar per model

    out_dim = Y.shape[-1] if Y is not None else cfg.k
    linear = not cfg.hidden
    enc = init_layers(M, [d, *cfg.hidden, out_dim], not linear, gen)
    dec = init_layers(M, [cfg.k, *cfg.hidden[::-1], d], not linear, gen) if variant.has_decoder else []
    pred = init_layers(M, variant.predictor_dims(cfg), False, gen) if variant.predictor_dims(cfg) else []
    momentum = variant.target_momentum(cfg)
    target = [tuple(None if p is None else p.detach().clone() for p in layer) for layer in enc] if momentum else []
    return _Run(X, group, sd_theta, sd_gamma, steps, weights, lam, Y, in_scale, out_scale, enc, dec, pred, target)


def _update(run: _Run, grads, moments, t: int, cfg: TrainConfig, momentum: float | None) -> None:
    """One optimiser step at each model's learning rate, then the target encoder's moving average."""
    lr = cfg.lr * schedule(t, run.steps)
    with torch.no_grad():
        for p, g, m1, m2 in zip(run.params, grads, *moments):
            rate = lr.reshape(-1, *([1] * (p.dim() - 1)))
            if cfg.optimizer == "sgd":
                p -= rate * g
            else:
                m1.mul_(0.9).add_(g, alpha=0.1)
                m2.mul_(0.999).addcmul_(g, g, value=0.001)
                p -= rate * (m1 / (1 - 0.9 ** (t + 1))) / ((m2 / (1 - 0.999 ** (t + 1))).sqrt() + 1e-12)
        for online, averaged in zip(run.enc, run.target):  # the target encoder follows the online one
            for p, q in zip(online, averaged):
                if p is not None:
                    q.mul_(momentum).add_(p, alpha=1 - momentum)


def _project(run: _Run, S_mean: torch.Tensor) -> None:
    """Move the linear encoder onto the constraint set ``W S_hat W^T = I``."""
    with torch.no_grad():
        W = run.enc[0][0]
        W.copy_(W @ batched_inv_sqrt(W.transpose(1, 2) @ S_mean @ W))


def _train(problems: Problems, cfg: TrainConfig) -> Trained:
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(int(cfg.seed))
    run = _setup(problems, cfg, gen)
    (G, n, d), M, B = run.X.shape, problems.M, run.weights.shape[1]
    variant = trained_variant(cfg.method)
    params, momentum, project = run.params, variant.target_momentum(cfg), variant.projects(cfg)
    moments = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    S_sum = torch.zeros(M, d, d, dtype=DTYPE)
    losses = np.empty((int(run.steps.max()), M))
    for t in range(int(run.steps.max())):
        idx = torch.randint(n, (G, B), generator=gen)
        xb = run.X[torch.arange(G)[:, None], idx]  # (G, B, d)
        z = torch.randn(G, 2, variant.n_views, B, d, generator=gen, dtype=DTYPE)
        x_m, z_m = xb[run.group], z[run.group]  # (M, B, d), (M, 2, V, B, d)
        views = x_m[:, None] + z_m[:, 0] * run.sd_theta[:, None, None] + z_m[:, 1] * run.sd_gamma[:, None, None]
        views = views * run.in_scale[:, None, None]  # (M, V, B, d)
        if project:  # keep W on the constraint set W S_hat W^T = I
            S_sum += second_moment(views.detach(), run.weights)
            _project(run, S_sum / (t + 1))
        labels = None if run.Y is None else run.Y[torch.arange(G)[:, None], idx][run.group]
        with torch.no_grad():
            target_out = mlp(run.target, views) if run.target else None
        target = x_m / run.out_scale[:, None, None]
        batch = Batch(mlp(run.enc, views), target, labels, run.dec, run.weights, run.lam, run.pred, target_out)
        per_model = variant.loss(batch, cfg)
        losses[t] = per_model.detach().numpy()
        _update(run, torch.autograd.grad(per_model.sum(), params), moments, t, cfg, momentum)
    if project:
        _project(run, S_sum / run.steps.max())

    def numpy_layers(layers):
        return [(w.detach().numpy().copy(), None if b is None else b.detach().numpy().copy()) for w, b in layers]

    return Trained(
        cfg,
        numpy_layers(run.enc),
        numpy_layers(run.dec),
        run.in_scale.numpy(),
        run.out_scale.numpy(),
        losses,
        time.perf_counter() - start,
    )
