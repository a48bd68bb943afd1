"""Linear-algebra helpers."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.theory.linalg import subspace_distance, sym_inv_sqrt


def test_subspace_distance_is_blind_to_invertible_maps_only():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 5))
    assert subspace_distance(A, (rng.standard_normal((2, 2)) + 3 * np.eye(2)) @ A) < 1e-12
    assert subspace_distance(np.eye(5)[:2], np.eye(5)[2:4]) == pytest.approx(1.0)


def test_sym_inv_sqrt_and_singular_input():
    M = np.array([[4.0, 1.0], [1.0, 3.0]])
    R = sym_inv_sqrt(M)
    np.testing.assert_allclose(R @ M @ R, np.eye(2), atol=1e-12)
    with pytest.raises(ValueError, match="S must be positive definite"):
        sym_inv_sqrt(np.diag([1.0, 0.0]), "S")


def test_orthogonal_distance_sees_scaling_but_not_rotations():
    from je_vs_rc.theory.linalg import orthogonal_distance

    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 7))
    U, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    assert orthogonal_distance(U @ W, W) < 1e-12
    assert subspace_distance(2 * W, W) < 1e-12 and orthogonal_distance(2 * W, W) == pytest.approx(1.0)


def blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def test_single_threaded_sets_one_blas_thread_inside_and_restores_it():
    from threadpoolctl import threadpool_limits

    from je_vs_rc.theory.linalg import all_threads, single_threaded

    seen = {}

    @single_threaded
    def inner():
        seen["inner"] = blas_threads()
        with all_threads():
            seen["large"] = blas_threads()
        return "value"

    @single_threaded
    def outer():
        seen["outer"] = blas_threads()
        return inner()

    with threadpool_limits(2, user_api="blas"):
        assert outer() == "value"
        assert seen == {"outer": 1, "inner": 1, "large": 2}
        assert blas_threads() == 2  # the caller's setting is back
        with all_threads():  # outside the package's functions: no change
            assert blas_threads() == 2


def test_threads_started_inside_keep_one_blas_thread():
    import threading

    from threadpoolctl import threadpool_limits

    from je_vs_rc.theory.linalg import all_threads, single_threaded

    seen = []

    def worker():
        with all_threads():  # only the thread that set the limit takes the threads back
            seen.append(blas_threads())

    @single_threaded
    def sweep():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        with all_threads():
            seen.append(blas_threads())

    with threadpool_limits(2, user_api="blas"):
        sweep()
    assert seen == [1, 2]


def test_every_public_function_of_the_numerical_modules_is_single_threaded():
    import importlib
    import inspect
    import pkgutil

    import je_vs_rc.checks
    import je_vs_rc.simulate

    names = [f"je_vs_rc.theory.{m}" for m in ("supervised", "joint_embedding", "reconstruction", "thresholds")]
    names.append("je_vs_rc.theory.setting")
    for package in (je_vs_rc.simulate, je_vs_rc.checks):  # every module but the claim and the scorecard
        names += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    names = [n for n in names if n.rsplit(".", 1)[1] not in ("claims", "scorecard")]
    assert len(names) >= 15
    for name in names:
        module = importlib.import_module(name)
        public = [
            obj
            for key, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not key.startswith("_")
        ]
        assert public and all(getattr(f, "single_threaded", False) for f in public), name


def test_whitener_whitens_and_raises_where_sym_inv_sqrt_does():
    from je_vs_rc.theory.linalg import whitener

    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 5, 5))
    S = A @ np.swapaxes(A, -1, -2) + 0.1 * np.eye(5)
    T = whitener(S, "S")
    np.testing.assert_allclose(np.swapaxes(T, -1, -2) @ S @ T, np.broadcast_to(np.eye(5), S.shape), atol=1e-10)
    # Orthogonal factor: T = S^{-1/2} O.
    rotation = np.linalg.inv(sym_inv_sqrt(S)) @ T
    np.testing.assert_allclose(
        np.swapaxes(rotation, -1, -2) @ rotation, np.broadcast_to(np.eye(5), S.shape), atol=1e-10
    )
    # The same error for the same matrices: exactly singular (Cholesky fails), nearly singular (Cholesky
    # succeeds, the eigenvalues say singular), just clear of the tolerance (the bound is not enough, the
    # eigenvalues pass it), and one bad matrix in a stack.
    near = np.diag([1.0, 1e-13])
    for bad in (np.diag([1.0, 0.0]), near, np.stack([np.eye(2), near])):
        with pytest.raises(ValueError, match="S must be positive definite") as expected:
            sym_inv_sqrt(bad, "S")
        with pytest.raises(ValueError, match="S must be positive definite") as got:
            whitener(bad, "S")
        assert str(got.value) == str(expected.value)
    clear = np.diag([1.0, 3e-12])
    np.testing.assert_allclose(whitener(clear).T @ clear @ whitener(clear), np.eye(2), atol=1e-10)


def test_whitener_falls_back_to_the_symmetric_one_when_cholesky_fails(monkeypatch):
    from je_vs_rc.theory import linalg

    def fails(mat):
        raise np.linalg.LinAlgError("not positive definite")

    S = np.array([[4.0, 1.0], [1.0, 3.0]])
    monkeypatch.setattr(linalg.np.linalg, "cholesky", fails)
    np.testing.assert_array_equal(linalg.whitener(S), sym_inv_sqrt(S))
