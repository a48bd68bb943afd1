"""Chapter 13's self-supervised networks on MNIST with a controlled nuisance (beyond the paper).

Needs torch only (not lightly, timm or imagecorruptions, which the ImageNet-C pipeline needs).
Modules: ``views`` (the batched view pipeline: T(alpha) along the nuisance patterns and the generic
augmentations), ``methods`` (the shared encoder and the registry of methods with their hooks: BYOL,
VICReg, a masked convolutional autoencoder, the paper's autoencoder), ``cells`` (what a grid is and
its results file, joined cell by cell by ``merge``), ``grid`` (training noise levels x alignments x
methods x seeds, resumable, with the baselines and the closed forms; chapter 13's parameters). The data and the
closed-form prediction are numpy (``je_vs_rc.simulate.nuisance``), the verdict ``je_vs_rc.checks.nuisance``,
the figures and sentences ``je_vs_rc.render.nuisance`` and ``render.nuisance_text``.
"""

from importlib.util import find_spec

# Without torch, stop at once with one line saying what to install (not a deep traceback).
if find_spec("torch") is None:
    raise ImportError("je_vs_rc.selfsup needs torch: pip install 'je-vs-rc[deep]'")
