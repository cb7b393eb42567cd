"""StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN") for small images.

The generator is two networks. The mapping network turns a latent z into an
intermediate latent w; the synthesis network starts from a learned 4x4 constant
and, at every layer, lets one w ("style") scale the convolution's input channels
(modulation), then rescales each output channel back to unit variance
(demodulation, which replaced StyleGAN's AdaIN to remove its droplet artefacts).
Per-pixel noise adds stochastic detail and each resolution adds its own RGB
image to the upsampled sum of the earlier ones (skip / toRGB outputs).

Each layer takes its own w, so mixing two latents' w's layer by layer (style
mixing) shows what each resolution controls. Equalised learning rate: weights
are stored as N(0, 1) and scaled at run time, as in the paper.

Upsampling and downsampling are bilinear and average pooling rather than the
paper's FIR filters, which matters little at 64 px. Path-length regularisation
is left out (it mainly helps at high resolution and costs a double backward).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config_mixin import ConfigMixin

NOISE_MODES = ("random", "const", "none")
_GAIN = math.sqrt(2)  # keeps the variance of leaky-ReLU activations at 1


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * _GAIN


def _upsample(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def style_resolutions(image_size: int) -> list[int]:
    """4, 8, ..., image_size; image_size must be a power of two from 8 to 1024."""
    if image_size < 8 or image_size > 1024 or image_size & (image_size - 1):
        raise ValueError(f"StyleGAN's image_size must be a power of two from 8 to 1024, got {image_size}")
    return [2**i for i in range(2, int(math.log2(image_size)) + 1)]


class EqualLinear(nn.Module):
    """A linear layer with equalised learning rate; `lr_mul` slows it down (0.01 in the mapping network)."""

    def __init__(
        self, in_features: int, out_features: int, *, bias_init: float = 0.0, lr_mul: float = 1.0, activate: bool
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_mul))
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_mul)
        return _lrelu(x) if self.activate else x


class EqualConv2d(nn.Module):
    """A convolution with equalised learning rate ('same' padding)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.weight.shape[-1] // 2)


class MappingNetwork(nn.Module):
    """z (B, latent_dim) -> w (B, latent_dim): an MLP after normalising z to the unit sphere's scale."""

    def __init__(self, latent_dim: int, num_layers: int, lr_mul: float = 0.01) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *(EqualLinear(latent_dim, latent_dim, lr_mul=lr_mul, activate=True) for _ in range(num_layers))
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)  # pixel norm of the latent
        return self.layers(z)


class ModulatedConv2d(nn.Module):
    """Modulation, convolution and demodulation (StyleGAN2, Fig. 2c).

    Computed as the paper's equivalent "non-fused" form: scale the input channels by
    the style s, convolve with the shared weight, then scale each output channel by
    1 / sqrt(sum_i,k (w_ijk s_i)^2). One ordinary convolution serves the whole batch.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        latent_dim: int,
        *,
        demodulate: bool = True,
        upsample: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.affine = EqualLinear(latent_dim, in_channels, bias_init=1.0, activate=False)  # w -> style s
        self.demodulate = demodulate
        self.upsample = upsample

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # (B, D) -> (B, C_in)
        weight = self.weight * self.weight_gain
        x = x * styles[:, :, None, None].to(x.dtype)
        if self.upsample:
            x = _upsample(x)  # (B, C_in, H, W) -> (B, C_in, 2H, 2W)
        x = F.conv2d(x, weight.to(x.dtype), padding=self.weight.shape[-1] // 2)
        if self.demodulate:
            # (B, C_in) @ (C_in, C_out) -> (B, C_out): each output channel's std under these styles.
            sigma = styles.float().square() @ weight.float().square().sum((2, 3)).t()
            x = x * torch.rsqrt(sigma + 1e-8)[:, :, None, None].to(x.dtype)
        return x


class NoiseInjection(nn.Module):
    """Adds per-pixel Gaussian noise times a learned strength (zero at the start of training).

    "random" draws fresh noise (from one generator per image, when given), "const" uses
    a fixed map stored with the model, "none" adds nothing.
    """

    def __init__(self, resolution: int, seed: int) -> None:
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))
        const = torch.randn(1, 1, resolution, resolution, generator=torch.Generator().manual_seed(seed))
        self.register_buffer("const_noise", const)

    def forward(
        self, x: torch.Tensor, noise_mode: str, generators: Sequence[torch.Generator] | None = None
    ) -> torch.Tensor:
        if noise_mode == "none":
            return x
        if noise_mode == "const":
            noise = self.const_noise
        elif generators is not None:  # per image, so an image does not depend on its batch
            shape = (1, *x.shape[2:])
            noise = torch.stack([torch.randn(shape, generator=g, device=g.device) for g in generators])
        else:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device)
        return x + self.strength * noise.to(x.device, x.dtype)


class StyledConv(nn.Module):
    """Modulated 3x3 convolution (optionally upsampling 2x), noise, bias and leaky ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, latent_dim: int, resolution: int, *, upsample: bool, seed: int
    ) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, latent_dim, upsample=upsample)
        self.noise = NoiseInjection(resolution, seed)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, noise_mode: str, generators: Sequence[torch.Generator] | None
    ) -> torch.Tensor:
        x = self.noise(self.conv(x, w), noise_mode, generators)
        return _lrelu(x + self.bias[:, None, None].to(x.dtype))


