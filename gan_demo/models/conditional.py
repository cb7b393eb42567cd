"""The conditional GAN's discriminator: a projection discriminator (Miyato &
Koyama 2018) with an auxiliary classifier head (Odena et al. 2017) whose
weight the training config sets. Its generator is `DCGANGenerator(num_classes=N)`.
"""

from __future__ import annotations

import torch
from torch import nn

from .dcgan import DCGANDiscriminator


class ProjectionDiscriminator(DCGANDiscriminator):
    """logit = head(phi(x)) + <embed(y), phi(x)>, plus class logits for the auxiliary loss."""

    def __init__(
        self,
        *,
        image_size: int = 28,
        image_channels: int = 1,
        base_channels: int = 64,
        num_classes: int = 10,
        norm: str = "batch",
    ) -> None:
        super().__init__(image_size=image_size, image_channels=image_channels, base_channels=base_channels, norm=norm)
        flat = self.head.in_features
        self.class_embed = nn.Embedding(num_classes, flat)
        self.classifier = nn.Linear(flat, num_classes)
        nn.init.normal_(self.class_embed.weight, std=0.02)
        if self.spectral:  # the projection and class heads too, as in Miyato & Koyama
            self.apply_spectral_norm()

    def forward_with_classes(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (real/fake logits (B,), class logits (B, num_classes))."""
        phi = self.embed(images)
        logits = self.head(phi).squeeze(1) + (self.class_embed(labels) * phi).sum(1)
        return logits, self.classifier(phi)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise ValueError("ProjectionDiscriminator needs class labels")
        return self.forward_with_classes(images, labels)[0]
