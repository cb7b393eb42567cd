"""pix2pix (Isola et al. 2017): a U-Net generator and a PatchGAN discriminator conditioned on the input."""

from __future__ import annotations

import math

import torch
from torch import nn

from .config_mixin import ConfigMixin


class UNetGenerator(ConfigMixin, nn.Module):
    """Input image (B, in_channels, S, S) in [-1, 1] -> output image (B, out_channels, S, S) in [-1, 1].

    An encoder halves the resolution down to 1x1 and a decoder doubles it back; each
    decoder level also receives the encoder's features at its resolution (the skip
    connections), so edges and positions pass straight across instead of through
    the 1x1 bottleneck. Dropout in the innermost decoder levels is the paper's noise
    source during training; the app runs the model in eval mode, so one input
    always gives the same output.
    """

    def __init__(
        self,
        *,
        image_size: int = 128,
        in_channels: int = 1,
        out_channels: int = 3,
        base_channels: int = 64,
        max_channels: int = 512,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        depth = int(math.log2(image_size))
        if 2**depth != image_size or depth < 3:
            raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
        widths = [min(base_channels * 2**i, max_channels) for i in range(depth)]  # C64-C128-C256-C512-...

        self.down = nn.ModuleList()
        c_in = in_channels
        for i, c_out in enumerate(widths):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=False))  # (B,C,H,W) -> (B,C',H/2,W/2)
            if 0 < i < depth - 1:  # no norm on the image layer, nor on the 1x1 bottleneck
                layers.append(nn.BatchNorm2d(c_out))
            self.down.append(nn.Sequential(*layers))
            c_in = c_out

        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            skip = widths[i - 1] if i > 0 else 0
            c_in_up = widths[i] if i == depth - 1 else 2 * widths[i]  # concatenated with the skip below it
            c_out = skip if i > 0 else out_channels
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in_up, c_out, 4, stride=2, padding=1, bias=i == 0)]
            if i > 0:
                layers.append(nn.BatchNorm2d(c_out))
                if dropout and i >= depth - 3:  # the three innermost decoder levels, as in the paper
                    layers.append(nn.Dropout(dropout))
            else:
                layers.append(nn.Tanh())
            self.up.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = skips.pop()  # (B, C, 1, 1)
        for layer in self.up[:-1]:
            x = torch.cat([layer(x), skips.pop()], dim=1)  # (B, C, H, W) -> (B, 2C', 2H, 2W)
        return self.up[-1](x)


class PatchDiscriminator(ConfigMixin, nn.Module):
    """PatchGAN: classifies each overlapping 70x70 patch of its input images as real or fake.

    (B, channels, S, S) -> (B, 1, S/8 - 2, S/8 - 2) logits, where the images passed to
    `forward` are concatenated along the channels: pix2pix's conditional D gets
    (input, output), CycleGAN's gets one image. It only judges local texture and
    sharpness; the L1 (pix2pix) or cycle loss (CycleGAN) takes care of the low frequencies.
    `norm` "batch" is pix2pix's, "instance" CycleGAN's (no affine parameters, conv biases instead).
    """

    def __init__(
        self, *, in_channels: int = 4, base_channels: int = 64, num_layers: int = 3, norm: str = "batch"
    ) -> None:
        super().__init__()
        if norm not in ("batch", "instance"):
            raise ValueError(f"norm must be 'batch' or 'instance', got {norm!r}")
        layers: list[nn.Module] = [nn.Conv2d(in_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2)]
        c_in = base_channels
        for i in range(1, num_layers + 1):
            c_out = base_channels * 2 ** min(i, 3)
            stride = 2 if i < num_layers else 1
            normalise = nn.BatchNorm2d(c_out) if norm == "batch" else nn.InstanceNorm2d(c_out)
            layers += [nn.Conv2d(c_in, c_out, 4, stride, 1, bias=norm == "instance"), normalise, nn.LeakyReLU(0.2)]
            c_in = c_out
        layers.append(nn.Conv2d(c_in, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, *images: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat(images, dim=1) if len(images) > 1 else images[0])
