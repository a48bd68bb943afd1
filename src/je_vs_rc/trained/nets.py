"""Batched torch building blocks of the trained models (``je_vs_rc.trained.models``): many independent models
train in one loop, every parameter carrying a leading model axis."""

from __future__ import annotations

import math

import torch

DTYPE = torch.float32
WARMUP_FRACTION = 0.05  # linear learning-rate warm-up, then cosine decay to zero


def mlp(layers, x: torch.Tensor) -> torch.Tensor:
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


def init_layers(
    M: int, dims: list[int], bias: bool, gen: torch.Generator
) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """(weight, bias or None) per layer: He-normal weights for ReLU layers, 1/sqrt(fan-in) for the last; zero
    biases (none if linear)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(dims[:-1], dims[1:])):
        gain = 2.0 if i < len(dims) - 2 else 1.0
        w = torch.randn(M, n_in, n_out, generator=gen, dtype=DTYPE) * math.sqrt(gain / n_in)
        layers.append((w.requires_grad_(), torch.zeros(M, n_out, dtype=DTYPE, requires_grad=True) if bias else None))
    return layers


def schedule(step: int, steps: torch.Tensor) -> torch.Tensor:
    """Per-model learning-rate factor: linear warm-up, cosine decay to zero at the budget, then 0."""
    warm = torch.clamp(steps * WARMUP_FRACTION, min=1.0)
    progress = torch.clamp(step / steps, max=1.0)
    factor = 0.5 * (1.0 + torch.cos(math.pi * progress))
    return torch.where(
        step < steps, torch.minimum(torch.ones_like(steps), (step + 1) / warm) * factor, torch.zeros_like(steps)
    )


def second_moment(z: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """sum_b w_b z_b z_b^T over the views and the (weighted) batch: z (M, V, B, k), w (M, B)."""
    zw = z * w[:, None, :, None].sqrt()
    flat = zw.reshape(z.shape[0], -1, z.shape[-1])
    return flat.transpose(1, 2) @ flat / z.shape[1]


def batched_inv_sqrt(C: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(C)
    return (vecs / vals.clamp_min(1e-12).sqrt()[:, None, :]) @ vecs.transpose(1, 2)
