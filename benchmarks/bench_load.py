"""The paper-scale Figure 3 sweep as a whole process, alone and beside two busy processes, with the
package's BLAS threading policy (one thread for small linear algebra, ``theory/linalg.py``) and
without it (OpenBLAS's default threads everywhere).

    .venv/bin/python benchmarks/bench_load.py [--repeats 3] [--busy-limit 600]

Each run is a fresh ``python`` process: import, load MNIST, PCA, the 5-seed sweep. The busy processes
are started by this script (pure-Python loops, one core each), end by themselves after
``--busy-limit`` seconds at most and are stopped as soon as the measurements are done. Settings are
interleaved, so a change in the machine's load hits them alike; wall and CPU (user + system) times
are medians over the repeats, each printed with the load averages seen while they ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

SWEEP = """
import je_vs_rc.theory.linalg as linalg
linalg._Threads.enabled = {policy}
from je_vs_rc import data
from je_vs_rc.simulate.figure3 import Fig3Config, figure3_sweep
images, labels = data.load("mnist")
figure3_sweep(images, labels, Fig3Config())
"""
BUSY = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def timed(policy: bool) -> tuple[float, float]:
    """(wall, user + system CPU) seconds of one whole sweep process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SWEEP.format(policy=policy)])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the sweep failed (status {status})")
    return wall, usage.ru_utime + usage.ru_stime


def measure(repeats: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[tuple[float, float]]] = {"policy": [], "default threads": []}
    loads = [os.getloadavg()[0]]
    for _ in range(repeats):
        for name in runs:
            runs[name].append(timed(name == "policy"))
            loads.append(os.getloadavg()[0])
    return {
        name: {
            "wall": statistics.median(w for w, _ in values),
            "cpu": statistics.median(c for _, c in values),
            "load_min": min(loads),
            "load_max": max(loads),
        }
        for name, values in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy-limit", type=float, default=600.0, help="seconds the busy processes live at most")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load averages at start {os.getloadavg()}")
    results = {"alone": measure(args.repeats)}
    busy = [subprocess.Popen([sys.executable, "-c", BUSY.format(limit=args.busy_limit)]) for _ in range(2)]
    try:
        time.sleep(1.0)
        results["beside 2 busy processes"] = measure(args.repeats)
    finally:
        for proc in busy:
            proc.terminate()
            proc.wait()
    print("| condition | BLAS threads | wall (s) | CPU user+sys (s) | load average (1 min) during |")
    print("|---|---|---|---|---|")
    for condition, rows in results.items():
        for name, r in rows.items():
            print(
                f"| {condition} | {name} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['load_min']:.1f}-{r['load_max']:.1f} |"
            )
    for name in results["alone"]:
        ratio = results["beside 2 busy processes"][name]["wall"] / results["alone"][name]["wall"]
        print(f"{name}: beside 2 busy processes / alone = {ratio:.1f}x (wall)")


if __name__ == "__main__":
    main()
