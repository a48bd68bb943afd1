"""Numbers the paper reports, typed in once so that every comparison reads them from here.

Source: Van Assel et al. (NeurIPS 2025), Table 1 (section 5.2), as transcribed in the project's
paper digest. Values are percentages.
"""
from __future__ import annotations

SEVERITIES = (1, 3, 5)

# method -> corruption -> (top-1 at severity 1, 3, 5, reported relative drop S1 -> S5)
TABLE1: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "BYOL": {"pixelate": (66.7, 61.3, 58.7, 12.0), "gaussian_noise": (67.2, 63.1, 56.4, 16.1),
             "zoom_blur": (70.1, 67.0, 63.8, 9.0)},
    "DINO": {"pixelate": (68.7, 64.9, 60.2, 12.4), "gaussian_noise": (67.6, 62.4, 59.0, 12.7),
             "zoom_blur": (69.4, 67.2, 64.9, 6.5)},
    "MAE": {"pixelate": (64.9, 52.3, 46.8, 27.9), "gaussian_noise": (61.6, 46.7, 44.8, 27.3),
            "zoom_blur": (64.1, 58.4, 51.3, 20.0)},
}
TABLE1_PARADIGM = {"BYOL": "JE", "DINO": "JE", "MAE": "RC"}
TABLE1_BACKBONE = {"BYOL": "ResNet-50", "DINO": "ViT-B/16", "MAE": "ViT-B/16"}
# Average drops quoted in the text of section 5.2.
TABLE1_MEAN_DROP = {"MAE": 25.1, "DINO": 10.5, "BYOL": 12.4}


def relative_drop(top1_s1: float, top1_s5: float) -> float:
    """Relative drop in percent from severity 1 to 5, ``(S1 - S5) / S1 * 100`` (Table 1)."""
    if top1_s1 <= 0:
        raise ValueError(f"top1_s1 must be > 0 (an accuracy in percent); got {top1_s1!r}")
    return (top1_s1 - top1_s5) / top1_s1 * 100.0
