"""Architectures by name, so a checkpoint's config.json can rebuild its module."""

from __future__ import annotations

from torch import nn

from .classifier import AttributeClassifier, FeatureClassifier
from .conditional import ProjectionDiscriminator
from .cyclegan import CycleGANGenerators, ResnetGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .pix2pix import PatchDiscriminator, UNetGenerator
from .srgan import SRDiscriminator, SRResNet
from .stylegan import StyleGANDiscriminator, StyleGANGenerator

ARCHITECTURES: dict[str, type[nn.Module]] = {
    cls.__name__: cls
    for cls in (
        DCGANGenerator,
        DCGANDiscriminator,
        ProjectionDiscriminator,
        FeatureClassifier,
        AttributeClassifier,
        UNetGenerator,
        PatchDiscriminator,
        ResnetGenerator,
        CycleGANGenerators,
        SRResNet,
        SRDiscriminator,
        StyleGANGenerator,
        StyleGANDiscriminator,
    )
}

__all__ = [
    "ARCHITECTURES",
    "AttributeClassifier",
    "CycleGANGenerators",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FeatureClassifier",
    "PatchDiscriminator",
    "ProjectionDiscriminator",
    "ResnetGenerator",
    "SRDiscriminator",
    "SRResNet",
    "StyleGANDiscriminator",
    "StyleGANGenerator",
    "UNetGenerator",
]
