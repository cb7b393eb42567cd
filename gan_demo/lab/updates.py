"""One optimizer update of D (or the critic) with the lab's losses and regularisers, shared by the lab's trainers.

`d` maps a batch to one output per sample, (B,) or (B, 1); real and fake are batches of points (B, 2) or of
images (B, C, H, W).
"""

from __future__ import annotations

import torch
from torch import nn

from .losses import SMOOTHABLE_LOSSES, d_loss, d_readout, gradient_penalty, r1_penalty

WGAN_CLIP = 0.01  # Arjovsky et al. 2017
GP_WEIGHT = 10.0  # Gulrajani et al. 2017, for images


def discriminator_update(
    d: nn.Module,
    optimizer: torch.optim.Optimizer,
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    loss: str,
    label_smoothing: float = 0.0,
    r1: float = 0.0,
    gp_weight: float = GP_WEIGHT,
    generator: torch.Generator | None = None,
) -> tuple[float, float, float]:
    """Minimise D's `loss` (+ gp_weight x the gradient penalty for wgan-gp, + r1 / 2 x R1 when r1 > 0), then clip
    the weights for wgan-clip. Returns the loss without penalties and the mean D(x) and D(G(z)) of this batch, on
    the lab's scale (`d_readout`: probabilities for the probability losses, scores otherwise)."""
    fake = fake.detach()
    real_out, fake_out = d(real), d(fake)
    value = d_loss(loss, real_out, fake_out, label_smoothing if loss in SMOOTHABLE_LOSSES else 0.0)
    total = value
    if loss == "wgan-gp":
        total = total + gp_weight * gradient_penalty(d, real, fake, generator=generator)
    if r1 > 0:
        total = total + r1 / 2 * r1_penalty(d, real)
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    optimizer.step()
    with torch.no_grad():
        if loss == "wgan-clip":
            for p in d.parameters():
                p.clamp_(-WGAN_CLIP, WGAN_CLIP)
        return value.item(), float(d_readout(loss, real_out).mean()), float(d_readout(loss, fake_out).mean())
