"""Self-supervised networks on MNIST with a controlled nuisance (chapter 13, beyond the paper); torch only.

``views`` (the batched view pipeline: T(alpha) along the nuisance patterns and the generic
augmentations), ``methods`` (the encoder and the registry of methods with their hooks: BYOL, VICReg,
a masked convolutional autoencoder, the paper's autoencoder), ``grid`` (noise levels x alignments x
methods x seeds, resumable, with the baselines) and ``results`` (the verdict from the numbers).
The data and the closed-form prediction are numpy (``je_vs_rc.simulate.nuisance``).
"""

try:
    import torch  # noqa: F401
except ImportError as err:  # pragma: no cover - the deep profile is missing
    raise ImportError("je_vs_rc.selfsup needs PyTorch: pip install 'je-vs-rc[deep]'") from err
