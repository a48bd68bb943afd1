"""A seed is a value, not a position: the draws of seed 7 are the same whether it comes first or second.

Tests elsewhere use seeds 0 and 1 only, where "seed value" and "index in the list" coincide; a sweep
that seeded by position would pass them. Here every sweep runs seeds [3, 7] and [7] (and [7, 3]).
"""

from __future__ import annotations

import numpy as np

from je_vs_rc.simulate.figure3 import Fig3Config, figure3_sweep
from je_vs_rc.simulate.finite_samples import finite_sample_sweep
from je_vs_rc.simulate.sweeps import phase_diagram, recovery_sweep


def test_recovery_sweep_seeds_by_value(toy):
    pair = recovery_sweep(toy, [10, 40], [0.5, 3.0], seeds=[3, 7])
    alone = recovery_sweep(toy, [10, 40], [0.5, 3.0], seeds=[7])
    swapped = recovery_sweep(toy, [10, 40], [0.5, 3.0], seeds=[7, 3])
    for key, dist in pair.distance.items():
        np.testing.assert_array_equal(dist[..., 1], alone.distance[key][..., 0])
        np.testing.assert_array_equal(dist[..., ::-1], swapped.distance[key])
        assert not np.array_equal(dist[..., 0], dist[..., 1])  # the two seeds do draw differently


def test_finite_sample_sweep_seeds_by_value(toy):
    pair = finite_sample_sweep(toy, "je", [1.5], [20, 60], seeds=[3, 7])
    alone = finite_sample_sweep(toy, "je", [1.5], [20, 60], seeds=[7])
    np.testing.assert_array_equal(pair.distance[..., 1], alone.distance[..., 0])
    np.testing.assert_array_equal(pair.bound[..., 1], alone.bound[..., 0])
    assert not np.array_equal(pair.distance[..., 0], pair.distance[..., 1])


def test_phase_diagram_seeds_by_value(toy):
    # The diagram averages over seeds: [7] alone must equal the mean of [3, 7] minus seed 3's share.
    args = (toy, [0.5, 5.0], [0.3, 3.0], 30)
    pair, three, seven = (phase_diagram(*args, seeds) for seeds in ([3, 7], [3], [7]))
    for key, dist in pair.distance.items():
        np.testing.assert_allclose(dist, (three.distance[key] + seven.distance[key]) / 2, rtol=1e-12)
        assert not np.array_equal(three.distance[key], seven.distance[key])


def test_figure3_sweep_seeds_by_value():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (200, 784)).astype(np.uint8)
    labels = rng.integers(0, 10, 200)
    config = Fig3Config(k=5, n_noise=5, ns=(20, 80), alphas=(0.1, 10.0), gamma_max=(1e3,))
    pair = figure3_sweep(images, labels, Fig3Config(**{**config.__dict__, "seeds": (3, 7)}))
    alone = figure3_sweep(images, labels, Fig3Config(**{**config.__dict__, "seeds": (7,)}))
    np.testing.assert_array_equal(pair.distance[..., 1], alone.distance[..., 0])
    np.testing.assert_array_equal(pair.lam_theta[1], alone.lam_theta[0])
    assert not np.array_equal(pair.lam_theta[0], pair.lam_theta[1])