class ToRGB(nn.Module):
    """A modulated 1x1 convolution (without demodulation) to RGB, added to the upsampled skip image."""

    def __init__(self, in_channels: int, image_channels: int, latent_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, image_channels, 1, latent_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(image_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        rgb = self.conv(x, w) + self.bias[:, None, None].to(x.dtype)
        return rgb if skip is None else rgb + _upsample(skip)


class StyleGANGenerator(ConfigMixin, nn.Module):
    """z (B, latent_dim) -> image (B, C, H, W), roughly in [-1, 1] (the output has no tanh).

    `num_ws` = 2 * log2(image_size) - 2 layers take a w each, in order from coarse to fine:
    layer 0 styles the 4x4 convolution; then for each resolution r = 4, 8, ...: layer
    2k + 1 styles r's toRGB and the upsampling convolution to 2r, layer 2k + 2 the
    second convolution at 2r (k = log2(r) - 2). Widths are
    min(max_channels, base_channels * image_size / r): widest at the coarse layers.
    """

    def __init__(
        self,
        *,
        image_size: int = 64,
        image_channels: int = 3,
        latent_dim: int = 256,
        mapping_layers: int = 8,
        base_channels: int = 64,
        max_channels: int = 256,
    ) -> None:
        super().__init__()
        resolutions = style_resolutions(image_size)
        self.resolutions = resolutions
        self.num_ws = 2 * len(resolutions)

        def width(r: int) -> int:
            return min(max_channels, base_channels * image_size // r)

        self.mapping = MappingNetwork(latent_dim, mapping_layers)
        # The running mean of w: the centre that the truncation trick pulls towards.
        self.register_buffer("w_avg", torch.zeros(latent_dim))
        self.const = nn.Parameter(torch.randn(1, width(4), 4, 4))
        self.input_conv = StyledConv(width(4), width(4), latent_dim, 4, upsample=False, seed=0)
        self.convs = nn.ModuleList()
        for i, r in enumerate(resolutions[1:], start=1):
            self.convs.append(StyledConv(width(r // 2), width(r), latent_dim, r, upsample=True, seed=2 * i - 1))
            self.convs.append(StyledConv(width(r), width(r), latent_dim, r, upsample=False, seed=2 * i))
        self.to_rgbs = nn.ModuleList(ToRGB(width(r), image_channels, latent_dim) for r in resolutions)

    def map(self, z: torch.Tensor, truncation: float = 1.0) -> torch.Tensor:
        """z (B, latent_dim) -> w (B, latent_dim), pulled towards the mean w by ψ = `truncation`."""
        w = self.mapping(z)
        return w if truncation == 1 else self.w_avg.lerp(w, truncation)

    def synthesis(
        self,
        ws: torch.Tensor,
        noise_mode: str = "const",
        noise_generators: Sequence[torch.Generator] | None = None,
    ) -> torch.Tensor:
        """ws (B, num_ws, latent_dim), one w per layer, -> images (B, C, H, W).

        `noise_generators`: one per image, for reproducible "random" noise.
        """
        if ws.ndim != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"ws must be (batch, {self.num_ws}, {self.latent_dim}), got {tuple(ws.shape)}")
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        x = self.const.expand(ws.shape[0], -1, -1, -1)  # (B, C, 4, 4)
        x = self.input_conv(x, ws[:, 0], noise_mode, noise_generators)
        rgb = self.to_rgbs[0](x, ws[:, 1], None)
        for k in range(1, len(self.resolutions)):  # (B, C, r, r) -> (B, C', 2r, 2r)
            x = self.convs[2 * k - 2](x, ws[:, 2 * k - 1], noise_mode, noise_generators)
            x = self.convs[2 * k - 1](x, ws[:, 2 * k], noise_mode, noise_generators)
            rgb = self.to_rgbs[k](x, ws[:, 2 * k + 1], rgb)
        return rgb

    def forward(
        self,
        z: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: float = 1.0,
        noise_mode: str = "const",
    ) -> torch.Tensor:
        """The plain z -> image path (one w for every layer); `labels` is accepted and ignored
        so the generator fits wherever an unconditional generator does."""
        w = self.map(z, truncation)
        return self.synthesis(w[:, None].expand(-1, self.num_ws, -1), noise_mode)


class MinibatchStdDev(nn.Module):
    """Appends the average standard deviation across groups of images as one more feature map,
    so the discriminator can see a lack of variety (StyleGAN2's minibatch standard deviation)."""

    def __init__(self, group_size: int = 4) -> None:
        super().__init__()
        self.group_size = group_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = math.gcd(self.group_size, b)
        y = x.float().reshape(g, b // g, c, h, w)
        y = (y.var(0, unbiased=False) + 1e-8).sqrt().mean((1, 2, 3))  # (B/g,)
        y = y.repeat(g)[:, None, None, None].expand(b, 1, h, w)
        return torch.cat([x, y.to(x.dtype)], 1)


class DiscriminatorBlock(nn.Module):
    """Two 3x3 convolutions then 2x average pooling, with a 1x1 residual shortcut (StyleGAN2's resnet D)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = EqualConv2d(in_channels, in_channels, 3)
        self.conv2 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.avg_pool2d(_lrelu(self.conv2(_lrelu(self.conv1(x)))), 2)  # (B, C, H, W) -> (B, C', H/2, W/2)
        return (y + self.skip(F.avg_pool2d(x, 2))) / _GAIN


class StyleGANDiscriminator(ConfigMixin, nn.Module):
    """image (B, C, H, W) -> real/fake logit (B,)."""

    def __init__(
        self, *, image_size: int = 64, image_channels: int = 3, base_channels: int = 64, max_channels: int = 256
    ) -> None:
        super().__init__()
        resolutions = style_resolutions(image_size)

        def width(r: int) -> int:
            return min(max_channels, base_channels * image_size // r)

        self.from_rgb = EqualConv2d(image_channels, width(image_size), 1)
        self.blocks = nn.Sequential(*(DiscriminatorBlock(width(r), width(r // 2)) for r in reversed(resolutions[1:])))
        self.mbstd = MinibatchStdDev()
        self.conv = EqualConv2d(width(4) + 1, width(4), 3)
        self.fc = EqualLinear(width(4) * 16, width(4), activate=True)
        self.out = EqualLinear(width(4), 1, activate=False)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.blocks(_lrelu(self.from_rgb(images)))  # (B, C, H, W) -> (B, C4, 4, 4)
        x = _lrelu(self.conv(self.mbstd(x)))
        return self.out(self.fc(x.flatten(1))).squeeze(1)
