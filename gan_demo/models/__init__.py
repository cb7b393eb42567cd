"""Architectures by name, so a checkpoint's config.json can rebuild its module."""

from __future__ import annotations

from torch import nn

from .classifier import AttributeClassifier, FeatureClassifier
from .conditional import ProjectionDiscriminator
from .cyclegan import CycleGANGenerators, ResnetGenerator
from .cyclegan_zoo import ZooResnetGenerator, ZooUnetGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .esrgan import RRDBNet, SRVGGNetCompact
from .pix2pix import PatchDiscriminator, UNetGenerator
from .srgan import SRDiscriminator, SRResNet
from .stylegan import StyleGANDiscriminator, StyleGANGenerator
from .stylegan2_official import OfficialStyleGAN2Generator

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
        ZooResnetGenerator,
        ZooUnetGenerator,
        SRResNet,
        SRDiscriminator,
        RRDBNet,
        SRVGGNetCompact,
        StyleGANGenerator,
        StyleGANDiscriminator,
        OfficialStyleGAN2Generator,
    )
}

__all__ = [
    "ARCHITECTURES",
    "AttributeClassifier",
    "CycleGANGenerators",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FeatureClassifier",
    "OfficialStyleGAN2Generator",
    "PatchDiscriminator",
    "ProjectionDiscriminator",
    "RRDBNet",
    "ResnetGenerator",
    "SRDiscriminator",
    "SRResNet",
    "SRVGGNetCompact",
    "StyleGANDiscriminator",
    "StyleGANGenerator",
    "UNetGenerator",
    "ZooResnetGenerator",
    "ZooUnetGenerator",
]
