"""Inference: determinism per seed, truncation, interpolation, class grids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from gan_demo import imaging, ops
from gan_demo.models import DCGANGenerator


@pytest.fixture(scope="module")
def generator() -> DCGANGenerator:
    torch.manual_seed(0)
    return DCGANGenerator(latent_dim=16, base_channels=8).eval()


@pytest.fixture(scope="module")
def conditional() -> DCGANGenerator:
    torch.manual_seed(0)
    return DCGANGenerator(latent_dim=16, base_channels=8, num_classes=10).eval()


def test_latents_depend_only_on_their_seed() -> None:
    alone = ops.latents_from_seeds([7], 16)
    in_batch = ops.latents_from_seeds([3, 7, 11], 16)
    assert torch.equal(alone[0], in_batch[1])
    assert not torch.equal(in_batch[0], in_batch[1])


def test_global_rng_is_neither_used_nor_disturbed(generator: DCGANGenerator) -> None:
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = ops.sample(generator, [5, 6])
    assert torch.equal(torch.rand(1), expected_next)
    torch.manual_seed(999)
    assert torch.equal(ops.sample(generator, [5, 6]), first)


def test_sample_shapes_and_range(generator: DCGANGenerator) -> None:
    images = ops.sample(generator, list(range(10)))
    assert images.shape == (10, 1, 28, 28)
    assert images.dtype == torch.float32 and images.min() >= -1 and images.max() <= 1


def test_truncation_zero_gives_one_image_for_every_seed(generator: DCGANGenerator) -> None:
    images = ops.sample(generator, [1, 2, 3], truncation=0.0)
    assert torch.equal(images[0], images[1]) and torch.equal(images[1], images[2])


def test_truncation_scales_the_latent() -> None:
    assert torch.allclose(ops.latents_from_seeds([4], 16, 0.5), 0.5 * ops.latents_from_seeds([4], 16))


def test_concurrent_requests_match_sequential_ones(generator: DCGANGenerator) -> None:
    requests = [[s, s + 1, s + 2] for s in range(0, 40, 5)]
    sequential = [ops.sample(generator, seeds) for seeds in requests]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda seeds: ops.sample(generator, seeds), requests))
    for a, b in zip(sequential, concurrent, strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_interpolation_starts_and_ends_on_the_seeds_images(generator: DCGANGenerator, method: str) -> None:
    frames = ops.interpolate(generator, 3, 9, steps=6, method=method)
    ends = ops.sample(generator, [3, 9])
    assert frames.shape == (6, 1, 28, 28)
    assert torch.allclose(frames[0], ends[0], atol=1e-5) and torch.allclose(frames[-1], ends[1], atol=1e-5)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it() -> None:
    a, b = ops.latents_from_seeds([1, 2], 100)
    middle_lerp = ops.interpolate_latents(a, b, 3, "lerp")[1]
    middle_slerp = ops.interpolate_latents(a, b, 3, "slerp")[1]
    typical = (a.norm() + b.norm()) / 2
    assert middle_lerp.norm() < 0.85 * typical  # independent Gaussians are nearly orthogonal
    assert abs(middle_slerp.norm() - typical) < 0.05 * typical


def test_interpolation_rejects_unknown_methods() -> None:
    a, b = ops.latents_from_seeds([1, 2], 8)
    with pytest.raises(ValueError, match="lerp"):
        ops.interpolate_latents(a, b, 3, "cubic")


def test_sample_class_and_class_grid(conditional: DCGANGenerator) -> None:
    images = ops.sample_class(conditional, 7, [1, 2, 3])
    assert images.shape == (3, 1, 28, 28)
    grid = ops.class_grid(conditional, [1, 2, 3])
    assert grid.shape == (30, 1, 28, 28)
    assert torch.allclose(grid[21:24], images, atol=1e-6)  # row 7 of the grid is class 7


def test_imaging_round_trip_and_display_size(generator: DCGANGenerator) -> None:
    images = ops.sample(generator, [1, 2])
    pixels = imaging.to_uint8(images)
    assert pixels.shape == (2, 28, 28, 1) and pixels.dtype.name == "uint8"
    pil = imaging.to_pil_list(images)
    assert min(pil[0].size) >= imaging.DISPLAY_MIN_SIDE
    grid = imaging.labelled_grid(torch.cat([images] * 2), ["a", "bb"], ncol=2)
    assert grid.mode == "RGB" and grid.height > 2 * 28
