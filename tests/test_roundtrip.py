"""diffusers' habit: every architecture, built tiny, survives save -> strict load with the same output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from gan_demo.checkpoint import constructor_kwargs, load_model, save_model
from gan_demo.models import ARCHITECTURES


def _images(channels: int, side: int) -> torch.Tensor:
    return torch.rand(2, channels, side, side, generator=torch.Generator().manual_seed(1)) * 2 - 1


def _z(dim: int) -> torch.Tensor:
    return torch.randn(2, dim, generator=torch.Generator().manual_seed(2))


LABELS = torch.tensor([0, 2])
# Per architecture: tiny constructor kwargs, and a call of the model on fixed inputs. A new entry in
# ARCHITECTURES needs one here (test_every_architecture_has_a_tiny_config).
TINY: dict[str, tuple[dict[str, Any], Callable[[nn.Module], torch.Tensor]]] = {
    "DCGANGenerator": (dict(latent_dim=8, base_channels=4), lambda m: m(_z(8))),
    "DCGANDiscriminator": (dict(base_channels=4), lambda m: m(_images(1, 28))),
    "ProjectionDiscriminator": (dict(base_channels=4, num_classes=3), lambda m: m(_images(1, 28), LABELS)),
    "FeatureClassifier": (dict(feature_dim=8), lambda m: m(_images(1, 28))),
    "AttributeClassifier": (
        dict(attribute_classes=[2, 3], base_channels=4, feature_dim=8),
        lambda m: m(_images(3, 32)),
    ),
    "UNetGenerator": (dict(image_size=16, base_channels=4, max_channels=8), lambda m: m(_images(1, 16))),
    "PatchDiscriminator": (dict(base_channels=4, num_layers=2), lambda m: m(_images(1, 32), _images(3, 32))),
    "ResnetGenerator": (dict(base_channels=4, num_blocks=1), lambda m: m(_images(3, 16))),
    "CycleGANGenerators": (dict(base_channels=4, num_blocks=1), lambda m: m(_images(3, 16), "BtoA")),
    "SRResNet": (dict(channels=4, num_blocks=1), lambda m: m(_images(3, 8))),
    "SRDiscriminator": (dict(base_channels=4, num_blocks=2), lambda m: m(_images(3, 16))),
    "StyleGANGenerator": (
        dict(image_size=16, latent_dim=8, mapping_layers=2, base_channels=4, max_channels=8),
        lambda m: m(_z(8)),
    ),
    "StyleGANDiscriminator": (dict(image_size=16, base_channels=4, max_channels=8), lambda m: m(_images(3, 16))),
    "OfficialStyleGAN2Generator": (
        dict(image_size=16, latent_dim=8, w_dim=8, mapping_layers=2, channels=[4, 4, 4]),
        lambda m: m(_z(8)),
    ),
    "ZooResnetGenerator": (dict(base_channels=2, num_blocks=1, image_size=16), lambda m: m(_images(3, 16))),
    "ZooUnetGenerator": (dict(base_channels=2, num_downs=5, image_size=32), lambda m: m(_images(3, 32))),
    "RRDBNet": (dict(scale=2, channels=4, num_blocks=1, growth_channels=2), lambda m: m(_images(3, 8))),
    "SRVGGNetCompact": (dict(channels=4, num_convs=1), lambda m: m(_images(3, 8))),
}


def test_every_architecture_has_a_tiny_config() -> None:
    assert set(TINY) == set(ARCHITECTURES)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_save_then_strict_load_gives_the_same_output(name: str, tmp_path: Path) -> None:
    kwargs, call = TINY[name]
    torch.manual_seed(0)  # the initial weights of a test model, not app code
    model = ARCHITECTURES[name](**kwargs).eval()
    with torch.no_grad():  # no zero-initialised layer left: every weight must travel for the outputs to agree
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.add_(torch.randn(tensor.shape, generator=torch.Generator().manual_seed(tensor.numel())) * 0.1)
        expected = call(model)
    loaded, config = load_model(save_model(model, tmp_path / name), device="cpu")  # load_model loads strictly
    assert type(loaded) is type(model) and config["architecture"] == name
    assert constructor_kwargs(loaded) == constructor_kwargs(model)
    assert kwargs.items() <= config["kwargs"].items()  # the record holds what was passed, defaults beside it
    with torch.no_grad():
        assert torch.equal(call(loaded), expected)
