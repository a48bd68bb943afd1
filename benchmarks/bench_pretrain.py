"""Pretraining throughput of the deep pipeline on this CPU: images per second of the real training
loop (``je_vs_rc.imagenet_c.pretrain``: augmentation, forward, backward, optimiser, momentum hooks) for
each method, under several settings, measured back to back.

Each setting runs in its own process (torch's thread count is per process), and the settings are
interleaved over ``--repeats`` rounds so that a change in the machine's load hits all of them alike;
the median of the rounds is reported.

    python benchmarks/bench_pretrain.py [--images 128] [--repeats 2] [--backbone vit_tiny]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

# name -> (torch threads (None: torch's default), DataLoader workers)
SETTINGS = {
    "before: torch default threads, no workers": (None, 0),
    "after: 1 thread (num_threads=1)": (1, 0),
    "1 thread + 1 augmentation worker": (1, 1),
}
METHODS = ("byol", "dino", "mae")


def measure(method: str, backbone: str, n_images: int, threads: int | None, workers: int) -> float:
    """Images per second of one epoch of ``pretrain`` (after a 16-image warm-up run)."""
    import numpy as np
    import torch

    from je_vs_rc.imagenet_c.pretrain import PretrainConfig, pretrain

    if threads is not None:
        torch.set_num_threads(threads)
    images = np.random.default_rng(0).integers(0, 256, (n_images, 32, 32, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        pretrain(images[:16], PretrainConfig(method, backbone, 32, 1, 16, num_workers=workers), f"{tmp}/warm")
        start = time.perf_counter()
        pretrain(images, PretrainConfig(method, backbone, 32, 1, 128, num_workers=workers), f"{tmp}/run")
        return n_images / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--backbone", default="vit_tiny")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one setting in this process
    args = parser.parse_args()
    if args.one:
        threads, workers = SETTINGS[args.one]
        print(json.dumps({m: measure(m, args.backbone, args.images, threads, workers) for m in METHODS}))
        return
    runs: dict[str, list[dict[str, float]]] = {s: [] for s in SETTINGS}
    for _ in range(args.repeats):
        for setting in SETTINGS:
            out = subprocess.run(
                [sys.executable, __file__, "--one", setting, "--images", str(args.images), "--backbone", args.backbone],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[setting].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{args.backbone}, 32 px, batch 128, {args.images} images, median of {args.repeats} interleaved rounds; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| setting | " + " | ".join(METHODS) + " |\n|---|" + "---|" * len(METHODS))
    for setting, rounds in runs.items():
        print(f"| {setting} | " + " | ".join(f"{statistics.median(r[m] for r in rounds):.0f}" for m in METHODS) + " |")


if __name__ == "__main__":
    main()
