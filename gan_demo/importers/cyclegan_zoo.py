"""pytorch-CycleGAN-and-pix2pix generators (`latest_net_G.pth`, `<name>_net_G_A.pth`): a bare state_dict.

The official --netG is read from the keys (or checked against --arch): `model.model.0.weight` is a
U-Net (unet_128 / unet_256: the depth of the nested `model.1.model.3…` keys), `model.1.weight` with a 7x7
kernel a ResNet (resnet_6blocks / resnet_9blocks: the number of `model.<i>.conv_block` blocks); batch norm
when the norm layers have weights, else instance norm (its convs keep their biases). Files saved by
PyTorch < 0.4 also hold running statistics for instance norm, which it never used: they are dropped, as
the official loader does.
"""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import nn

from ..models.cyclegan_zoo import ZooResnetGenerator, ZooUnetGenerator
from .safe_pickle import CheckpointReadError
from .weights import load_strict, state_dict

LICENCE = (
    "BSD (junyanz/pytorch-CycleGAN-and-pix2pix); the pretrained models also follow their datasets' own terms "
    "(e.g. ImageNet horses and zebras, CMP Facades, Google Maps)"
)
ARCHS = ("resnet_6blocks", "resnet_9blocks", "unet_128", "unet_256")
WHAT = "a pytorch-CycleGAN-and-pix2pix generator state_dict (latest_net_G.pth: model.* keys of a ResNet or U-Net)"
STALE_INSTANCE_NORM = ("running_mean", "running_var", "num_batches_tracked")
TRAINING_SIZE = 256  # the zoo's models were trained on 256 px crops


def is_zoo_generator(obj: Any) -> bool:
    return isinstance(obj, dict) and ("model.model.0.weight" in obj or "model.1.weight" in obj)


def convert(obj: Any, arch: str | None) -> tuple[nn.Module, dict[str, Any]]:
    if arch is not None and arch not in ARCHS:
        raise ValueError(f"unknown pytorch-CycleGAN-and-pix2pix architecture {arch!r}; known: {', '.join(ARCHS)}")
    state = state_dict(obj, WHAT)
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DataParallel
    if "model.model.0.weight" in state:
        model, found = _unet(state)
    elif "model.1.weight" in state:
        model, found = _resnet(state)
    else:
        raise CheckpointReadError(f"expected {WHAT}; found keys {', '.join(list(state)[:6])}")
    if arch is not None and arch != found:
        raise CheckpointReadError(f"--arch {arch} was given, but the file holds a {found} generator")
    if model.norm == "instance":
        state = {k: v for k, v in state.items() if k.rsplit(".", 1)[-1] not in STALE_INSTANCE_NORM}
    load_strict(model, state, f"the official {found} generator ({model.norm} norm)")
    metadata = {
        "task": "translation",
        "input": "picture",  # a photo (or label map, or drawing) in RGB, not the shipped models' grey drawings
        "description": f"pytorch-CycleGAN-and-pix2pix {found} generator, {model.norm} norm (official weights).",
        "source_architecture": found,
    }
    return model, metadata


def _unet(state: dict[str, torch.Tensor]) -> tuple[ZooUnetGenerator, str]:
    first, last = _shape(state, "model.model.0.weight"), _shape(state, "model.model.3.weight")
    num_downs = max(k.count("model.") for k in state) - 1  # one nested block per halving
    norm = "batch" if "model.model.1.model.2.weight" in state else "instance"
    model = ZooUnetGenerator(
        in_channels=first[1], out_channels=last[1], base_channels=first[0], num_downs=num_downs, norm=norm,
        image_size=max(2**num_downs, TRAINING_SIZE),
    )  # fmt: skip
    return model, f"unet_{2**num_downs}"


def _resnet(state: dict[str, torch.Tensor]) -> tuple[ZooResnetGenerator, str]:
    first = _shape(state, "model.1.weight")
    if first[2:] != (7, 7):
        raise CheckpointReadError(f"expected {WHAT}; model.1.weight is {first}, not the ResNet's 7x7 first conv")
    num_blocks = len({m.group(1) for k in state if (m := re.match(r"model\.(\d+)\.conv_block\.", k))})
    last = _shape(state, f"model.{num_blocks + 17}.weight")  # 10 layers, the blocks, 6 up layers, the pad
    model = ZooResnetGenerator(
        in_channels=first[1], out_channels=last[0], base_channels=first[0], num_blocks=num_blocks,
        norm="batch" if "model.2.weight" in state else "instance",
        use_dropout=_dims(state, "model.10.conv_block.6.weight") == 4,  # dropout moves the second conv from 5 to 6
        image_size=TRAINING_SIZE,
    )  # fmt: skip
    return model, f"resnet_{num_blocks}blocks"


def _dims(state: dict[str, torch.Tensor], key: str) -> int:
    return state[key].dim() if key in state else 0


def _shape(state: dict[str, torch.Tensor], key: str) -> tuple[int, ...]:
    if key not in state or state[key].dim() != 4:
        raise CheckpointReadError(f"expected {WHAT}; {key} is missing or not a 4-d convolution weight")
    return tuple(state[key].shape)
