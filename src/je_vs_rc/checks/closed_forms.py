"""Checks of the closed forms (section 2, Lemma B.1, eq. 46, Thm 3.1, Thm 3.2): the moments of the
setting against sampling, and each closed form against a numerical optimum of its exact objective."""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from ..theory.joint_embedding import (
    joint_embedding,
    joint_embedding_constraint,
    joint_embedding_from_moments,
    joint_embedding_objective,
)
from ..theory.linalg import single_threaded_module, subspace_distance, sym_inv_sqrt
from ..theory.reconstruction import reconstruction, reconstruction_objective
from ..theory.setting import Setting, augmented_moments, monte_carlo_moments
from ..theory.supervised import augmented_risk_monte_carlo, supervised, supervised_objective
from .claims import IDENTITY_ATOL, claim

# Monte-Carlo estimates must lie within this many standard errors of the exact value (a 6-sigma
# event has probability ~2e-9 per entry, so a correct formula essentially never fails).
MC_SIGMAS = 6.0
# Closed form vs a numerical optimiser (L-BFGS on (SSL-RC)), relative objective gap. Achieved: <= 1.6e-13
# on the book's instance and on 25 random instances of the tests; ~600x margin.
CLOSED_FORM_RTOL = 1e-10
# Eq. 46: closed-form V vs L-BFGS's argmin, relative (the argmin is less precise than the value).
# Achieved: <= 3.4e-8 (book's instance at alpha = 1, 2.5, 3 and the random instances); 30x margin.
SUPERVISED_ARGMIN_RTOL = 1e-6
# Thm 3.1: best numerical encoder's row space vs the closed form's. Achieved: 2.7e-7 (book's instance,
# alpha = 1), 2.7e-6 (alpha = 2.5), <= 3.5e-7 on the random instances; ~40x margin.
RC_ROW_SPACE_TOL = 1e-4
# Thm 3.2: SLSQP's end point must satisfy W S W^T = I to this accuracy before it is projected onto the
# constraint (SLSQP meets equality constraints only to its own tolerance; achieved ~1e-9).
SLSQP_FEASIBILITY_TOL = 1e-4
# Thm 3.2: row space of the closed form vs scipy.linalg.eigh(G, S). Achieved: <= 2.3e-14; ~4000x margin.
EIGH_SUBSPACE_TOL = 1e-10
# Thm 3.2: SLSQP objective (projected onto the constraint) vs the closed form, relative to
# max(1, objective). Achieved: <= 3.8e-14; ~250x margin.
JE_OBJECTIVE_RTOL = 1e-11
# Lemma B.1 and the moments are checked at the chapter's alpha and also here: at alpha = 0 or 1,
# alpha and alpha^2 coincide, so a Sigma with alpha in place of alpha^2 would pass unnoticed.
SQUARE_PROBE_ALPHA = 2.5


def check_moments(setting: Setting, alpha: float, n: int, n_views: int, rng: np.random.Generator) -> dict[str, float]:
    """Section 2: S, G and Sigma of T(alpha) equal their Monte-Carlo estimates.

    Compares ``Sigma = Theta + alpha^2 Gamma`` (and ``S = G + Sigma``, ``G = X^T X/n``) with
    moments of ``n_views`` sampled views per point; the error must be within ``MC_SIGMAS``
    standard errors (entries of a Wishart average: sd ~ sqrt(2/(n n_views)) x scale).
    """
    X = setting.clean_data(n, rng)
    Sigma = setting.sigma(alpha)
    S, G = augmented_moments(X, Sigma)
    S_mc, G_mc, Sigma_mc = monte_carlo_moments(setting.augmentation(alpha).sample(X, n_views, rng))
    scale = np.sqrt(np.outer(np.diag(S), np.diag(S)))
    se = scale * np.sqrt(2.0 / (n * n_views))
    errors = {
        name: float(np.max(np.abs(est - exact) / se))
        for name, est, exact in (("S", S_mc, S), ("Sigma", Sigma_mc, Sigma * (n_views - 1) / n_views))
    }
    # G from the views' sample means carries Sigma / n_views of extra energy: the exact expectation.
    errors["G"] = float(np.max(np.abs(G_mc - (G + Sigma / n_views)) / se))
    for name, z in errors.items():
        claim(z < MC_SIGMAS, f"Monte-Carlo {name} is {z:.1f} standard errors from the exact moment")
    return errors


