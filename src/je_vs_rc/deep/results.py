"""The results table of the GPU chapter, with its provenance, written atomically, and the tables
the chapter shows beside the paper's Table 1."""
from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import paper
from .._io import atomic_path
from ..paper import relative_drop

# Table 1's columns: top-1 at severities 1, 3, 5, then the relative drop from 1 to 5.
_PAPER_COLUMN = {1: 0, 3: 1, 5: 2}


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
        out.append({"method": method, "paradigm": sub[0].get("paradigm"), "corruption": corruption,
                    "from": sub[0]["severity"], "to": sub[-1]["severity"],
                    "drop": relative_drop(sub[0]["top1"], sub[-1]["top1"])})
    return out


def _paper_row(method: str, corruption: str) -> tuple[float, ...] | None:
    return paper.TABLE1.get(method.upper(), {}).get(corruption)


def rows_with_paper(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our rows with the paper's top-1 for the same method, corruption and severity (NaN where
    Table 1 has none: another method, corruption, or severity 2 or 4)."""
    out = []
    for r in rows:
        ref, col = _paper_row(r["method"], r["corruption"]), _PAPER_COLUMN.get(r["severity"])
        out.append({**r, "paper": float(ref[col]) if ref and col is not None else float("nan")})
    return out


def drops_with_paper(drops: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our relative drops with the paper's drop where it measured the same one (severity 1 to 5)."""
    out = []
    for d in drops:
        ref = _paper_row(d["method"], d["corruption"])
        out.append({**d, "paper": ref[3] if ref and (d["from"], d["to"]) == (1, 5) else float("nan")})
    return out


def mean_drop_by_paradigm(drops: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean relative drop per paradigm ("JE", "RC") over methods and corruptions."""
    by: dict[str, list[float]] = {}
    for d in drops:
        by.setdefault(d["paradigm"], []).append(d["drop"])
    return {k: sum(v) / len(v) for k, v in sorted(by.items())}


def paper_drop_ratio() -> float:
    """Table 1: MAE's mean relative drop over the mean of BYOL's and DINO's."""
    m = paper.TABLE1_MEAN_DROP
    return m["MAE"] / ((m["BYOL"] + m["DINO"]) / 2)


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
