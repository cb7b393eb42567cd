"""Inference as pure functions: tensors in, images in [-1, 1] out.

Every random draw comes from a `torch.Generator` seeded per image, never from
torch's global RNG, so one seed always gives one image, whichever other
requests run at the same time and whatever else is in the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

MAX_SEED = 2**32 - 1


def latents_from_seeds(seeds: Sequence[int], latent_dim: int, truncation: float = 1.0) -> torch.Tensor:
    """One standard-normal latent per seed, shrunk towards the mean (0) by `truncation` ψ.

    (N,) seeds -> (N, latent_dim). ψ = 1 samples the full prior; smaller ψ trades
    diversity for typical, cleaner images; ψ = 0 gives every seed the mean latent.
    """
    z = torch.stack([torch.randn(latent_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
    return z * truncation


@torch.inference_mode()
def generate(model: nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """(N, latent_dim) latents (and (N,) labels) -> (N, C, H, W) images on the CPU."""
    device = next(model.parameters()).device
    labels = labels.to(device) if labels is not None else None
    return model(z.to(device), labels).float().cpu()


def sample(model: nn.Module, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """One image per seed from an unconditional generator."""
    return generate(model, latents_from_seeds(seeds, model.latent_dim, truncation))


def sample_class(model: nn.Module, class_index: int, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """One image of class `class_index` per seed from a conditional generator."""
    labels = torch.full((len(seeds),), class_index, dtype=torch.long)
    return generate(model, latents_from_seeds(seeds, model.latent_dim, truncation), labels)


def class_grid(model: nn.Module, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """Every class for every seed: (num_classes * len(seeds), C, H, W), one row per class.

    The same latent across a row's neighbours shows what the noise controls
    (pose, thickness) and what the label controls (the kind of garment).
    """
    z = latents_from_seeds(seeds, model.latent_dim, truncation)
    labels = torch.arange(model.num_classes).repeat_interleave(len(seeds))
    return generate(model, z.repeat(model.num_classes, 1), labels)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of a and b (D,) at fractions t (T,) -> (T, D)."""
    a_unit, b_unit = a / a.norm(), b / b.norm()
    omega = torch.arccos((a_unit * b_unit).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:  # nearly parallel: slerp and lerp coincide
        return torch.lerp(a, b, t[:, None])
    t = t[:, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def interpolate_latents(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    """`steps` latents from a to b inclusive: (D,), (D,) -> (steps, D)."""
    if method not in ("lerp", "slerp"):
        raise ValueError(f"method must be 'lerp' or 'slerp', got {method!r}")
    t = torch.linspace(0, 1, steps)
    return torch.lerp(a, b, t[:, None]) if method == "lerp" else slerp(a, b, t)


def interpolate(
    model: nn.Module,
    seed_a: int,
    seed_b: int,
    steps: int,
    method: str = "slerp",
    truncation: float = 1.0,
    class_index: int | None = None,
) -> torch.Tensor:
    """Frames walking the latent space from seed_a's image to seed_b's: (steps, C, H, W)."""
    z = latents_from_seeds([seed_a, seed_b], model.latent_dim, truncation)
    path = interpolate_latents(z[0], z[1], steps, method)
    labels = None
    if getattr(model, "num_classes", 0) > 0:
        labels = torch.full((steps,), class_index or 0, dtype=torch.long)
    return generate(model, path, labels)
