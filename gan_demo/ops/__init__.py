"""Inference as pure functions: tensors in, images in [-1, 1] out (super-resolution: uint8 arrays in and out).

sampling.py: noise -> image, classes, StyleGAN's W space; superres.py: tiled x4 enlargement, network interpolation,
the known-answer test; translate.py: pix2pix; cyclegan.py: CycleGAN (both directions, the cycle back). Every
random draw comes from a `torch.Generator` seeded per image.
"""

from .cyclegan import cycle_translate, fit_crop
from .sampling import (
    MAX_SEED,
    STYLE_GROUPS,
    class_grid,
    generate,
    interpolate,
    interpolate_latents,
    is_style_based,
    latents_from_seeds,
    layer_resolution,
    map_latents,
    map_seeds,
    sample,
    sample_class,
    slerp,
    style_group_layers,
    style_mix,
    synthesize,
    truncation_sweep,
)
from .superres import (
    BICUBIC_RADIUS,
    DEFAULT_TILE,
    BlendCache,
    bicubic_image,
    bicubic_upscale,
    blend_models,
    known_answer,
    super_resolve,
    super_resolve_image,
    tile_count,
)
from .translate import fit_square, translate, translate_picture

__all__ = [
    "BICUBIC_RADIUS",
    "DEFAULT_TILE",
    "MAX_SEED",
    "STYLE_GROUPS",
    "BlendCache",
    "bicubic_image",
    "bicubic_upscale",
    "blend_models",
    "class_grid",
    "cycle_translate",
    "fit_crop",
    "fit_square",
    "generate",
    "interpolate",
    "interpolate_latents",
    "is_style_based",
    "known_answer",
    "latents_from_seeds",
    "layer_resolution",
    "map_latents",
    "map_seeds",
    "sample",
    "sample_class",
    "slerp",
    "style_group_layers",
    "style_mix",
    "super_resolve",
    "super_resolve_image",
    "synthesize",
    "tile_count",
    "translate",
    "translate_picture",
    "truncation_sweep",
]
