"""Throughput of chapter 13's view pipeline and of each method's training (one CPU thread, float32).

    python benchmarks/bench_selfsup.py [--steps 20] [--batch 128] [--repeats 3] [--clock wall|cpu]

Views: ``ViewMaker`` (aligned noise along 64 patterns, translation, pixel noise) on batches of 256 flattened
images, views per second. Methods: ``je_vs_rc.selfsup.grid.train`` for ``--steps`` steps of ``--batch``
images on the strong-noise views at alpha = 1, samples per second and views per second (a joint-embedding
method draws two views of each sample, a reconstruction method one), best of ``--repeats``. Also the
readout (features of 30,000 images and the probe) of one run. Prints the load average: on a shared machine
the figures mean little without it.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from je_vs_rc.selfsup import grid, methods
from je_vs_rc.selfsup.views import ViewMaker
from je_vs_rc.simulate.nuisance import probe_top1

CLOCK = time.perf_counter  # --clock cpu: time.process_time (this process's CPU time; steadier on a busy machine)


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="time rates by wall or CPU time")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    P = torch.as_tensor(np.linalg.qr(rng.standard_normal((784, 64)))[0], dtype=torch.float32)
    x = torch.as_tensor(rng.standard_normal((10_000, 784)) * 0.3, dtype=torch.float32)
    print(f"load average at start: {os.getloadavg()[0]:.1f}; rates per second of {args.clock} time")
    gen = torch.Generator().manual_seed(0)
    batch = x[:256]
    for name, maker in (
        ("views: aligned noise + translation + pixel noise", ViewMaker(P, 1.8, 1, 0.1)),
        ("views: translation + pixel noise (clean data)", ViewMaker(None, 0.0, 1, 0.1)),
    ):
        seconds = best(lambda m=maker: [m(batch, gen) for _ in range(50)], args.repeats)
        print(f"{name:55s} {50 * 256 / seconds:9.0f} views/s")
    maker = ViewMaker(P, 1.8, 1, 0.1)
    for name in methods.METHODS:
        n_views = methods.get(name).build(8).n_views
        seconds = best(lambda n=name: grid.train(n, x, maker, 32, args.steps, args.batch, 0), args.repeats)
        samples = args.steps * args.batch / seconds
        print(
            f"train {name:8s} {samples:7.0f} samples/s  {samples * n_views:7.0f} views/s  "
            f"({args.steps / seconds:5.1f} steps/s of {args.batch})"
        )
    model, _ = grid.train("vicreg", x, maker, 32, 2, args.batch, 0)
    images = x.numpy()

    def readout() -> None:
        feats = [grid.features(model, images) for _ in range(3)]
        probe_top1(feats[0], rng.integers(0, 10, len(images)), [(feats[1], rng.integers(0, 10, len(images)))])

    print(f"readout of one run (features of 30,000 images + probe): {best(readout, args.repeats):.1f} s")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
