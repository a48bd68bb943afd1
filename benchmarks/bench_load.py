"""The paper-scale Figure 3 sweep as a whole process, alone and beside two busy processes, with the
package's BLAS threading policy (one thread for small linear algebra, ``theory/linalg.py``) and
without it (OpenBLAS's default threads everywhere), and optionally an older version of the package.

    .venv/bin/python benchmarks/bench_load.py [--repeats 3] [--busy-limit 600] [--before OLD/src] [--policy-only]

``--before`` adds the package found under that ``src`` folder (e.g. ``git archive 14cc37b src | tar -x
-C /tmp/old``), run with OpenBLAS's default threads as it was.

Each run is a fresh ``python`` process: import, load MNIST, PCA, the 5-seed sweep. The busy processes
are started by this script (pure-Python loops, one core each), end by themselves after
``--busy-limit`` seconds at most and are stopped as soon as the measurements are done. Settings are
interleaved, so a change in the machine's load hits them alike; wall and CPU (user + system) times
are medians over the repeats, each printed with the load averages seen while they ran. One untimed run
comes first: as on a reader's machine, Python's bytecode caches are written once and then read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

SWEEP = """
import je_vs_rc
if {policy} is not None:
    import je_vs_rc.theory.linalg as linalg
    linalg._Threads.enabled = {policy}
from je_vs_rc import data
from je_vs_rc.simulate.figure3 import Fig3Config, figure3_sweep
images, labels = data.load("mnist")
figure3_sweep(images, labels, Fig3Config())
"""
BUSY = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def timed(policy: bool | None, src: str | None) -> tuple[float, float]:
    """(wall, user + system CPU) seconds of one whole sweep process (``src``: the package to import)."""
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)  # the package's own policy, or OpenBLAS's default
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a reader's Python keeps its bytecode caches
    if src:
        env["PYTHONPATH"] = src
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SWEEP.format(policy=policy)], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the sweep failed (status {status})")
    return wall, usage.ru_utime + usage.ru_stime


def measure(repeats: int, settings: dict[str, tuple[bool | None, str | None]]) -> dict[str, dict[str, float]]:
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in settings}
    loads = [os.getloadavg()[0]]
    for _ in range(repeats):
        for name, setting in settings.items():
            runs[name].append(timed(*setting))
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
    parser.add_argument("--before", help="src folder of an older version, timed with default BLAS threads")
    parser.add_argument(
        "--policy-only",
        action="store_true",
        help="time the package's policy only (default threads take minutes on a loaded machine)",
    )
    args = parser.parse_args()
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    settings: dict[str, tuple[bool | None, str | None]] = {"policy": (True, here), "default threads": (False, here)}
    if args.policy_only:
        del settings["default threads"]
    if args.before:
        settings["before, default threads"] = (None, args.before)
    print(f"{os.cpu_count()} cores; load averages at start {os.getloadavg()}")
    timed(*settings["policy"])  # untimed: writes the bytecode caches, reads MNIST into the page cache
    results = {"alone": measure(args.repeats, settings)}
    busy = [subprocess.Popen([sys.executable, "-c", BUSY.format(limit=args.busy_limit)]) for _ in range(2)]
    try:
        time.sleep(1.0)
        results["beside 2 busy processes"] = measure(args.repeats, settings)
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
