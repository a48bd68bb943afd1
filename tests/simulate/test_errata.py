"""The computations behind the errata chapter."""
from __future__ import annotations

import numpy as np

from je_vs_rc import thresholds
from je_vs_rc.simulate import errata
from je_vs_rc.theory.augmentations import Masking


def test_paper_form_of_thm31_wins_under_masking(toy):
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    losses = errata.rc_paper_vs_slides(X, Masking(0.6), 3)
    assert losses["paper"] < losses["slides"]
    same = errata.rc_paper_vs_slides(X, toy.augmentation(2.0), 3)
    assert abs(same["paper"] - same["slides"]) < 1e-10


def test_threshold_is_a_tie(toy):
    th = thresholds(toy)
    assert abs(errata.je_eigengap(toy, th.threshold("je"))) < 1e-12
    assert errata.alpha_je2_with_max_delta(toy) < th.alpha_je2
