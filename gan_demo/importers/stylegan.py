"""StyleGAN2 generators from NVIDIA's pickles and rosinality's .pt files -> OfficialStyleGAN2Generator.

Both converters rename the official state dict onto gan_demo's module names, drop the buffers that only hold
the [1, 3, 3, 1] resampling filter (after checking that they do) and load the result strictly, so a file
with other layers or shapes is refused with what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..models.stylegan import style_resolutions
from ..models.stylegan2_official import FIR_FILTER, OfficialStyleGAN2Generator
from .safe_pickle import PersistentObject
from .weights import load_strict

NVIDIA_LICENCE = (
    "NVIDIA Source Code License (https://nvlabs.github.io/stylegan2-ada-pytorch/license.html): "
    "non-commercial use only (research or evaluation); NVIDIA's pretrained networks are under it too"
)
ROSINALITY_LICENCE = (
    "the code of rosinality/stylegan2-pytorch is MIT, the weights are not: weights converted from NVIDIA's "
    "StyleGAN2 (stylegan2-*-config-f.pt) keep NVIDIA's non-commercial licence, and 550000.pt was trained on FFHQ "
    "(images under CC BY-NC-SA 4.0): non-commercial use only"
)
# Options of NVIDIA's networks that change speed or memory only: fp32 here computes what they approximate.
_NVIDIA_SPEED_ONLY = {"num_fp16_res", "fp16_channels_last", "channels_last", "fused_modconv_default", "w_avg_beta"}
_GENERATOR_KWARGS = {"z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs", "synthesis_kwargs"}
# The mean w of a file that has none: the mean of this many mapped z's (seeded, reproducible).
MEAN_W_SAMPLES = 4096
_ESTIMATED = " (mean w estimated from 4096 mapped latents)"


def is_nvidia_pickle(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("G_ema"), PersistentObject)


def is_rosinality_checkpoint(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("g_ema"), dict) and "style.1.weight" in obj["g_ema"]


def convert_nvidia(obj: dict[str, Any], arch: str | None = None) -> tuple[OfficialStyleGAN2Generator, dict[str, Any]]:
    """G_ema of a StyleGAN2-ADA (or StyleGAN3-repo StyleGAN2) pickle -> generator and config metadata."""
    _check_arch(arch)
    g = obj["G_ema"]
    state = g.state_dict()
    if any(name.startswith("synthesis.input.") for name in state):
        raise ValueError("this is a StyleGAN3 (alias-free) generator; only StyleGAN2 generators can be imported so far")
    kw = g.init_kwargs
    mapping = dict(kw.get("mapping_kwargs") or {})
    # StyleGAN2-ADA nests the synthesis options in synthesis_kwargs; the StyleGAN3 repository's StyleGAN2
    # (stylegan2-ffhq-1024x1024.pkl ...) passes them beside z_dim and the others
    synthesis = {**(kw.get("synthesis_kwargs") or {}), **{k: v for k, v in kw.items() if k not in _GENERATOR_KWARGS}}
    _require(synthesis, "architecture", "skip")
    _require(synthesis, "resample_filter", [1, 3, 3, 1])
    _require(synthesis, "use_noise", True)
    _require(synthesis, "activation", "lrelu")
    _require(mapping, "activation", "lrelu")
    for key in ("embed_features", "layer_features"):
        _require(mapping, key, None, kw.get("w_dim"))
    channel_base, channel_max = synthesis.pop("channel_base", 32768), synthesis.pop("channel_max", 512)
    lr_mul, num_layers = mapping.pop("lr_multiplier", 0.01), mapping.pop("num_layers", 8)
    unknown = (set(synthesis) - {"conv_clamp"} | set(mapping)) - _NVIDIA_SPEED_ONLY
    if unknown:
        raise ValueError(f"G_ema has options this importer does not know: {', '.join(sorted(unknown))}")
    size = int(kw["img_resolution"])
    model = OfficialStyleGAN2Generator(
        image_size=size,
        image_channels=int(kw["img_channels"]),
        latent_dim=int(kw["z_dim"]),
        w_dim=int(kw["w_dim"]),
        num_classes=int(kw.get("c_dim", 0)),
        mapping_layers=int(num_layers),
        mapping_lr_mul=float(lr_mul),
        channels=[min(int(channel_base) // r, int(channel_max)) for r in style_resolutions(size)],
        conv_clamp=None if synthesis.get("conv_clamp") is None else float(synthesis["conv_clamp"]),
    )
    renamed = {}
    for name, tensor in state.items():
        if name.endswith("resample_filter"):
            _check_filter(name, tensor)
            continue
        renamed[_nvidia_name(name)] = tensor.reshape(1, 1, *tensor.shape) if name.endswith("noise_const") else tensor
    tracked = "w_avg" in renamed  # not when trained with w_avg_beta=None
    renamed.setdefault("w_avg", model.w_avg)
    load_strict(model, renamed, "a StyleGAN2 generator of G_ema's size")
    if not tracked:
        _estimate_w_avg(model)
    dataset = Path(str((obj.get("training_set_kwargs") or {}).get("path", ""))).stem
    return model, _metadata(model, "NVIDIA StyleGAN2-ADA G_ema" + ("" if tracked else _ESTIMATED), dataset)


def convert_rosinality(
    obj: dict[str, Any], arch: str | None = None
) -> tuple[OfficialStyleGAN2Generator, dict[str, Any]]:
    """g_ema (and latent_avg) of a rosinality/stylegan2-pytorch checkpoint -> generator and config metadata."""
    _check_arch(arch)
    state = obj["g_ema"]
    n_rgbs = sum(1 for k in state if re.fullmatch(r"to_rgbs\.\d+\.conv\.weight", k))
    size = 4 * 2**n_rgbs
    n_mlp = sum(1 for k in state if re.fullmatch(r"style\.\d+\.weight", k))
    style_dim = state["style.1.weight"].shape[1]
    # widths from the toRGB layers' inputs, (1, 3, C, 1, 1); any other layer that disagrees fails the strict load
    rgbs = ["to_rgb1"] + [f"to_rgbs.{i}" for i in range(n_rgbs)]
    widths = [state[f"{name}.conv.weight"].shape[2] for name in rgbs]
    model = OfficialStyleGAN2Generator(
        image_size=size,
        image_channels=state["to_rgb1.conv.weight"].shape[1],
        latent_dim=style_dim,
        w_dim=style_dim,
        mapping_layers=n_mlp,
        channels=widths,
    )
    resolutions = style_resolutions(size)
    renamed: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        if name.endswith(".kernel"):  # Blur / Upsample: the FIR filter times its gain
            _check_filter(name, tensor)
            continue
        new, tensor = _rosinality_name(name, tensor, resolutions)
        renamed[new] = tensor
    latent_avg = obj.get("latent_avg")  # training files have none
    renamed["w_avg"] = model.w_avg if latent_avg is None else latent_avg.reshape(-1)
    load_strict(model, renamed, "a StyleGAN2 generator of g_ema's size")
    if latent_avg is None:
        _estimate_w_avg(model)
    description = "rosinality/stylegan2-pytorch g_ema" + ("" if latent_avg is not None else _ESTIMATED)
    return model, _metadata(model, description, "")


def _estimate_w_avg(model: OfficialStyleGAN2Generator) -> None:
    """The mean w of MEAN_W_SAMPLES mapped latents (and random classes) from a seeded generator, as rosinality's
    generate.py estimates it (mean_latent), for files without a tracked mean."""
    generator = torch.Generator().manual_seed(0)
    z = torch.randn(MEAN_W_SAMPLES, model.latent_dim, generator=generator)
    labels = torch.randint(model.num_classes, (MEAN_W_SAMPLES,), generator=generator) if model.num_classes else None
    with torch.no_grad():
        model.w_avg.copy_(model.map(z, labels=labels).mean(0))


# -- helpers ------------------------------------------------------------------------------------------------------


def _check_arch(arch: str | None) -> None:
    if arch not in (None, "stylegan2"):
        raise ValueError(f"StyleGAN files hold a StyleGAN2 generator; --arch may be stylegan2 or omitted, got {arch!r}")


def _require(kwargs: dict[str, Any], key: str, *allowed: Any) -> None:
    """Pop `key` from `kwargs`; refuse a value outside `allowed` (absent = NVIDIA's default = allowed[0])."""
    value = kwargs.pop(key, allowed[0])
    if value not in allowed:
        raise ValueError(f"G_ema's {key} is {value!r}; this importer supports {' or '.join(map(repr, allowed))}")


def _check_filter(name: str, tensor: torch.Tensor) -> None:
    kernel = tensor.float()
    if kernel.shape != FIR_FILTER.shape or not torch.allclose(kernel / kernel.sum(), FIR_FILTER, atol=1e-6):
        raise ValueError(f"{name} is not the [1, 3, 3, 1] resampling filter, the only one supported")


def _nvidia_name(name: str) -> str:
    name = re.sub(r"^synthesis\.b(\d+)\.", r"blocks.\1.", name)
    name = re.sub(r"^mapping\.fc(\d+)\.", r"mapping.layers.\1.", name)
    name = name.replace("noise_strength", "noise.strength").replace("noise_const", "noise.const_noise")
    return "w_avg" if name == "mapping.w_avg" else name


def _rosinality_name(name: str, tensor: torch.Tensor, resolutions: list[int]) -> tuple[str, torch.Tensor]:
    """One of rosinality's g_ema entries -> (gan_demo name, tensor in gan_demo's shape)."""
    if m := re.fullmatch(r"style\.(\d+)\.(weight|bias)", name):
        return f"mapping.layers.{int(m[1]) - 1}.{m[2]}", tensor
    if name == "input.input":  # (1, C, 4, 4) -> (C, 4, 4)
        return "blocks.4.const", tensor[0]
    if m := re.fullmatch(r"noises\.noise_(\d+)", name):  # noise 0 at 4 px, then two per resolution
        i = int(m[1])
        layer = "conv1" if i == 0 else ("conv0", "conv1")[(i - 1) % 2]
        return f"blocks.{resolutions[(i + 1) // 2]}.{layer}.noise.const_noise", tensor
    if name.startswith("conv1.") or name.startswith("to_rgb1."):
        layer, prefix = ("conv1", "blocks.4.conv1") if name.startswith("conv1.") else ("to_rgb1", "blocks.4.torgb")
        rest = name[len(layer) + 1 :]
    elif m := re.match(r"convs\.(\d+)\.", name):
        i = int(m[1])
        prefix, rest = f"blocks.{resolutions[i // 2 + 1]}.conv{i % 2}", name[m.end() :]
    elif m := re.match(r"to_rgbs\.(\d+)\.", name):
        prefix, rest = f"blocks.{resolutions[int(m[1]) + 1]}.torgb", name[m.end() :]
    else:
        return name, tensor  # reported as unexpected by the strict load
    parts: dict[str, tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = {
        "conv.weight": ("weight", lambda t: t[0]),  # (1, O, I, k, k) -> (O, I, k, k)
        "conv.modulation.weight": ("affine.weight", lambda t: t),
        "conv.modulation.bias": ("affine.bias", lambda t: t),
        "noise.weight": ("noise.strength", lambda t: t.reshape(())),  # (1,) -> ()
        "activate.bias": ("bias", lambda t: t),
        "bias": ("bias", lambda t: t.flatten()),  # toRGB's (1, C, 1, 1) -> (C,)
    }
    if rest not in parts:
        return name, tensor
    new, reshape = parts[rest]
    return f"{prefix}.{new}", reshape(tensor)


def _metadata(model: OfficialStyleGAN2Generator, description: str, dataset: str) -> dict[str, Any]:
    return {
        "description": (
            f"{description}, imported into gan_demo's StyleGAN2 with the official numerics: {model.image_size} px, "
            f"{model.num_ws} style layers, {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters."
        ),
        "family": "stylegan",
        "task": "sample",
        "dataset": dataset or "unknown",
        "image_size": model.image_size,
        "image_channels": model.image_channels,
        "class_names": [str(i) for i in range(model.num_classes)],
    }
