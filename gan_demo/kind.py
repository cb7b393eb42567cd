"""What a checkpoint's model does, decided once from its config.json: every tab and script asks `kind_of`.

To add a kind: one `Kind` member and one rule in `RULES` (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .models import ARCHITECTURES


class Kind(StrEnum):
    SAMPLER = "sampler"  # noise -> image
    CONDITIONAL = "conditional"  # (noise, class) -> image
    STYLEGAN = "stylegan"  # noise -> w -> image, with per-layer styles (a W space to mix and walk)
    SUPER_RESOLUTION = "super-resolution"  # low -> high resolution
    TRANSLATION = "translation"  # one image -> another (paired, pix2pix)
    UNPAIRED_TRANSLATION = "unpaired-translation"  # domain A <-> domain B, learnt without pairs (CycleGAN)


# Kinds that turn noise into an image (the config's task "sample").
NOISE_TO_IMAGE = (Kind.SAMPLER, Kind.CONDITIONAL, Kind.STYLEGAN)


def _style_based(config: dict[str, Any]) -> bool:
    """A mapping network and per-layer styles, read from the class: no model has to be loaded."""
    architecture = ARCHITECTURES.get(config.get("architecture", ""))
    return architecture is not None and all(callable(getattr(architecture, a, None)) for a in ("map", "synthesis"))


# The first rule that holds names the kind; the last one always holds.
RULES: tuple[tuple[Kind, Callable[[dict[str, Any]], bool]], ...] = (
    (Kind.SUPER_RESOLUTION, lambda config: config.get("task") == "super-resolution"),
    (Kind.TRANSLATION, lambda config: config.get("task") == "translation"),
    (Kind.UNPAIRED_TRANSLATION, lambda config: config.get("task") == "unpaired-translation"),
    # an imported class-conditional StyleGAN (NVIDIA's c_dim) maps z only with a class: the class tab's
    (Kind.STYLEGAN, lambda config: _style_based(config) and not config.get("kwargs", {}).get("num_classes", 0)),
    (Kind.CONDITIONAL, lambda config: config.get("kwargs", {}).get("num_classes", 0) > 0),
    (Kind.SAMPLER, lambda config: True),
)


def kind_of(config: dict[str, Any]) -> Kind:
    """The kind of the model a checkpoint's config.json describes."""
    return next(kind for kind, rule in RULES if rule(config))
