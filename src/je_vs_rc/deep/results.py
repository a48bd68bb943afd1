"""The results table of the GPU chapter, with its provenance, written atomically."""
from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import atomic_path
from ..paper import relative_drop


def relative_drops(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (method, corruption): the relative drop in top-1 from the lowest to the highest severity
    measured, ``(S_low - S_high) / S_low * 100`` (Table 1 uses severities 1 and 5)."""
    out = []
    keys = sorted({(r["method"], r["corruption"]) for r in rows})
    for method, corruption in keys:
        sub = sorted((r for r in rows if r["method"] == method and r["corruption"] == corruption),
                     key=lambda r: r["severity"])
        if len(sub) < 2:
            continue
        out.append({"method": method, "corruption": corruption, "from": sub[0]["severity"], "to": sub[-1]["severity"],
                    "drop": relative_drop(sub[0]["top1"], sub[-1]["top1"])})
    return out


def provenance(params: dict[str, Any], wall_seconds: float) -> dict[str, Any]:
    """Versions, device and parameters of a run."""
    import lightly
    import numpy
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    return {"python": platform.python_version(), "torch": torch.__version__, "lightly": lightly.__version__,
            "numpy": numpy.__version__, "device": device, "platform": platform.platform(),
            "parameters": params, "wall_seconds": round(wall_seconds, 1)}


def write(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]], meta: dict[str, Any]) -> Path:
    """Write ``{"provenance": meta, "rows": rows, "drops": ...}`` as JSON, atomically."""
    payload = {"provenance": meta, "rows": list(rows), "drops": relative_drops(rows)}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))
    return Path(path)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
