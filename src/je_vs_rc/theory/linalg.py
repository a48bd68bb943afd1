"""Small linear-algebra helpers shared by the closed forms, and the package's BLAS threading policy.

Threads: the closed forms, sweeps and checks make thousands of BLAS/LAPACK calls on matrices of at
most a few hundred rows. OpenBLAS wakes its threads for each call; on a machine doing other work they
wait on each other, which made the Figure 3 sweep 30 times slower beside two busy processes (issue
25). So every public function of the numerical modules (``theory``'s closed forms and thresholds,
``simulate``, ``checks``) runs with one BLAS thread (:func:`single_threaded`, applied to a whole
module by :func:`single_threaded_module`), and a large operation inside one (the covariance of
60,000 images) takes the threads back with :func:`all_threads` (in the calling thread only: a function
that runs independent work in Python threads, like the Figure 3 sweep's seeds, keeps one BLAS thread
in each). Outside the package's functions the caller's settings are untouched.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

from .validation import SINGULAR_RTOL, check_positive_definite

F = TypeVar("F", bound=Callable[..., Any])


class _Threads:
    """Process-wide state of the policy (BLAS thread counts are process-wide too)."""

    enabled = True  # benchmarks switch it off to measure what it saves
    depth = 0  # nesting of single-threaded calls: only the outermost one changes the limit
    original: int | None = None  # BLAS threads outside, restored by all_threads
    owner: int | None = None  # the thread that set the limit: threads it starts keep one BLAS thread
    controller: ThreadpoolController | None = None
    modules = 0  # len(sys.modules) when the controller was built: a new import may load a new BLAS

    @classmethod
    def get_controller(cls) -> ThreadpoolController:
        if cls.controller is None or len(sys.modules) != cls.modules:
            cls.controller, cls.modules = ThreadpoolController(), len(sys.modules)
        return cls.controller


def single_threaded(func: F) -> F:
    """Run ``func`` with one BLAS thread (nested calls cost a counter; the limit is set once)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _Threads.depth or not _Threads.enabled:
            return func(*args, **kwargs)
        with _Threads.get_controller().limit(limits=1, user_api="blas") as limiter:
            _Threads.original = limiter.get_original_num_threads().get("blas")
            _Threads.owner = threading.get_ident()
            _Threads.depth += 1
            try:
                return func(*args, **kwargs)
            finally:
                _Threads.depth -= 1

    wrapper.single_threaded = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def single_threaded_module(namespace: dict[str, Any]) -> None:
    """Make every public function defined in a module (pass its ``globals()``) :func:`single_threaded`."""
    for name, obj in list(namespace.items()):
        if inspect.isfunction(obj) and obj.__module__ == namespace["__name__"] and not name.startswith("_"):
            namespace[name] = single_threaded(obj)


@contextmanager
def all_threads() -> Iterator[None]:
    """Give BLAS back the threads it had outside the package, for one large operation."""
    if not _Threads.depth or not _Threads.original or threading.get_ident() != _Threads.owner:
        yield
        return
    with _Threads.get_controller().limit(limits=_Threads.original, user_api="blas"):
        yield


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


T = TypeVar("T")


def split_over_threads(work: Callable[[range], T], items: range, workers: int) -> list[T]:
    """``work`` on ``workers`` interleaved parts of ``items``, in threads (BLAS and LAPACK release the GIL).

    The package's large products are split this way rather than given OpenBLAS's own threads: each
    thread runs whole products on one BLAS thread, so on a busy machine no thread spins waiting for a
    descheduled sibling at every call, and the results do not depend on the number of threads."""
    parts = [items[w::workers] for w in range(min(workers, len(items)))]
    if len(parts) <= 1:
        return [work(items)]
    with ThreadPoolExecutor(len(parts)) as pool:
        return list(pool.map(work, parts))


def sym_inv_sqrt(mat: np.ndarray, name: str = "matrix") -> np.ndarray:
    """Return ``mat^{-1/2}`` of a symmetric positive-definite matrix (ValueError if singular), or of each
    matrix of a stack ``(..., d, d)``."""
    vals, vecs = np.linalg.eigh(mat)
    check_positive_definite(name, mat, vals)
    return (vecs / np.sqrt(vals)[..., None, :]) @ np.swapaxes(vecs, -1, -2)


