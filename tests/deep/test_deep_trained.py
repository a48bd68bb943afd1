"""Chapter 12: trainers converge to known answers, the metric and the curve summary, bad input, the chapter."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

torch = pytest.importorskip("torch")

from je_vs_rc import Setting, joint_embedding, reconstruction, supervised  # noqa: E402
from je_vs_rc.deep.trained import Problems, TrainConfig, train  # noqa: E402
from je_vs_rc.deep.trained_grid import (GridConfig, check_bracketing, probe_mse, run_grid,  # noqa: E402
                                        summarize)
from je_vs_rc.deep.trained_linear import penalty_feature_scales  # noqa: E402
from je_vs_rc.theory.linalg import subspace_distance  # noqa: E402
from je_vs_rc.theory.setting import augmented_moments  # noqa: E402

# A toy instance with well-separated spectra: every closed form has a large eigengap.
SETTING = Setting(np.array([4.0, 2.0]), np.array([0.5, 0.5, 0.1, 0.1]), np.array([0.0, 0.0, 1.0, 0.5]))
ALPHA = 1.0


def _toy(n: int = 800, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = SETTING.clean_data(n, rng) + SETTING.corruption(n, rng)
    Y = X @ rng.standard_normal((4, 2))
    return X, Y, SETTING.sigma(ALPHA)


def _problems(X, Y=None, models: int = 2) -> Problems:
    return Problems(X[None], np.zeros(models, int), np.tile(np.sqrt(SETTING.lam_theta), (models, 1)),
                    np.tile(ALPHA * np.sqrt(SETTING.lam_gamma), (models, 1)), Y=None if Y is None else Y[None])


@pytest.mark.parametrize("constraint", ["whiten", "penalty", "project"])
def test_je_trainer_finds_the_closed_form(constraint):
    X, _, Sigma = _toy()
    trained = train(_problems(X), TrainConfig("je", k=2, steps=400, batch_size=128, lr=0.05, optimizer="sgd",
                                              constraint=constraint, penalty=2.0))
    W = joint_embedding(X, Sigma, 2)
    for F in trained.encoder_matrix():
        assert subspace_distance(F, W) < 0.05


def test_rc_trainer_finds_the_closed_form():
    X, _, Sigma = _toy()
    trained = train(_problems(X), TrainConfig("rc", k=2, steps=400, batch_size=128, lr=0.05, optimizer="sgd"))
    E, _ = reconstruction(X, Sigma, 2)
    for F in trained.encoder_matrix():
        assert subspace_distance(F, E) < 0.05


def test_sl_trainer_finds_eq46():
    X, Y, Sigma = _toy()
    trained = train(_problems(X, Y), TrainConfig("sl", steps=400, batch_size=128, lr=0.05, optimizer="sgd"))
    V = supervised(X, Y, Sigma)
    for F in trained.encoder_matrix():
        assert np.linalg.norm(F - V) / np.linalg.norm(V) < 0.05


def test_mlp_trainer_learns_an_invariant_encoder():
    # A one-hidden-layer JE encoder must become far more invariant than at initialisation.
    X, _, _ = _toy()
    cfg = TrainConfig("je", k=2, hidden=(16,), steps=300, batch_size=128, lr=3e-3)
    first, last = train(_problems(X), cfg).loss[[0, -1]].mean(axis=1)
    assert last < 0.5 * first


def test_training_is_deterministic():
    X, _, _ = _toy(200)
    cfg = TrainConfig("rc", k=2, steps=20, batch_size=32)
    a, b = train(_problems(X), cfg), train(_problems(X), cfg)
    assert np.array_equal(a.encoder_matrix(), b.encoder_matrix())


def test_penalty_optimum_matches_direct_minimisation():
    # Minimise 2 Tr(W Sigma W^T) + lam ||W S W^T - I||^2 numerically and compare W S W^T's eigenvalues.
    X, _, Sigma = _toy(400)
    S, G = augmented_moments(X, Sigma)
    omega = np.linalg.eigvalsh(np.linalg.solve(np.linalg.cholesky(S), np.linalg.solve(np.linalg.cholesky(S), G).T))[::-1]
    for lam in (0.05, 0.15, 5.0):
        def loss(w):
            W = w.reshape(2, 4)
            return 2 * np.trace(W @ Sigma @ W.T) + lam * np.sum((W @ S @ W.T - np.eye(2)) ** 2)
        best = min((optimize.minimize(loss, np.random.default_rng(s).standard_normal(8), method="BFGS",
                                      options={"gtol": 1e-10}) for s in range(4)), key=lambda r: r.fun)
        W = best.x.reshape(2, 4)
        got = np.sort(np.linalg.eigvalsh(W @ S @ W.T))[::-1]
        assert np.allclose(got, penalty_feature_scales(omega, 2, lam), atol=1e-4)
    # A wrong formula (no collapse) would predict a negative scale for lam = 0.15 here.
    assert np.any(1 - (1 - omega[:2]) / 0.15 < 0)


def test_probe_mse_known_answers():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((300, 3))
    F = np.hstack([Y @ rng.standard_normal((3, 3)), rng.standard_normal((300, 2))])
    assert probe_mse(F, Y) < 1e-20
    # The intercept absorbs shifts, and any invertible map leaves the probe unchanged.
    noise = rng.standard_normal((300, 4))
    T = rng.standard_normal((4, 4))
    assert np.isclose(probe_mse(noise, Y), probe_mse(noise @ T + 5.0, Y))
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


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="hidden-layer width"):
        TrainConfig("je", k=2, hidden=(0,))
    with pytest.raises(ValueError, match="mlp_hidden|hidden-layer width"):
        GridConfig(mlp_hidden=((0,),))
    with pytest.raises(ValueError, match="seeds must name at least one seed"):
        GridConfig(seeds=())
    with pytest.raises(ValueError, match="do not bracket alpha_RC"):
        check_bracketing((0.1, 1.0, 5.0), np.array([[0.8, 0.9]]), np.array([[11.0, 12.0]]), (1e6,))
    with pytest.raises(ValueError, match="do not bracket alpha_JE"):
        check_bracketing((1.0, 30.0), np.array([[0.8, 0.9]]), np.array([[0.0, 0.0]]), (1e3,))
    check_bracketing((0.1, 30.0), np.array([[0.8]]), np.array([[0.0]]), (1e3,))  # a zero threshold is bracketed
    with pytest.raises(ValueError, match="project"):
        TrainConfig("je", hidden=(8,), constraint="project")


def test_run_grid_refuses_a_grid_that_does_not_bracket_before_training(monkeypatch):
    import je_vs_rc.deep.trained_grid as grid

    def no_training(*args, **kwargs):
        raise AssertionError("trained before validating the grid")

    monkeypatch.setattr(grid, "train", no_training)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (400, 784)).astype(np.uint8)
    labels = rng.integers(0, 10, 400)
    cfg = GridConfig(alphas=(5.0, 10.0), seeds=(0,), n=300, k=5, n_noise=5, theta_max=1e4)
    with pytest.raises(ValueError, match="do not bracket"):
        run_grid(images, labels, cfg)


@pytest.mark.slow
def test_run_grid_tiny_end_to_end(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (400, 784)).astype(np.uint8)
    labels = rng.integers(0, 10, 400)
    cfg = GridConfig(alphas=(0.01, 1.0, 1e3), gamma_max=(1e6,), seeds=(0, 1), n=300, k=5, n_noise=5,
                     mlp_hidden=((8,),), steps=5, batch_size=32)
    result = run_grid(images, labels, cfg)
    assert set(result.distance) == {"closed form", "linear", "MLP 8"}
    assert result.distance["MLP 8"]["je"].shape == (1, 3, 2)
    back = type(result).from_json(__import__("json").loads(result.write(tmp_path / "g.json").read_text()))
    assert np.array_equal(back.distance["linear"]["rc"], result.distance["linear"]["rc"])
    assert back.provenance["parameters"]["n"] == 300


@pytest.mark.slow
@pytest.mark.data
def test_chapter_runs_through_the_runner(tmp_path):
    from je_vs_rc import run
    from test_runner import glued

    out = run.run_chapter("trained_networks", {"seeds": [0, 1], "mlp_hidden": [[16]],
                                               "save_path": str(tmp_path / "grid.json")}, out_dir=tmp_path)
    values = glued(out)
    assert float(values["tr_worst_gap"]) < 1e-2
    assert values["tr_archs"] == "'MLP 16'"
    assert (tmp_path / "grid.json").exists()
