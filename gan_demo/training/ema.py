"""Exponential moving average of generator weights, and batch-norm statistics for it."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn


def make_ema(model: nn.Module) -> nn.Module:
    return copy.deepcopy(model).eval().requires_grad_(False)


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * model, for the parameters."""
    ema_params = list(ema.parameters())
    torch._foreach_lerp_(ema_params, [p.detach() for p in model.parameters()], 1.0 - decay)


@torch.no_grad()
def recalibrate_batchnorm(
    generator: nn.Module, make_inputs: Callable[[], tuple[torch.Tensor, torch.Tensor | None]], batches: int = 50
) -> None:
    """Re-estimate batch-norm running statistics for the EMA weights ("standing statistics").

    The live generator's running statistics belong to its own weights, not to the
    averaged ones, so they are recomputed with a cumulative average over fresh batches.
    """
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
    generator.train()
    for _ in range(batches):
        generator(*make_inputs())
    generator.eval()
    for m in norms:
        m.momentum = 0.1
