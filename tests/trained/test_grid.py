"""trained/grid.py: the probe metric, the curve summary, the grid's validation before training, a tiny
end-to-end grid and its JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import synthetic_digits

import je_vs_rc.trained.grid as grid
from je_vs_rc.trained.grid import GridConfig, check_bracketing, probe_mse, run_grid, summarize


def test_probe_mse_known_answers():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((300, 3))
    F = np.hstack([Y @ rng.standard_normal((3, 3)), rng.standard_normal((300, 2))])
    assert probe_mse(F, Y) < 1e-12
    # The intercept absorbs shifts, and any invertible map leaves the probe unchanged.
    noise = rng.standard_normal((300, 4))
    T = rng.standard_normal((4, 4))
    assert np.isclose(probe_mse(noise, Y), probe_mse(noise @ T + 5.0, Y), rtol=1e-12)
    # The same least squares as a QR solve (lstsq) with an intercept column, also with a repeated and a dead feature.
    feats = np.hstack([noise, noise[:, :1] * 3.0, np.zeros((300, 1)), rng.standard_normal((300, 2)) * 1e3])
    A = np.hstack([feats, np.ones((300, 1))])
    reference = np.sum((Y - A @ np.linalg.lstsq(A, Y, rcond=None)[0]) ** 2) / 300
    assert np.isclose(probe_mse(feats, Y), reference, rtol=1e-10)
    # Constant features: the probe predicts the mean, its MSE is the total variance.
    assert np.isclose(probe_mse(np.ones((300, 1)), Y), np.sum(Y.var(axis=0)))


def test_summarize_finds_the_drop():
    alphas = (0.1, 0.3, 1.0, 3.0, 10.0)
    spread = np.array([1.0, 1.1, 0.9])
    step = np.array([0.2, 0.2, 0.2, 1e-3, 1e-3])[:, None] * spread
    s = summarize(alphas, step)
    assert s.state == "switch" and 1.0 < s.alpha_half < 3.0
    # Half-way between 0.2 (at 1) and 1e-3 (at 3) in distance, interpolated in log alpha.
    assert np.isclose(s.alpha_half, np.exp(np.log(1.0) + (0.2 - 0.1) / (0.2 - 1e-3) * np.log(3.0)))
    assert summarize(alphas, np.full((5, 3), 1e-6)).state == "no damage"
    assert summarize(alphas, np.array([0.2, 0.2, 0.2, 0.2, 0.05])[:, None] * spread).state == "switch"
    assert summarize(alphas, np.array([0.2, 0.2, 0.2, 0.2, 0.19])[:, None] * spread).state == "no drop"
    # Falls to a third, then rises back above half: no drop "for good" inside the grid.
    assert summarize(alphas, np.array([0.3, 0.3, 0.1, 0.1, 0.2])[:, None] * spread).state == "no drop"
    # Seeds' bands overlap between the plateau and the largest alignment: noise, not a switch.
    overlap = np.array([[0.03, 0.005, 0.02], [0.01] * 3, [0.01] * 3, [0.01] * 3, [0.004, 0.012, 0.006]])
    assert summarize(alphas, overlap).state == "not resolved"


def test_grid_methods_are_the_registrys_self_supervised_methods():
    assert grid.grid_methods() == ("je", "rc")


def test_bad_grid_input_is_a_clear_error():
    with pytest.raises(ValueError, match="hidden-layer width"):
        GridConfig(mlp_hidden=((0,),))
    with pytest.raises(ValueError, match="seeds must name at least one seed"):
        GridConfig(seeds=())
    with pytest.raises(ValueError, match="alphas must be at least two increasing"):
        GridConfig(alphas=(3.0, 1.0))
    with pytest.raises(ValueError, match="do not bracket alpha_RC"):
        check_bracketing((0.1, 1.0, 5.0), {"je": np.array([[0.8, 0.9]]), "rc": np.array([[11.0, 12.0]])}, (1e6,))
    with pytest.raises(ValueError, match="do not bracket alpha_JE"):
        check_bracketing((1.0, 30.0), {"je": np.array([[0.8, 0.9]]), "rc": np.array([[0.0, 0.0]])}, (1e3,))
    check_bracketing((0.1, 30.0), {"je": np.array([[0.8]]), "rc": np.array([[0.0]])}, (1e3,))  # zero: bracketed


def test_run_grid_refuses_a_grid_that_does_not_bracket_before_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before validating the grid")

    monkeypatch.setattr(grid, "train", no_training)
    images, labels = synthetic_digits(400)
    cfg = GridConfig(alphas=(5.0, 10.0), seeds=(0,), n=300, k=5, n_noise=5, theta_max=1e4)
    with pytest.raises(ValueError, match="do not bracket"):
        run_grid(images, labels, cfg)


def test_run_grid_tiny_end_to_end(tmp_path):
    images, labels = synthetic_digits(400)
    cfg = GridConfig(
        alphas=(0.01, 1.0, 1e3),
        gamma_max=(1e6,),
        seeds=(0, 1),
        n=300,
        k=5,
        n_noise=5,
        mlp_hidden=((8,),),
        steps=5,
        batch_size=32,
    )
    result = run_grid(images, labels, cfg)
    assert set(result.distance) == {"closed form", "linear", "MLP 8"} and result.methods == ("je", "rc")
    assert result.distance["MLP 8"]["je"].shape == (1, 3, 2) and result.alpha["rc"].shape == (1, 2)
    back = grid.read(result.write(tmp_path / "g.json"))
    assert np.array_equal(back.distance["linear"]["rc"], result.distance["linear"]["rc"])
    assert np.array_equal(back.alpha["je"], result.alpha["je"]) and back.config == cfg
    meta = json.loads((tmp_path / "g.json").read_text())["provenance"]
    assert meta["parameters"]["n"] == 300 and {"torch", "numpy", "device", "wall_seconds"} <= set(meta)
