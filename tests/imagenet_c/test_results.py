"""results.json: written atomically with its relative drops, read back."""

from __future__ import annotations

import pytest

from je_vs_rc.imagenet_c import results, statistics


def test_relative_drop_table(tmp_path):
    rows = [
        {"method": "mae", "paradigm": "RC", "corruption": "pixelate", "severity": s, "top1": t}
        for s, t in ((1, 64.9), (3, 52.3), (5, 46.8))
    ]
    (drop,) = statistics.relative_drops(rows)
    assert drop["from"] == 1 and drop["to"] == 5 and drop["drop"] == pytest.approx(27.9, abs=0.05)  # Table 1
    assert drop["paradigm"] == "RC"
    path = results.write(tmp_path / "r.json", rows, {"device": "cpu"})
    assert results.read(path)["drops"][0]["drop"] == pytest.approx(drop["drop"])
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # nothing half-written left behind
