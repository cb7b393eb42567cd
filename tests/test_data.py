"""Datasets: the IDX reader, the in-memory Fashion-MNIST, and image folders with awkward files."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_demo.data import FASHION_MNIST_CLASSES, load_dataset, read_idx, to_model_range
from gan_demo.imaging import normalize_image


def test_read_idx_plain_and_gzipped(tmp_path: Path) -> None:
    data = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in data.shape) + data.tobytes()
    (tmp_path / "x-idx3-ubyte").write_bytes(raw)
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(tmp_path / "x-idx3-ubyte"), data)
    np.testing.assert_array_equal(read_idx(tmp_path / "x-idx3-ubyte.gz"), data)


def test_fashion_mnist_from_the_debian_package() -> None:
    train = load_dataset("fashion-mnist", split="train")
    test = load_dataset("fashion-mnist", split="test")
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert len(test) == 10000 and train.class_names == FASHION_MNIST_CLASSES
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    scaled = to_model_range(train.images[:10])
    assert scaled.min() >= -1 and scaled.max() <= 1


def test_unknown_dataset_and_missing_folder_are_explained() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="--data-root"):
        load_dataset("folder")


def _save_awkward_images(folder: Path) -> None:
    folder.mkdir(parents=True)
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))  # fully transparent red: should become white
    rgba.save(folder / "rgba.png")
    Image.new("P", (30, 30), 3).save(folder / "palette.gif")
    Image.new("CMYK", (30, 30), (0, 255, 255, 0)).save(folder / "cmyk.jpg")
    grey16 = Image.fromarray(np.full((30, 30), 65535, dtype=np.uint16))
    grey16.save(folder / "grey16.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")


def test_image_folder_accepts_awkward_files_and_skips_broken_ones(tmp_path: Path) -> None:
    _save_awkward_images(tmp_path / "imgs")
    with pytest.warns(UserWarning, match="broken.png"):
        data = load_dataset("folder", data_root=tmp_path / "imgs", image_size=16, channels=3)
    assert data.images.shape == (4, 3, 16, 16) and data.labels is None
    by_name = dict(zip(["cmyk", "grey16", "palette", "rgba"], data.images, strict=True))
    assert by_name["rgba"].min() == 255  # transparency composited on white
    assert by_name["grey16"].min() == 255  # 16-bit white stays white, not clipped noise


def test_exif_orientation_is_applied() -> None:
    img = Image.new("L", (40, 20), 0)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = BytesIO()
    img.save(buffer, format="JPEG", exif=exif)
    with Image.open(buffer) as reopened:
        assert normalize_image(reopened, "L").size == (20, 40)


def test_image_folder_with_only_broken_files_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"nope")
    with pytest.warns(UserWarning), pytest.raises(FileNotFoundError, match="no readable images"):
        load_dataset("folder", data_root=tmp_path, image_size=16)
