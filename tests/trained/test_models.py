"""trained/models.py and trained/variants.py: the trained variants hang off the method registry; each trainer
converges to its closed form on a toy instance; determinism; bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import TRAINED_TOY, TRAINED_TOY_ALPHA, trained_toy

from je_vs_rc import joint_embedding, reconstruction, supervised
from je_vs_rc.theory import methods
from je_vs_rc.theory.linalg import subspace_distance
from je_vs_rc.trained import variants as trained
from je_vs_rc.trained.models import Problems, TrainConfig, train


def problems(X, Y=None, models: int = 2) -> Problems:
    return Problems(
        X[None],
        np.zeros(models, int),
        np.tile(np.sqrt(TRAINED_TOY.lam_theta), (models, 1)),
        np.tile(TRAINED_TOY_ALPHA * np.sqrt(TRAINED_TOY.lam_gamma), (models, 1)),
        Y=None if Y is None else Y[None],
    )


def test_every_paper_method_has_a_trained_variant_under_its_registry_key():
    assert list(trained.TRAINED) == [m.key for m in methods.PAPER_METHODS]
    assert trained.trained_variant(methods.JOINT_EMBEDDING) is trained.TRAINED[methods.JOINT_EMBEDDING.key]
    with pytest.raises(ValueError, match="already has a trained variant"):
        trained.register_trained(methods.RECONSTRUCTION, trained.ReconstructionTraining())
    with pytest.raises(ValueError, match=r"method must be one of \[.*'rc'.*\]; got 'simclr'"):
        TrainConfig("simclr")


def test_a_method_without_a_trained_variant_is_refused():
    pca = methods.JointEmbedding("pca2", "PCA", "PCA", "#777777")  # a method object, registered or not
    with pytest.raises(ValueError, match=r"one with a trained variant, one of \['sl', 'je', 'rc'\]; got 'pca2'"):
        trained.trained_variant(pca)


@pytest.mark.parametrize("constraint", ["whiten", "penalty", "project"])
def test_je_trainer_finds_the_closed_form(constraint):
    X, _, Sigma = trained_toy()
    result = train(
        problems(X),
        TrainConfig("je", k=2, steps=400, batch_size=128, lr=0.05, optimizer="sgd", constraint=constraint, penalty=2.0),
    )
    W = joint_embedding(X, Sigma, 2)
    for F in result.encoder_matrix():
        assert subspace_distance(F, W) < 0.05


def test_rc_trainer_finds_the_closed_form():
    X, _, Sigma = trained_toy()
    result = train(problems(X), TrainConfig("rc", k=2, steps=400, batch_size=128, lr=0.05, optimizer="sgd"))
    E, _ = reconstruction(X, Sigma, 2)
    for F in result.encoder_matrix():
        assert subspace_distance(F, E) < 0.05
    assert result.decoder_matrix().shape == (2, 4, 2)


def test_sl_trainer_finds_eq46():
    X, Y, Sigma = trained_toy()
    result = train(problems(X, Y), TrainConfig("sl", steps=400, batch_size=128, lr=0.05, optimizer="sgd"))
    V = supervised(X, Y, Sigma)
    for F in result.encoder_matrix():
        assert np.linalg.norm(F - V) / np.linalg.norm(V) < 0.05
    with pytest.raises(ValueError, match="with a decoder"):
        result.decoder_matrix()


def test_the_comparison_hooks_score_the_closed_form_itself_as_optimal():
    # Each variant's hook, fed its own closed form, reports distance 0 and objective gap 0; fed a wrong
    # encoder (the noise directions), a large distance and a positive gap.
    X, Y, Sigma = trained_toy()
    E, D = reconstruction(X, Sigma, 2)
    own = {"sl": (supervised(X, Y, Sigma), None), "je": (joint_embedding(X, Sigma, 2), None), "rc": (E, D)}
    noise_rows = np.eye(4)[2:]
    for key, (F, Dec) in own.items():
        variant = trained.trained_variant(key)
        dist, gap = variant.against_closed_form(F, Dec, X, Y, Sigma, 2)
        assert dist < 1e-8 and abs(gap) < 1e-8, key
        if F.shape == noise_rows.shape:
            wrong_dist, wrong_gap = variant.against_closed_form(noise_rows, Dec, X, Y, Sigma, 2)
            assert wrong_dist > 0.5 and wrong_gap > 0.01, key


def test_mlp_trainer_learns_an_invariant_encoder():
    # A one-hidden-layer JE encoder must become far more invariant than at initialisation.
    X, _, _ = trained_toy()
    cfg = TrainConfig("je", k=2, hidden=(16,), steps=300, batch_size=128, lr=3e-3)
    first, last = train(problems(X), cfg).loss[[0, -1]].mean(axis=1)
    assert last < 0.5 * first


def test_vicreg_finds_the_closed_forms_subspace_on_the_toy():
    # VICReg's variance hinge and covariance penalty stand in for the constraint: on the toy setting a linear
    # encoder lands on the closed form's row space (not its scale).
    X, _, Sigma = trained_toy()
    cfg = TrainConfig("je", k=2, steps=800, batch_size=128, lr=1e-2, constraint="vicreg")
    W = joint_embedding(X, Sigma, 2)
    for F in train(problems(X), cfg).encoder_matrix():
        assert subspace_distance(F, W) < 0.05


def test_vicreg_loss_is_the_published_one():
    # Two views of a batch: the invariance, variance-hinge and covariance terms computed by hand.
    rng = np.random.default_rng(0)
    z = rng.standard_normal((1, 2, 6, 3)) * np.array([0.5, 1.0, 2.0])
    w = np.full((1, 6), 1 / 6)
    got = float(trained._vicreg(torch.as_tensor(z), torch.as_tensor(w))[0])
    inv = np.mean(np.sum((z[0, 0] - z[0, 1]) ** 2, axis=-1) / 3)
    var = cov = 0.0
    for v in z[0]:
        c = np.cov(v.T, bias=True)
        var += np.mean(np.maximum(0, 1 - np.sqrt(np.diag(c) + trained.VICREG_EPS)))
        cov += (np.sum(c**2) - np.sum(np.diag(c) ** 2)) / 3
    assert got == pytest.approx(25 * inv + 25 * var + cov, rel=1e-6)


def test_byol_trains_an_online_encoder_towards_its_moving_average_target():
    # BYOL's loss (2 - 2 cos between prediction and target, both views) falls well below its start; with the
    # target a moving average of the online encoder, the learned features are invariant to the augmentation.
    X, _, _ = trained_toy()
    result = train(
        problems(X), TrainConfig("je", k=2, hidden=(16,), steps=300, batch_size=128, lr=3e-3, constraint="byol")
    )
    first, last = result.loss[[0, -1]].mean(axis=1)
    assert last < 0.5 * first
    assert trained.trained_variant("je").target_momentum(TrainConfig("je", constraint="byol")) == trained.BYOL_MOMENTUM
    assert trained.trained_variant("je").target_momentum(TrainConfig("je")) is None


def test_training_is_deterministic():
    X, _, _ = trained_toy(200)
    cfg = TrainConfig("rc", k=2, steps=20, batch_size=32)
    a, b = train(problems(X), cfg), train(problems(X), cfg)
    assert np.array_equal(a.encoder_matrix(), b.encoder_matrix())


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="hidden-layer width"):
        TrainConfig("je", k=2, hidden=(0,))
    with pytest.raises(ValueError, match="project"):
        TrainConfig("je", hidden=(8,), constraint="project")
    with pytest.raises(
        ValueError, match=r"constraint must be one of \['whiten', 'penalty', 'project', 'vicreg', 'byol'\]; got 'soft'"
    ):
        TrainConfig("je", constraint="soft")
    X, _, _ = trained_toy(50)
    with pytest.raises(ValueError, match="method 'sl' needs labels"):
        train(problems(X), TrainConfig("sl"))
    with pytest.raises(ValueError, match="k must be in 1..d=4; got 5"):
        train(problems(X), TrainConfig("rc", k=5))
