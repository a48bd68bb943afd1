"""Where a run's numbers come from: the code's commit, the versions, the device, the load and the parameters.

Torch-free at import: the versions are read from the packages a caller names, when it calls.
"""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def code_commit() -> str:
    """The repository's commit (with "+changes" if the working tree differs), or "unknown"."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def provenance(
    params: dict[str, Any], wall_seconds: float, packages: Sequence[str] = ("torch", "numpy")
) -> dict[str, Any]:
    """Versions (of ``packages``, which must include torch), commit, device, load and parameters of a run
    (the load average says how shared the machine was)."""
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    return {
        "code_commit": code_commit(),
        "load_average_at_start": round(os.getloadavg()[0], 1),
        "python": platform.python_version(),
        **{name: importlib.import_module(name).__version__ for name in packages},
        "device": device,
        "platform": platform.platform(),
        "parameters": params,
        "wall_seconds": round(wall_seconds, 1),
    }
