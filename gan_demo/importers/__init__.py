"""Official pretrained checkpoints of other projects -> app checkpoint directories.

`convert(source, out_dir)` reads a file with the restricted loader (`safe_pickle.load`: nothing in the
file runs), finds its format in FORMATS (by sniffing the loaded object, or by name), rebuilds the
generator in gan_demo's own modules and writes config.json + model.safetensors through
`gan_demo.checkpoint.save_model`, with a model card naming the source file, its sha256 and its licence.

A format is an ImportFormat: `sniff(obj)` says whether a loaded file is of this format, `convert(obj, arch)`
returns the module and the config metadata (title, task, description...). Add a format by adding a row to
FORMATS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from ..checkpoint import save_model
from . import cyclegan_zoo, esrgan, safe_pickle, stylegan
from .safe_pickle import CheckpointReadError, UnsafeCheckpointError


@dataclass(frozen=True)
class ImportFormat:
    name: str  # what --format takes
    description: str  # the files it reads, for errors and --help
    sniff: Callable[[Any], bool]  # the object safe_pickle.load returned -> is it this format?
    convert: Callable[[Any, str | None], tuple[nn.Module, dict[str, Any]]]  # (obj, arch) -> model, config metadata
    licence: str  # the licence of the official weights, for the card


FORMATS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat(
            "stylegan2-ada",
            "NVIDIA StyleGAN2-ADA / StyleGAN3-repo StyleGAN2 pickles (network-snapshot-*.pkl, stylegan2-*.pkl)",
            stylegan.is_nvidia_pickle,
            stylegan.convert_nvidia,
            stylegan.NVIDIA_LICENCE,
        ),
        ImportFormat(
            "rosinality",
            "rosinality/stylegan2-pytorch checkpoints (.pt with g_ema, e.g. 550000.pt)",
            stylegan.is_rosinality_checkpoint,
            stylegan.convert_rosinality,
            stylegan.ROSINALITY_LICENCE,
        ),
        ImportFormat(
            "realesrgan",
            "Real-ESRGAN .pth (params_ema/params: RealESRGAN_x4plus.pth, realesr-general-x4v3.pth, ...)",
            esrgan.is_realesrgan_checkpoint,
            esrgan.convert,
            esrgan.LICENCE,
        ),
        ImportFormat(
            "esrgan",
            "ESRGAN .pth (xinntao/ESRGAN: RRDB_ESRGAN_x4.pth, RRDB_PSNR_x4.pth)",
            esrgan.is_esrgan_checkpoint,
            esrgan.convert_esrgan,
            esrgan.ESRGAN_LICENCE,
        ),
        ImportFormat(
            "cyclegan-zoo",
            "pytorch-CycleGAN-and-pix2pix generators (latest_net_G.pth: resnet_6/9blocks, unet_128/256)",
            cyclegan_zoo.is_zoo_generator,
            cyclegan_zoo.convert,
            cyclegan_zoo.LICENCE,
        ),
    )
}


def sniff(obj: Any, source: str = "the file") -> ImportFormat:
    """The one format whose sniffer accepts `obj`."""
    matches = [f for f in FORMATS.values() if f.sniff(obj)]
    if len(matches) != 1:
        known = "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())
        found = f"matches several formats ({', '.join(f.name for f in matches)})" if matches else "is no known format"
        raise CheckpointReadError(f"{source} {found}; pass --format. Known formats: {known}")
    return matches[0]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert(source: str | Path, out_dir: str | Path, format: str | None = None, arch: str | None = None) -> Path:
    """Convert the official checkpoint file `source` into the app checkpoint directory `out_dir`."""
    source = Path(source)
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; known: {', '.join(FORMATS)}")
    obj = safe_pickle.load(source)
    fmt = FORMATS[format] if format is not None else sniff(obj, source.name)
    if not fmt.sniff(obj):
        raise CheckpointReadError(f"{source.name} is not a {fmt.name} file ({fmt.description})")
    model, metadata = fmt.convert(obj, arch)
    digest = sha256(source)
    metadata = {
        "title": source.stem,
        **metadata,
        "source": {"file": source.name, "sha256": digest, "format": fmt.name, "licence": fmt.licence},
    }
    out = save_model(model, out_dir, **metadata)
    (out / "README.md").write_text(model_card(metadata), encoding="utf-8")
    return out


def model_card(config: dict[str, Any]) -> str:
    source = config["source"]
    return (
        f"# {config['title']}\n\n{config.get('description', '')}\n\n"
        f"- converted from: `{source['file']}` ({source['format']})\n"
        f"- sha256: `{source['sha256']}`\n"
        f"- licence of the weights: {source['licence']}\n"
        "- converted by gan_demo's restricted loader: no code from the file was run\n"
    )


__all__ = [
    "FORMATS",
    "CheckpointReadError",
    "ImportFormat",
    "UnsafeCheckpointError",
    "convert",
    "model_card",
    "sniff",
]
