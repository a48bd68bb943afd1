"""The ImageNet-C pipeline of the GPU chapter (paper section 5.2, Table 1).

Pretrain self-supervised methods on data that carries a fixed ImageNet-C corruption, freeze the
backbone and measure linear-probe top-1 per corruption and severity. It needs the deep profile
(torch, torchvision, lightly, timm, imagecorruptions); chapter 12's trained networks
(``je_vs_rc.trained``) need torch only.

Modules: ``config`` (every setting, its default and its validation), ``pipeline`` (the experiment
end to end, and its command line), ``methods`` (the registry: BYOL and DINO, joint embedding, and
MAE, reconstruction, from lightly, each with its hooks), ``pretrain`` (the method-agnostic loop:
checkpointed, resumable, optionally distributed), ``datasets`` (MNIST padded to 32x32, ImageFolder
trees, the official ImageNet-C folders), ``corruptions`` (deterministic, cached ImageNet-C
corruptions), ``probe`` (frozen features and the linear-probe recipe), ``keys`` (cache keys),
``networks`` (the backbones, DINO's head, the random-init baseline), ``convert`` (safe loading of
checkpoints, published ViT weights), ``results`` (``results.json``), ``statistics`` (rows over
seeds, paired differences, drops, margins, injection effects; torch-free), ``verdict`` (the JE-RC
comparison the intervals support, as data). Its figures, tables and sentences are in
``je_vs_rc.render.imagenet_c``, ``.imagenet_c_tables`` and ``.imagenet_c_text``; its scorecard row
in ``je_vs_rc.checks.table1``.
"""

import warnings
from importlib.util import find_spec

# Without the deep profile, stop at once with one line saying what to install (not a deep traceback).
if _missing := [m for m in ("torch", "torchvision", "lightly", "timm", "imagecorruptions") if find_spec(m) is None]:
    raise ImportError(f"je_vs_rc.imagenet_c needs {', '.join(_missing)}: pip install 'je-vs-rc[deep]'")

# lightly imports huggingface_hub (through timm), which imports tqdm.auto; in Jupyter without
# ipywidgets that prints "IProgress not found" on stderr. This pipeline draws no widget progress bars.
warnings.filterwarnings("ignore", message="IProgress not found")