def top_eigenvectors(mat: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All eigenvalues of a symmetric matrix, descending, and the eigenvectors of the ``k`` largest
    (d x k; stacks ``(..., d, d)`` give stacks, one LAPACK call for all)."""
    vals, vecs = np.linalg.eigh(mat)
    return vals[..., ::-1], vecs[..., ::-1][..., :k]


def whitener(mat: np.ndarray, name: str = "matrix") -> np.ndarray:
    """A whitener ``T`` of a symmetric positive-definite matrix, ``T^T mat T = I`` (of each matrix of a stack
    ``(..., d, d)``): ``L^{-T}`` from the Cholesky factorisation ``mat = L L^T``, about a quarter of the cost
    of :func:`sym_inv_sqrt`'s eigendecomposition. ``T = mat^{-1/2} O`` with ``O`` orthogonal, so the
    closed forms' encoders are the same with either (Thms 3.1, 3.2: up to the signs of their rows).

    ValueError in the cases :func:`sym_inv_sqrt` raises (:func:`check_positive_definite` on the
    eigenvalues). The eigenvalues are computed only when the bound ``tr(mat) tr(mat^{-1}) >= lambda_max /
    lambda_min`` (``tr(mat^{-1}) = ||T||_F^2``) does not keep the ratio above twice that check's tolerance,
    a margin far above the eigenvalues' rounding (about ``d eps``); a matrix Cholesky cannot factor but
    which passes the check (a ratio near the rounding) gets ``mat^{-1/2}``, a symmetric whitener."""
    try:
        T = np.swapaxes(_lower_inverse(np.linalg.cholesky(mat)), -1, -2)
    except np.linalg.LinAlgError:
        T = None
    if T is None or mat.size == 0 or not far_from_singular(_condition_bound(mat, T)):
        check_positive_definite(name, mat, np.linalg.eigvalsh(mat))
    return sym_inv_sqrt(mat, name) if T is None else T


def far_from_singular(bound: np.ndarray) -> bool:
    """Whether upper bounds on condition numbers ``lambda_max / lambda_min`` all stay below twice the ratio at
    which :func:`check_positive_definite` raises: matrices with such bounds pass that check (the margin is far
    above the eigenvalues' rounding), so they need not be decomposed to be checked."""
    return bool(np.all(bound < 0.5 / SINGULAR_RTOL))


def _condition_bound(mat: np.ndarray, T: np.ndarray) -> np.ndarray:
    """``tr(mat) tr(mat^{-1})``, at least ``lambda_max / lambda_min`` (``tr(mat^{-1}) = ||T||_F^2``)."""
    return np.sum(T * T, axis=(-2, -1)) * np.trace(mat, axis1=-2, axis2=-1)


def _lower_inverse(L: np.ndarray) -> np.ndarray:
    """The inverse of a lower-triangular matrix, or of each of a stack. numpy's general inverse: scipy's
    triangular solver takes half its time, but importing ``scipy.linalg`` costs a process 0.3-0.4 CPU-s."""
    return np.linalg.inv(L)


def row_space_projector(mat: np.ndarray) -> np.ndarray:
    """Orthogonal projector onto the row space of a full-row-rank ``mat`` (k x d -> d x d)."""
    q, _ = np.linalg.qr(mat.T)
    return q @ q.T


def subspace_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal-angle sine between the row spaces of ``a`` and ``b`` (both k x d).

    Equals ``||P_a - P_b||_2``; it is 0 iff the spaces coincide, i.e. iff ``a = T b`` for
    an invertible ``T`` -- the "up to T" / "up to U" equivalence of Props 4.3 and 4.4.
    """
    return float(np.linalg.norm(row_space_projector(a) - row_space_projector(b), 2))


def orthogonal_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``min_U ||a - U b||_F / ||b||_F`` over orthogonal k x k ``U`` (orthogonal Procrustes).

    0 iff ``a = U b`` for an orthogonal U -- JE's "up to U" (Prop 4.4), stricter than
    :func:`subspace_distance`, which is 0 for ``a = 2 b`` as well.
    """
    u, _, vt = np.linalg.svd(a @ b.T)
    return float(np.linalg.norm(a - (u @ vt) @ b) / np.linalg.norm(b))
