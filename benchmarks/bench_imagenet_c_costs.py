"""Per-image costs of the ImageNet-C pipeline (224 px and 32 px), the figures ``--plan`` scales to a parameter file.

Two kinds of cost, written to ``benchmarks/imagenet_c_costs.json`` (one key per part, merged):

- ``cpu``: seconds per image on one CPU core of this machine, measured: decoding an ImageNet-sized
  JPEG (resize and centre crop to 224) and an ImageNet-C JPEG (224 px, taken as it is); each Table 1
  corruption at severities 1, 3 and 5; each method's augmentation (all its views); the injected
  corruption on every view (App. D.3). These run in data-loading and data-preparation workers, so
  they scale with CPU cores, not with GPUs.
- ``flops``: floating-point operations per image, counted by ``torch.utils.flop_counter`` on the real
  models (one image): a pretraining step (forward and backward, every view, momentum branches) per
  method and backbone, and a frozen forward pass (feature extraction) per backbone. A GPU's time is
  these counts over its sustained throughput, which ``--plan`` takes as an assumption it states.

    python benchmarks/bench_imagenet_c_costs.py [--part cpu|flops|all] [--repeats 20]

Images are synthetic (a photograph-like smooth field plus texture, saved as JPEG at quality 90, 500 x
375 like a typical ImageNet training image); decoding and corruption times depend on size, not content,
except for JPEG's entropy coding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "imagenet_c_costs.json"
CORRUPTIONS = ("pixelate", "gaussian_noise", "zoom_blur")
SEVERITIES = (1, 3, 5)
# image size -> the backbones timed at it: the paper's at 224 px (ImageNet), the CPU and smoke runs' at 32 (MNIST)
BACKBONES = {
    224: {"byol": "resnet50", "dino": "vit_b16", "mae": "vit_b16"},
    32: dict.fromkeys(("byol", "dino", "mae"), "vit_tiny"),
}


def photo(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth colour field with texture: JPEG compresses it about as it compresses photographs."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    base = np.stack([np.sin(6 * x + c) * np.cos(4 * y - c) for c in range(3)], -1)
    img = 127 + 80 * base + rng.normal(0, 12, (height, width, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg(pixels: np.ndarray, path: Path) -> Path:
    from PIL import Image

    Image.fromarray(pixels).save(path, quality=90)
    return path


def timed(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_costs(size: int, repeats: int) -> dict:
    import tempfile

    import torch
    from PIL import Image

    from je_vs_rc.imagenet_c import corruptions, folders, methods

    torch.set_num_threads(1)
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = jpeg(photo(500, 375), Path(tmp) / "train.JPEG")
        small = jpeg(photo(size, size, 1), Path(tmp) / "c.JPEG")
        out["decode_train"] = timed(lambda: folders.decode(big, size), repeats)
        out["decode_imagenet_c"] = timed(lambda: folders.decode(small, size), repeats)
        image = folders.decode(big, size)
    out["corrupt"] = {
        f"{name}/{sev}": timed(lambda n=name, s=sev: corruptions.corrupt(image, n, s, 0), max(3, repeats // 4))
        for name in CORRUPTIONS
        for sev in SEVERITIES
    }
    pil = Image.fromarray(image)
    augment, inject = {}, {}
    for method, backbone in BACKBONES[size].items():
        model = methods.build(method, backbone, size, 500)
        augment[method] = timed(lambda m=model: m.transform(pil), repeats)
        for name in CORRUPTIONS:
            injected = corruptions.Injected(model.transform, name, 2)
            inject[f"{method}/{name}"] = timed(lambda t=injected: t(pil), max(3, repeats // 4)) - augment[method]
    out["augment"], out["inject_extra"] = augment, inject
    return out


def flop_costs(size: int) -> dict:
    import torch
    from PIL import Image
    from torch.utils.flop_counter import FlopCounterMode

    from je_vs_rc.imagenet_c import methods, networks

    torch.set_num_threads(1)
    pretrain, features, parameters, dims = {}, {}, {}, {}
    for method, backbone in BACKBONES[size].items():
        torch.manual_seed(0)
        model = methods.build(method, backbone, size, 500)
        model.train()
        item = model.transform(Image.fromarray(photo(size, size))) + model.sample_extras(torch.Generator())
        views = [v.unsqueeze(0) for v in item]
        views = [torch.cat([v, v]) for v in views]  # two images: BatchNorm needs more than one in training mode
        with FlopCounterMode(display=False) as count:
            model(views, methods.Step(0, 500, 0, 1000)).backward()
        pretrain[method] = count.get_total_flops() / 2
        parameters[method] = sum(p.numel() for p in model.parameters())
    for backbone in sorted(set(BACKBONES[size].values())):
        # train mode: in eval mode torch's fused attention kernel runs, which the counter does not see
        net = networks.random_init(backbone, size, 0).train()
        with torch.no_grad(), FlopCounterMode(display=False) as count:
            out = net.features(torch.zeros(1, 3, size, size))
        features[backbone], dims[backbone] = count.get_total_flops(), out.shape[1]
    return {"pretrain_step": pretrain, "features": features, "parameters": parameters, "feature_dim": dims}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("cpu", "flops", "all"), default="all")
    parser.add_argument("--size", type=int, choices=sorted(BACKBONES), nargs="+", default=sorted(BACKBONES))
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    saved: dict = json.loads(OUT.read_text()) if OUT.is_file() else {}
    meta = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_start": round(os.getloadavg()[0], 1),
    }
    for size in args.size:
        here = saved.setdefault(str(size), {})
        if args.part in ("cpu", "all"):
            here["cpu"] = {**cpu_costs(size, args.repeats), "measured": meta, "unit": "seconds per image, one core"}
        if args.part in ("flops", "all"):
            here["flops"] = {**flop_costs(size), "measured": meta, "unit": "floating-point operations per image"}
    OUT.write_text(json.dumps(saved, indent=1) + "\n")
    json.dump(saved, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
