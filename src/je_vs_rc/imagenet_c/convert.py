"""Load backbone weights made elsewhere, so published checkpoints can be probed off the shelf.

The official DINO and MAE releases store ViTs with timm's parameter names (``blocks.N.attn.qkv``...);
our ViTs are torchvision's (``encoder.layers.encoder_layer_N.self_attention.in_proj_weight``...). The
two architectures compute the same function (pre-norm blocks, fused q/k/v in the same order, GELU
MLP, final LayerNorm), so renaming is all it takes; ``tests/imagenet_c/test_convert.py`` checks the equivalence on a
timm-built model.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch

_BLOCK = {
    "norm1": "ln_1",
    "attn.qkv.weight": "self_attention.in_proj_weight",
    "attn.qkv.bias": "self_attention.in_proj_bias",
    "attn.proj": "self_attention.out_proj",
    "norm2": "ln_2",
    "mlp.fc1": "mlp.0",
    "mlp.fc2": "mlp.3",
}
_TOP = {
    "cls_token": "class_token",
    "pos_embed": "encoder.pos_embedding",
    "patch_embed.proj": "conv_proj",
    "norm": "encoder.ln",
}


def timm_vit_to_torchvision(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a timm-style ViT state dict (official DINO/MAE) to torchvision's names; drops heads."""
    out = {}
    for key, value in state.items():
        key = re.sub(r"^(module\.|backbone\.|encoder\.)", "", key)
        block = re.match(r"blocks\.(\d+)\.(.+)$", key)
        if block:
            idx, rest = block.groups()
            for old, new in _BLOCK.items():
                if rest.startswith(old):
                    out[f"encoder.layers.encoder_layer_{idx}.{new}{rest[len(old) :]}"] = value
                    break
            continue
        for old, new in _TOP.items():
            if key == old or key.startswith(old + "."):
                out[new + key[len(old) :]] = value
                break
    return out


def load_state(path: str | os.PathLike[str], map_location: Any = "cpu") -> Any:
    """The tensors of a checkpoint, never its code: ``.safetensors`` files through safetensors, others
    through ``torch.load(weights_only=True)`` (tensors and plain containers only). A pickle that
    carries anything else is refused with a ValueError instead of being executed."""
    if Path(path).suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path), device=str(map_location))
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f"{path}: refusing to load: it holds objects other than tensors and plain "
            f"containers, which could run code ({str(err).splitlines()[0]})"
        ) from None


def load_checkpoint(model: torch.nn.Module, method: str, path: str | os.PathLike[str]) -> None:
    """Load ``path`` into ``model``: a checkpoint of this pipeline (``{"model": ...}`` or its state dict),
    or published ViT backbone weights (timm names, optionally under "model"/"teacher"/"state_dict";
    ``.pth`` or ``.safetensors``)."""
    state = load_state(path)
    for key in ("model", "teacher", "state_dict"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
            break
    own = set(model.state_dict())
    if set(state) <= own and state:
        model.load_state_dict(state)
        return
    renamed = timm_vit_to_torchvision(state)
    if not renamed:
        raise ValueError(f"{path}: neither a checkpoint of this pipeline nor timm-style ViT weights")
    missing, unexpected = model.probed_vit().load_state_dict(renamed, strict=False)
    if unexpected or [k for k in missing if k != "heads.weight" and k != "heads.bias"]:
        raise ValueError(
            f"{path}: weights do not fit the {method} backbone (missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}); check backbone and image_size"
        )
