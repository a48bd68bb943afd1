"""Atomic writes: the user's umask, recognisable temporary files, clean-up after a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from je_vs_rc import _io


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_keep_the_users_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        with _io.atomic_path(tmp_path / "out.npy", suffix=".npy") as tmp:
            np.save(tmp, np.arange(3))
    finally:
        os.umask(old)
    assert (tmp_path / "out.npy").stat().st_mode & 0o777 == mode
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.arange(3))


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), _io.atomic_path(tmp_path / "out.txt") as tmp:
        tmp.write_text("half")
        assert tmp.name.startswith(_io.TMP_PREFIX) and tmp.name.endswith("out.txt")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_a_killed_runs_temporary_file_is_recognised_and_cleaned_by_the_next_run(tmp_path):
    code = (
        "import sys, time; from je_vs_rc._io import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp:\n"
        "    tmp.write_text('half'); print(tmp, flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "result.json")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    left = proc.stdout.readline().strip()
    # While the writer lives, another write into the folder leaves its file alone.
    with _io.atomic_path(tmp_path / "other.json") as tmp:
        tmp.write_text("{}")
    assert os.path.exists(left)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert [p.name for p in tmp_path.glob(f"{_io.TMP_PREFIX}*")] == [os.path.basename(left)]
    with _io.atomic_path(tmp_path / "other.json") as tmp:
        tmp.write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json"]


def test_clean_stale_keeps_files_of_live_processes(tmp_path):
    mine = tmp_path / f"{_io.TMP_PREFIX}{os.getpid()}.abcd.x"
    mine.write_text("in progress")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    time.sleep(0.1)
    stale = tmp_path / f"{_io.TMP_PREFIX}{dead.pid}.abcd.x"
    stale.write_text("left by a killed run")
    unrelated = tmp_path / ".x.ipynb.tmp123"
    unrelated.write_text("not ours")
    assert _io.clean_stale(tmp_path) == [stale]
    assert mine.exists() and unrelated.exists() and not stale.exists()
