"""Recovery sweeps and the phase diagram: metrics per method, determinism, exact limits."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.simulate.sweeps import phase_diagram, population_distance, recovery_sweep, scaled_setting
from je_vs_rc.theory.methods import PAPER_ENCODERS, PAPER_METHODS


def test_seeds_make_runs_repeatable(toy):
    a = recovery_sweep(toy, [50, 200], [0.5, 2.0], seeds=[7])
    b = recovery_sweep(toy, [50, 200], [0.5, 2.0], seeds=[7])
    for metric in ("distance", "selected"):
        for key, values in getattr(a, metric).items():
            np.testing.assert_array_equal(values, getattr(b, metric)[key])


def test_models_and_metrics_are_separate(toy):
    sweep = recovery_sweep(toy, [50], [1.0], methods=PAPER_METHODS)
    assert sweep.methods == tuple(m.key for m in PAPER_METHODS) == tuple(sweep.distance)
    assert tuple(sweep.selected) == tuple(m.key for m in PAPER_ENCODERS)


def test_a_sweep_runs_what_it_is_given_on_the_same_draws(toy):
    full = recovery_sweep(toy, [50, 80], [1.0, 3.0], seeds=[0, 1])
    rc_only = recovery_sweep(toy, [50, 80], [1.0, 3.0], seeds=[0, 1], methods=["rc"])
    assert rc_only.methods == ("rc",) and set(rc_only.distance) == set(rc_only.selected) == {"rc"}
    np.testing.assert_array_equal(rc_only.distance["rc"], full.distance["rc"])
    with pytest.raises(ValueError, match="each once"):
        recovery_sweep(toy, [50], [1.0], methods=["rc", "rc"])


def test_population_distance(toy):
    assert population_distance(toy, "je", 1.0) < 1e-10 and population_distance(toy, "rc", 1.0) > 1 - 1e-8
    with pytest.raises(ValueError, match=r"method must be a self-supervised method \(an EncoderMethod\); got 'sl'"):
        population_distance(toy, "sl", 1.0)


def test_phase_diagram_thresholds_follow_the_scale(toy):
    phase = phase_diagram(toy, [0.1, 10.0], [1.0], 100)
    assert phase.thresholds[1].noise_gamma.max() == pytest.approx(100.0)
    assert scaled_setting(toy, 10.0).lam_gamma[-1] == pytest.approx(30.0)
    assert phase.distance["rc"].shape == phase.selected["je"].shape == (1, 2)
    assert phase.methods == ("je", "rc")  # the self-supervised methods of the paper's three