def check_lemma_b1(
    setting: Setting, alpha: float, n: int, n_views: int, n_labels: int, rng: np.random.Generator
) -> dict[str, dict[str, float]]:
    """Lemma B.1: the augmented risk equals the ridge objective ``(1/n)||Y - X V^T||^2 + ||V||_Sigma^2``.

    The Monte-Carlo risk over ``n_views`` sampled views must lie within ``MC_SIGMAS`` standard errors of
    the ridge form for a random V and for its two parts: V on the directions Gamma leaves out (its null
    space, the signal directions), where the penalty is Theta's term alone, and V on the others, where
    Theta + alpha^2 Gamma acts. On the whole V one term can hide the other (on the book's instance
    Theta's is ~1% of the loss, ~6 standard errors): split, a ridge form missing Theta, or Gamma, or
    the square is off by far more than ``MC_SIGMAS`` on its part. Returns, per part ("full", "theta",
    "gamma"), the exact value, the Monte-Carlo estimate and its standard error.
    """
    X = setting.clean_data(n, rng)
    Y = rng.standard_normal((n, n_labels))
    V = rng.standard_normal((n_labels, setting.d))
    Sigma = setting.sigma(alpha)
    null = setting.Q_gamma[:, : setting.k]  # lam_gamma is 0 on the first k directions of Gamma's basis
    V_theta = V @ null @ null.T
    parts = {"full": V, "theta": V_theta, "gamma": V - V_theta}
    family = setting.augmentation(alpha)
    per_view = {name: np.empty(n_views) for name in parts}
    for j in range(n_views):
        views = family.sample(X, 1, rng)
        for name, Vp in parts.items():
            per_view[name][j] = augmented_risk_monte_carlo(Vp, views, Y)
    what = {"full": "a random V", "theta": "V on Gamma's null space (Theta's term)", "gamma": "V on Gamma's range"}
    out = {}
    for name, Vp in parts.items():
        exact = supervised_objective(Vp, X, Y, Sigma)
        mc, se = float(per_view[name].mean()), float(per_view[name].std(ddof=1) / np.sqrt(n_views))
        claim(
            abs(mc - exact) < MC_SIGMAS * se,
            f"Lemma B.1 for {what[name]}: Monte-Carlo risk {mc:.5g} vs exact {exact:.5g} "
            f"({abs(mc - exact) / se:.1f} s.e.)",
        )
        out[name] = {"exact": exact, "monte_carlo": mc, "standard_error": se}
    return out


def check_supervised_optimum(
    X: np.ndarray, Y: np.ndarray, Sigma: np.ndarray, rng: np.random.Generator
) -> dict[str, float]:
    """Eq. 46 is the minimiser of the exact objective (eq. 44), found by scipy's L-BFGS."""
    V = supervised(X, Y, Sigma)
    shape = V.shape

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        Vm = v.reshape(shape)
        grad = -2 * (Y - X @ Vm.T).T @ X / X.shape[0] + 2 * Vm @ Sigma
        return supervised_objective(Vm, X, Y, Sigma), grad.ravel()

    res = optimize.minimize(
        fun,
        rng.standard_normal(V.size),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000},
    )
    rel = float(np.linalg.norm(res.x.reshape(shape) - V) / np.linalg.norm(V))
    gap = float(res.fun - supervised_objective(V, X, Y, Sigma))
    claim(
        rel < SUPERVISED_ARGMIN_RTOL and gap > -IDENTITY_ATOL,
        f"eq. 46: closed form and numerical optimum differ (relative {rel:.2g}, objective gap {gap:.2g})",
    )
    return {"relative_difference": rel, "objective_gap": gap}


def check_reconstruction_optimum(
    X: np.ndarray, Sigma: np.ndarray, k: int, rng: np.random.Generator, starts: int = 5
) -> dict[str, float]:
    """Thm 3.1: numerical optima of (SSL-RC) from random starts match the closed form.

    Checks (i) no start beats the closed-form objective and the best reaches it, (ii) the best
    numerical encoder equals ``T E*`` for an invertible T (same row space), and (iii) ``(T E*, D* T^-1)``
    for a random T has the same objective (the freedom in T).
    """
    n, d = X.shape
    E, D = reconstruction(X, Sigma, k)
    best = reconstruction_objective(E, D, X, Sigma)
    S, G = augmented_moments(X, Sigma)

    def fun(p: np.ndarray) -> tuple[float, np.ndarray]:
        Em, Dm = p[: k * d].reshape(k, d), p[k * d :].reshape(d, k)
        M = Dm @ Em
        value = float(np.trace(G) - 2 * np.trace(M @ G) + np.trace(M @ S @ M.T))
        gM = 2 * (M @ S - G)
        return value, np.concatenate([(Dm.T @ gM).ravel(), (gM @ Em.T).ravel()])

    runs = [
        optimize.minimize(
            fun,
            rng.standard_normal(2 * k * d),
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-11, "ftol": 1e-15, "maxiter": 20_000},
        )
        for _ in range(starts)
    ]
    values = np.array([r.fun for r in runs])
    top = runs[int(values.argmin())]
    E_num = top.x[: k * d].reshape(k, d)
    gap = float(values.min() - best)
    dist = subspace_distance(E_num, E)
    T = rng.standard_normal((k, k)) + 3 * np.eye(k)
    t_gap = abs(reconstruction_objective(T @ E, D @ np.linalg.inv(T), X, Sigma) - best)
    claim(gap > -CLOSED_FORM_RTOL * abs(best), f"Thm 3.1: a numerical start beat the closed form by {-gap:.3g}")
    claim(gap < CLOSED_FORM_RTOL * abs(best), f"Thm 3.1: best numerical objective is {gap:.3g} above the closed form")
    claim(dist < RC_ROW_SPACE_TOL, f"Thm 3.1: numerical encoder's row space is {dist:.3g} from the closed form's")
    claim(t_gap < IDENTITY_ATOL * max(1.0, abs(best)), f"Thm 3.1: (T E, D T^-1) changed the objective by {t_gap:.3g}")
    return {
        "objective": best,
        "objective_gap": gap,
        "subspace_distance": dist,
        "t_freedom_gap": t_gap,
        "worst_start_gap": float(values.max() - best),
    }


