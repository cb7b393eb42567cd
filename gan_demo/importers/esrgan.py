"""Real-ESRGAN `.pth` files ({"params_ema": state_dict} and/or {"params": ...}) -> RRDBNet / SRVGGNetCompact,
and the original ESRGAN's (xinntao/ESRGAN: RRDB_ESRGAN_x4.pth, RRDB_PSNR_x4.pth) -> RRDBNet.

The architecture and its sizes are read from the keys and shapes (as the official inference script
would be told by --model_name): `conv_first.*` is an RRDBNet (x2 when its first conv takes 4x the
image channels, the pixel-unshuffled input), `body.<i>.*` an SRVGGNetCompact. Known files:
RealESRGAN_x4plus.pth (23 blocks), RealESRGAN_x2plus.pth, RealESRGAN_x4plus_anime_6B.pth (6 blocks),
realesr-general-x4v3.pth and realesr-animevideov3.pth (SRVGGNetCompact, 32 and 16 convs). ESRGAN's
files are a bare state dict of the same RRDBNet under its first names, renamed by ESRGAN_KEY_MAP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..models.esrgan import ACTIVATIONS, RRDBNet, SRVGGNetCompact
from .safe_pickle import CheckpointReadError
from .weights import load_strict, state_dict

LICENCE = "BSD-3-Clause (xinntao/Real-ESRGAN); the training data's own terms apply to what you make with it"
ESRGAN_LICENCE = "Apache-2.0 (xinntao/ESRGAN); the training data's own terms (DIV2K, Flickr2K, OST) apply"
# xinntao/ESRGAN's RRDBNet names -> BasicSR's (the network is the same), as (pattern, replacement) rules.
ESRGAN_KEY_MAP = (
    (r"^RRDB_trunk\.(\d+)\.RDB(\d)\.", r"body.\1.rdb\2."),
    (r"^trunk_conv\.", "conv_body."),
    (r"^upconv(\d)\.", r"conv_up\1."),
    (r"^HRconv\.", "conv_hr."),
)
ESRGAN_MARK = "RRDB_trunk.0.RDB1.conv1.weight"
# --arch values: the architecture, and for SRVGGNetCompact the activation when the file has no PReLU slopes.
ARCHS = ("rrdbnet", *(f"srvgg-{a}" for a in ACTIVATIONS))
KEYS = ("params_ema", "params")  # the EMA weights first, as Real-ESRGAN's own inference does
WHAT = "a Real-ESRGAN checkpoint: {'params_ema' or 'params': state_dict} of RRDBNet or SRVGGNetCompact"


def weights(obj: Any) -> dict[str, torch.Tensor] | None:
    """The state dict in a Real-ESRGAN file (also a bare one), or None if `obj` is not one."""
    if isinstance(obj, Mapping):
        for key in KEYS:
            if isinstance(obj.get(key), Mapping):
                return dict(obj[key])
        if "conv_first.weight" in obj or "body.0.weight" in obj:
            return dict(obj)
    return None


def is_realesrgan_checkpoint(obj: Any) -> bool:
    state = weights(obj)
    return state is not None and ("conv_first.weight" in state or "body.0.weight" in state) and ESRGAN_MARK not in state


def is_esrgan_checkpoint(obj: Any) -> bool:
    return isinstance(obj, Mapping) and ESRGAN_MARK in obj


def convert_esrgan(obj: Any, arch: str | None) -> tuple[nn.Module, dict[str, Any]]:
    """xinntao/ESRGAN's RRDB_ESRGAN_x4.pth / RRDB_PSNR_x4.pth: renamed, then read as a Real-ESRGAN RRDBNet."""
    state = state_dict(obj, "an ESRGAN RRDBNet state_dict (RRDB_ESRGAN_x4.pth, RRDB_PSNR_x4.pth)")
    renamed = {}
    for key, value in state.items():
        for pattern, replacement in ESRGAN_KEY_MAP:
            key = re.sub(pattern, replacement, key)
        renamed[key] = value
    model, metadata = convert(renamed, arch)
    name = f"ESRGAN RRDBNet x{model.scale}, {model.num_blocks} blocks"
    description = f"{name} (xinntao/ESRGAN's pretrained weights; RRDB_PSNR_x4 is the PSNR-oriented one to blend with)."
    return model, {**metadata, "description": description, "source_architecture": name}


