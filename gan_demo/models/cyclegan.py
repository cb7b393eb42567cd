"""CycleGAN (Zhu et al. 2017): the ResNet generator, and the pair of them that translates both ways.

`ResnetGenerator` builds its layers in the order of junyanz/pytorch-CycleGAN-and-pix2pix's
`ResnetGenerator` (one `model` Sequential, `ResnetBlock.conv_block` inside it), so its
state_dict keys are the same (`model.1.weight`, `model.10.conv_block.1.weight`, ...) and the
official zoo's weights load into it strictly. Their argument names map as input_nc ->
in_channels, output_nc -> out_channels, ngf -> base_channels, n_blocks -> num_blocks,
norm_layer -> norm ("instance": InstanceNorm2d without affine parameters or running
statistics, as their --norm instance; "batch": BatchNorm2d), use_dropout -> use_dropout.
The discriminators are pix2pix's 70x70 `PatchDiscriminator`, unconditional here.
"""

from __future__ import annotations

import torch
from torch import nn

from .config_mixin import ConfigMixin

NORMS = ("instance", "batch")
DIRECTIONS = ("AtoB", "BtoA")  # the official repository's --direction values


def norm_layer(norm: str, channels: int) -> nn.Module:
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")


class ResnetBlock(nn.Module):
    """pad-conv3x3-norm-ReLU-(dropout)-pad-conv3x3-norm with an identity skip; keeps (B, C, H, W)."""

    def __init__(self, channels: int, norm: str, use_dropout: bool) -> None:
        super().__init__()
        bias = norm == "instance"  # batch norm's shift makes a conv bias redundant
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm, channels),
            nn.ReLU(True),
        ]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(ConfigMixin, nn.Module):
    """Image (B, in_channels, H, W) in [-1, 1] -> image (B, out_channels, H, W) in [-1, 1]; H, W multiples of 4.

    Johnson et al.'s style-transfer network as CycleGAN uses it: a 7x7 convolution,
    two stride-2 convolutions down to a quarter of the resolution, `num_blocks` residual
    blocks there (6 for 128 px images in the paper, 9 for 256 px), two transposed
    convolutions back up and a 7x7 convolution to RGB. Reflection padding keeps the
    borders free of the zero-padding artefacts a translated image would show.
    """

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        num_blocks: int = 9,
        norm: str = "instance",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        if num_blocks < 0:
            raise ValueError(f"num_blocks must be >= 0, got {num_blocks}")
        if base_channels < 1 or in_channels < 1 or out_channels < 1:
            raise ValueError("in_channels, out_channels and base_channels must be positive")
        bias = norm == "instance"
        c = base_channels
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, c, 7, bias=bias),
            norm_layer(norm, c),
            nn.ReLU(True),
        ]
        for _ in range(2):  # (B, C, H, W) -> (B, 2C, H/2, W/2)
            layers += [nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=bias), norm_layer(norm, 2 * c), nn.ReLU(True)]
            c *= 2
        layers += [ResnetBlock(c, norm, use_dropout) for _ in range(num_blocks)]
        for _ in range(2):  # (B, C, H, W) -> (B, C/2, 2H, 2W)
            layers += [
                nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                norm_layer(norm, c // 2),
                nn.ReLU(True),
            ]
            c //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"height and width must be multiples of 4, got {tuple(x.shape[-2:])}")
        return self.model(x)


class CycleGANGenerators(ConfigMixin, nn.Module):
    """The two generators of one CycleGAN, G: A -> B (`a_to_b`) and F: B -> A (`b_to_a`), as one module.

    One checkpoint holds both because the app shows each translation with its cycle back,
    which needs the other direction; their keys are `a_to_b.model.1.weight`, ... Both
    generators share the constructor arguments of `ResnetGenerator`.
    """

    def __init__(
        self,
        *,
        channels: int = 3,
        base_channels: int = 64,
        num_blocks: int = 9,
        norm: str = "instance",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        kwargs = {
            "in_channels": channels,
            "out_channels": channels,
            "base_channels": base_channels,
            "num_blocks": num_blocks,
            "norm": norm,
            "use_dropout": use_dropout,
        }
        self.a_to_b = ResnetGenerator(**kwargs)
        self.b_to_a = ResnetGenerator(**kwargs)

    def generator(self, direction: str) -> ResnetGenerator:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        return self.a_to_b if direction == "AtoB" else self.b_to_a

    def forward(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        return self.generator(direction)(x)
