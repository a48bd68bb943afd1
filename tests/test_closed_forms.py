"""Each closed form against a numerical optimum of its exact objective, on random instances."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from je_vs_rc import joint_embedding, reconstruction, supervised
from je_vs_rc.linalg import subspace_distance
from je_vs_rc.verify import (check_joint_embedding_optimum, check_reconstruction_optimum,
                             check_supervised_optimum)

from conftest import random_setting

instances = st.tuples(st.integers(0, 2**32 - 1), st.integers(3, 6), st.data())


def _instance(seed: int, d: int, data: st.DataObject):
    k = data.draw(st.integers(1, d - 1), label="k")
    n = data.draw(st.integers(d + 2, 60), label="n")
    alpha = data.draw(st.floats(0.0, 3.0), label="alpha")
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, d, k)
    X = setting.clean_data(n, rng) + setting.corruption(n, rng)
    return rng, setting, X, setting.sigma(alpha), k


@settings(max_examples=15, deadline=None)
@given(instances)
def test_supervised_is_the_optimum(args):
    rng, _, X, Sigma, _ = _instance(*args)
    check_supervised_optimum(X, rng.standard_normal((X.shape[0], 2)), Sigma, rng)


@settings(max_examples=10, deadline=None)
@given(instances)
def test_reconstruction_is_the_optimum(args):
    rng, _, X, Sigma, k = _instance(*args)
    check_reconstruction_optimum(X, Sigma, k, rng, starts=3)


@settings(max_examples=10, deadline=None)
@given(instances)
def test_joint_embedding_is_the_optimum(args):
    rng, _, X, Sigma, k = _instance(*args)
    check_joint_embedding_optimum(X, Sigma, k, rng, starts=2)


def test_reconstruction_beats_perturbations(toy):
    # Independent of the optimiser: small perturbations of the closed form never lower the loss.
    from je_vs_rc.reconstruction import reconstruction_objective

    rng = np.random.default_rng(1)
    X = toy.clean_data(30, rng) + toy.corruption(30, rng)
    Sigma = toy.sigma(0.5)
    E, D = reconstruction(X, Sigma, 2)
    best = reconstruction_objective(E, D, X, Sigma)
    for _ in range(50):
        dE, dD = 1e-3 * rng.standard_normal(E.shape), 1e-3 * rng.standard_normal(D.shape)
        assert reconstruction_objective(E + dE, D + dD, X, Sigma) >= best - 1e-12


def test_joint_embedding_matches_generalised_eigenproblem_by_hand():
    # A 2-d case solvable on paper: S = diag(2, 1), G = diag(1, 0.9): ratios 0.5 and 0.9 -> picks e2.
    X = np.array([[np.sqrt(2.0), 0.0], [0.0, np.sqrt(1.8)]])  # G = X^T X / 2 = diag(1, 0.9)
    Sigma = np.diag([1.0, 0.1])
    W = joint_embedding(X, Sigma, 1)
    assert subspace_distance(W, np.array([[0.0, 1.0]])) < 1e-12
    np.testing.assert_allclose(abs(W[0, 1]), 1.0)  # W S W^T = 1 with S_22 = 1


def test_supervised_ridge_scalar_case():
    # d = l = 1: V = (x.y/n) / (x.x/n + sigma).
    X = np.array([[1.0], [2.0], [3.0]])
    Y = np.array([[2.0], [4.1], [5.9]])
    V = supervised(X, Y, np.array([[0.5]]))
    assert V.shape == (1, 1)
    np.testing.assert_allclose(V[0, 0], (X[:, 0] @ Y[:, 0] / 3) / (X[:, 0] @ X[:, 0] / 3 + 0.5))
