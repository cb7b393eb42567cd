"""Architectures: shapes, ranges and the sizes they accept."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from gan_demo.models import DCGANDiscriminator, DCGANGenerator, FeatureClassifier, ProjectionDiscriminator
from gan_demo.models.dcgan import resolution_ladder


@pytest.mark.parametrize(("size", "ladder"), [(28, [7, 14, 28]), (32, [4, 8, 16, 32]), (64, [4, 8, 16, 32, 64])])
def test_resolution_ladder(size: int, ladder: list[int]) -> None:
    assert resolution_ladder(size) == ladder


@pytest.mark.parametrize("size", [7, 9, 3])
def test_resolution_ladder_rejects_sizes_it_cannot_build(size: int) -> None:
    with pytest.raises(ValueError, match="image_size"):
        resolution_ladder(size)


@pytest.mark.parametrize(("size", "channels"), [(28, 1), (32, 3), (64, 3)])
def test_generator_and_discriminator_shapes(size: int, channels: int) -> None:
    g = DCGANGenerator(latent_dim=8, image_size=size, image_channels=channels, base_channels=4).eval()
    images = g(torch.randn(3, 8))
    assert images.shape == (3, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1  # tanh output
    for norm in DCGANDiscriminator.NORMS:
        d = DCGANDiscriminator(image_size=size, image_channels=channels, base_channels=4, norm=norm)
        assert d(images).shape == (3,)


def test_conditional_generator_uses_the_label() -> None:
    torch.manual_seed(0)
    g = DCGANGenerator(latent_dim=8, base_channels=4, num_classes=10).eval()
    with torch.no_grad():  # give every class its own scale so the label must matter
        for m in g.modules():
            if hasattr(m, "gamma"):
                m.gamma.weight.normal_(1.0, 0.5)
    z = torch.randn(1, 8).repeat(2, 1)
    images = g(z, torch.tensor([0, 1]))
    assert images.shape == (2, 1, 28, 28)
    assert not torch.equal(images[0], images[1])
    with pytest.raises(ValueError, match="class labels"):
        g(z)


def test_projection_discriminator_outputs_logits_and_class_logits() -> None:
    d = ProjectionDiscriminator(base_channels=4, num_classes=10)
    logits, class_logits = d.forward_with_classes(torch.randn(5, 1, 28, 28), torch.arange(5))
    assert logits.shape == (5,) and class_logits.shape == (5, 10)
    with pytest.raises(ValueError, match="class labels"):
        d(torch.randn(5, 1, 28, 28))


def test_spectral_norm_keeps_every_discriminator_layer_near_one_lipschitz() -> None:
    torch.manual_seed(0)
    d = ProjectionDiscriminator(base_channels=4, num_classes=10, norm="spectral")
    layers = [m for m in d.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding))]  # 2 convs, 3 heads
    assert len(layers) == 5 and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    with torch.no_grad():
        for m in layers:  # far from 1 before the normalisation
            m.parametrizations.weight.original.mul_(10)
        for _ in range(30):  # power iterations run in training mode, one per forward
            d.forward_with_classes(torch.randn(2, 1, 28, 28), torch.arange(2))
    for m in layers:
        assert float(torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)) == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match="norm must be one of batch, none, spectral"):
        DCGANDiscriminator(norm="layer")


def test_feature_classifier_shapes() -> None:
    clf = FeatureClassifier(feature_dim=16).eval()
    images = torch.randn(4, 1, 28, 28)
    assert clf.embed(images).shape == (4, 16)
    assert clf(images).shape == (4, 10)
