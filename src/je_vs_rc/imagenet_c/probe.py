"""Frozen features and the linear probe.

Recipe (fixed, reported with every result):

1. Features: the backbone in ``eval()`` mode under ``torch.no_grad()``; ResNets give their pooled
   output, ViTs their CLS token. Inputs are the (corrupted) images, resized by nothing, scaled to
   [0, 1] and normalised with the ImageNet mean and std (as in the pretraining transforms).
   Features are computed once per model and image set and cached (``phases.features_all``).
2. Probe: features standardised with the training set's mean and std (like MAE's BatchNorm without
   affine parameters), then multinomial logistic regression for each weight decay of
   ``WEIGHT_DECAYS``: on a CPU trained full-batch with L-BFGS (``PROBE_ITERS`` iterations); on an
   accelerator (ImageNet's 1.28M x 2048 features) by mini-batch SGD with momentum 0.9, batch
   ``PROBE_BATCH``, ``PROBE_EPOCHS`` epochs, learning rate 0.1 x batch / 256 with a cosine decay
   (MAE's linear-probe schedule, He et al. 2022 App. A.2, without LARS), the features held on the
   accelerator.
3. Selection: the weight decay with the best top-1 on a seeded 10% validation split of the training
   features; the probe is then refitted on all training features with it.
4. Score: top-1 accuracy on the test images, which carry the same corruption and severity as the
   pretraining data (the paper's CIFAR protocol; its ImageNet text does not say).
"""

from __future__ import annotations

import numpy as np
import torch

WEIGHT_DECAYS = (1e-4, 1e-3, 1e-2)
PROBE_ITERS = 100
PROBE_EPOCHS = 90
PROBE_BATCH = 16384
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@torch.no_grad()
def features_of(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """``model.features`` of a batch of images in [0, 1] (B x 3 x S x S), normalised as in pretraining."""
    mean = torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x.device).view(1, 3, 1, 1)
    return model.features((x - mean) / std).float().cpu().numpy()


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


def _fit_sgd(
    x: torch.Tensor, y: torch.Tensor, n_classes: int, weight_decay: float, epochs: int, seed: int
) -> torch.nn.Linear:
    """The mini-batch probe (module docstring): SGD, momentum 0.9, cosine decay, on ``x``'s device."""
    torch.manual_seed(0)
    head = torch.nn.Linear(x.shape[1], n_classes).to(x.device)
    batch = min(PROBE_BATCH, len(x))
    steps = epochs * -(-len(x) // batch)
    opt = torch.optim.SGD(head.parameters(), lr=0.1 * batch / 256, momentum=0.9, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator(device=x.device).manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen, device=x.device).split(batch):
            loss = torch.nn.functional.cross_entropy(head(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
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
    device: str = "cpu",
    epochs: int = PROBE_EPOCHS,
) -> dict[str, float]:
    """Top-1 (in %) of the probe recipe above; also the selected weight decay, its validation top-1 and
    the validation top-1 of every weight decay tried (``val_top1_by_wd``). ``device`` "cpu": L-BFGS
    (``iters``); any other: the mini-batch probe there (``epochs``)."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    xt = torch.as_tensor((train_x - mean) / std, dtype=torch.float32, device=device)
    xs = torch.as_tensor((test_x - mean) / std, dtype=torch.float32, device=device)
    yt = torch.as_tensor(train_y, dtype=torch.long, device=device)
    ys = torch.as_tensor(test_y, dtype=torch.long, device=device)
    n_classes = int(max(train_y.max(), test_y.max())) + 1
    perm = np.random.default_rng(seed).permutation(len(xt))
    n_val = max(1, len(xt) // 10)
    val, fit = torch.as_tensor(perm[:n_val], device=device), torch.as_tensor(perm[n_val:], device=device)

    def fit_head(x: torch.Tensor, y: torch.Tensor, wd: float) -> torch.nn.Linear:
        if device == "cpu":
            return _fit(x, y, n_classes, wd, iters)
        return _fit_sgd(x, y, n_classes, wd, epochs, seed)

    scores = {wd: _accuracy(fit_head(xt[fit], yt[fit], wd), xt[val], yt[val]) for wd in weight_decays}
    best = max(weight_decays, key=lambda wd: (scores[wd], wd))  # ties go to the stronger penalty
    head = fit_head(xt, yt, best)
    return {
        "top1": 100 * _accuracy(head, xs, ys),
        "weight_decay": best,
        "val_top1": 100 * scores[best],
        "val_top1_by_wd": {str(wd): 100 * s for wd, s in scores.items()},
    }