def check_joint_embedding_optimum(
    X: np.ndarray, Sigma: np.ndarray, k: int, rng: np.random.Generator, starts: int = 3
) -> dict[str, float]:
    """Thm 3.2: the closed form solves (SSL-JE).

    Checks ``W S W^T = I_k``; the same eigenvalues and row space as ``scipy.linalg.eigh(G, S)``; and
    that SLSQP on the constrained problem from random feasible starts reaches the same objective.
    """
    S, G = augmented_moments(X, Sigma)
    W = joint_embedding(X, Sigma, k)
    d = X.shape[1]
    constraint_err = float(np.abs(joint_embedding_constraint(W, S) - np.eye(k)).max())
    omega = joint_embedding_from_moments(S, G, k)[1]
    ref_vals, ref_vecs = linalg.eigh(G, S)
    eig_err = float(np.abs(ref_vals[::-1][:k] - omega[:k]).max())
    ref_dist = subspace_distance(ref_vecs[:, ::-1][:, :k].T, W)
    best = joint_embedding_objective(W, Sigma)
    iu = np.triu_indices(k)

    def feasible(A: np.ndarray) -> np.ndarray:
        return sym_inv_sqrt(A @ S @ A.T) @ A

    values = []
    for _ in range(starts):
        res = optimize.minimize(
            lambda w: joint_embedding_objective(w.reshape(k, d), Sigma),
            feasible(rng.standard_normal((k, d))).ravel(),
            method="SLSQP",
            constraints={
                "type": "eq",
                "fun": lambda w: (joint_embedding_constraint(w.reshape(k, d), S) - np.eye(k))[iu],
            },
            options={"ftol": 1e-13, "maxiter": 2_000},
        )
        viol = np.abs(joint_embedding_constraint(res.x.reshape(k, d), S) - np.eye(k)).max()
        claim(viol < SLSQP_FEASIBILITY_TOL, f"Thm 3.2 check: SLSQP ended infeasible (violation {viol:.2g})")
        # SLSQP meets the constraint only to its own tolerance: project onto it exactly before comparing.
        values.append(joint_embedding_objective(feasible(res.x.reshape(k, d)), Sigma))
    gap = float(min(values) - best)
    claim(constraint_err < IDENTITY_ATOL, f"Thm 3.2: W S W^T differs from I by {constraint_err:.3g}")
    claim(
        eig_err < IDENTITY_ATOL and ref_dist < EIGH_SUBSPACE_TOL,
        f"Thm 3.2: differs from scipy.linalg.eigh(G, S) (eigenvalues {eig_err:.3g}, subspace {ref_dist:.3g})",
    )
    claim(
        abs(gap) < JE_OBJECTIVE_RTOL * max(1.0, best),
        f"Thm 3.2: SLSQP optimum differs from the closed form by {gap:.3g}",
    )
    return {
        "objective": best,
        "constraint_error": constraint_err,
        "eigh_eigenvalue_error": eig_err,
        "eigh_subspace_distance": ref_dist,
        "slsqp_gap": gap,
    }


# Clean data are built with exact energies: (1/n) X^T X matches them to rounding. Achieved: 1.8e-15.
ENERGY_ATOL = 1e-9


def check_exact_energies(setting: Setting, alpha: float, n: int, rng: np.random.Generator) -> float:
    """``Setting.clean_data`` gives ``(1/n) X^T X = Q_1 diag(energy) Q_1^T`` at any n: the diagonal of G
    (from :func:`augmented_moments` under T(alpha)) equals the signal energies within ``ENERGY_ATOL``.
    Returns the largest difference."""
    S, G = augmented_moments(setting.clean_data(n, rng), setting.sigma(alpha))
    energy_err = float(np.abs(np.diag(G)[: setting.k] - setting.signal_energy).max())
    claim(energy_err < ENERGY_ATOL, f"clean data miss their energies by {energy_err:.3g}")
    return energy_err


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
