"""Frozen features and the linear probe.

Recipe (fixed, reported with every result):

1. Features: the backbone in ``eval()`` mode under ``torch.no_grad()``; ResNets give their pooled
   output, ViTs their CLS token. Inputs are the (corrupted) images, resized by nothing, scaled to
   [0, 1] and normalised with the ImageNet mean and std (as in the pretraining transforms).
   Features are computed once per checkpoint and cached (``.npz``, written atomically).
2. Probe: features standardised with the training set's mean and std (like MAE's BatchNorm without
   affine parameters), then multinomial logistic regression trained full-batch with L-BFGS
   (``PROBE_ITERS`` iterations) for each weight decay of ``WEIGHT_DECAYS`` (both can be changed).
3. Selection: the weight decay with the best top-1 on a seeded 10% validation split of the training
   features; the probe is then refitted on all training features with it.
4. Score: top-1 accuracy on the test images, which carry the same corruption and severity as the
   pretraining data (the paper's CIFAR protocol; its ImageNet text does not say).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from .._io import atomic_path

WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)
PROBE_ITERS = 200
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@torch.no_grad()
def extract_features(
    model: torch.nn.Module,
    images: np.ndarray,
    batch_size: int = 256,
    device: str = "cpu",
    cache: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """``model.features`` of every image (N x S x S x 3 uint8), with the model frozen; cached if asked."""
    if cache is not None and Path(cache).is_file():
        return np.load(cache)["features"]
    model.eval()
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    out = []
    for start in range(0, len(images), batch_size):
        batch = torch.as_tensor(
            np.array(images[start : start + batch_size]), device=device
        )  # a copy: caches are read-only
        x = (batch.permute(0, 3, 1, 2).float() / 255.0 - mean) / std
        out.append(model.features(x).float().cpu().numpy())
    features = np.concatenate(out)
    if cache is not None:
        with atomic_path(cache, suffix=".npz") as tmp:
            np.savez(tmp, features=features)
    return features


def _fit(x: torch.Tensor, y: torch.Tensor, n_classes: int, weight_decay: float, iters: int) -> torch.nn.Linear:
    torch.manual_seed(0)
    head = torch.nn.Linear(x.shape[1], n_classes)
    opt = torch.optim.LBFGS(head.parameters(), lr=1.0, max_iter=iters, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x), y) + weight_decay * head.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return head


def _accuracy(head: torch.nn.Linear, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((head(x).argmax(1) == y).float().mean())


def linear_probe(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    seed: int = 0,
    weight_decays: tuple[float, ...] = WEIGHT_DECAYS,
    iters: int = PROBE_ITERS,
) -> dict[str, float]:
    """Top-1 (in %) of the probe recipe above; also the selected weight decay, its validation top-1 and
    the validation top-1 of every weight decay tried (``val_top1_by_wd``)."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    xt = torch.as_tensor((train_x - mean) / std, dtype=torch.float32)
    xs = torch.as_tensor((test_x - mean) / std, dtype=torch.float32)
    yt, ys = torch.as_tensor(train_y, dtype=torch.long), torch.as_tensor(test_y, dtype=torch.long)
    n_classes = int(max(train_y.max(), test_y.max())) + 1
    perm = np.random.default_rng(seed).permutation(len(xt))
    n_val = max(1, len(xt) // 10)
    val, fit = torch.as_tensor(perm[:n_val]), torch.as_tensor(perm[n_val:])
    scores = {wd: _accuracy(_fit(xt[fit], yt[fit], n_classes, wd, iters), xt[val], yt[val]) for wd in weight_decays}
    best = max(weight_decays, key=lambda wd: (scores[wd], wd))  # ties go to the stronger penalty
    head = _fit(xt, yt, n_classes, best, iters)
    return {
        "top1": 100 * _accuracy(head, xs, ys),
        "weight_decay": best,
        "val_top1": 100 * scores[best],
        "val_top1_by_wd": {str(wd): 100 * s for wd, s in scores.items()},
    }
