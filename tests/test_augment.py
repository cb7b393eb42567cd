"""DiffAugment: shapes, what each augmentation does, gradients through it, and the stylegan option."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import TINY_STYLEGAN, _photos, run_train

from gan_demo.checkpoint import load_model
from gan_demo.training.augment import color, cutout, diff_augment, parse_policy, translation


@pytest.fixture
def images() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(8, 3, 16, 16) * 2 - 1


def test_every_policy_keeps_the_shape_and_passes_gradients(images: torch.Tensor) -> None:
    x = images.clone().requires_grad_(True)
    out = diff_augment(x, parse_policy("color,translation,cutout"))
    assert out.shape == x.shape
    out.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # G learns through D's augmentation


def test_translation_shifts_by_whole_pixels_within_an_eighth(images: torch.Tensor) -> None:
    torch.manual_seed(1)
    out = translation(images)
    for original, shifted in zip(images, out, strict=True):
        matches = [
            (dx, dy)
            for dx in range(-2, 3)
            for dy in range(-2, 3)
            if torch.equal(
                shifted[:, max(dy, 0) : 16 + min(dy, 0), max(dx, 0) : 16 + min(dx, 0)],
                original[:, max(-dy, 0) : 16 + min(-dy, 0), max(-dx, 0) : 16 + min(-dx, 0)],
            )
        ]
        assert matches, "each image is its original moved by at most 2 of 16 pixels"


def test_cutout_zeroes_a_quarter_of_the_area_at_most(images: torch.Tensor) -> None:
    out = cutout(images)
    erased = (out == 0) & (images != 0)
    assert erased.any()
    assert (erased[:, 0].flatten(1).sum(1) <= 8 * 8).all()
    kept = ~erased
    assert torch.equal(out[kept], images[kept])


def test_color_keeps_each_image_an_affine_function_of_itself(images: torch.Tensor) -> None:
    out = color(images)
    assert not torch.equal(out, images)
    flat = torch.full_like(images, 0.3)  # a flat image stays flat: colour shifts cannot draw structure
    assert torch.allclose(color(flat).std((2, 3)), torch.zeros(8, 3), atol=1e-6)


def test_unknown_augmentations_are_refused() -> None:
    assert parse_policy("") == [] and parse_policy(" color , cutout ") == ["color", "cutout"]
    with pytest.raises(ValueError, match="unknown augmentation flip"):
        parse_policy("color,flip")


def test_stylegan_trains_with_diffaugment(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos", count=8)
    args = [*TINY_STYLEGAN, "--data-root", str(photos), "--r1-every", "2", "--augment", "color,translation,cutout"]
    export = run_train(tmp_path, "stylegan", *args, steps=2)
    model, config = load_model(export)
    assert config["training"]["config"]["augment"] == "color,translation,cutout"
    assert "DiffAugment (color, translation, cutout)" in config["description"]
