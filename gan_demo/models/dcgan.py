"""DCGAN (Radford et al. 2016) and the WGAN-GP critic (Gulrajani et al. 2017).

Both generators and discriminators work at any square size that halves down to
a small base grid: 28 -> 14 -> 7 (Fashion-MNIST), 32 -> 16 -> 8 -> 4 (CIFAR-10),
64 -> ... -> 4. Widths double at every halving, as in the paper.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from .config_mixin import ConfigMixin
from .layers import ConditionalBatchNorm2d


def resolution_ladder(image_size: int) -> list[int]:
    """Spatial sizes from the base grid up to `image_size`, e.g. 28 -> [7, 14, 28]."""
    if image_size < 8:
        raise ValueError(f"image_size must be at least 8, got {image_size}")
    sizes = [image_size]
    while sizes[0] % 2 == 0 and sizes[0] > 7:
        sizes.insert(0, sizes[0] // 2)
    if len(sizes) < 2:
        raise ValueError(f"image_size {image_size} must be even so it can be upsampled to")
    return sizes


class DCGANGenerator(ConfigMixin, nn.Module):
    """z (B, latent_dim) [+ class labels (B,)] -> image (B, C, H, W) in [-1, 1].

    With `num_classes > 0` it is the conditional GAN's generator: every batch
    norm takes its scale and shift from the class (conditional batch norm).
    """

    def __init__(
        self,
        *,
        latent_dim: int = 100,
        image_size: int = 28,
        image_channels: int = 1,
        base_channels: int = 32,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        sizes = resolution_ladder(image_size)
        n_up = len(sizes) - 1
        widths = [base_channels * 2 ** (n_up - i) for i in range(n_up)]  # e.g. [128, 64]

        # A transposed conv over a 1x1 input is the paper's "project and reshape".
        self.project = nn.ConvTranspose2d(latent_dim, widths[0], sizes[0], 1, 0, bias=False)
        self.norms = nn.ModuleList([self._norm(w) for w in widths])
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[i], widths[i + 1], 4, 2, 1, bias=False) for i in range(n_up - 1)
        )
        self.to_image = nn.ConvTranspose2d(widths[-1], image_channels, 4, 2, 1)

    def _norm(self, channels: int) -> nn.Module:
        return ConditionalBatchNorm2d(channels, self.num_classes) if self.num_classes else nn.BatchNorm2d(channels)

    def _normalize(self, i: int, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.num_classes:
            return self.norms[i](h)
        if labels is None:
            raise ValueError("a class-conditional generator needs class labels")
        return self.norms[i](h, labels)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(z[:, :, None, None])  # (B, Z) -> (B, W0, base, base)
        h = torch.relu(self._normalize(0, h, labels))
        for i, up in enumerate(self.ups, start=1):
            h = torch.relu(self._normalize(i, up(h), labels))  # (B, W, S, S) -> (B, W/2, 2S, 2S)
        return torch.tanh(self.to_image(h))


class DCGANDiscriminator(ConfigMixin, nn.Module):
    """image (B, C, H, W) -> real/fake logit (B,).

    `norm="batch"` is the DCGAN discriminator; `norm="none"` is the WGAN-GP critic,
    which must not use batch norm because the gradient penalty is per sample;
    `norm="spectral"` divides every weight by its largest singular value (Miyato et
    al. 2018), keeping D about 1-Lipschitz without batch statistics.
    """

    NORMS = ("batch", "none", "spectral")

    def __init__(
        self,
        *,
        image_size: int = 28,
        image_channels: int = 1,
        base_channels: int = 64,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        if norm not in self.NORMS:
            raise ValueError(f"norm must be one of {', '.join(self.NORMS)}, got {norm!r}")
        sizes = resolution_ladder(image_size)
        n_down = len(sizes) - 1
        layers: list[nn.Module] = [nn.Conv2d(image_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2)]
        width = base_channels
        for _ in range(n_down - 1):  # (B, W, S, S) -> (B, 2W, S/2, S/2)
            layers.append(nn.Conv2d(width, width * 2, 4, 2, 1, bias=norm != "batch"))
            if norm == "batch":
                layers.append(nn.BatchNorm2d(width * 2))
            layers.append(nn.LeakyReLU(0.2))
            width *= 2
        self.features = nn.Sequential(*layers)
        self.feature_dim = width
        self.base_size = sizes[0]
        self.head = nn.Linear(width * sizes[0] ** 2, 1)
        self.spectral = norm == "spectral"
        if self.spectral:
            self.apply_spectral_norm()

    def apply_spectral_norm(self) -> None:
        """Spectral norm on every weighted layer (a subclass calls it again after adding its own)."""
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)) and not parametrize.is_parametrized(module):
                spectral_norm(module)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Flattened features before the head: (B, C, H, W) -> (B, F)."""
        return self.features(images).flatten(1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.embed(images)).squeeze(1)
