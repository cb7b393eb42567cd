"""Where models run: CUDA, then Apple MPS, then CPU; GAN_DEMO_DEVICE overrides."""

from __future__ import annotations

import os

import torch


def pick_device(preferred: str | None = None) -> torch.device:
    choice = preferred or os.environ.get("GAN_DEMO_DEVICE")
    if choice:
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
