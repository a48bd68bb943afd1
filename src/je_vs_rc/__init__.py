"""je_vs_rc: closed forms, thresholds and simulations for "Joint Embedding vs Reconstruction"
(Van Assel, Ibrahim, Biancalani, Regev, Balestriero; NeurIPS 2025, arXiv 2505.12477).

Theory modules import only numpy and scipy; the deep-learning code lives apart.
"""
from .joint_embedding import joint_embedding
from .reconstruction import reconstruction
from .setting import Setting, augmentation_covariance, augmented_moments
from .supervised import supervised
from .thresholds import Thresholds, thresholds

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
