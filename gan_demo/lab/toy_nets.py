"""The 2D playground's networks: small MLPs initialised from a run's own torch.Generator, optionally spectrally
normalised (Miyato et al. 2018) with a seeded power iteration."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import skip_init


class SpectralNormLinear(nn.Linear):
    """A linear layer whose weight is divided by its largest singular value (Miyato et al. 2018), estimated by one
    power iteration per training forward pass. (torch's own parametrization draws its vector from the global RNG.)"""

    def __init__(self, in_features: int, out_features: int, *, device: torch.device | str | None = None) -> None:
        super().__init__(in_features, out_features, device=device)
        self.register_buffer("u", torch.empty(out_features, device=device))  # the left singular vector estimate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                v = F.normalize(self.weight.T @ self.u, dim=0)
                self.u.copy_(F.normalize(self.weight @ v, dim=0))
        u = self.u.clone()  # a constant of this forward's graph: the next forward updates self.u in place
        v = F.normalize(self.weight.T @ u, dim=0)
        sigma = u @ self.weight @ v
        return F.linear(x, self.weight / sigma, self.bias)


def mlp(
    in_features: int, width: int, layers: int, out_features: int, *, generator: torch.Generator, spectral: bool = False
) -> nn.Sequential:
    """layers hidden layers of `width` units (LeakyReLU 0.2), initialised like nn.Linear but from `generator`
    (skip_init: nn.Linear's own initialisation would draw from the global RNG)."""
    sizes = [in_features] + [width] * layers + [out_features]
    modules: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        linear = skip_init(SpectralNormLinear if spectral else nn.Linear, a, b)
        bound = 1 / math.sqrt(a)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
            if spectral:
                linear.u.copy_(F.normalize(torch.randn(b, generator=generator), dim=0))
        modules.append(linear)
        if i < layers:
            modules.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*modules)
