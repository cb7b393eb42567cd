"""Small CNN classifiers whose penultimate features stand in for Inception's in the
Fréchet distance (no Inception weights can be downloaded offline), and whose predictions
measure a conditional generator's class fidelity (FeatureClassifier, Fashion-MNIST) or
which attributes a generated avatar shows (AttributeClassifier)."""

from __future__ import annotations

import torch
from torch import nn

from .config_mixin import ConfigMixin


class FeatureClassifier(ConfigMixin, nn.Module):
    def __init__(self, *, image_channels: int = 1, num_classes: int = 10, feature_dim: int = 128) -> None:
        super().__init__()
        self.image_channels = image_channels
        self.feature_dim = feature_dim

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            *block(image_channels, 32), *block(32, 32), nn.MaxPool2d(2),  # 28 -> 14
            *block(32, 64), *block(64, 64), nn.MaxPool2d(2),  # 14 -> 7
            *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(128, feature_dim), nn.ReLU(),
        )  # fmt: skip
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, num_classes)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, feature_dim)."""
        return self.features(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(images)))


class AttributeClassifier(ConfigMixin, nn.Module):
    """A multi-attribute classifier for 64x64 RGB avatars: a shared CNN trunk and one linear head per attribute.

    The trunk's `feature_dim` penultimate features (`embed`) stand in for Inception's in the
    Fréchet distance between avatar sets; the heads' predictions tell which hair, colours,
    accessories ... a generated avatar shows. `attribute_classes[i]` is the number of classes of
    attribute i (for the rendered avatars, `len(v) for v in ATTRIBUTES.values()`).
    """

    def __init__(
        self, *, attribute_classes: list[int], image_channels: int = 3, base_channels: int = 32, feature_dim: int = 256
    ) -> None:
        super().__init__()
        if not attribute_classes or min(attribute_classes) < 2:
            raise ValueError(f"attribute_classes needs one or more attributes of 2+ classes, got {attribute_classes}")

        def block(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        c = base_channels
        self.features = nn.Sequential(
            *block(image_channels, c), *block(c, c, stride=2),  # (B, C, 64, 64) -> (B, c, 32, 32)
            *block(c, 2 * c), *block(2 * c, 2 * c, stride=2),  # -> (B, 2c, 16, 16)
            *block(2 * c, 4 * c), *block(4 * c, 4 * c, stride=2),  # -> (B, 4c, 8, 8)
            *block(4 * c, 8 * c), nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # -> (B, 8c)
            nn.Linear(8 * c, feature_dim), nn.ReLU(),  # -> (B, feature_dim)
        )  # fmt: skip
        self.dropout = nn.Dropout(0.2)
        self.heads = nn.ModuleList(nn.Linear(feature_dim, n) for n in self.attribute_classes)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, feature_dim)."""
        return self.features(images)

    def classify(self, features: torch.Tensor) -> torch.Tensor:
        """(B, feature_dim) -> (B, sum(attribute_classes)) logits, the attributes' side by side."""
        return torch.cat([head(features) for head in self.heads], dim=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, sum(attribute_classes)) logits."""
        return self.classify(self.dropout(self.embed(images)))

    def split_logits(self, logits: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(B, sum(attribute_classes)) -> one (B, attribute_classes[i]) tensor per attribute."""
        return logits.split(self.attribute_classes, dim=1)

    def attribute_predictions(self, logits: torch.Tensor) -> torch.Tensor:
        """(B, sum(attribute_classes)) logits -> (B, len(attribute_classes)) the likeliest class of each attribute."""
        return torch.stack([part.argmax(1) for part in self.split_logits(logits)], dim=1)
