"""Input validation shared by the public API.

Every check raises ``ValueError`` naming the argument, the value it got and what
is allowed, so a wrong papermill parameter is diagnosed at the call that used it.
"""

from __future__ import annotations

import numpy as np

# Relative tolerance under which an eigenvalue counts as zero (singular matrix).
SINGULAR_RTOL = 1e-12


def _show(value: object) -> str:
    text = np.array2string(np.asarray(value), threshold=6) if np.ndim(value) else repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _as_real_array(name: str, value: object, what: str) -> np.ndarray:
    """``value`` as a float array; complex, string or other non-real input is an error, never cast."""
    try:
        raw = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name} must be {what} of real numbers; got {_show_raw(value)}") from None
    if raw.dtype.kind not in "iuf" and not (
        raw.dtype.kind == "O"
        and all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in raw.ravel())
    ):
        raise ValueError(f"{name} must be {what} of real numbers; got {_show_raw(value)}")
    return raw.astype(float)


def _show_raw(value: object) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def as_matrix(name: str, value: object, *, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite, non-empty float 2-D array, optionally of a given shape."""
    arr = _as_real_array(name, value, "a 2-D matrix")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix; got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows to match the other arguments; got shape {arr.shape}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} columns to match the other arguments; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values; got {_show(arr)}")
    return arr


def as_vector(
    name: str, value: object, *, length: int | None = None, nonnegative: bool = False, positive: bool = False
) -> np.ndarray:
    """Return ``value`` as a finite, non-empty float 1-D array with optional sign constraints."""
    arr = _as_real_array(name, value, "a 1-D array")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got {_show_raw(value)}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}; got length {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values; got {_show(arr)}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be strictly positive; got {_show(arr)}")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative (a spectrum); got {_show(arr)}")
    return arr


def as_scalar(name: str, value: object, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return a finite real float, at least (or above, if ``strict``) ``minimum``."""
    if isinstance(value, (str, bytes, bool)) or np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number; got {value!r}") from None
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x!r}")
    if minimum is not None and (x < minimum or (strict and x == minimum)):
        op = ">" if strict else ">="
        raise ValueError(f"{name} must be {op} {minimum}; got {x!r}")
    return x


def check_k(k: object, d: int) -> int:
    """The latent dimension ``k`` must be an integer in 1..d."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= d:
        raise ValueError(f"k must be an integer in 1..{d} (the data dimension d); got {k!r}")
    return int(k)


def check_psd(name: str, mat: np.ndarray) -> np.ndarray:
    """``mat`` must be symmetric positive semi-definite (a covariance)."""
    if mat.shape[0] != mat.shape[1]:
        raise ValueError(f"{name} must be square; got shape {mat.shape}")
    scale = max(1.0, float(np.abs(mat).max()))
    if not np.allclose(mat, mat.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric; got asymmetry {np.abs(mat - mat.T).max():.3g}")
    low = float(np.linalg.eigvalsh(mat).min())
    if low < -1e-10 * scale:
        raise ValueError(f"{name} must be positive semi-definite; its smallest eigenvalue is {low:.3g}")
    return mat


def check_positive_definite(name: str, mat: np.ndarray, eigenvalues: np.ndarray) -> None:
    """Raise if the symmetric ``mat`` (with the given eigenvalues) is singular; a stack of matrices
    (eigenvalues ``(..., d)``) raises for the first singular one."""
    if eigenvalues.size == 0:
        raise ValueError(f"{name} must be positive definite (the closed form inverts it); it is empty")
    top, low = np.abs(eigenvalues).max(axis=-1), eigenvalues.min(axis=-1)
    bad = np.flatnonzero((top == 0.0) | (low <= SINGULAR_RTOL * top))
    if bad.size:
        i = np.unravel_index(bad[0], np.shape(top))
        where = f" (matrix {tuple(map(int, i))} of the stack)" if np.ndim(top) else ""
        raise ValueError(
            f"{name} must be positive definite (the closed form inverts it); its eigenvalues range over "
            f"[{low[i]:.3g}, {top[i]:.3g}]{where}. Add augmentation noise (Theta) on every direction "
            f"or use more samples."
        )
