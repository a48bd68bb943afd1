"""trained/grid.py: the probe metric, the curve summary, the grid's validation before training, a tiny
end-to-end grid and its JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jupytext
import numpy as np
import pytest
import yaml
from helpers import synthetic_digits

import je_vs_rc.trained.grid as grid
from je_vs_rc import run
from je_vs_rc.config import ParameterError, build
from je_vs_rc.parameters.chapters import TrainedNetworks
from je_vs_rc.simulate.figure3 import Fig3Config
from je_vs_rc.trained import grid_config, results
from je_vs_rc.trained.grid import GridConfig, check_bracketing, probe_mse, run_grid
from je_vs_rc.trained.linear import LinearStudyConfig


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


def test_grid_methods_are_the_registrys_self_supervised_methods():
    assert grid_config.grid_methods() == ("je", "rc")


def test_bad_grid_input_is_a_clear_error():
    # The kinds of chapter 12's parameters (``parameters.TrainedNetworks``), named as the config names them.
    with pytest.raises(ParameterError, match=r"parameter mlp_hidden = \(\(0,\),\) is not allowed"):
        GridConfig(mlp_hidden=((0,),))
    with pytest.raises(
        ParameterError, match=r"parameter seeds = \(0,\) is not allowed: it must be a list of at least 2"
    ):
        GridConfig(seeds=(0,))
    with pytest.raises(
        ParameterError, match=r"parameter steps = \(300,\) is not allowed: it must be a list of at least 2"
    ):
        GridConfig(steps=(300,))
    with pytest.raises(
        ParameterError, match=r"parameter objectives = \('simclr',\) is not allowed: .* 'vicreg', 'byol'"
    ):
        GridConfig(objectives=("simclr",))
    with pytest.raises(ParameterError, match=r"parameter alphas = \(3.0, 1.0\) is not allowed: .*increasing order"):
        GridConfig(alphas=(3.0, 1.0))
    with pytest.raises(ParameterError, match=r"parameter k = 0 is not allowed"):
        GridConfig(k=0)
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
    cfg = GridConfig(alphas=(5.0, 10.0), seeds=(0, 1), n=300, k=5, n_noise=5, theta_max=1e4)
    with pytest.raises(ValueError, match="do not bracket"):
        run_grid(images, labels, cfg)


def tiny_config(**kwargs) -> GridConfig:
    base = dict(
        alphas=(0.01, 1.0, 1e3),
        gamma_max=(1e6,),
        seeds=(0, 1),
        n=300,
        k=5,
        n_noise=5,
        mlp_hidden=((8,),),
        steps=(3, 6),
        batch_size=32,
        objectives=("vicreg", "byol"),
    )
    return GridConfig(**{**base, **kwargs})


def test_run_grid_tiny_end_to_end(tmp_path):
    images, labels = synthetic_digits(400)
    cfg = tiny_config()
    result = run_grid(images, labels, cfg)
    assert set(result.mse) == {"closed form", "linear", "MLP 8"} and result.methods == ("je", "rc")
    assert list(result.mse["MLP 8"]) == ["je", "rc", "je vicreg", "je byol"] and list(result.mse["linear"]) == [
        "je",
        "rc",
    ]
    cells = result.mse["MLP 8"]["je byol"]
    assert cells["clean"].shape == (2, 1, 3, 2) and result.alpha["rc"].shape == (1, 2)
    # The replicate trains at the last budget only; a closed form's replicate is itself.
    assert np.isnan(cells["replicate"][0]).all() and np.isfinite(cells["replicate"][1]).all()
    assert not np.array_equal(cells["replicate"][1], cells["clean"][1])
    assert np.array_equal(result.mse["closed form"]["je"]["replicate"], result.mse["closed form"]["je"]["clean"])
    assert result.loss["linear"]["rc"].shape == (1, 3, 3, results.LOSS_POINTS)
    back = grid.read(result.write(tmp_path / "g.json"))
    assert np.array_equal(back.mse["linear"]["rc"]["corrupted"], result.mse["linear"]["rc"]["corrupted"])
    assert np.array_equal(back.alpha["je"], result.alpha["je"]) and back.config == cfg
    meta = json.loads((tmp_path / "g.json").read_text())["provenance"]
    assert meta["parameters"]["n"] == 300 and {"torch", "numpy", "device", "wall_seconds", "trained_seconds"} <= set(
        meta
    )


def test_a_checkpointed_run_resumes_and_collects_what_finished(tmp_path, monkeypatch):
    images, labels = synthetic_digits(400)
    cfg = tiny_config(objectives=(), mlp_hidden=((4,),))
    calls = []
    real_train = grid.train

    def counting(problems, training):
        calls.append(training.steps)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the run is killed in its third unit
        return real_train(problems, training)

    monkeypatch.setattr(grid, "train", counting)
    with pytest.raises(KeyboardInterrupt):
        run_grid(images, labels, cfg, checkpoint=tmp_path / "ck")
    partial = run_grid(images, labels, cfg, checkpoint=tmp_path / "ck", train_missing=False)
    rest = ["linear__rc__3", "linear__rc__6", "MLP 4__je__3", "MLP 4__je__6", "MLP 4__rc__3", "MLP 4__rc__6"]
    assert partial.missing == rest and list(partial.mse) == ["closed form", "linear"]
    assert list(partial.mse["linear"]) == ["je"]
    monkeypatch.setattr(grid, "train", real_train)
    done = run_grid(images, labels, cfg, checkpoint=tmp_path / "ck")
    assert done.missing == [] and len(calls) == 3  # the two finished units were not trained again
    fresh = run_grid(images, labels, cfg)
    assert np.array_equal(done.mse["linear"]["je"]["clean"], fresh.mse["linear"]["je"]["clean"], equal_nan=True)
    only = run_grid(images, labels, cfg, checkpoint=tmp_path / "other", only=[("linear", "rc")])
    assert only.missing[:2] == ["linear__je__3", "linear__je__6"] and list(only.mse["linear"]) == ["rc"]
    with pytest.raises(ValueError, match="holds another configuration's units"):
        run_grid(images, labels, tiny_config(objectives=(), mlp_hidden=((4,),), n=200), checkpoint=tmp_path / "ck")


def test_the_chapter_config_is_the_grid_configs_one_source():
    # Every grid field is declared like a chapter parameter (or Figure 3's protocol), so the chapter's defaults
    # are the grid's; every chapter parameter feeds Part 1 or Part 2, or is the page's own (what to show, where
    # to write).
    chapter = TrainedNetworks()
    assert build(GridConfig, chapter) == GridConfig()
    sources = {f.metadata["like"] for f in dataclasses.fields(GridConfig)}
    sources |= {f.metadata["like"] for f in dataclasses.fields(LinearStudyConfig)}
    page = {"results_path", "checkpoint_path", "save_path"}
    fed = {name for source, name in sources if source is TrainedNetworks}
    assert fed | page == set(TrainedNetworks.names()) and not fed & page
    assert {source for source, _ in sources} == {TrainedNetworks, Fig3Config}
    changed = build(GridConfig, TrainedNetworks(grid_alphas=[0.2, 2.0], grid_steps=[10, 20], objectives=[]))
    assert (changed.alphas, changed.steps, changed.objectives) == ((0.2, 2.0), (10, 20), ())


def test_the_chapter_builds_its_grid_config_from_its_parameters_without_renaming():
    # Part 2's configuration is built from the chapter's config, never field by field (a renamed copy drifts).
    source = "\n".join(c.source for c in jupytext.read(run.chapters()["12_trained_networks"]).cells)
    assert "build(trained_grid.GridConfig, chapter)" in source
    assert "GridConfig(" not in source.replace("trained_grid.GridConfig, chapter", "")


def test_the_checkpoint_key_is_stable_across_number_types_and_matches_the_committed_run():
    assert tiny_config(alphas=(1, 10, 1000)).key() == tiny_config(alphas=(1.0, 10.0, 1000.0)).key()
    assert tiny_config().key() != tiny_config(lr=1e-3).key()
    committed = json.loads((Path(run.REPO) / "params" / "trained_networks_large.json").read_text())["config"]
    # The key of the checkpoints the committed run was trained into (its folder's config.json), so a rerun
    # of params/trained_networks_large.yml resumes from them.
    assert GridConfig(**committed).key() == "fe88f1df1f290496"


def test_the_committed_run_is_complete_and_is_what_its_parameters_file_trains():
    # One command reproduces it: the parameters file, through the chapter's config, gives the run's configuration,
    # and the committed grid holds every unit of it.
    params = yaml.safe_load((Path(run.REPO) / "params" / "trained_networks_large.yml").read_text())
    chapter = TrainedNetworks.from_values(params)
    committed = grid.read(Path(run.REPO) / "params" / "trained_networks_large.json")
    assert build(GridConfig, chapter) == committed.config and committed.missing == []
    for arch in committed.config.archs:
        assert list(committed.mse[arch]) == list(committed.config.variants(arch))
