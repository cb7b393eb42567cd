"""Sample-quality metrics: the Fréchet distance between feature distributions, and class fidelity.

The Fréchet distance (Heusel et al. 2017) fits a Gaussian to the features of real
and of generated images and measures how far apart the two are:

    d² = |mu1 - mu2|² + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^½)

With Inception-v3 pool features it is the FID. Offline, where Inception's weights
cannot be downloaded, the features come from our own Fashion-MNIST classifier
(`FeatureClassifier.embed`) or our avatar-attribute classifier (`AttributeClassifier.embed`): the numbers
are then comparable with each other, not with published FIDs.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from . import ops
from .checkpoint import load_model

INCEPTION_SIZE = 299  # Inception-v3's input resolution
INCEPTION_DOWNLOAD_TIMEOUT_S = 10.0


def feature_statistics(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, D) features -> mean (D,) and covariance (D, D), in float64."""
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"features must be (N, D) with N >= 2, got shape {tuple(features.shape)}")
    x = features.double()
    return x.mean(0), torch.cov(x.T)


def _sqrtm_psd(matrix: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix via its eigendecomposition."""
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def frechet_distance(mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    tr((sigma1 sigma2)^½) is computed as the sum of square roots of the eigenvalues
    of the symmetric matrix sigma1^½ sigma2 sigma1^½, which has the same spectrum as
    sigma1 sigma2. Unlike a general matrix square root (scipy's sqrtm), this stays
    real and stable for singular covariances, and needs no dependency beyond torch.
    """
    mu1, mu2, sigma1, sigma2 = (t.double() for t in (mu1, mu2, sigma1, sigma2))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1), len(mu1)):
        raise ValueError(
            f"mismatched statistics: mu {tuple(mu1.shape)} vs {tuple(mu2.shape)}, "
            f"sigma {tuple(sigma1.shape)} vs {tuple(sigma2.shape)}"
        )
    root1 = _sqrtm_psd(sigma1)
    middle = root1 @ sigma2 @ root1
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    distance = (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt
    return max(float(distance), 0.0)  # rounding can leave identical distributions a hair below zero


@torch.inference_mode()
def extract_features(classifier: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """(N, C, H, W) images in [-1, 1] -> (N, D) features from `classifier.embed`, on the CPU."""
    device = next(classifier.parameters()).device
    return torch.cat(
        [classifier.embed(images[i : i + batch].to(device)).float().cpu() for i in range(0, len(images), batch)]
    )


@torch.inference_mode()
def predict_classes(classifier: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """(N, C, H, W) images in [-1, 1] -> (N,) predicted class indices."""
    device = next(classifier.parameters()).device
    return torch.cat(
        [classifier(images[i : i + batch].to(device)).argmax(1).cpu() for i in range(0, len(images), batch)]
    )


def class_fidelity(classifier: nn.Module, images: torch.Tensor, requested_labels: torch.Tensor) -> float:
    """The share of images the classifier assigns to the class they were generated (or labelled) as."""
    if len(images) != len(requested_labels) or len(images) == 0:
        raise ValueError(
            f"need as many labels as images (and at least one), got {len(requested_labels)} and {len(images)}"
        )
    return float((predict_classes(classifier, images) == requested_labels.cpu()).double().mean())


def per_class_fidelity(
    classifier: nn.Module, images: torch.Tensor, requested_labels: torch.Tensor, num_classes: int
) -> list[float]:
    """Class fidelity of each class's images; NaN for a class with no images."""
    fidelities = []
    for c in range(num_classes):
        mask = requested_labels == c
        fidelities.append(
            class_fidelity(classifier, images[mask], requested_labels[mask]) if mask.any() else float("nan")
        )
    return fidelities


def generate_samples(
    model: nn.Module, n: int, seed_offset: int = 0, batch: int = 500, truncation: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n images from seeds seed_offset .. seed_offset + n - 1, and for a conditional model their classes.

    Image i always comes from seed seed_offset + i. A conditional model is asked
    for class i mod num_classes, so the classes are balanced (to within one image).
    Returns ((n, C, H, W) images in [-1, 1], (n,) requested labels or None).
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    seeds = torch.arange(seed_offset, seed_offset + n)
    num_classes = getattr(model, "num_classes", 0)
    if not num_classes:
        images = torch.cat([ops.sample(model, seeds[i : i + batch].tolist(), truncation) for i in range(0, n, batch)])
        return images, None
    labels = torch.arange(n) % num_classes
    images = torch.empty(n, model.image_channels, model.image_size, model.image_size)
    for c in range(num_classes):
        index = (labels == c).nonzero().squeeze(1)
        for i in range(0, len(index), batch):
            chunk = index[i : i + batch]
            images[chunk] = ops.sample_class(model, c, seeds[chunk].tolist(), truncation)
    return images, labels


class AvatarClassifier(NamedTuple):
    model: nn.Module
    name: str  # the checkpoint's folder name, for the cards
    image_size: int  # what it was trained at: images are resized to this before it sees them
    config: dict[str, Any]


def load_attribute_classifier(path: str | Path) -> AvatarClassifier:
    """The avatar-attribute classifier checkpoint (scripts/train_classifier.py --dataset avatars)."""
    model, config = load_model(path)
    if config.get("role") != "classifier" or config.get("architecture") != "AttributeClassifier":
        raise ValueError(f"{path} is not an avatar-attribute classifier ({config.get('architecture')!r})")
    return AvatarClassifier(model, Path(path).name, config["image_size"], config)


def resize_images(images: torch.Tensor, size: int, batch: int = 1000) -> torch.Tensor:
    """(N, C, H, W) images in [-1, 1] -> (N, C, size, size), antialiased (a no-op at that size already)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return torch.cat([
        F.interpolate(chunk.clamp(-1, 1), size=(size, size), mode="bilinear", antialias=True)
        for chunk in images.split(batch)
    ])  # fmt: skip


def classifier_statistics(classifier: AvatarClassifier, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and covariance of the classifier's features of (N, C, H, W) images in [-1, 1] (resized to its size)."""
    return feature_statistics(extract_features(classifier.model, resize_images(images, classifier.image_size)))


class InceptionUnavailable(RuntimeError):
    """Inception-v3's ImageNet weights are neither cached nor downloadable."""


class InceptionFeatures(nn.Module):
    """Inception-v3's 2048-d pool3 features, behind the same `embed` as FeatureClassifier.

    Images in [-1, 1] are resized to 299x299 (bilinear) and grey ones replicated to
    three channels: the usual FID preprocessing. With transform_input off, torchvision's
    Inception-v3 takes inputs in [-1, 1] directly.
    """

    def __init__(self, inception: nn.Module) -> None:
        super().__init__()
        inception.fc = nn.Identity()  # keep the pooled features, drop the ImageNet logits
        inception.transform_input = False
        self.inception = inception.eval().requires_grad_(False)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        images = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
        resized = F.interpolate(images, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False)
        return self.inception(resized)  # (B, 3, 299, 299) -> (B, 2048)


def load_inception(
    device: torch.device | str = "cpu", timeout_s: float = INCEPTION_DOWNLOAD_TIMEOUT_S
) -> InceptionFeatures:
    """torchvision's ImageNet Inception-v3, from the torch hub cache or a download that gives up quickly.

    Raises InceptionUnavailable (offline, with no cached weights) instead of hanging.
    """
    from torchvision.models import Inception_V3_Weights, inception_v3

    weights = Inception_V3_Weights.IMAGENET1K_V1
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    previous = socket.getdefaulttimeout()
    # torch.hub downloads with urllib and no timeout of its own: bound it so an offline machine fails fast.
    socket.setdefaulttimeout(timeout_s)
    try:
        model = inception_v3(weights=weights)
    except Exception as err:  # URLError, timeouts, DNS failures, a truncated file
        where = f"not cached at {cached} and " if not cached.exists() else ""
        raise InceptionUnavailable(f"Inception-v3 weights {where}could not be loaded: {err}") from err
    finally:
        socket.setdefaulttimeout(previous)
    return InceptionFeatures(model).to(device)