def convert(obj: Any, arch: str | None) -> tuple[nn.Module, dict[str, Any]]:
    if arch is not None and arch not in ARCHS:
        raise ValueError(f"unknown Real-ESRGAN architecture {arch!r}; known: {', '.join(ARCHS)}")
    state = state_dict(weights(obj), WHAT)
    if "conv_first.weight" in state:
        if arch not in (None, "rrdbnet"):
            raise CheckpointReadError(f"--arch {arch} was given, but the file holds an RRDBNet (conv_first, body.*)")
        model, name = _rrdbnet(state)
    elif "body.0.weight" in state:
        if arch == "rrdbnet":
            raise CheckpointReadError("--arch rrdbnet was given, but the file holds an SRVGGNetCompact (body.<i>.*)")
        model, name = _srvgg(state, arch)
    else:
        raise CheckpointReadError(f"expected {WHAT}; found keys {', '.join(list(state)[:6])}")
    load_strict(model, state, f"{name} ({type(model).__name__})")
    scale = model.scale
    metadata = {
        "task": "super-resolution",
        "description": f"{name}: Real-ESRGAN's {type(model).__name__}, x{scale} (official pretrained weights).",
        "source_architecture": name,
    }
    return model, metadata


def _rrdbnet(state: dict[str, torch.Tensor]) -> tuple[RRDBNet, str]:
    first, last = _shape(state, "conv_first.weight", 4), _shape(state, "conv_last.weight", 4)
    channels, out_channels = first[0], last[0]
    folded = first[1] // out_channels  # 1 for x4, 4 for x2 (pixel unshuffle by 2)
    if folded not in (1, 4) or first[1] % out_channels:
        raise CheckpointReadError(
            f"conv_first takes {first[1]} channels for a {out_channels}-channel image: expected {out_channels} (x4) "
            f"or {4 * out_channels} (x2, pixel-unshuffled input)"
        )
    num_blocks = len({m.group(1) for k in state if (m := re.match(r"body\.(\d+)\.", k))})
    growth = _shape(state, "body.0.rdb1.conv1.weight", 4)[0] if num_blocks else 32
    scale = 4 // int(math.sqrt(folded))
    kwargs = {"scale": scale, "in_channels": out_channels, "out_channels": out_channels, "channels": channels}
    model = RRDBNet(**kwargs, num_blocks=num_blocks, growth_channels=growth)
    known = {(4, 23): "RealESRGAN_x4plus", (2, 23): "RealESRGAN_x2plus", (4, 6): "RealESRGAN_x4plus_anime_6B"}
    return model, known.get((scale, num_blocks), f"RRDBNet x{scale}, {num_blocks} blocks")


def _srvgg(state: dict[str, torch.Tensor], arch: str | None) -> tuple[SRVGGNetCompact, str]:
    conv_keys = (m for k in state if state[k].dim() == 4 and (m := re.fullmatch(r"body\.(\d+)\.weight", k)))
    convs = sorted(int(m.group(1)) for m in conv_keys)
    first, last = _shape(state, "body.0.weight", 4), _shape(state, f"body.{convs[-1]}.weight", 4)
    channels, in_channels = first[0], first[1]
    scale = math.isqrt(last[0] // in_channels)
    if scale * scale * in_channels != last[0]:
        raise CheckpointReadError(
            f"the last conv makes {last[0]} channels: expected image channels x scale^2 ({in_channels} x s^2)"
        )
    if "body.1.weight" in state:
        activation = "prelu"
    elif arch is None:
        raise CheckpointReadError(
            "this SRVGGNetCompact has no PReLU slopes, so its activation is relu or leakyrelu: "
            "pass --arch srvgg-relu or --arch srvgg-leakyrelu"
        )
    else:
        activation = arch.removeprefix("srvgg-")
    model = SRVGGNetCompact(
        scale=scale, in_channels=in_channels, out_channels=in_channels, channels=channels,
        num_convs=len(convs) - 2, activation=activation,
    )  # fmt: skip
    known = {(64, 32): "realesr-general-x4v3", (64, 16): "realesr-animevideov3"}
    return model, known.get((channels, len(convs) - 2), f"SRVGGNetCompact x{scale}, {len(convs) - 2} convs")


def _shape(state: dict[str, torch.Tensor], key: str, dims: int) -> tuple[int, ...]:
    if key not in state or state[key].dim() != dims:
        raise CheckpointReadError(f"expected {WHAT}; {key} is missing or not a {dims}-d tensor")
    return tuple(state[key].shape)
