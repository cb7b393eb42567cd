"""StyleGAN2 with the official numerics, for the pretrained generators of NVIDIA's StyleGAN2-ADA and of
rosinality's stylegan2-pytorch (Karras et al. 2020, config F).

The same model as gan_demo.models.stylegan.StyleGANGenerator, with the same interface (`map`, `synthesis`,
`num_ws`, `w_avg`), but computed exactly as the reference implementations compute it, so that imported
weights give the images they were trained to give:

- resampling with the FIR filter [1, 3, 3, 1] (outer product, normalised): the upsampling convolution is a
  stride-2 transposed convolution followed by the filter, the skip image is zero-upsampled then filtered
  (NVIDIA's upfirdn2d, here in plain PyTorch);
- modulated convolutions with demodulation; toRGB scales its styles by 1/sqrt(fan-in), without demodulation;
- a per-layer noise strength, a learned 4x4 constant, optional clamping of the activations (`conv_clamp`);
- a mapping network with a learning-rate multiplier that normalises z (and the embedded class, `num_classes`
  = NVIDIA's c_dim with one-hot labels) to unit second moment, and the tracked mean w (`w_avg`) that
  truncation pulls towards.

Modules are named after NVIDIA's (blocks.<res>.conv0 / conv1 / torgb / const, mapping.embed / layers) so a
reader can hold this file against training/networks.py; gan_demo.importers maps the official state dicts
onto them.

Why a second class rather than options of StyleGANGenerator: the two share their shape (the interface the app
uses, and the building blocks imported below) but not their computation. Every resampling step, the toRGB
scaling, the clamp and the class embedding would need a branch in each module of the trained model, whose
shipped checkpoints and training code depend on its state-dict layout; two numerics behind flags in one class
are two classes in disguise. So both subclass StyleBasedGenerator (the shape: `map`, the checked `synthesis`,
`num_ws`, `w_avg`) and each computes one thing; the app tells them apart by nothing but their architecture name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config_mixin import ConfigMixin
from .stylegan import EqualLinear, NoiseInjection, StyleBasedGenerator, _lrelu, style_resolutions

_FIR_TAPS = torch.tensor([1.0, 3.0, 3.0, 1.0])
FIR_FILTER = torch.outer(_FIR_TAPS, _FIR_TAPS) / _FIR_TAPS.sum() ** 2  # (4, 4), sums to 1


def config_f_channels(image_size: int, channel_base: int = 32768, channel_max: int = 512) -> list[int]:
    """Widths at 4, 8, ..., image_size px: min(channel_base / r, channel_max), NVIDIA's formula (config F)."""
    return [min(channel_base // r, channel_max) for r in style_resolutions(image_size)]


def fir_filter(x: torch.Tensor, *, up: int = 1, pad: tuple[int, int], gain: float = 1.0) -> torch.Tensor:
    """NVIDIA's upfirdn2d (without downsampling) with the [1, 3, 3, 1] filter: insert up - 1 zeros after
    each pixel, pad (before, after) on both axes, convolve each channel with the filter times `gain`."""
    b, c, h, w = x.shape
    if up > 1:  # (B, C, H, W) -> (B, C, up*H, up*W)
        x = F.pad(x.reshape(b, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1]).reshape(b, c, h * up, w * up)
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    kernel = (FIR_FILTER * gain).to(x.device, x.dtype).expand(c, 1, 4, 4)
    return F.conv2d(x, kernel, groups=c)


def upsample_2x(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, 2H, 2W), NVIDIA's upsample2d (the skip images between resolutions)."""
    return fir_filter(x, up=2, pad=(2, 1), gain=4.0)


def _normalize_2nd_moment(x: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.square().mean(1, keepdim=True) + 1e-8)


class MappingNetwork(nn.Module):
    """z (B, z_dim) [and one-hot class (B, num_classes)] -> w (B, w_dim): an MLP with lr multiplier."""

    def __init__(self, z_dim: int, w_dim: int, num_classes: int, num_layers: int, lr_mul: float) -> None:
        super().__init__()
        self.embed = EqualLinear(num_classes, w_dim, activate=False) if num_classes else None
        features = [z_dim + (w_dim if num_classes else 0)] + [w_dim] * num_layers
        self.layers = nn.Sequential(
            *(EqualLinear(features[i], features[i + 1], lr_mul=lr_mul, activate=True) for i in range(num_layers))
        )

    def forward(self, z: torch.Tensor, classes: torch.Tensor | None) -> torch.Tensor:
        x = _normalize_2nd_moment(z)
        if self.embed is not None:
            x = torch.cat([x, _normalize_2nd_moment(self.embed(classes.to(z.dtype)))], 1)
        return self.layers(x)


class SynthesisLayer(nn.Module):
    """A modulated, demodulated 3x3 convolution (optionally upsampling 2x), noise, bias, leaky ReLU, clamp."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        *,
        up: bool,
        conv_clamp: float | None,
        seed: int,
    ) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0, activate=False)  # w -> style s
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        self.noise = NoiseInjection(resolution, seed)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.up = up
        self.conv_clamp = conv_clamp

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, noise_mode: str, generators: Sequence[torch.Generator] | None
    ) -> torch.Tensor:
        styles = self.affine(w)  # (B, D) -> (B, C_in)
        weight = self.weight.to(x.dtype)
        x = x * styles[:, :, None, None].to(x.dtype)
        if self.up:  # (B, C_in, H, W) -> (B, C_out, 2H + 1, 2W + 1) -> filtered (B, C_out, 2H, 2W)
            x = fir_filter(F.conv_transpose2d(x, weight.transpose(0, 1), stride=2), pad=(1, 1), gain=4.0)
        else:
            x = F.conv2d(x, weight, padding=1)
        # (B, C_in) @ (C_in, C_out) -> (B, C_out): 1 / the std of each output channel under these styles.
        dcoefs = torch.rsqrt(styles.float().square() @ self.weight.float().square().sum((2, 3)).t() + 1e-8)
        x = self.noise(x * dcoefs[:, :, None, None].to(x.dtype), noise_mode, generators)
        x = _lrelu(x + self.bias[:, None, None].to(x.dtype))
        return x if self.conv_clamp is None else x.clamp(-self.conv_clamp, self.conv_clamp)


class ToRGBLayer(nn.Module):
    """A modulated 1x1 convolution without demodulation, styles scaled by 1/sqrt(fan-in), bias and clamp."""

    def __init__(self, in_channels: int, image_channels: int, w_dim: int, *, conv_clamp: float | None) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0, activate=False)
        self.weight = nn.Parameter(torch.randn(image_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(image_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)
        self.conv_clamp = conv_clamp

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = F.conv2d(x * styles[:, :, None, None].to(x.dtype), self.weight.to(x.dtype))
        x = x + self.bias[:, None, None].to(x.dtype)
        return x if self.conv_clamp is None else x.clamp(-self.conv_clamp, self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution: [the learned constant at 4 px | conv0 upsampling 2x], conv1, torgb added to the
    FIR-upsampled image of the resolutions before ("skip" architecture). Takes 2 w's at 4 px, 3 after."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        image_channels: int,
        *,
        conv_clamp: float | None,
        seed: int,
    ) -> None:
        super().__init__()
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(
                in_channels, out_channels, w_dim, resolution, up=True, conv_clamp=conv_clamp, seed=seed
            )
        self.conv1 = SynthesisLayer(
            out_channels, out_channels, w_dim, resolution, up=False, conv_clamp=conv_clamp, seed=seed + 1
        )
        self.torgb = ToRGBLayer(out_channels, image_channels, w_dim, conv_clamp=conv_clamp)

    def forward(
        self,
        x: torch.Tensor | None,
        image: torch.Tensor | None,
        ws: torch.Tensor,
        noise_mode: str,
        generators: Sequence[torch.Generator] | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if x is None:  # (C, 4, 4) -> (B, C, 4, 4)
            x = self.const.to(ws.dtype)[None].expand(ws.shape[0], -1, -1, -1)
        else:  # (B, C_in, H, W) -> (B, C, 2H, 2W)
            x = self.conv0(x, ws[:, 0], noise_mode, generators)
        x = self.conv1(x, ws[:, -2], noise_mode, generators)
        rgb = self.torgb(x, ws[:, -1])
        return x, rgb if image is None else upsample_2x(image) + rgb


class OfficialStyleGAN2Generator(ConfigMixin, StyleBasedGenerator):
    """z (B, latent_dim) [and class labels (B,)] -> image (B, C, H, W), roughly in [-1, 1].

    `channels`: the widths at 4, 8, ..., image_size px (default: config F's min(512, 32768 / r)).
    `num_ws` = 2 * log2(image_size) - 2 (18 at 1024 px), in the same order as StyleGANGenerator's:
    w 0 styles the 4 px conv1, w 2k + 1 the toRGB at 4 * 2^k px and conv0 at twice that, w 2k + 2 its conv1.
    """

    # Images synthesised in one pass: 2 at 1024 px (each about 0.7 GiB of activations in fp32), 32 at 256 px.
    max_pixels_per_pass = 2 * 1024 * 1024

    def __init__(
        self,
        *,
        image_size: int = 1024,
        image_channels: int = 3,
        latent_dim: int = 512,
        w_dim: int = 512,
        num_classes: int = 0,
        mapping_layers: int = 8,
        mapping_lr_mul: float = 0.01,
        channels: list[int] | None = None,
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        resolutions = style_resolutions(image_size)
        channels = list(channels) if channels is not None else config_f_channels(image_size)
        if len(channels) != len(resolutions) or min(channels) < 1:
            raise ValueError(
                f"channels must be {len(resolutions)} positive widths (for {resolutions} px), got {channels}"
            )
        self.resolutions = resolutions
        self.num_ws = 2 * len(resolutions)

        self.mapping = MappingNetwork(latent_dim, w_dim, num_classes, mapping_layers, mapping_lr_mul)
        self.register_buffer("w_avg", torch.zeros(w_dim))  # the mean w, which truncation pulls towards
        widths = [0, *channels]
        self.blocks = nn.ModuleDict(
            {
                str(r): SynthesisBlock(
                    widths[k], widths[k + 1], w_dim, r, image_channels, conv_clamp=conv_clamp, seed=2 * k
                )
                for k, r in enumerate(resolutions)
            }
        )

    def map(self, z: torch.Tensor, truncation: float = 1.0, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, latent_dim) [and labels (B,)] -> w (B, w_dim), pulled towards the mean w by ψ = `truncation`."""
        classes = None
        if self.num_classes:
            if labels is None:
                raise ValueError(f"this generator is class-conditional: give labels in 0..{self.num_classes - 1}")
            classes = F.one_hot(labels.long(), self.num_classes)
        w = self.mapping(z, classes)
        return w if truncation == 1 else self.w_avg.lerp(w, truncation)

    def _synthesize(
        self, ws: torch.Tensor, noise_mode: str, noise_generators: Sequence[torch.Generator] | None
    ) -> torch.Tensor:
        per_pass = max(1, self.max_pixels_per_pass // self.image_size**2)
        if ws.shape[0] > per_pass:  # in chunks, so that a batch of 1024 px images cannot exhaust the memory
            chunks = range(0, ws.shape[0], per_pass)
            return torch.cat(
                [
                    self._synthesize(
                        ws[i : i + per_pass],
                        noise_mode,
                        None if noise_generators is None else noise_generators[i : i + per_pass],
                    )
                    for i in chunks
                ]
            )
        x = image = None
        for k, block in enumerate(self.blocks.values()):  # block k takes w's 2k - 1, 2k, 2k + 1 (k > 0)
            x, image = block(x, image, ws[:, max(2 * k - 1, 0) : 2 * k + 2], noise_mode, noise_generators)
        return image

    def forward(
        self,
        z: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: float = 1.0,
        noise_mode: str = "const",
    ) -> torch.Tensor:
        """The plain z -> image path (one w for every layer)."""
        w = self.map(z, truncation, labels)
        return self.synthesis(w[:, None].expand(-1, self.num_ws, -1), noise_mode)
