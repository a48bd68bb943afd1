"""je_vs_rc: closed forms, thresholds and simulations for "Joint Embedding vs Reconstruction"
(Van Assel, Ibrahim, Biancalani, Regev, Balestriero; NeurIPS 2025, arXiv 2505.12477).

Layers, each importing only the ones above it: ``theory`` (the mathematics, numpy and scipy only),
``simulate`` (sweeps and experiments), ``checks`` (the claims, each raising when it fails),
``render`` (figures and tables). The deep-learning code lives apart in ``deep``.
"""

import os

# torch's OpenMP threads (chapters 08 and 12) sleep when they have no work instead of spinning for it:
# beside other jobs, spinning threads made a small training loop 100 times slower, with the same
# results (issue 25, benchmarks/README.md). Read when torch loads, so set here, before any chapter
# imports it; an explicit setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .theory.augmentations import augmentation_covariance  # noqa: E402
from .theory.joint_embedding import joint_embedding
from .theory.reconstruction import reconstruction
from .theory.setting import Setting, augmented_moments
from .theory.supervised import supervised
from .theory.thresholds import Thresholds, thresholds

__all__ = [
    "Setting",
    "Thresholds",
    "augmentation_covariance",
    "augmented_moments",
    "joint_embedding",
    "reconstruction",
    "supervised",
    "thresholds",
]
__version__ = "0.1.0"
