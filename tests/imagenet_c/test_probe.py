"""The linear probe: it learns, and it selects the weight decay that validates best."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.imagenet_c import probe


def separable(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return rng.normal(size=(n, 5)) + 4 * np.eye(3, 5)[y], y


def test_probe_learns_a_separable_problem():
    x, y = separable()
    assert probe.linear_probe(x[:200], y[:200], x[200:], y[200:])["top1"] > 95


@pytest.mark.parametrize("decays", [(0.0, 100.0), (100.0, 0.0)])
def test_probe_selects_the_best_weight_decay(decays):
    # A huge penalty shrinks the weights to nothing: the probe then guesses one class (about 33%).
    x, y = separable()
    score = probe.linear_probe(x[:200], y[:200], x[200:], y[200:], weight_decays=decays, iters=50)
    assert score["weight_decay"] == 0.0
    assert score["val_top1"] == max(score["val_top1_by_wd"].values()) > 90
    assert score["val_top1_by_wd"]["100.0"] < 60  # the choice mattered
