"""Time the paper-scale Figure 3 sweep: vectorised (je_vs_rc.simulate.figure3.figure3_sweep) against the
straightforward per-configuration reference (je_vs_rc.simulate.figure3_reference), on the real MNIST.

    .venv/bin/python benchmarks/bench_figure3.py [--reference-seeds 1]

The full sweep is 10 sample sizes x 3 alphas x 2 noise levels x 3 models x 5 seeds (PCA included).
The reference is timed on fewer seeds (default 1) and scaled linearly to 5; both are checked to agree.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from je_vs_rc import data
from je_vs_rc.simulate import figure3, figure3_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-seeds", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images, labels = data.load("mnist")
    config = figure3.Fig3Config()
    fast = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = figure3.figure3_sweep(images, labels, config)
        fast.append(time.perf_counter() - start)
    print(
        f"vectorised, 5 seeds, PCA included: best {min(fast):.2f} s, median {np.median(fast):.2f} s "
        f"over {args.repeats} runs"
    )
    small = replace(config, seeds=config.seeds[: args.reference_seeds])
    start = time.perf_counter()
    reference = figure3_reference.figure3_reference(images, labels, small)
    slow = time.perf_counter() - start
    per_seed = slow / args.reference_seeds
    print(f"reference, {args.reference_seeds} seed(s): {slow:.1f} s -> {5 * per_seed:.0f} s for 5 seeds (linear)")
    print(f"speed-up: {5 * per_seed / min(fast):.0f}x")
    agree = np.allclose(result.distance[..., : args.reference_seeds], reference, rtol=1e-5, atol=1e-9)
    print(f"results agree: {agree}")


if __name__ == "__main__":
    main()
