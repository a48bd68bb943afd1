"""Record the Figure 3 sweep's outputs, for tests/simulate/test_figure3.py to hold later versions to them.

    PYTHONPATH=<checkout>/src:tests JE_VS_RC_DATA=data python tests/simulate/record_figure3_outputs.py COMMIT OUT

``figure3_outputs.json`` was recorded from commit 14cc37b, the per-configuration implementation that the
batched sweep replaced (issue 25): every protocol variant on small synthetic digits, and on MNIST the
paper's grid (5 seeds) and each variant (1 seed). Floats are written with ``repr``: they read back exactly.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace

from helpers import TINY, figure3_datasets

from je_vs_rc.simulate.figure3 import VARIANTS, Fig3Config, figure3_sweep


def cases() -> dict[str, tuple[str, Fig3Config]]:
    """name -> (dataset, configuration): "synthetic" (400 training, 100 test digits) or "mnist"."""
    out = {f"synthetic/{name}": ("synthetic", replace(TINY, **change)) for name, (_, change) in VARIANTS.items()}
    out["mnist/paper"] = ("mnist", Fig3Config())
    for name, (_, change) in VARIANTS.items():
        if name != "default":
            out[f"mnist/{name}"] = ("mnist", replace(Fig3Config(seeds=(0,)), **change))
    return out


def main(commit: str, out: str) -> None:
    sets = figure3_datasets(mnist=True)
    record = {"commit": commit, "cases": {}}
    for name, (dataset, config) in cases().items():
        result = figure3_sweep(*sets[dataset][:2], config, *sets[dataset][2:])
        record["cases"][name] = {"dataset": dataset, "config": asdict(config), "distance": result.distance.tolist()}
        print(name, flush=True)
    with open(out, "w") as fh:
        json.dump(record, fh, indent=None)
        fh.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
