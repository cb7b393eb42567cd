"""The training lab's GAN losses, by name, as pure functions of discriminator outputs.

Shared by the 2D playground and the image mode. `real_out` and `fake_out` are D's raw outputs: logits for the
probability losses ("saturating", "nonsaturating"), scores for the others. Regularisers that need D itself
(weight clipping, the gradient penalty, R1) are applied by the trainer; `gradient_penalty` and `r1_penalty`
work on points (B, 2) as on images (B, C, H, W).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..training.losses import (
    d_bce_loss,
    d_wasserstein_loss,
    g_nonsaturating_loss,
    g_wasserstein_loss,
    gradient_penalty,
    r1_penalty,
)

__all__ = ["LOSSES", "PROBABILITY_LOSSES", "d_loss", "d_readout", "g_loss", "gradient_penalty", "r1_penalty"]

LOSSES = ("saturating", "nonsaturating", "wgan-clip", "wgan-gp", "hinge", "lsgan")
# D outputs a logit whose sigmoid is the probability of "real"; the others output an unbounded score.
PROBABILITY_LOSSES = ("saturating", "nonsaturating")
# Losses with a real-data target that one-sided label smoothing can lower (critic losses have no labels).
SMOOTHABLE_LOSSES = ("saturating", "nonsaturating", "lsgan")


def _check(kind: str) -> None:
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; allowed: {', '.join(LOSSES)}")


def d_loss(kind: str, real_out: torch.Tensor, fake_out: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """The discriminator's (or critic's) loss to minimise.

    label_smoothing s (Salimans et al. 2016, one-sided) makes the real target 1 - s for the losses in
    SMOOTHABLE_LOSSES; the critic losses have no target and ignore it.
    """
    _check(kind)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if kind in PROBABILITY_LOSSES:  # the minimax game's D loss, the same for both G losses
        return d_bce_loss(real_out, fake_out, label_smoothing)
    if kind == "hinge":  # Lim & Ye 2017; SAGAN, BigGAN
        return F.relu(1.0 - real_out).mean() + F.relu(1.0 + fake_out).mean()
    if kind == "lsgan":  # Mao et al. 2017, targets a = 0 (fake), b = 1 (real)
        return 0.5 * (real_out - (1.0 - label_smoothing)).square().mean() + 0.5 * fake_out.square().mean()
    return d_wasserstein_loss(real_out, fake_out)


def g_loss(kind: str, fake_out: torch.Tensor) -> torch.Tensor:
    """The generator's loss to minimise."""
    _check(kind)
    if kind == "saturating":
        # The minimax G loss, log(1 - D(G(z))) = -softplus(logit): flat where D confidently says "fake",
        # so G gets almost no gradient exactly when it is worst (Goodfellow et al. 2014, section 3).
        return -F.softplus(fake_out).mean()
    if kind == "nonsaturating":
        return g_nonsaturating_loss(fake_out)
    if kind == "lsgan":
        return 0.5 * (fake_out - 1.0).square().mean()
    return g_wasserstein_loss(fake_out)  # WGAN and hinge: G raises the critic's score of its samples


def d_readout(kind: str, out: torch.Tensor) -> torch.Tensor:
    """What D says, on the scale the lab plots: the probability of "real" for the probability losses,
    the raw score otherwise (a critic's score is no probability)."""
    _check(kind)
    return torch.sigmoid(out) if kind in PROBABILITY_LOSSES else out
