"""SRGAN-family x4 super-resolution (Ledig et al. 2017), sized for interactive CPU use.

The generator is SRResNet without batch norm (as EDSR and ESRGAN found, batch
norm in SR networks costs quality and makes tiled inference depend on the tile),
with a bicubic skip: the network only learns the detail bicubic misses, so it
starts at bicubic quality and trains much faster.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config_mixin import ConfigMixin

# How the features reach the output size. stepwise: SRGAN's, x2 at a time with convolutions at every size. direct:
# one convolution at the input's size makes every output pixel (ESPCN; the upsampler of lightweight SR models such as
# IMDN and RFDN). With 12 blocks of 32 channels, 256² -> 1024² on one core in bfloat16: 555 ms stepwise, 219 direct.
UPSAMPLERS = ("stepwise", "direct")


class ResidualBlock(nn.Module):
    """conv-PReLU-conv with an identity skip, scaled down for stable training without batch norm."""

    def __init__(self, channels: int, residual_scale: float = 0.2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.PReLU(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.residual_scale = residual_scale

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.residual_scale * self.conv2(self.act(self.conv1(h)))


class SRResNet(ConfigMixin, nn.Module):
    """LR image in [-1, 1] (B, C, H, W) -> SR image (B, C, scale*H, scale*W), unclamped.

    Its receptive field is `receptive_radius` LR pixels each side; tiled inference
    overlaps tiles by at least that much so tiles agree with the whole image.
    """

    graph_safe = True  # its forward never branches on the input: ops.super_resolve may trace it

    def __init__(
        self, *, scale: int = 4, image_channels: int = 3, channels: int = 32, num_blocks: int = 8,
        upsampler: str = "stepwise",
    ) -> None:  # fmt: skip
        super().__init__()
        if scale not in (2, 4, 8):
            raise ValueError(f"scale must be 2, 4 or 8, got {scale}")
        if upsampler not in UPSAMPLERS:
            raise ValueError(f"upsampler must be one of {', '.join(UPSAMPLERS)}, got {upsampler!r}")
        self.head = nn.Conv2d(image_channels, channels, 3, padding=1)
        self.body = nn.Sequential(*(ResidualBlock(channels) for _ in range(num_blocks)))
        self.body_conv = nn.Conv2d(channels, channels, 3, padding=1)
        stepwise = upsampler == "stepwise"
        upsample: list[nn.Module] = []
        for _ in range(int(math.log2(scale)) if stepwise else 0):  # x2 sub-pixel convolutions (Shi et al. 2016)
            upsample += [nn.Conv2d(channels, 4 * channels, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(channels)]
        self.upsample = nn.Sequential(*upsample)
        # stepwise: RGB at full size; direct: each LR pixel's scale² RGB sub-pixels, at the input's size
        self.tail = nn.Conv2d(channels, image_channels * (1 if stepwise else scale**2), 3, padding=1)
        self.to_pixels = nn.Identity() if stepwise else nn.PixelShuffle(scale)
        nn.init.zeros_(self.tail.weight)  # start as exactly bicubic
        nn.init.zeros_(self.tail.bias)

    @property
    def receptive_radius(self) -> int:
        """LR pixels of context each output pixel depends on (3x3 convs, bicubic's 2)."""
        upsampling_convs = int(math.log2(self.scale)) if self.upsampler == "stepwise" else 1
        return 2 * self.num_blocks + 2 + upsampling_convs + 2

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        h = self.head(lr)
        h = h + self.body_conv(self.body(h))  # (B, C, H, W)
        h = self.upsample(h)  # stepwise: (B, C, H, W) -> (B, C, scale*H, scale*W); direct: unchanged
        # Contiguous: torch's CPU bicubic is slower on a channels-last tensor (256² x4: 55-68 against 27-40 ms here),
        # for the same values.
        base = F.interpolate(lr.contiguous(), scale_factor=self.scale, mode="bicubic", align_corners=False)
        return base + self.to_pixels(self.tail(h))


class SRDiscriminator(ConfigMixin, nn.Module):
    """SRGAN's VGG-style discriminator: strided conv blocks, then one real/fake logit per patch.

    `forward(x, return_features=True)` also returns each block's activations, used for
    the feature-matching loss that stands in for VGG's perceptual loss offline.
    """

    def __init__(self, *, image_channels: int = 3, base_channels: int = 32, num_blocks: int = 4) -> None:
        super().__init__()
        blocks, c_in = [], image_channels
        for i in range(num_blocks):
            c_out = base_channels * 2 ** min(i, 3)
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(c_in, c_out, 3, padding=1),
                    nn.LeakyReLU(0.2, inplace=True),
                    nn.Conv2d(c_out, c_out, 4, stride=2, padding=1),  # (B, C, H, W) -> (B, C, H/2, W/2)
                    nn.LeakyReLU(0.2, inplace=True),
                )
            )
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(c_in, 1, 3, padding=1)

    def forward(
        self, x: torch.Tensor, return_features: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        logits = self.head(x)  # (B, 1, H/2^n, W/2^n)
        return (logits, features) if return_features else logits
