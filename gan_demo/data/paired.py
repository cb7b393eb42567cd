"""Training pairs for the image-to-image models: (drawing, picture) for pix2pix, photos for super-resolution."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from ..imaging import normalize_image
from . import IMAGE_SUFFIXES

DEFAULT_AVATARS = Path("data/avatars-128")
DEFAULT_PHOTOS = Path("data/photos")


@dataclass
class PairedDataset:
    conditions: torch.Tensor  # (N, C_in, S, S) uint8: what the generator is given
    targets: torch.Tensor  # (N, C_out, S, S) uint8: what it should produce
    name: str
    condition_kind: str  # "sketch" (black lines on white) or "image"

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def condition_channels(self) -> int:
        return self.conditions.shape[1]

    @property
    def target_channels(self) -> int:
        return self.targets.shape[1]


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    if images.shape[-1] == size:
        return images
    resized = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return resized.round().clamp(0, 255).to(torch.uint8)


def load_paired_folder(root: Path, image_size: int) -> PairedDataset:
    """The pix2pix datasets' layout: each file holds input A and target B side by side (A|B)."""
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    a_images, b_images = [], []
    for path in files:
        try:
            with Image.open(path) as img:
                img = normalize_image(img, "RGB")
        except (OSError, UnidentifiedImageError, ValueError) as err:
            warnings.warn(f"skipping {path}: {err}", stacklevel=2)
            continue
        half = img.width // 2
        a, b = img.crop((0, 0, half, img.height)), img.crop((half, 0, 2 * half, img.height))
        a_images.append(np.asarray(a.resize((image_size, image_size), Image.BICUBIC)))
        b_images.append(np.asarray(b.resize((image_size, image_size), Image.BICUBIC)))
    if not a_images:
        raise FileNotFoundError(f"no readable A|B image pairs under {root}")
    to_tensor = lambda images: torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()  # noqa: E731
    return PairedDataset(to_tensor(a_images), to_tensor(b_images), root.name, "image")


def load_paired_dataset(name: str, *, data_root: str | Path | None, image_size: int) -> PairedDataset:
    """`avatars` (made by scripts/prepare_avatars.py) or `folder` (A|B images under `data_root`)."""
    if name == "avatars":
        from .avatars import load_avatars  # here, not at the top: rendering needs the training extra

        root = Path(data_root or DEFAULT_AVATARS)
        if not (root / "dataset.json").exists():
            raise FileNotFoundError(f"no avatar dataset in {root}: run scripts/prepare_avatars.py --out {root}")
        avatars = load_avatars(root)
        sketches, images = _resize(avatars.sketches, image_size), _resize(avatars.images, image_size)
        return PairedDataset(sketches, images, f"avatars ({root.name})", "sketch")
    if name == "folder":
        if data_root is None:
            raise ValueError("--dataset folder needs --data-root: a folder of A|B side-by-side images")
        return load_paired_folder(Path(data_root), image_size)
    raise ValueError(f"unknown paired dataset {name!r}: use avatars or folder")


def load_sr_images(name: str, data_root: str | Path | None) -> tuple[list[torch.Tensor], list[torch.Tensor], str]:
    """(training photos, held-out photos, name); `photos` is made by scripts/prepare_photos.py."""
    from .photos import load_photos, load_sr_folder

    if name == "photos":
        root = Path(data_root or DEFAULT_PHOTOS)
        if not (root / "manifest.json").exists():
            raise FileNotFoundError(f"no photo dataset in {root}: run scripts/prepare_photos.py --out {root}")
        return load_photos(root, "train"), load_photos(root, "eval"), f"photos ({root.name})"
    if name == "folder":
        if data_root is None:
            raise ValueError("--dataset folder needs --data-root: a folder of photographs")
        return load_sr_folder(Path(data_root)), [], Path(data_root).name
    raise ValueError(f"unknown super-resolution dataset {name!r}: use photos or folder")
