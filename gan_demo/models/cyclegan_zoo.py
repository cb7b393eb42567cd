"""The generators of junyanz/pytorch-CycleGAN-and-pix2pix's pretrained zoo (`latest_net_G.pth`), to run them here.

`ZooUnetGenerator` is their `UnetGenerator` (unet_128, unet_256: nested `UnetSkipConnectionBlock`s, keys
`model.model.1.model.3.…`) and `ZooResnetGenerator` their `ResnetGenerator` (resnet_6blocks,
resnet_9blocks; gan_demo.models.cyclegan's, whose keys already match). Both load the official state dicts
strictly and add what the translation tab needs: `image_size`, the side pictures are brought to, and
`size_multiple`, what each side is padded to (and cropped back from): 2^num_downs for the U-Net, whose
bottleneck halves the image num_downs times, 4 for the ResNet's two stride-2 convolutions (`min_side`: the
smallest side they take).

Batch norm at test time: the official test.py (without --eval) and the pix2pix paper normalise each image
with its own statistics, which is what the zoo's pix2pix results show; `batch_statistics="image"` does that
(dropout stays off, so one input gives one output), `"running"` uses the stored running averages (--eval).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .config_mixin import ConfigMixin
from .cyclegan import NORMS, ResnetGenerator

BATCH_STATISTICS = ("image", "running")


class ImageStatBatchNorm2d(nn.BatchNorm2d):
    """Batch norm that normalises each image with its own mean and variance (a batch of one, in training mode);
    its parameters and buffers are batch norm's, so the official keys load unchanged."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)


class UnetSkipConnectionBlock(nn.Module):
    """down (LeakyReLU-conv4x4/2-norm) -> the inner block -> up (ReLU-deconv4x4x2-norm), concatenated with x.

    (B, C_outer, H, W) -> (B, 2 C_outer, H, W); the outermost block maps the image to the output instead
    ((B, C_in, H, W) -> (B, C_out, H, W), tanh), and the innermost has no inner block and no down norm.
    The layer order is the official one, so `model.<index>` keys match.
    """

    def __init__(
        self,
        outer: int,
        inner: int,
        *,
        image_channels: int | None = None,
        submodule: UnetSkipConnectionBlock | None = None,
        norm: Callable[[int], nn.Module],
        bias: bool,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = image_channels is not None
        down = nn.Conv2d(image_channels or outer, inner, 4, stride=2, padding=1, bias=bias)
        if self.outermost:
            layers = [down, submodule, nn.ReLU(), nn.ConvTranspose2d(2 * inner, outer, 4, stride=2, padding=1)]
            layers.append(nn.Tanh())
        elif submodule is None:  # innermost: (B, inner, 1, 1) at the bottleneck of a 2^n image
            layers = [nn.LeakyReLU(0.2), down, nn.ReLU(), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias)]
            layers.append(norm(outer))
        else:
            layers = [nn.LeakyReLU(0.2), down, norm(inner), submodule, nn.ReLU()]
            layers += [nn.ConvTranspose2d(2 * inner, outer, 4, stride=2, padding=1, bias=bias), norm(outer)]
            if dropout:  # last, so it shifts no index; inactive in eval mode
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class ZooUnetGenerator(ConfigMixin, nn.Module):
    """Image (B, in_channels, H, W) in [-1, 1] -> image (B, out_channels, H, W) in [-1, 1]; H, W multiples of
    2^num_downs (unet_256: num_downs 8, unet_128: 7). Channels base, 2 base, 4 base, then 8 base inwards."""

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        num_downs: int = 8,
        norm: str = "batch",
        use_dropout: bool = False,
        batch_statistics: str = "image",
        image_size: int = 256,
    ) -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        if batch_statistics not in BATCH_STATISTICS:
            raise ValueError(f"batch_statistics must be one of {BATCH_STATISTICS}, got {batch_statistics!r}")
        if num_downs < 5:
            raise ValueError(f"num_downs must be at least 5 (the official U-Net's four outer levels), got {num_downs}")
        if image_size % 2**num_downs:
            raise ValueError(f"image_size must be a multiple of 2^num_downs = {2**num_downs}, got {image_size}")
        # Instance norm without parameters, as their --norm instance; it keeps the conv biases batch norm replaces.
        layer = nn.InstanceNorm2d if norm == "instance" else ImageStatBatchNorm2d
        layer = nn.BatchNorm2d if norm == "batch" and batch_statistics == "running" else layer
        options = {"norm": layer, "bias": norm == "instance"}
        c = base_channels
        block = UnetSkipConnectionBlock(8 * c, 8 * c, **options)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(8 * c, 8 * c, submodule=block, dropout=use_dropout, **options)
        for outer in (4 * c, 2 * c, c):
            block = UnetSkipConnectionBlock(outer, 2 * outer, submodule=block, **options)
        self.model = UnetSkipConnectionBlock(out_channels, c, image_channels=in_channels, submodule=block, **options)

    @property
    def size_multiple(self) -> int:
        return 2**self.num_downs

    @property
    def min_side(self) -> int:
        return self.size_multiple

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % self.size_multiple or x.shape[-2] % self.size_multiple:
            raise ValueError(f"height and width must be multiples of {self.size_multiple}, got {tuple(x.shape[-2:])}")
        return self.model(x)


class ZooResnetGenerator(ResnetGenerator):
    """gan_demo.models.cyclegan's ResnetGenerator (the official keys) with the translation tab's `image_size`.

    Batch-norm ResNets (not in the zoo, which trains them with instance norm) use the running statistics.
    """

    size_multiple = 4
    min_side = 8  # the reflection padding needs 2 pixels at a quarter of the resolution

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        num_blocks: int = 9,
        norm: str = "instance",
        use_dropout: bool = False,
        image_size: int = 256,
    ) -> None:
        if image_size % self.size_multiple:
            raise ValueError(f"image_size must be a multiple of {self.size_multiple}, got {image_size}")
        super().__init__(
            in_channels=in_channels,
            out_channels=out_channels,
            base_channels=base_channels,
            num_blocks=num_blocks,
            norm=norm,
            use_dropout=use_dropout,
        )
