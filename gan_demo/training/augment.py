"""Differentiable augmentation for the discriminator (DiffAugment, Zhao et al. 2020).

The discriminator sees real and generated images through the same random colour shift, translation
and cutout, and the generator's gradient flows back through them. D can then no longer win by
memorising the exact look of the training images (for cartoon avatars: their perfectly flat colours),
while G is not pushed to produce augmented-looking images, because D never sees an un-augmented one.
Images are (B, C, H, W) in [-1, 1]; every draw is per image, from torch's generator on their device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

TRANSLATION_RATIO = 1 / 8  # shifts of up to this fraction of the side, the empty border filled with zeros
CUTOUT_RATIO = 1 / 2  # side of the erased square, as a fraction of the image side


def _rand(x: torch.Tensor) -> torch.Tensor:
    return torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype)


def color(x: torch.Tensor) -> torch.Tensor:
    """Random brightness (±0.5), saturation (×0–2) and contrast (×0.5–1.5)."""
    x = x + (_rand(x) - 0.5)
    grey = x.mean(1, keepdim=True)
    x = (x - grey) * (_rand(x) * 2) + grey
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * (_rand(x) + 0.5) + mean


def translation(x: torch.Tensor) -> torch.Tensor:
    """Shift each image by a whole number of pixels, up to TRANSLATION_RATIO of its side each way."""
    b, _, h, w = x.shape
    limit = torch.tensor([w, h], device=x.device) * TRANSLATION_RATIO
    shift = torch.round((torch.rand(b, 2, device=x.device) * 2 - 1) * limit)  # pixels, (dx, dy)
    theta = torch.zeros(b, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, :, 2] = -2 * shift / torch.tensor([w, h], device=x.device)  # in grid units, 2 per side
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def cutout(x: torch.Tensor) -> torch.Tensor:
    """Zero a square of CUTOUT_RATIO of the side at a random place in each image."""
    b, _, h, w = x.shape
    size = torch.tensor([h * CUTOUT_RATIO, w * CUTOUT_RATIO], device=x.device)
    centre = torch.rand(b, 2, device=x.device) * torch.tensor([h, w], device=x.device)
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    inside = ((rows - centre[:, 0, None, None]).abs() < size[0] / 2) & (
        (cols - centre[:, 1, None, None]).abs() < size[1] / 2
    )  # (B, H, W)
    return x * (~inside)[:, None].to(x.dtype)


AUGMENTATIONS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> list[str]:
    """ "color,translation" -> ["color", "translation"]; "" -> no augmentation."""
    names = [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"unknown augmentation {', '.join(unknown)}; choose from {', '.join(AUGMENTATIONS)}")
    return names


def diff_augment(x: torch.Tensor, policy: list[str]) -> torch.Tensor:
    for name in policy:
        x = AUGMENTATIONS[name](x)
    return x
