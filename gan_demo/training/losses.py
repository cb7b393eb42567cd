"""GAN losses as small pure functions of discriminator outputs (logits or critic scores)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def d_bce_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """The original discriminator loss, -log D(x) - log(1 - D(G(z))).

    One-sided label smoothing (Salimans et al. 2016) targets 1 - s for real images.
    """
    real_target = torch.full_like(real_logits, 1.0 - label_smoothing)
    return F.binary_cross_entropy_with_logits(real_logits, real_target) + F.softplus(fake_logits).mean()


def g_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)): the generator loss with strong gradients early in training."""
    return F.softplus(-fake_logits).mean()


def d_least_squares_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """LSGAN (Mao et al. 2017), as CycleGAN uses it: ((D(x) - 1)^2 + D(G(z))^2) / 2, the half slowing D."""
    return 0.5 * ((real_out - 1).square().mean() + fake_out.square().mean())


def g_least_squares_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """LSGAN's generator loss (D(G(z)) - 1)^2: gradients grow with the distance from the real side."""
    return (fake_out - 1).square().mean()


def d_wasserstein_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The critic maximises E[D(x)] - E[D(G(z))], an estimate of the Wasserstein-1 distance."""
    return fake_scores.mean() - real_scores.mean()


def g_wasserstein_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP: E[(||grad D(x_hat)|| - 1)^2] on random points between real and fake samples (images or points)."""
    alpha = torch.rand(real.shape[0], *[1] * (real.ndim - 1), device=real.device, generator=generator)
    x_hat = torch.lerp(fake.detach(), real, alpha).requires_grad_(True)
    scores = critic(x_hat)
    (grads,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return (grads.flatten(1).norm(dim=1) - 1).square().mean()


def r1_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E[||grad D(x)||^2] on real images, which keeps D from
    sharpening its gradients around the data and stabilises StyleGAN's training."""
    real = real.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
    return grads.flatten(1).square().sum(1).mean()
