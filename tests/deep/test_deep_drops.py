"""The chapter's tables: the paper's Table 1 and our runs, captioned (chapter 8)."""

from __future__ import annotations

import math

import pytest

from je_vs_rc import paper
from je_vs_rc.deep import results

PARADIGM = {"byol": "JE", "dino": "JE", "mae": "RC", results.RANDOM_INIT: "none"}
# top-1 at severity 1 and 5 per seed: each seed's drop differs, so a mean of the drops and the drop of
# the mean accuracies (a plausible wrong formula) disagree.
TOP1 = {
    "byol": ((80.0, 70.0), (70.0, 63.0), (60.0, 48.0)),
    "dino": ((82.0, 74.0), (72.0, 60.0), (62.0, 55.0)),
    "mae": ((81.0, 52.0), (71.0, 50.0), (61.0, 40.0)),
    results.RANDOM_INIT: ((50.0, 30.0), (45.0, 30.0), (40.0, 20.0)),
}


def _rows(top1=TOP1, corruption="gaussian_noise", severities=(1, 5)) -> list[dict]:
    return [
        {
            "method": m,
            "paradigm": PARADIGM[m],
            "backbone": "vit_tiny",
            "corruption": corruption,
            "augment_strength": 0,
            "severity": sev,
            "seed": seed,
            "top1": t,
            "top1_clean": t,
        }
        for m, by_seed in top1.items()
        for seed, pair in enumerate(by_seed)
        for sev, t in zip(severities, pair)
    ]


@pytest.fixture
def run(tmp_path):
    """A results.json as the pipeline writes it, read back as the chapter reads it."""
    params = {
        "dataset": "mnist",
        "train_images": 500,
        "test_images": 500,
        "epochs": 2,
        "batch_size": 64,
        "seeds": [0, 1, 2],
    }
    return results.read(results.write(tmp_path / "results.json", _rows(), {"parameters": params}))


def test_tables_keep_only_what_varies_and_caption_the_rest(run):
    text = results.run_table_markdown(run, "Our run")
    caption, _, header = text.splitlines()[:3]
    assert caption.startswith("```{table} Our run:")
    assert "500 training and 500 test images, 2 epochs at batch 64" in caption
    assert "backbone vit_tiny, corruption gaussian noise, seeds 3." in caption
    assert header == "| method | sev. 1 | sev. 5 | rel. drop % |"
    cells = "\n".join(text.splitlines()[2:])
    assert "\u00a0±\u00a0" in cells and " ± " not in cells  # a cell never wraps inside "mean ± std"
    two = {**run, "rows": run["rows"] + _rows(corruption="contrast")}
    assert results.run_table_markdown(two, "Ours").splitlines()[2].startswith("| method | corruption | sev. 1")


def test_the_papers_table_prints_its_36_numbers_as_published():
    text = results.paper_table_markdown()
    lines = [line for line in text.splitlines() if line.startswith("| ") and "sev." not in line]
    numbers = [float(x) for line in lines for x in line.strip("| ").split(" | ")[-4:]]
    assert len(lines) == 9 and len(numbers) == 36
    assert sorted(numbers) == sorted(v for by in paper.TABLE1.values() for values in by.values() for v in values)
    assert "| BYOL (JE) | ResNet-50 | zoom blur | 70.1 | 67.0 | 63.8 | 9.0 |" in text  # 67.0, not 67
    assert math.isclose(float(lines[0].split(" | ")[-1].rstrip(" |")), 12.0)
