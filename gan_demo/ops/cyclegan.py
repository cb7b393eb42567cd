"""Unpaired translation inference (CycleGAN): an image of one domain in, the other domain's version and the cycle
back out."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageOps
from torch import nn


def fit_crop(pixels: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 -> (size, size, 3): centre-cropped to a square and resized, as the training images were."""
    if pixels.shape[:2] == (size, size):
        return pixels
    return np.asarray(ImageOps.fit(Image.fromarray(pixels), (size, size), Image.BICUBIC))


@torch.inference_mode()
def cycle_translate(
    model: nn.Module, images: np.ndarray | torch.Tensor, direction: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, W, 3) or (B, 3, H, W) uint8 images -> (translated, reconstructed), each (B, 3, H, W) in [-1, 1].

    `model` is a CycleGANGenerators; `direction` "AtoB" runs G then F (the cycle back), "BtoA" F then G.
    Instance norm and no dropout at inference: one image always gives the same result, whatever the batch.
    """
    x = torch.as_tensor(np.array(images) if isinstance(images, np.ndarray) else images)  # e.g. a read-only upload
    x = x.permute(2, 0, 1)[None] if x.dim() == 3 else x  # (H, W, 3) -> (1, 3, H, W)
    if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != model.channels:
        raise ValueError(f"expected uint8 images (B, {model.channels}, H, W) or (H, W, 3), got {tuple(x.shape)}")
    forward = model.generator(direction)
    backward = model.generator("BtoA" if direction == "AtoB" else "AtoB")
    param = next(model.parameters())
    translated = forward(x.to(param.device, param.dtype).div(127.5).sub(1))
    return translated.float().cpu(), backward(translated).float().cpu()
