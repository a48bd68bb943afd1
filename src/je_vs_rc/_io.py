"""Atomic file output: nothing is ever left half-written, and what a killed run leaves is cleaned up.

A write goes to a temporary file beside its target, named ``.je_vs_rc-partial.<pid>.<token>.<name>``,
and is renamed onto the target when complete. The file is created with the user's umask (like any
``open``), so outputs get the usual permissions. A run killed mid-write (SIGKILL, power loss) leaves
its temporary file; the next write into the same folder removes every such file whose process is
gone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

TMP_PREFIX = ".je_vs_rc-partial."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_stale(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files in ``folder`` left by processes that no longer run; return them."""
    removed = []
    for path in Path(folder).glob(f"{TMP_PREFIX}*"):
        pid = path.name[len(TMP_PREFIX) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``, on error removed.

    ``suffix`` keeps writers that append an extension (``np.save`` -> ".npy") from writing elsewhere.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = target.parent / f"{TMP_PREFIX}{os.getpid()}.{secrets.token_hex(4)}.{target.name}{suffix}"
    # O_EXCL: never reuse a file; mode 0o666 is reduced by the umask, as for any new file.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
