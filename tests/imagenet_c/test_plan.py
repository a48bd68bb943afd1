"""``--plan``: per-phase estimates from the committed per-image costs; and the resumable cache builds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from je_vs_rc.imagenet_c import config, distributed, plan
from je_vs_rc.imagenet_c.config import ExperimentConfig

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.long
def test_plan_of_the_paper_file_on_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "je_vs_rc.imagenet_c.pipeline", "params/imagenet_c_paper.yml", "--plan", "--gpus", "8"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "plan for 8 GPUs fed by 96 CPU cores:"
    for phase in ("data", "pretrain", "features", "probe", "total"):
        assert any(line.split()[:1] == [phase] for line in lines), phase
    assert "ImageNet-1k's sizes assumed" in proc.stdout
    assert "300 TFLOP/s sustained per GPU (not measured)" in proc.stdout


def _cfg(**kw):
    return ExperimentConfig.from_mapping({**config.read_params(REPO / "params" / "imagenet_c_paper.yml"), **kw})


def test_estimates_scale_with_the_measured_costs(monkeypatch):
    base = {p.name: p for p in plan.estimate(_cfg(), gpus=8)}
    costs = plan.costs()
    doubled = json.loads(json.dumps(costs))
    doubled["224"]["cpu"]["decode_train"] *= 2
    for k in doubled["224"]["cpu"]["corrupt"]:
        doubled["224"]["cpu"]["corrupt"][k] *= 2
    for k in doubled["224"]["flops"]["features"]:
        doubled["224"]["flops"]["features"][k] *= 2
    monkeypatch.setattr(plan, "costs", lambda path=plan.COSTS: doubled)
    more = {p.name: p for p in plan.estimate(_cfg(), gpus=8)}
    assert more["data"].seconds == pytest.approx(2 * base["data"].seconds)
    assert more["features"].seconds == pytest.approx(2 * base["features"].seconds)
    assert more["pretrain"].seconds == pytest.approx(base["pretrain"].seconds)
    # twice the GPUs halve the accelerators' share; the disk does not change
    monkeypatch.undo()
    wide = {p.name: p for p in plan.estimate(_cfg(), gpus=16)}
    assert wide["features"].seconds == pytest.approx(base["features"].seconds / 2)
    assert wide["data"].disk_bytes == base["data"].disk_bytes


def test_disk_of_the_image_caches_is_counted_from_the_grid():
    one = {p.name: p for p in plan.estimate(_cfg(), gpus=8)}["data"]
    n_train, n_test, _ = plan.IMAGENET_1K
    arrays = (1 + 9) * n_train + (1 + 9) * n_test  # clean + 3 corruptions x 3 severities, one draw
    assert one.disk_bytes == arrays * 224 * 224 * 3
    per_seed = {p.name: p for p in plan.estimate(_cfg(corruption_seed=None), gpus=8)}["data"]
    assert per_seed.disk_bytes == ((1 + 27) * n_train + (1 + 27) * n_test) * 224 * 224 * 3


def test_an_image_size_without_measured_costs_is_named():
    with pytest.raises(ValueError, match=r"no measured costs at image_size 64; measured: \['224', '32'\]"):
        plan.estimate(ExperimentConfig(dataset="imagefolder", image_size=64), gpus=1)


def test_an_interrupted_build_resumes_at_its_first_unfinished_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "CHUNK", 4)
    calls = []

    def fill(start, stop):
        calls.append(start)
        if start == 8 and len(calls) == 3:
            raise KeyboardInterrupt  # killed while filling the third chunk
        return np.arange(start, stop)[:, None] * np.ones((1, 2))

    path = tmp_path / "a.npy"
    with pytest.raises(KeyboardInterrupt):
        distributed.build_once(path, (10, 2), np.float64, fill, "test")
    assert not path.exists() and calls == [0, 4, 8]
    out = distributed.build_once(path, (10, 2), np.float64, fill, "test")
    assert calls == [0, 4, 8, 8]  # only the unfinished chunk again
    assert np.array_equal(out[:, 0], np.arange(10)) and not (tmp_path / "a.npy.done.npy").exists()
    assert (tmp_path / distributed.BUILD_LOG).read_text() == "a.npy 1\n"
