"""The views every method trains on, as batched tensor operations (no per-image Python).

``tau(x) = shift(x + alpha P g) + sigma eps`` (``je_vs_rc.simulate.nuisance``): the aligned noise
``alpha P g``, ``g ~ N(0, v I)`` along the nuisance patterns (the paper's T(alpha), eq. 7), then the generic
augmentations that play Theta's role: a uniform translation of at most ``shift`` pixels with zero fill,
and Gaussian pixel noise of standard deviation ``sigma``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

SIDE = 28


@dataclass
class ViewMaker:
    """Draws views of a batch of flattened centred images ``x`` (B x 784) as B x 1 x 28 x 28 tensors.

    ``patterns``: 784 x m (orthonormal columns) or None for clean data; ``scale``: ``alpha sqrt(v)``,
    the aligned noise's standard deviation per pattern.
    """

    patterns: torch.Tensor | None
    scale: float
    shift: int
    pixel_noise: float

    def __post_init__(self) -> None:
        if not self.scale >= 0 or not self.pixel_noise >= 0 or self.shift < 0:
            raise ValueError(
                f"scale, pixel_noise and shift must be >= 0; got {self.scale}, {self.pixel_noise}, {self.shift}"
            )

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        B = x.shape[0]
        if self.patterns is not None and self.scale > 0:
            g = torch.randn(B, self.patterns.shape[1], generator=gen, dtype=x.dtype)
            x = x + self.scale * g @ self.patterns.T
        img = x.reshape(B, 1, SIDE, SIDE)
        if self.shift:
            img = translate(img, self.shift, gen)
        if self.pixel_noise:
            img = img + self.pixel_noise * torch.randn(img.shape, generator=gen, dtype=img.dtype)
        return img


def translate(img: torch.Tensor, shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each image moved by its own uniform (dy, dx) in [-shift, shift]^2, zero fill at the border: one
    padded copy and one slice per offset (``(2 shift + 1)^2`` slices, whatever the batch size)."""
    B = img.shape[0]
    padded = torch.nn.functional.pad(img, (shift, shift, shift, shift))
    offsets = torch.randint(0, (2 * shift + 1) ** 2, (B,), generator=gen)
    out = torch.empty_like(img)
    width = 2 * shift + 1
    for o in range(width**2):
        rows = (offsets == o).nonzero(as_tuple=True)[0]
        if rows.numel():
            dy, dx = divmod(o, width)
            # Offset (dy, dx) reads the padded image at (dy, dx): the content moves by (shift - dy, shift - dx).
            out[rows] = padded[rows, :, dy : dy + SIDE, dx : dx + SIDE]
    return out
