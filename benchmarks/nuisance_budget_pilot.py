"""Pilot of chapter 13's training budget: top-1 of a method at a ladder of step counts (one seed, one
thread), with the CPU time of each run, to pick the budget at which doubling the steps no longer moves
top-1 beyond the seeds' interval.

    python benchmarks/nuisance_budget_pilot.py params/nuisance_budget_pilot.json --steps 150 300 600 1200 \
        --cells clean:0 strong:1

Each run is appended to the file's ``runs`` at once (a rerun skips the runs already there), with the CPU
time of the run and of its training alone and the load average after it; chapter 13 reads the file.
A cell is LEVEL:ALPHA ("clean:0" the clean images). Pilot runs use seed 0 (``--seed``) and the committed run's protocol
otherwise (``params/nuisance_2400.yml``'s nuisance, 10,000 training and test images, batch 128).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import torch

from je_vs_rc import data
from je_vs_rc.provenance import code_commit
from je_vs_rc.selfsup import grid
from je_vs_rc.selfsup.views import ViewMaker
from je_vs_rc.simulate.nuisance import NuisanceConfig, nuisance_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, nargs="+", required=True)
    parser.add_argument("--cells", nargs="+", default=["clean:0"])
    parser.add_argument("--methods", nargs="+", default=["byol", "vicreg", "mae", "ae"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    saved = json.loads(out.read_text()) if out.is_file() else {}
    runs = saved.get("runs", [])
    provenance = saved.get("provenance", {"code_commits": [], "device": "CPU, 1 torch thread"})
    provenance["code_commits"] = list(dict.fromkeys([*provenance["code_commits"], code_commit()]))
    done = {(r["level"], r["alpha"], r["method"], r["steps"], r["seed"], r["batch"]) for r in runs}
    mnist = (*data.load("mnist", "train"), *data.load("mnist", "test"))
    nz = NuisanceConfig(n_train=10_000, n_test=10_000)
    d = nuisance_data(*mnist, nz, args.seed)
    P = torch.as_tensor(d.P, dtype=torch.float32)
    for steps in args.steps:
        for cell in args.cells:
            level, alpha = cell.split(":")[0], float(cell.split(":")[1])
            for method in args.methods:
                if (level, alpha, method, steps, args.seed, args.batch) in done:
                    continue
                lv = None if level == grid.CLEAN else level
                inputs = {"train": d.images("train", lv), "test": d.images("test", lv), "test_clean": d.x_test}
                scale = 0.0 if lv is None else alpha * math.sqrt(d.variance[level])
                views = ViewMaker(None if lv is None else P, scale, nz.shift, nz.pixel_noise)
                cpu0, wall0 = time.process_time(), time.perf_counter()
                x = torch.as_tensor(inputs["train"], dtype=torch.float32)
                model, curve = grid.train(method, x, views, nz.k, steps, args.batch, args.seed)
                train_cpu = time.process_time() - cpu0
                feats = {s: grid.features(model, imgs) for s, imgs in inputs.items()}
                scores = grid.readouts(feats, d, level)
                runs.append(
                    {
                        "level": level,
                        "alpha": alpha,
                        "method": method,
                        "steps": steps,
                        "seed": args.seed,
                        "batch": args.batch,
                        **scores,
                        "train_cpu": train_cpu,
                        "cpu": time.process_time() - cpu0,
                        "wall": time.perf_counter() - wall0,
                        "load": os.getloadavg()[0],
                        "loss": curve.tolist(),
                    }
                )
                out.write_text(json.dumps({"provenance": provenance, "runs": runs}, indent=1))
                print(
                    f"{level}:{alpha:g} {method:7s} {steps:5d} top1 {scores['top1']:.2f} "
                    f"cpu {runs[-1]['cpu']:.1f} s (train {train_cpu:.1f}) load {runs[-1]['load']:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
