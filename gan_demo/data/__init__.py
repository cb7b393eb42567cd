"""Training data held in memory as uint8 tensors.

Small GAN datasets fit in memory many times over; keeping them as one uint8
tensor and slicing random batches from it removes the per-sample PIL decoding
and worker processes that dominate a DataLoader on a 2-core machine.
"""

from __future__ import annotations

import gzip
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

from ..imaging import normalize_image

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
MNIST_CLASSES = [str(i) for i in range(10)]
# Where Debian's `dataset-fashion-mnist` package puts the IDX files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


@dataclass
class ImageDataset:
    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor | None  # (N,) int64, or None for unlabelled data
    class_names: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]

    @property
    def channels(self) -> int:
        return self.images.shape[1]


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _find_idx(root: Path, stem: str) -> Path | None:
    for candidate in (root / f"{stem}.gz", root / stem, root / "raw" / f"{stem}.gz", root / "raw" / stem):
        if candidate.exists():
            return candidate
    return None


def mnist_roots(name: str) -> list[Path]:
    """Where Fashion-MNIST or MNIST IDX files are looked for, besides a --data-root."""
    if name == "fashion-mnist":
        return [DEBIAN_FASHION_MNIST, Path("data/FashionMNIST/raw")]
    return [Path("data/MNIST/raw")]


def is_installed(name: str) -> bool:
    """Whether Fashion-MNIST or MNIST's training images are on this machine (no download needed)."""
    return any(_find_idx(r, "train-images-idx3-ubyte") for r in mnist_roots(name))


def load_mnist_like(name: str, root: Path | None, split: str) -> ImageDataset:
    """Fashion-MNIST or MNIST from IDX files, else torchvision's download."""
    prefix = "train" if split == "train" else "t10k"
    for r in ([root] if root else []) + mnist_roots(name):
        images_path = _find_idx(r, f"{prefix}-images-idx3-ubyte")
        labels_path = _find_idx(r, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            images = torch.from_numpy(read_idx(images_path).copy())[:, None]
            labels = torch.from_numpy(read_idx(labels_path).astype(np.int64))
            classes = FASHION_MNIST_CLASSES if name == "fashion-mnist" else MNIST_CLASSES
            return ImageDataset(images, labels, classes, name)
    return _torchvision_download(name, split)


def _torchvision_download(name: str, split: str) -> ImageDataset:
    import torchvision

    cls = {
        "fashion-mnist": torchvision.datasets.FashionMNIST,
        "mnist": torchvision.datasets.MNIST,
        "cifar10": torchvision.datasets.CIFAR10,
    }[name]
    try:
        ds = cls("data", train=split == "train", download=True)
    except Exception as err:  # no internet and no local copy
        hint = "apt-get install dataset-fashion-mnist, or " if name == "fashion-mnist" else ""
        raise FileNotFoundError(
            f"{name} not found locally and could not be downloaded: {hint}pass --data-root"
        ) from err
    data = torch.as_tensor(np.asarray(ds.data))
    images = data[:, None] if data.ndim == 3 else data.permute(0, 3, 1, 2)
    return ImageDataset(images.contiguous(), torch.as_tensor(ds.targets, dtype=torch.int64), list(ds.classes), name)


def load_image_folder(root: Path, image_size: int, channels: int = 3) -> ImageDataset:
    """Any folder of images; sub-folders become classes (torchvision's ImageFolder layout).

    Each image is centre-cropped to a square and resized to `image_size`.
    """
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    mode = "L" if channels == 1 else "RGB"
    images, kept = [], []
    for path in files:
        try:
            with Image.open(path) as img:
                img = normalize_image(img, mode)
        except (OSError, UnidentifiedImageError, ValueError) as err:  # truncated or not an image after all
            warnings.warn(f"skipping {path}: {err}", stacklevel=2)
            continue
        img = ImageOps.fit(img, (image_size, image_size), Image.BICUBIC)  # centre crop to a square, resize
        images.append(np.asarray(img).reshape(image_size, image_size, channels))
        kept.append(path)
    if not kept:
        raise FileNotFoundError(f"no readable images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {root}")
    class_dirs = sorted({p.parent.relative_to(root).as_posix() for p in kept})
    labelled = len(class_dirs) > 1
    labels = None
    if labelled:
        index = {c: i for i, c in enumerate(class_dirs)}
        labels = torch.tensor([index[p.parent.relative_to(root).as_posix()] for p in kept])
    tensor = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return ImageDataset(tensor, labels, class_dirs if labelled else [], root.name)


def load_dataset(
    name: str, *, data_root: str | Path | None = None, split: str = "train", image_size: int = 32, channels: int = 3
) -> ImageDataset:
    """`name` is fashion-mnist, mnist, cifar10, avatars or folder (then `data_root` is the folder)."""
    root = Path(data_root) if data_root else None
    if name in ("fashion-mnist", "mnist"):
        return load_mnist_like(name, root, split)
    if name == "cifar10":
        return _torchvision_download(name, split)
    if name == "folder":
        if root is None:
            raise ValueError("--dataset folder needs --data-root pointing at a folder of images")
        return load_image_folder(root, image_size, channels)
    if name == "avatars":
        return load_avatar_images(root or Path("data/avatars-64"), image_size)
    raise ValueError(f"unknown dataset {name!r}: use fashion-mnist, mnist, cifar10, avatars or folder")


def load_avatar_images(root: Path, image_size: int) -> ImageDataset:
    """The avatars prepared by scripts/prepare_avatars.py (no labels), resized to `image_size` if needed."""
    from .avatars import load_avatars

    images = load_avatars(root).images
    if images.shape[-1] != image_size:  # area-averaged in chunks, to bound memory
        images = torch.cat([
            F.interpolate(chunk.float(), size=(image_size, image_size), mode="bilinear", antialias=True)
            .round().clamp(0, 255).to(torch.uint8)
            for chunk in images.split(1024)
        ])  # fmt: skip
    return ImageDataset(images.contiguous(), None, [], "avatars")


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)
