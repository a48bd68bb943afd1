"""selfsup/: the batched views against the exact moments, the method registry and its hooks, the training
loop's independence from method names, bad input refused before training, and a tiny resumable grid."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import synthetic_digits

from je_vs_rc.parameters import ParameterError, validate
from je_vs_rc.selfsup import grid, methods
from je_vs_rc.selfsup.cells import TABLES
from je_vs_rc.selfsup.views import ViewMaker, translate
from je_vs_rc.simulate import nuisance as nz

SRC = Path(grid.__file__).parent


def test_views_have_the_moments_the_closed_forms_use():
    # Monte Carlo moments of the tensor pipeline match simulate.nuisance's exact ones (translations, pixel
    # noise, and the aligned noise's shift-averaged Gamma), so the closed forms predict these networks' views.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 784))
    P = np.linalg.qr(rng.standard_normal((784, 3)))[0]
    maker = ViewMaker(torch.as_tensor(P, dtype=torch.float64), 2.0, 1, 0.3)
    gen = torch.Generator().manual_seed(0)
    reps = 4000
    x = torch.as_tensor(np.repeat(X, reps, axis=0))
    views = maker(x, gen).reshape(4 * reps, 784).numpy()
    mom = nz.view_moments(X, 1, 0.3)
    exact = mom.C + nz.shift_average(4.0 * P @ P.T, 1)
    assert np.abs(views.reshape(4, reps, 784).mean(axis=1) - mom.Xbar).max() < 0.15
    empirical = views.T @ views / (4 * reps)
    assert np.abs(empirical - exact).max() < 0.15 * np.abs(exact).max()


def test_translate_uses_every_offset_and_fills_with_zero():
    img = torch.ones(2000, 1, 28, 28)
    out = translate(img, 1, torch.Generator().manual_seed(0))
    zero_rows = (out[:, 0, 0, :] == 0).all(dim=1).float().mean()
    assert 0.25 < zero_rows < 0.42  # a third of the views moved down by one pixel
    assert out.sum(dim=(1, 2, 3)).min() >= 28 * 28 - 2 * 28  # at most a row and a column lost


def test_registry_links_paradigms_and_refuses_duplicates():
    assert {m.name: m.paradigm for m in methods.METHODS.values()} == {
        "byol": "je",
        "vicreg": "je",
        "mae": "rc",
        "ae": "rc",
    }
    with pytest.raises(ValueError, match="already registered"):
        methods.register(methods.METHODS["byol"])
    with pytest.raises(ValueError, match="paradigm must be a self-supervised method"):
        methods.register(methods.Method("sup", "sl", methods.Autoencoder, "x"))
    with pytest.raises(ValueError, match=r"^method must be one of \['byol', 'vicreg', 'mae', 'ae'\]; got 'simclr'$"):
        methods.get("simclr")


def test_the_loop_knows_no_method():
    # The training loop and the grid call hooks only: no method name is compared anywhere outside the registry.
    for path in (SRC / "grid.py", SRC / "views.py"):
        text = path.read_text()
        for name in methods.METHODS:
            assert not re.search(rf"[\"']{name}[\"']", text), (path.name, name)


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_every_method_trains_and_its_hooks_run(name):
    x = torch.randn(64, 784)
    maker = ViewMaker(None, 0.0, 1, 0.1)
    model, curve = grid.train(name, x, maker, k=8, steps=6, batch_size=32, seed=0)
    assert np.all(np.isfinite(curve)) and not model.training
    assert model.features(x[:5].reshape(-1, 1, 28, 28)).shape == (5, 8)
    # The same seed gives the same initialisation and the same run (common random numbers across alphas).
    again, curve2 = grid.train(name, x, maker, k=8, steps=6, batch_size=32, seed=0)
    assert np.allclose(curve, curve2)
    # Probing at intermediate budgets reads the same run without changing it (no gradient, no RNG, no BN update).
    seen = []
    probed, curve3 = grid.train(name, x, maker, 8, 6, 32, 0, lambda t, m: seen.append((t, m.training)), (2, 4))
    assert seen == [(2, False), (4, False)] and np.array_equal(curve, curve3)
    assert all(torch.equal(p, q) for p, q in zip(again.state_dict().values(), probed.state_dict().values()))


def test_byol_target_follows_the_online_network():
    model = methods.BYOL(8)
    before = [p.clone() for p in model.target_encoder.parameters()]
    for p in model.encoder.parameters():
        p.data.add_(1.0)
    model.after_optimizer_step(methods.Step(0, 10))
    moved = [(q - b).abs().max().item() for q, b in zip(model.target_encoder.parameters(), before)]
    assert all(0.0 < m < 0.05 for m in moved)  # momentum 0.99..1: a small step towards the online weights


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"alphas": [-1.0, 1.0]}, "parameter alphas = [-1.0, 1.0] is not allowed"),
        ({"weak_level": 0.0}, "parameter weak_level = 0.0 is not allowed: it must be a finite real number > 0"),
        ({"methods": ["byol", "simclr"]}, "method must be one of ['byol', 'vicreg', 'mae', 'ae']; got 'simclr'"),
        ({"avoid": 740, "n_patterns": 64}, "avoid + n_patterns = 740 + 64 exceeds the image dimension 784"),
        ({"probes": [5, 20], "steps": 20}, "probes must be increasing step counts below steps = 20; got [5, 20]"),
    ],
)
def test_bad_input_is_one_line_before_training(values, message):
    with pytest.raises(ParameterError) as err:
        validate("13_nuisance", values)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.long
def test_tiny_grid_resumes_cell_by_cell(tmp_path, monkeypatch):
    train, ytrain = synthetic_digits(300, seed=0)
    test, ytest = synthetic_digits(100, seed=1)
    cfg = grid.GridConfig(
        nz.NuisanceConfig(n_patterns=4, avoid=10, k=4, n_train=200, n_test=100),
        alphas=(0.0, 3.0),
        methods=("vicreg", "ae"),
        seeds=(0, 1),
        steps=3,
        batch_size=16,
        probes=(1, 2),
    )
    args = (train.reshape(-1, 28, 28), ytrain, test.reshape(-1, 28, 28), ytest, cfg)
    path = tmp_path / "run.json"
    assert not grid.run_grid(*args, checkpoint=tmp_path / "none.json", max_seconds=0.0).cells  # out of time at once
    real_train, calls = grid.train, []

    def crashing(*a, **k):  # the machine goes down during the third run
        calls.append(a[0])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_train(*a, **k)

    monkeypatch.setattr(grid, "train", crashing)
    with pytest.raises(KeyboardInterrupt):
        grid.run_grid(*args, checkpoint=path)
    assert len(grid.read(path).cells) == 2  # what finished was written at once
    monkeypatch.setattr(grid, "train", lambda *a, **k: calls.append(a[0]) or real_train(*a, **k))
    full = grid.run_grid(*args, checkpoint=path)
    assert not full.missing() and len(calls) == 3 + len(cfg.cells()) - 2  # only the missing cells were trained
    payload = json.loads(path.read_text())
    assert payload["config"]["seeds"] == [0, 1] and len(payload["cells"]) == len(cfg.cells())
    assert {r["baseline"] for r in payload["baselines"]} == {"raw pixels", "random init"}
    assert {(r["level"], r["regime"]) for r in payload["levels"]} <= {("weak", "low"), ("strong", "high")}
    assert payload["provenance"]["code_commits"] and payload["provenance"]["load_averages"]
    assert payload["provenance"]["device"].endswith(", 1 torch thread") and payload["provenance"]["cpu_seconds"] > 0
    # Every network is read out after 1 and 2 of its 3 steps too, with the readouts of its budget.
    assert all([p["steps"] for p in c["probes"]] == [1, 2] and c["cpu_seconds"] > 0 for c in payload["cells"])
    assert set(payload["cells"][0]["probes"][0]) == {"steps", "top1", "top1_clean", "r2"}
    with pytest.raises(ValueError, match="another configuration"):
        grid.run_grid(
            *args[:4],
            grid.GridConfig(cfg.nuisance, alphas=(0.0,), methods=("ae",), seeds=(0,), steps=3, batch_size=16),
            checkpoint=path,
        )


@pytest.mark.long
def test_merge_joins_partial_runs_cell_by_cell_and_the_grid_resumes_the_rest(tmp_path):
    # Two processes ran pieces of one grid (one a seed, the other a level of the other seed, one cell twice);
    # merge joins them cell by cell, refuses pieces of another grid, and a rerun trains exactly what is missing.
    train, ytrain = synthetic_digits(200, seed=0)
    test, ytest = synthetic_digits(60, seed=1)
    nuisance = nz.NuisanceConfig(n_patterns=4, avoid=10, k=4, n_train=150, n_test=60)
    cfg = grid.GridConfig(nuisance, (0.0, 3.0), ("ae",), (0, 1), steps=2, batch_size=16, probes=(1,))
    mnist = (train.reshape(-1, 28, 28), ytrain, test.reshape(-1, 28, 28), ytest)
    strong = nz.NuisanceConfig(**{**cfg.nuisance.__dict__, "levels": {"strong": cfg.nuisance.levels["strong"]}})
    a = grid.run_grid(*mnist, replace(cfg, seeds=(0,)))
    b = grid.run_grid(*mnist, replace(cfg, nuisance=strong, seeds=(1,), alphas=(0.0,)))
    merged = grid.merge(cfg, [a, b, b])
    assert len(merged.cells) == len(a.cells) + len(b.cells) and merged.seeded() == {0}
    assert len(merged.provenance["parts"]) == 3 and merged.provenance["wall_seconds"] > 0
    missing = merged.missing()
    assert {c[3] for c in missing} == {1} and ("strong", 0.0, "ae", 1, 2) not in missing
    calls = []
    real_train = grid.train
    path = merged.write(tmp_path / "merged.json")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grid, "train", lambda *x, **k: calls.append(x[0]) or real_train(*x, **k))
        full = grid.run_grid(*mnist, cfg, checkpoint=path)
    assert not full.missing() and len(calls) == len(missing) and full.seeded() == {0, 1}
    assert len(full.levels) == 2 * len(cfg.nuisance.levels)  # the seed's untrained rows recomputed once
    # The same run given one more alignment: its seeds lack that alignment's closed forms, so they are not seeded.
    wider = grid.GridResult(replace(cfg, alphas=(0.0, 1.0, 3.0)), **{t: getattr(full, t) for t in TABLES})
    assert wider.seeded() == set() and full.seeded() == {0, 1}
    with pytest.raises(ValueError, match="another protocol"):
        grid.merge(cfg, [grid.GridResult(replace(cfg, steps=3))])
    with pytest.raises(ValueError, match="another protocol"):
        grid.merge(cfg, [grid.GridResult(replace(cfg, probes=()))])
    with pytest.raises(ValueError, match="not in the grid"):
        grid.merge(replace(cfg, seeds=(1,)), [a])
    twin = grid.GridResult(cfg, cells=[{**a.cells[0], "top1": -1.0}])
    with pytest.raises(ValueError, match="disagree"):
        grid.merge(cfg, [a, twin])


def test_committed_run_is_its_parameter_file_run():
    # params/nuisance_2400.json is what `python -m je_vs_rc.selfsup.grid params/nuisance_2400.yml ...` writes:
    # the same grid (so a rerun resumes it instead of refusing it), with every cell that finished in the grid.
    import yaml

    root = Path(__file__).resolve().parents[2] / "params"
    cfg = grid.NuisanceChapter.from_values(yaml.safe_load((root / "nuisance_2400.yml").read_text())).grid()
    result = grid.read(root / "nuisance_2400.json")
    assert result.config == cfg
    assert result.done() <= {grid.cell_key(*c) for c in cfg.cells()} and result.seeded() == set(cfg.seeds)


def test_features_of_computes_each_distinct_array_once_and_as_features_does(monkeypatch):
    """A clean cell's test and clean-test images are one array: its features are computed once, equal to
    features() of each input; distinct arrays keep their own features, also across calls sharing ``seen``."""
    torch.manual_seed(0)
    model = methods.SelfSupModel(4).eval()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 784)), rng.standard_normal((5, 784))
    expected = {"x": grid.features(model, x), "y": grid.features(model, y)}
    calls = []
    real = grid.features
    monkeypatch.setattr(grid, "features", lambda m, images: calls.append(images) or real(m, images))
    seen: dict = {}
    first = grid.features_of(model, {"test": x, "test_clean": x}, seen)
    second = grid.features_of(model, {"train": y, "test_clean": x}, seen)
    assert len(calls) == 2
    assert np.array_equal(first["test"], expected["x"]) and np.array_equal(first["test_clean"], expected["x"])
    assert np.array_equal(second["train"], expected["y"]) and np.array_equal(second["test_clean"], expected["x"])
