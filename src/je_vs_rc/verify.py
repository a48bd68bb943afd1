"""Numerical checks of the paper's claims. Each raises :class:`ClaimError` when the claim fails.

The chapters call these right after stating a result, so the book cannot build if the
mathematics breaks; ``tests/`` call the same functions on random instances. Each returns the
numbers it measured, for the chapter to glue into its prose.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from .experiments import PhaseDiagram, Sweep, population_distance, scaled_setting
from .finite import FiniteSweep, finite_sample_sweep
from .joint_embedding import joint_embedding, joint_embedding_constraint, joint_embedding_objective, \
    joint_embedding_from_moments
from .linalg import subspace_distance, sym_inv_sqrt
from .mnist import FIG3_MODELS, Fig3Result, converges, predictions, probe_mse
from .reconstruction import reconstruction, reconstruction_from_moments, reconstruction_objective
from .setting import Setting, augmented_moments, monte_carlo_moments
from .supervised import augmented_risk_monte_carlo, supervised, supervised_objective
from .thresholds import Thresholds, limit_scores

# Named tolerances of the checks (why each value: see the docstring that uses it).
MC_SIGMAS = 6.0            # Monte-Carlo estimates must lie within this many standard errors
CLOSED_FORM_RTOL = 1e-5    # closed form vs a numerical optimiser, relative
IDENTITY_ATOL = 1e-8       # exact identities (constraints, eigenvalues), absolute
RECOVERED_BELOW = 0.05     # subspace distance at the largest n that counts as "recovered"
FAILED_ABOVE = 0.5         # ... and as "not recovered" (distance is in [0, 1])
DECREASE_FACTOR = 0.5      # a converging curve must at least halve from the smallest to largest n
CALIBRATED_SLACK = 2.0     # a calibrated sample-size prediction may miss its target by this factor
RESIDUAL_MIN = 1e-6       # a distance above this is a real residual, not rounding
PHASE_MARGIN = 0.1         # phase-diagram cells whose limit eigengap is below 10% are not judged


class ClaimError(AssertionError):
    """A claim of the paper failed its numerical check."""


def claim(condition: bool, message: str) -> None:
    """Raise :class:`ClaimError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ClaimError(message)


def check_moments(setting: Setting, alpha: float, n: int, n_views: int, rng: np.random.Generator) -> dict[str, float]:
    """Section 2: S, G and Sigma of T(alpha) equal their Monte-Carlo estimates.

    Compares ``Sigma = Theta + alpha^2 Gamma`` (and ``S = G + Sigma``, ``G = X^T X/n``) with
    moments of ``n_views`` sampled views per point; the error must be within ``MC_SIGMAS``
    standard errors (entries of a Wishart average: sd ~ sqrt(2/(n n_views)) x scale).
    """
    X = setting.clean_data(n, rng)
    Sigma = setting.sigma(alpha)
    S, G = augmented_moments(X, Sigma)
    S_mc, G_mc, Sigma_mc = monte_carlo_moments(setting.augment(X, alpha, n_views, rng))
    scale = np.sqrt(np.outer(np.diag(S), np.diag(S)))
    se = scale * np.sqrt(2.0 / (n * n_views))
    errors = {name: float(np.max(np.abs(est - exact) / se)) for name, est, exact in
              (("S", S_mc, S), ("Sigma", Sigma_mc, Sigma * (n_views - 1) / n_views))}
    # G from the views' sample means carries Sigma / n_views of extra energy: the exact expectation.
    errors["G"] = float(np.max(np.abs(G_mc - (G + Sigma / n_views)) / se))
    for name, z in errors.items():
        claim(z < MC_SIGMAS, f"Monte-Carlo {name} is {z:.1f} standard errors from the exact moment")
    return errors


def check_lemma_b1(setting: Setting, alpha: float, n: int, n_views: int, n_labels: int,
                   rng: np.random.Generator) -> dict[str, float]:
    """Lemma B.1: the augmented risk equals the ridge objective ``(1/n)||Y - X V^T||^2 + ||V||_Sigma^2``."""
    X = setting.clean_data(n, rng)
    Y = rng.standard_normal((n, n_labels))
    V = rng.standard_normal((n_labels, setting.d))
    Sigma = setting.sigma(alpha)
    exact = supervised_objective(V, X, Y, Sigma)
    per_view = [augmented_risk_monte_carlo(V, setting.augment(X, alpha, 1, rng), Y) for _ in range(n_views)]
    mc, se = float(np.mean(per_view)), float(np.std(per_view, ddof=1) / np.sqrt(n_views))
    claim(abs(mc - exact) < MC_SIGMAS * se,
          f"Lemma B.1: Monte-Carlo risk {mc:.5g} vs exact {exact:.5g} ({abs(mc - exact) / se:.1f} s.e.)")
    return {"exact": exact, "monte_carlo": mc, "standard_error": se}


def check_supervised_optimum(X: np.ndarray, Y: np.ndarray, Sigma: np.ndarray,
                             rng: np.random.Generator) -> dict[str, float]:
    """Eq. 46 is the minimiser of the exact objective (eq. 44), found by scipy's L-BFGS."""
    V = supervised(X, Y, Sigma)
    shape = V.shape

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        Vm = v.reshape(shape)
        grad = -2 * (Y - X @ Vm.T).T @ X / X.shape[0] + 2 * Vm @ Sigma
        return supervised_objective(Vm, X, Y, Sigma), grad.ravel()

    res = optimize.minimize(fun, rng.standard_normal(V.size), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    rel = float(np.linalg.norm(res.x.reshape(shape) - V) / np.linalg.norm(V))
    gap = float(res.fun - supervised_objective(V, X, Y, Sigma))
    claim(rel < CLOSED_FORM_RTOL * 100 and gap > -IDENTITY_ATOL,
          f"eq. 46: closed form and numerical optimum differ (relative {rel:.2g}, objective gap {gap:.2g})")
    return {"relative_difference": rel, "objective_gap": gap}


def check_reconstruction_optimum(X: np.ndarray, Sigma: np.ndarray, k: int, rng: np.random.Generator,
                                 starts: int = 5) -> dict[str, float]:
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
        Em, Dm = p[: k * d].reshape(k, d), p[k * d:].reshape(d, k)
        M = Dm @ Em
        value = float(np.trace(G) - 2 * np.trace(M @ G) + np.trace(M @ S @ M.T))
        gM = 2 * (M @ S - G)
        return value, np.concatenate([(Dm.T @ gM).ravel(), (gM @ Em.T).ravel()])

    runs = [optimize.minimize(fun, rng.standard_normal(2 * k * d), jac=True, method="L-BFGS-B",
                              options={"gtol": 1e-11, "ftol": 1e-15, "maxiter": 20_000}) for _ in range(starts)]
    values = np.array([r.fun for r in runs])
    top = runs[int(values.argmin())]
    E_num = top.x[: k * d].reshape(k, d)
    gap = float(values.min() - best)
    dist = subspace_distance(E_num, E)
    T = rng.standard_normal((k, k)) + 3 * np.eye(k)
    t_gap = abs(reconstruction_objective(T @ E, D @ np.linalg.inv(T), X, Sigma) - best)
    claim(gap > -CLOSED_FORM_RTOL * abs(best), f"Thm 3.1: a numerical start beat the closed form by {-gap:.3g}")
    claim(gap < CLOSED_FORM_RTOL * abs(best), f"Thm 3.1: best numerical objective is {gap:.3g} above the closed form")
    claim(dist < 1e-3, f"Thm 3.1: numerical encoder's row space is {dist:.3g} from the closed form's")
    claim(t_gap < IDENTITY_ATOL * max(1.0, abs(best)), f"Thm 3.1: (T E, D T^-1) changed the objective by {t_gap:.3g}")
    return {"objective": best, "objective_gap": gap, "subspace_distance": dist, "t_freedom_gap": t_gap,
            "worst_start_gap": float(values.max() - best)}


def check_joint_embedding_optimum(X: np.ndarray, Sigma: np.ndarray, k: int, rng: np.random.Generator,
                                  starts: int = 3) -> dict[str, float]:
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
        res = optimize.minimize(lambda w: joint_embedding_objective(w.reshape(k, d), Sigma),
                                feasible(rng.standard_normal((k, d))).ravel(), method="SLSQP",
                                constraints={"type": "eq", "fun": lambda w: (joint_embedding_constraint(
                                    w.reshape(k, d), S) - np.eye(k))[iu]},
                                options={"ftol": 1e-13, "maxiter": 2_000})
        viol = np.abs(joint_embedding_constraint(res.x.reshape(k, d), S) - np.eye(k)).max()
        claim(viol < 1e-4, f"Thm 3.2 check: SLSQP ended infeasible (violation {viol:.2g})")
        # SLSQP meets the constraint only to its own tolerance: project onto it exactly before comparing.
        values.append(joint_embedding_objective(feasible(res.x.reshape(k, d)), Sigma))
    gap = float(min(values) - best)
    claim(constraint_err < IDENTITY_ATOL, f"Thm 3.2: W S W^T differs from I by {constraint_err:.3g}")
    claim(eig_err < IDENTITY_ATOL and ref_dist < 1e-6,
          f"Thm 3.2: differs from scipy.linalg.eigh(G, S) (eigenvalues {eig_err:.3g}, subspace {ref_dist:.3g})")
    claim(abs(gap) < 1e-6 * max(1.0, best), f"Thm 3.2: SLSQP optimum differs from the closed form by {gap:.3g}")
    return {"objective": best, "constraint_error": constraint_err, "eigh_eigenvalue_error": eig_err,
            "eigh_subspace_distance": ref_dist, "slsqp_gap": gap}


def check_limit_scores(setting: Setting, alpha: float) -> float:
    """The per-component scores of the proofs equal the spectra of the closed forms on the
    population moments (JE: eigenvalues of S^-1/2 G S^-1/2; RC: singular values of G S^-1/2)."""
    S, G = setting.population_moments(alpha, corrupted=True)
    scores = limit_scores(setting.signal_energy, setting.lam_theta, setting.lam_gamma, alpha)
    omega = joint_embedding_from_moments(S, G, setting.k)[1]
    phi = reconstruction_from_moments(S, G, setting.k)[2]
    err = max(float(np.abs(np.sort(np.concatenate(scores[m]))[::-1] - spec).max())
              for m, spec in (("je", omega), ("rc", phi)))
    claim(err < IDENTITY_ATOL, f"limit scores differ from the closed forms' spectra by {err:.3g}")
    return err


def check_recovery(sweep: Sweep, th: Thresholds, model: str, setting: Setting | None = None) -> dict[float, str]:
    """Props 4.3/4.4 as n grows: alpha^2 above the threshold -> distance falls to ~0; below -> it stays.

    "Falls" means the seed-mean at the largest n is below ``RECOVERED_BELOW`` and below
    ``DECREASE_FACTOR`` times its value at the smallest n; "stays" means it ends above
    ``FAILED_ABOVE``. With ``setting``, the exact n -> infinity limit must agree as well.
    """
    verdicts = {}
    for i, alpha in enumerate(sweep.alphas):
        curve = sweep.distance[model][i].mean(axis=-1)
        if th.recovers(model, alpha):
            ok = curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0]
            verdicts[float(alpha)] = "recovers"
        else:
            ok = curve[-1] > FAILED_ABOVE
            verdicts[float(alpha)] = "fails"
        claim(ok, f"{model.upper()} at alpha={alpha:g}: theory says it {verdicts[float(alpha)]} "
                  f"(alpha^2={alpha**2:.3g} vs threshold {th.threshold2(model):.3g}) but the distance went "
                  f"{curve[0]:.3g} -> {curve[-1]:.3g}")
        if setting is not None:
            limit = population_distance(setting, model, alpha)
            claim((limit < IDENTITY_ATOL) == th.recovers(model, alpha),
                  f"{model.upper()} at alpha={alpha:g}: the exact n->inf limit is {limit:.3g}, against the threshold")
    return verdicts


def check_alpha_limit(sweep: Sweep, model: str) -> None:
    """Props 4.2-4.4, alpha -> infinity at fixed n: the distance falls below ``RECOVERED_BELOW``
    and at least by ``DECREASE_FACTOR`` from the smallest to the largest alpha of the sweep."""
    for j, n in enumerate(sweep.ns):
        curve = sweep.distance[model][:, j].mean(axis=-1)
        claim(curve[-1] < RECOVERED_BELOW and curve[-1] < DECREASE_FACTOR * curve[0],
              f"{model.upper()} (alpha -> inf) at n={n}: the distance went {np.round(curve, 4)}")


def check_supervised_consistency(by_n: Sweep, by_alpha: Sweep) -> None:
    """Prop 4.2: the supervised gap shrinks (i) as alpha grows at fixed n, (ii) steadily as n grows
    for every alpha, including alignments far below any SSL threshold."""
    check_alpha_limit(by_alpha, "sl")
    for i, alpha in enumerate(by_n.alphas):
        curve = by_n.distance["sl"][i].mean(axis=-1)
        claim(curve[-1] < DECREASE_FACTOR * curve[0] and np.all(np.diff(curve) < 0),
              f"Prop 4.2 (n -> inf) at alpha={alpha:g}: the gap went {np.round(curve, 4)}")


def check_corollary_45(th: Thresholds) -> float:
    """Cor 4.5: the per-component identity and the ordering of the thresholds in each regime.

    ``[alpha_JE,i^2] - [alpha_RC,i^2] = 1/delta - lam_gamma_i / eta^2`` for every noise component;
    low noise -> alpha_JE^2 > alpha_RC^2; high noise -> alpha_JE^2 < alpha_RC^2.
    """
    identity = th.je2_per_noise - th.rc2_per_noise - (1 / th.delta - th.noise_gamma / th.eta**2)
    err = float(np.abs(identity).max())
    claim(err < IDENTITY_ATOL * max(1.0, float(np.abs(th.rc2_per_noise).max())),
          f"Cor 4.5 per-component identity off by {err:.3g}")
    if th.regime == "low":
        claim(th.alpha_je2 > th.alpha_rc2, f"Cor 4.5 low noise: alpha_JE^2={th.alpha_je2:.4g} <= alpha_RC^2={th.alpha_rc2:.4g}")
    if th.regime == "high":
        claim(th.alpha_je2 < th.alpha_rc2, f"Cor 4.5 high noise: alpha_JE^2={th.alpha_je2:.4g} >= alpha_RC^2={th.alpha_rc2:.4g}")
    return err


def check_phase_diagram(pd: PhaseDiagram, setting: Setting, margin: float = PHASE_MARGIN) -> dict[str, float]:
    """The simulated phase diagram agrees with the thresholds away from the boundary.

    A cell counts as recovered if the directions selected in whitened coordinates are within
    ``FAILED_ABOVE`` of the signal's (the "_selected" distance: at finite n the encoder's own row space
    can look recovered when a loud, heavily shrunk noise direction is selected; see chapter 6). Near the boundary the
    n -> infinity eigengap between the weakest signal score and the strongest noise score
    (:func:`limit_scores`) closes and finite samples blur the transition, so cells whose relative
    gap is below ``margin`` are not judged; every other cell must agree with ``alpha^2 > threshold``.
    Returns the agreement per model over all cells, including the unjudged ones.
    """
    out = {}
    for model in ("je", "rc"):
        predicted = np.array([[t.recovers(model, a) for t in pd.thresholds] for a in pd.alphas])
        simulated = pd.distance[f"{model}_selected"] < FAILED_ABOVE
        gap = np.empty(predicted.shape)
        for j, scale in enumerate(pd.noise_scales):
            for i, alpha in enumerate(pd.alphas):
                signal, noise = limit_scores(setting.signal_energy, setting.lam_theta,
                                             scale * setting.lam_gamma, alpha)[model]
                gap[i, j] = abs(signal.min() - noise.max()) / signal.min()
        wrong = (predicted != simulated) & (gap > margin)
        claim(not wrong.any(), f"{model.upper()} phase diagram: {int(wrong.sum())} cells away from the "
                               f"boundary disagree with the threshold")
        out[model] = float((predicted == simulated).mean())
    return out


def check_encoder_caveat(pd: PhaseDiagram, setting: Setting) -> int:
    """Cells where theory says RC fails but the finite-n encoder's row space looks recovered must
    still fail in the exact n -> infinity limit (distance 1). Returns how many such cells there are."""
    count = 0
    for j, scale in enumerate(pd.noise_scales):
        scaled = scaled_setting(setting, scale)
        for i, alpha in enumerate(pd.alphas):
            if not pd.thresholds[j].recovers("rc", alpha) and pd.distance["rc"][i, j] < FAILED_ABOVE:
                limit = population_distance(scaled, "rc", alpha)
                claim(limit > 1 - IDENTITY_ATOL, f"RC at scale {scale:.3g}, alpha {alpha:.3g}: the exact "
                                                 f"limit distance is {limit:.3g}, not 1")
                count += 1
    return count


def check_figure3(result: Fig3Result) -> dict[str, int]:
    """Figure 3 against the theory: lines predicted to converge fall by ``CONVERGE_FACTOR`` from the
    smallest to the largest n (seed mean); lines predicted to fail do not. Lines whose verdict differs
    between seeds ("mixed") are not judged. Returns how many lines of each verdict were checked."""
    verdicts = predictions(result)
    mean = result.distance.mean(axis=-1)
    counts = {"converges": 0, "fails": 0, "mixed": 0}
    for idx in np.ndindex(verdicts.shape):
        verdict, curve = verdicts[idx], mean[idx]
        counts[verdict] += 1
        if verdict == "mixed":
            continue
        noise, model, alpha = result.config.gamma_max[idx[0]], FIG3_MODELS[idx[1]], result.config.alphas[idx[2]]
        claim(converges(curve) == (verdict == "converges"),
              f"Figure 3, gamma_max={noise:g}, {model.upper()}, alpha={alpha:g}: theory says it {verdict}, "
              f"but the distance went {curve[0]:.3g} -> {curve[-1]:.3g}")
    return counts


def check_probe_invariance(rng: np.random.Generator, d: int = 30, k: int = 8, n_labels: int = 4) -> float:
    """The least-squares probe's MSE (eq. 93) is unchanged by an invertible map of the features:
    whitened and unwhitened encoders, or encoders differing by T (Thm 3.1) or U (Thm 3.2), score alike."""
    A, Y = rng.standard_normal((200, d)), rng.standard_normal((200, n_labels))
    G, XtY, YtY = A.T @ A / 200, A.T @ Y / 200, float(np.sum(Y**2) / 200)
    F = rng.standard_normal((k, d))
    raw = probe_mse(F, G, XtY, YtY)
    others = (sym_inv_sqrt(F @ G @ F.T) @ F, (rng.standard_normal((k, k)) + 3 * np.eye(k)) @ F)
    diff = max(abs(probe_mse(F2, G, XtY, YtY) - raw) for F2 in others)
    claim(diff < IDENTITY_ATOL * max(1.0, raw), f"an invertible map of the features changed the probe MSE by {diff:.3g}")
    return diff


def check_perturbation_bound(sweep: FiniteSweep) -> float:
    """The Yu-Wang-Samworth (Davis-Kahan) inequality holds on every simulated draw; returns the
    largest ratio measured / bound (at most 1, typically far below: the bound is loose)."""
    ratio = sweep.distance / sweep.bound
    worst = float(np.nanmax(ratio))
    claim(worst <= 1.0 + IDENTITY_ATOL, f"{sweep.model.upper()}: a draw exceeds its perturbation bound "
                                         f"(measured/bound = {worst:.3g})")
    return worst


def check_sample_size_prediction(setting: Setting, model: str, alpha: float, n: float, target: float,
                                 seeds: object, guaranteed: bool) -> np.ndarray:
    """Fresh simulations at a predicted sample size ``n`` must not do worse than promised: for a
    guaranteed (bound-based) prediction every error is at most ``target``; for a calibrated one the
    median error is at most ``CALIBRATED_SLACK`` times ``target``. Returns the measured errors (how far
    below the target they fall is reported, not judged: a conservative prediction is not a failure)."""
    errors = finite_sample_sweep(setting, model, [alpha], [int(np.ceil(n))], seeds).distance[0, 0]
    value, limit = (errors.max(), target) if guaranteed else (float(np.median(errors)), CALIBRATED_SLACK * target)
    claim(value <= limit, f"{model.upper()} at alpha={alpha:.3g}, n={n:.0f}: {'largest' if guaranteed else 'median'} "
                          f"error {value:.3g} exceeds {limit:.3g}")
    return errors


def check_intertwined(limits: dict[str, np.ndarray], angles: np.ndarray, alphas: np.ndarray,
                      th: Thresholds) -> dict[str, float]:
    """Intertwined noise: at angle 0 the exact limit recovers iff alpha^2 exceeds the threshold (the
    paper's setting); at every non-zero angle below 90 degrees, the smallest alpha that recovered at
    angle 0 leaves a residual distance above ``RESIDUAL_MIN`` (recovery is no longer exact). Returns,
    per model, the smallest such residual over the tilted angles."""
    out = {}
    zero = int(np.flatnonzero(angles == 0)[0])
    tilted = (angles > 0) & (angles < np.pi / 2 - 1e-9)
    for model, dist in limits.items():
        predicted = np.array([th.recovers(model, a) for a in alphas])
        claim(np.array_equal(dist[:, zero] < IDENTITY_ATOL, predicted),
              f"{model.upper()} at angle 0: the exact limit disagrees with the threshold")
        if not predicted.any() or not tilted.any():
            out[model] = float("nan")
            continue
        residual = float(dist[int(np.argmax(predicted)), tilted].min())
        claim(residual > RESIDUAL_MIN, f"{model.upper()}: a tilted case recovers exactly (residual {residual:.3g})")
        out[model] = residual
    return out
