"""Training throughput of chapter 12's batched trainers (steps per second, one CPU thread, float32).

    python benchmarks/bench_trained.py [--steps 30] [--repeats 3]

Two workloads: the toy setting of Part 1 (d=6, k=3, 12 models, batch 256: per-step overhead dominates)
and the MNIST grid of Part 2 at its default size (d=100, k=50, 2 noise levels x 6 alphas x 3 seeds x
clean/corrupted = 72 models, batch 64), for JE (whitening) and RC, linear and a 64-wide MLP. One "step"
updates every model of the batch once, so models x steps / s is the per-model rate.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from je_vs_rc.trained.models import Problems, TrainConfig, train


def rate(problems: Problems, cfg: TrainConfig, repeats: int) -> float:
    best = min(_timed(problems, cfg) for _ in range(repeats))
    return cfg.steps / best


def _timed(problems: Problems, cfg: TrainConfig) -> float:
    start = time.perf_counter()
    train(problems, cfg)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    workloads = {
        "toy (d=6, 12 models, batch 256)": (rng.standard_normal((3, 2000, 6)), 12, 3, 256),
        "MNIST grid (d=100, 72 models, batch 64)": (rng.standard_normal((9, 5000, 100)), 72, 50, 64),
    }
    for name, (X, M, k, batch) in workloads.items():
        G, _, d = X.shape
        problems = Problems(X, np.arange(M) % G, np.ones((M, d)), np.ones((M, d)))
        for method, hidden in (("je", ()), ("rc", ()), ("je", (64,)), ("rc", (64,))):
            cfg = TrainConfig(method, k=k, hidden=hidden, steps=args.steps, batch_size=batch)
            r = rate(problems, cfg, args.repeats)
            arch = "linear" if not hidden else f"MLP {hidden[0]}"
            print(f"{name:40s} {method.upper()} {arch:7s} {r:7.1f} steps/s  ({r * M:8.0f} model-steps/s)")


if __name__ == "__main__":
    main()
