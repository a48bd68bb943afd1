"""The learning-rate pilot of chapter 8's committed CPU run, selecting on no test image.

The paper's rates (App. D.1.1: LARS 0.45 for BYOL, AdamW 1.5e-4 for DINO and MAE, at batch 256) are
for 500 epochs; the CPU run trains for 2 epochs of 500 images. For each method this pilot pretrains
at the paper's rate scaled to the batch and at larger ones, on a seed the committed run does not use
(:data:`PILOT_SEED`: other training images, other corruption draws, other initial weights), at the
lowest and highest severity of the run, and scores each rate by the linear probe's *validation*
top-1: the probe's held-out 10% of the training images (``val_top1``), never the test set. The rate
with the best mean validation top-1 over the two severities is chosen (ties: the smaller rate).

    [torchrun --nproc_per_node N] benchmarks/imagenet_c_lr_pilot.py [--out runs/imagenet_c_lr_pilot]

(under torchrun the processes share every phase, and the numbers are those of one process).

writes ``benchmarks/imagenet_c_cpu/lr_pilot.json`` (every rate's validation top-1, the choice, the
settings, the load and the wall time); ``params/imagenet_c_cpu.yml`` takes its choice.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from je_vs_rc.imagenet_c import distributed, methods, pipeline
from je_vs_rc.provenance import code_commit

HERE = Path(__file__).resolve().parent
OUT = HERE / "imagenet_c_cpu" / "lr_pilot.json"
PILOT_SEED = 100  # not among the committed run's seeds
BATCH = 64
FACTORS = (1, 10, 100)  # times the paper's rate scaled to the batch
BASE = dict(
    methods=["mae"],
    backbones="vit_tiny",
    corruptions=["gaussian_noise"],
    severities=[1, 5],
    epochs=2,
    batch_size=BATCH,
    train_images=500,
    test_images=100,  # required by the pipeline; its scores are not read
    probe_weight_decays=[1e-4, 1e-3, 1e-2],
    probe_iters=100,
    seeds=[PILOT_SEED],
    random_init=False,
    pixels=False,
    num_threads=1,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/imagenet_c_lr_pilot")
    args = parser.parse_args(argv)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        distributed.init("cpu")
    rank, world = distributed.rank_world()
    start, load = time.perf_counter(), round(os.getloadavg()[0], 1)
    scores: dict[str, dict[str, float]] = {}
    chosen: dict[str, float] = {}
    for method in ("byol", "dino", "mae"):
        paper = methods.get(method).lr_at_256 * BATCH / 256
        scores[method] = {}
        for factor in FACTORS:
            rate = paper * factor
            cfg = pipeline.ExperimentConfig(**{**BASE, "methods": [method], "lr": {method: rate}, "out_dir": args.out})
            rows = pipeline.run(cfg).get("rows", [])  # rank 0 only
            if rank == 0:
                # rounded: scores that differ by float32 noise are a tie (which goes to the smaller rate)
                scores[method][f"{rate:.6g}"] = round(sum(r["val_top1"] for r in rows) / len(rows), 4)
                print(method, rate, scores[method][f"{rate:.6g}"], flush=True)
        if rank != 0:
            continue
        best = max(scores[method].items(), key=lambda kv: (kv[1], -float(kv[0])))
        chosen[method] = float(best[0])
    if rank != 0:
        return 0
    OUT.write_text(
        json.dumps(
            {
                "selection": "mean validation top-1 (the probe's held-out 10% of the training images) over "
                "severities 1 and 5; no test image is used",
                "chosen": chosen,
                "val_top1_by_lr": scores,
                "factors_of_paper_rate": list(FACTORS),
                "validation_images": BASE["train_images"] // 10,  # per severity: the probe's 10% split
                "settings": {k: v for k, v in BASE.items() if k not in ("methods",)},
                "code_commit": code_commit(),
                "processes": world,
                "load_average_at_start": load,
                "wall_seconds": round(time.perf_counter() - start, 1),
            },
            indent=1,
        )
        + "\n"
    )
    print(json.dumps(chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
