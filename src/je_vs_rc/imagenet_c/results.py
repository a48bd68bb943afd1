"""A run's ``results.json``: its rows (``statistics.Row``), their relative drops and its provenance,
written atomically (the pipeline rewrites it after every grid cell) and read back."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import atomic_path
from .statistics import Row, relative_drops


def write(path: str | os.PathLike[str], rows: Sequence[Row], meta: dict[str, Any]) -> Path:
    """Write ``{"provenance": meta, "rows": rows, "drops": ...}`` as JSON, atomically."""
    payload = {"provenance": meta, "rows": list(rows), "drops": relative_drops(rows)}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))
    return Path(path)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A run as :func:`write` wrote it."""
    return json.loads(Path(path).read_text())
