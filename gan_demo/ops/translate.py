"""Image-to-image translation inference (pix2pix): a drawing in, a picture out, at the model's resolution."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn


def fit_square(pixels: np.ndarray, size: int, fill: int = 255) -> np.ndarray:
    """(H, W[, C]) uint8 -> (size, size[, C]): padded with `fill` to a centred square, so the aspect ratio
    is kept, then resized with antialiasing (a thick pen stroke on a big canvas becomes a line of the
    width the model trained on)."""
    h, w = pixels.shape[:2]
    side = max(h, w)
    square = np.full((side, side, *pixels.shape[2:]), fill, dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = pixels
    return np.asarray(Image.fromarray(square).resize((size, size), Image.LANCZOS if side > size else Image.BICUBIC))


@torch.inference_mode()
def translate(model: nn.Module, conditions: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(S, S) or (B, S, S) uint8 drawings (or (B, C, S, S) uint8) at the model's size -> (B, 3, S, S) in [-1, 1].

    The model runs in eval mode (no dropout), so one drawing always gives the same picture.
    """
    x = torch.as_tensor(conditions)
    x = x[None] if x.dim() == 2 else x
    x = x[:, None] if x.dim() == 3 else x  # (B, S, S) -> (B, 1, S, S)
    expected = (model.in_channels, model.image_size, model.image_size)
    if x.dtype != torch.uint8 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"expected uint8 drawings of shape (B, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
    param = next(model.parameters())
    x = x.float().div(127.5).sub(1)
    return model(x.to(param.device, param.dtype)).float().cpu()
