"""The results table, its drops, and the chapter's tables beside the paper's."""
from __future__ import annotations

import math

import pytest

from je_vs_rc.deep import results


def test_relative_drop_table(tmp_path):
    rows = [{"method": "mae", "paradigm": "RC", "corruption": "pixelate", "severity": s, "top1": t}
            for s, t in ((1, 64.9), (3, 52.3), (5, 46.8))]
    (drop,) = results.relative_drops(rows)
    assert drop["from"] == 1 and drop["to"] == 5 and drop["drop"] == pytest.approx(27.9, abs=0.05)  # Table 1
    assert drop["paradigm"] == "RC"
    path = results.write(tmp_path / "r.json", rows, {"device": "cpu"})
    assert results.read(path)["drops"][0]["drop"] == pytest.approx(drop["drop"])
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # nothing half-written left behind


def test_tables_beside_the_paper():
    rows = [{"method": "byol", "corruption": "pixelate", "severity": 3, "top1": 50.0},
            {"method": "mae", "corruption": "pixelate", "severity": 2, "top1": 50.0},
            {"method": "mae", "corruption": "contrast", "severity": 1, "top1": 50.0}]
    papers = [r["paper"] for r in results.rows_with_paper(rows)]
    assert papers[0] == 61.3 and math.isnan(papers[1]) and math.isnan(papers[2])
    drops = [{"method": "dino", "paradigm": "JE", "corruption": "gaussian_noise", "from": 1, "to": 5, "drop": 10.0},
             {"method": "byol", "paradigm": "JE", "corruption": "gaussian_noise", "from": 1, "to": 3, "drop": 20.0},
             {"method": "mae", "paradigm": "RC", "corruption": "zoom_blur", "from": 1, "to": 5, "drop": 7.0}]
    with_paper = results.drops_with_paper(drops)
    assert with_paper[0]["paper"] == 12.7 and math.isnan(with_paper[1]["paper"]) and with_paper[2]["paper"] == 20.0
    assert results.mean_drop_by_paradigm(drops) == {"JE": 15.0, "RC": 7.0}
    assert results.paper_drop_ratio() == pytest.approx(25.1 / ((12.4 + 10.5) / 2))
