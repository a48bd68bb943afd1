"""The deep-learning pipeline of the GPU chapter (paper section 5.2, Table 1).

Pretrain BYOL, DINO (joint embedding) and MAE (reconstruction) on data that carries a fixed
ImageNet-C corruption, freeze the backbone and measure linear-probe top-1 per corruption and
severity. This subpackage is the only part of je_vs_rc that imports torch.

Modules: ``corruptions`` (deterministic, cached ImageNet-C corruptions), ``datasets`` (MNIST padded
to 32x32, ImageFolder trees, the official ImageNet-C layout), ``methods`` (BYOL, DINO, MAE from
lightly), ``pretrain`` (checkpointed, resumable, optionally distributed training), ``probe``
(cached frozen features and the linear-probe recipe), ``results`` (the table with provenance).
"""

import warnings

# lightly imports huggingface_hub (through timm), which imports tqdm.auto; in Jupyter without
# ipywidgets that prints "IProgress not found" on stderr. This pipeline draws no widget progress bars.
warnings.filterwarnings("ignore", message="IProgress not found")
