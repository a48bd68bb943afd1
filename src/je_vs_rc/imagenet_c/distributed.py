"""Several processes (``torchrun``) sharing one cache folder: who builds what, and when to wait.

Every array the pipeline caches (decoded images, corrupted images, features) is built once, by all
processes together: the first process allocates a memory-mapped ``.npy`` file, every process fills
its own chunks (chunk ``c`` belongs to rank ``c % world``), and once all have finished the first
renames it into place. Every process then reads it memory-mapped, so no process holds a copy in RAM
and nothing is computed twice. The content of a chunk depends only on its indices, never on which
process filled it, so the array is the same for any number of processes.

A build interrupted mid-way resumes: finished chunks are marked in a small ``.done.npy`` file beside
the partial array, and only the others are filled again.

Between phases the processes meet at :func:`barrier`; the process group is created with a timeout
of :data:`TIMEOUT` (a phase that one process finishes long before another, such as a probe on a
large cell, must not trip NCCL's 10-minute default).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from datetime import timedelta
from pathlib import Path

import numpy as np

TIMEOUT = timedelta(hours=12)
CHUNK = 256  # images per chunk: a unit of work, of resume and of progress
BUILD_LOG = "builds.log"  # one line per array built, in the cache folder: what was built, by how many


def rank_world() -> tuple[int, int]:
    """This process's rank and the number of processes (0, 1 outside torch.distributed)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def barrier() -> None:
    """Wait until every process gets here (nothing to wait for in a single process)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def init(device_type: str) -> None:
    """Join the process group that ``torchrun`` describes (NCCL on GPUs, gloo on CPUs), with :data:`TIMEOUT`."""
    import torch.distributed as dist

    dist.init_process_group("nccl" if device_type == "cuda" else "gloo", timeout=TIMEOUT)


def chunks(n: int, rank: int, world: int, size: int | None = None) -> list[tuple[int, int, int]]:
    """``(chunk index, start, stop)`` of the chunks (of ``size``, default :data:`CHUNK`) of ``range(n)``
    that ``rank`` fills."""
    size = size or CHUNK
    return [(c, s, min(s + size, n)) for c, s in enumerate(range(0, n, size)) if c % world == rank]


class Progress:
    """Prints a phase's throughput and ETA on rank 0 at most every ``every`` seconds."""

    def __init__(self, what: str, total: int, unit: str = "images", every: float = 30.0):
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.start = self.last = time.perf_counter()
        self.done = 0

    def update(self, n: int, world: int = 1) -> None:
        """``n`` more units done by this process (``world`` processes go at about the same pace)."""
        self.done += n * world
        now = time.perf_counter()
        if rank_world()[0] == 0 and (now - self.last >= self.every or self.done >= self.total):
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            print(
                f"[{self.what}] {min(self.done, self.total):,}/{self.total:,} {self.unit}, "
                f"{rate:,.1f} {self.unit}/s, ETA {eta / 60:.1f} min",
                flush=True,
            )


def build_once(
    path: str | os.PathLike[str],
    shape: tuple[int, ...],
    dtype: np.dtype | type,
    fill: Callable[[int, int], np.ndarray],
    what: str,
    pool: Executor | None = None,
) -> np.ndarray:
    """The array at ``path`` (a ``.npy`` file), memory-mapped read-only; built first if absent.

    ``fill(start, stop)`` returns rows ``start:stop``; every process fills its chunks (see the module
    docstring), through ``pool`` (worker processes; ``fill`` must then be picklable) if given. All
    processes must call this with the same arguments, in the same order."""
    path = Path(path)
    if path.is_file():
        return np.load(path, mmap_mode="r")
    rank, world = rank_world()
    partial = path.with_name(path.name + ".partial")
    done_path = path.with_name(path.name + ".done.npy")
    n_chunks = -(-shape[0] // CHUNK)
    if rank == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _resumable(partial, done_path, shape, dtype, n_chunks):
            np.lib.format.open_memmap(partial, mode="w+", dtype=dtype, shape=shape).flush()
            np.lib.format.open_memmap(done_path, mode="w+", dtype=np.uint8, shape=(n_chunks,)).flush()
    barrier()  # the partial array exists before anyone writes into it
    out = np.load(partial, mmap_mode="r+")
    done = np.load(done_path, mmap_mode="r+")
    mine = [c for c in chunks(shape[0], rank, world) if not done[c[0]]]
    progress = Progress(what, sum(stop - start for _, start, stop in mine) * world)
    filled = (
        pool.map(fill, [s for _, s, _ in mine], [e for _, _, e in mine])
        if pool is not None
        else (fill(s, e) for _, s, e in mine)
    )
    for (c, start, stop), rows in zip(mine, filled):
        out[start:stop] = rows
        out.flush()
        done[c] = 1
        done.flush()
        progress.update(stop - start, world)
    del out, done
    barrier()  # every chunk is written before the array is published
    if rank == 0:
        os.replace(partial, path)
        done_path.unlink()
        with open(path.parent / BUILD_LOG, "a") as log:
            log.write(f"{path.name} {world}\n")
    barrier()  # published before anyone reads it
    return np.load(path, mmap_mode="r")


def _resumable(partial: Path, done_path: Path, shape: tuple[int, ...], dtype: np.dtype | type, n: int) -> bool:
    """Whether an interrupted build of the same shape and type can be resumed."""
    with contextlib.suppress(OSError, ValueError):
        if partial.is_file() and done_path.is_file():
            arr, done = np.load(partial, mmap_mode="r"), np.load(done_path, mmap_mode="r")
            return arr.shape == tuple(shape) and arr.dtype == np.dtype(dtype) and done.shape == (n,)
    return False


@contextlib.contextmanager
def rank_zero_first() -> Iterator[bool]:
    """Rank 0 runs the block first (yielding True), the others after it is done (yielding False)."""
    rank, _ = rank_world()
    if rank != 0:
        barrier()
    yield rank == 0
    if rank == 0:
        barrier()
