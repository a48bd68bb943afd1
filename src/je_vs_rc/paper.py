"""Numbers the paper reports, typed in once so that every comparison reads them from here.

Source: Van Assel et al. (NeurIPS 2025), Table 1 (section 5.2), as transcribed in the project's
paper digest. Values are percentages.
"""

from __future__ import annotations

# method -> corruption -> (top-1 at severity 1, 3, 5, reported relative drop S1 -> S5)
TABLE1: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "BYOL": {
        "pixelate": (66.7, 61.3, 58.7, 12.0),
        "gaussian_noise": (67.2, 63.1, 56.4, 16.1),
        "zoom_blur": (70.1, 67.0, 63.8, 9.0),
    },
    "DINO": {
        "pixelate": (68.7, 64.9, 60.2, 12.4),
        "gaussian_noise": (67.6, 62.4, 59.0, 12.7),
        "zoom_blur": (69.4, 67.2, 64.9, 6.5),
    },
    "MAE": {
        "pixelate": (64.9, 52.3, 46.8, 27.9),
        "gaussian_noise": (61.6, 46.7, 44.8, 27.3),
        "zoom_blur": (64.1, 58.4, 51.3, 20.0),
    },
}
# Average drops quoted in the text of section 5.2.
TABLE1_MEAN_DROP = {"MAE": 25.1, "DINO": 10.5, "BYOL": 12.4}


def relative_drop(top1_s1: float, top1_s5: float) -> float:
    """Relative drop in percent from severity 1 to 5, ``(S1 - S5) / S1 * 100`` (Table 1)."""
    if top1_s1 <= 0:
        raise ValueError(f"top1_s1 must be > 0 (an accuracy in percent); got {top1_s1!r}")
    return (top1_s1 - top1_s5) / top1_s1 * 100.0


# Figure 3 (MNIST), read off the published figure (log axes, approximate): for each
# (noise level, model) and alpha, the distance to optimality at n = 100 and at n = 51,200.
# "Flat" lines are given the same value at both ends.
FIG3_ENDPOINTS: dict[tuple[str, str], dict[float, tuple[float, float]]] = {
    ("weak", "sl"): {0.1: (3e-2, 1.5e-4), 1.0: (3e-2, 1.5e-4), 10.0: (1.7e-3, 1e-5)},
    ("weak", "je"): {0.1: (2e-3, 2e-3), 1.0: (1.5e-3, 2e-6), 10.0: (2e-5, 1e-8)},
    ("weak", "rc"): {0.1: (2e-2, 1.3e-5), 1.0: (1.4e-2, 1e-5), 10.0: (1.4e-3, 6e-6)},
    ("strong", "sl"): {0.1: (1.3e-1, 5e-4), 1.0: (1e-1, 4e-4), 10.0: (2e-3, 1.3e-5)},
    ("strong", "je"): {0.1: (1.5e-1, 1.5e-1), 1.0: (5e-3, 2e-5), 10.0: (3e-5, 1e-8)},
    ("strong", "rc"): {0.1: (2e-1, 1.9e-1), 1.0: (1.5e-1, 1.2e-1), 10.0: (2.5e-1, 5.5e-2)},
}
FIG3_NOISE_LEVELS = ("weak", "strong")  # gamma_max = 1e3 and 1e6

# Pretraining epochs of Table 1's models (App. D.1.1); a run shorter than this is not the paper's scale.
TABLE1_EPOCHS = 500
