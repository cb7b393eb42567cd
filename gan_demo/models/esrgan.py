"""Real-ESRGAN's generators (Wang et al. 2021), to run the official pretrained weights.

`RRDBNet` (ESRGAN's Residual-in-Residual Dense Blocks: RealESRGAN_x4plus, RealESRGAN_x2plus,
RealESRGAN_x4plus_anime_6B) and `SRVGGNetCompact` (realesr-general-x4v3, realesr-animevideov3) build
their layers under the names of BasicSR's `RRDBNet` and Real-ESRGAN's `SRVGGNetCompact`, so the
official `params_ema` / `params` state dicts load into them strictly, unchanged. Their argument names
map as num_in_ch -> in_channels, num_out_ch -> out_channels, num_feat -> channels, num_block ->
num_blocks, num_grow_ch -> growth_channels, num_conv -> num_convs, upscale -> scale, act_type ->
activation.

Like the app's other super-resolution models they take and return images in [-1, 1] (the official
networks work in [0, 1]; `forward` converts at both ends) and expose `scale` and `receptive_radius`
for tiled inference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config_mixin import ConfigMixin

ACTIVATIONS = ("prelu", "relu", "leakyrelu")


class ResidualDenseBlock(nn.Module):
    """Five 3x3 convs, each reading the block input and every earlier conv's output; scaled residual."""

    def __init__(self, channels: int, growth_channels: int) -> None:
        super().__init__()
        for i in range(5):
            c_out = channels if i == 4 else growth_channels
            setattr(self, f"conv{i + 1}", nn.Conv2d(channels + i * growth_channels, c_out, 3, padding=1))
        self.lrelu = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for i in range(1, 5):
            features.append(self.lrelu(getattr(self, f"conv{i}")(torch.cat(features, 1))))
        return x + 0.2 * self.conv5(torch.cat(features, 1))


class RRDB(nn.Module):
    """Residual in Residual Dense Block: three dense blocks with a scaled residual around them."""

    def __init__(self, channels: int, growth_channels: int) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(channels, growth_channels)
        self.rdb2 = ResidualDenseBlock(channels, growth_channels)
        self.rdb3 = ResidualDenseBlock(channels, growth_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))


class RRDBNet(ConfigMixin, nn.Module):
    """ESRGAN's generator: LR (B, C, H, W) in [-1, 1] -> SR (B, C, scale H, scale W), unclamped.

    x4 works on the LR image directly; x2 (RealESRGAN_x2plus) first folds each 2x2 pixel block into
    channels (pixel unshuffle), so the trunk always runs at a quarter of the output resolution and
    two nearest-neighbour x2 upsamplings finish the job.
    """

    def __init__(
        self,
        *,
        scale: int = 4,
        in_channels: int = 3,
        out_channels: int = 3,
        channels: int = 64,
        num_blocks: int = 23,
        growth_channels: int = 32,
        tile_context: int = 32,
    ) -> None:
        super().__init__()
        if scale not in (2, 4):
            raise ValueError(f"scale must be 2 or 4 (RealESRGAN_x2plus / x4plus), got {scale}")
        if min(in_channels, out_channels, channels, growth_channels) < 1 or num_blocks < 0 or tile_context < 0:
            raise ValueError("channel counts must be positive and num_blocks, tile_context not negative")
        self.unshuffle = 4 // scale  # x2: (B, C, H, W) -> (B, 4C, H/2, W/2) first
        self.conv_first = nn.Conv2d(in_channels * self.unshuffle**2, channels, 3, padding=1)
        self.body = nn.Sequential(*(RRDB(channels, growth_channels) for _ in range(num_blocks)))
        self.conv_body = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_up1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_up2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_hr = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_last = nn.Conv2d(channels, out_channels, 3, padding=1)
        self.lrelu = nn.LeakyReLU(0.2)

    @property
    def size_multiple(self) -> int:
        """x2 folds 2x2 blocks: the image is padded to even sides, and tiles start on even pixels."""
        return self.unshuffle

    @property
    def receptive_radius(self) -> int:
        """LR pixels of context a tile reads on each side: `tile_context`, not the exact receptive field.

        The exact field of 23 blocks is ~350 LR pixels, which would make every tile the whole image;
        the influence of pixels that far away is far below one 8-bit level, so tiles with this much
        context agree with one untiled call to within a level (tests/test_import_esrgan.py measures it).
        """
        return self.tile_context

    @property
    def graph_safe(self) -> bool:
        """Whether ops.super_resolve may trace it: x2's forward pads odd sizes, a branch on the input's shape."""
        return self.unshuffle == 1

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = (lr + 1) / 2  # the official weights work on [0, 1]
        if self.unshuffle > 1:
            if x.shape[-1] % self.unshuffle or x.shape[-2] % self.unshuffle:  # pad odd sizes, crop after
                x = F.pad(x, (0, -x.shape[-1] % self.unshuffle, 0, -x.shape[-2] % self.unshuffle), mode="reflect")
            x = F.pixel_unshuffle(x, self.unshuffle)  # (B, C, H, W) -> (B, 4C, H/2, W/2)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))  # -> (2H, 2W)
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))  # -> (4H, 4W)
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))
        out = out[..., : lr.shape[-2] * self.scale, : lr.shape[-1] * self.scale]
        return out * 2 - 1


class SRVGGNetCompact(ConfigMixin, nn.Module):
    """Real-ESRGAN's compact VGG-style network: LR (B, C, H, W) in [-1, 1] -> SR (B, C, sH, sW), unclamped.

    Every conv runs at LR resolution; the last one makes scale^2 sub-pixels per channel, a pixel shuffle
    places them, and the nearest-neighbour enlargement of the input is added (the network learns the
    residual). `body` alternates conv and activation, as the official module list does.
    """

    graph_safe = True  # its forward never branches on the input: ops.super_resolve may trace it

    def __init__(
        self,
        *,
        scale: int = 4,
        in_channels: int = 3,
        out_channels: int = 3,
        channels: int = 64,
        num_convs: int = 16,
        activation: str = "prelu",
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        if scale < 1 or min(in_channels, out_channels, channels) < 1 or num_convs < 0:
            raise ValueError("scale and channel counts must be positive, num_convs not negative")
        layers: list[nn.Module] = []
        c_in = in_channels
        for _ in range(num_convs + 1):
            layers += [nn.Conv2d(c_in, channels, 3, padding=1), self._activation()]
            c_in = channels
        layers.append(nn.Conv2d(channels, out_channels * scale**2, 3, padding=1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(scale)  # (B, C s^2, H, W) -> (B, C, sH, sW)

    def _activation(self) -> nn.Module:
        if self.activation == "prelu":
            return nn.PReLU(self.channels)
        return nn.ReLU() if self.activation == "relu" else nn.LeakyReLU(0.1)

    @property
    def receptive_radius(self) -> int:
        """LR pixels each output pixel depends on: one per 3x3 conv (the nearest-neighbour skip adds none)."""
        return self.num_convs + 2

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = (lr + 1) / 2  # the official weights work on [0, 1]
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out) + F.interpolate(x, scale_factor=self.scale, mode="nearest")
        return out * 2 - 1
