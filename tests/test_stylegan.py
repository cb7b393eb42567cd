"""StyleGAN: the mapping and synthesis networks, style mixing, truncation, noise, and its training family."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import TINY_STYLEGAN, _photos, run_train

from gan_demo import ops
from gan_demo.checkpoint import load_model
from gan_demo.models import StyleGANDiscriminator, StyleGANGenerator
from gan_demo.models.stylegan import style_resolutions
from gan_demo.training.state import load_state


@pytest.fixture(scope="module")
def generator() -> StyleGANGenerator:
    """A 32 px generator (8 style layers) with non-zero noise strengths and mean w, as after training."""
    torch.manual_seed(0)
    g = StyleGANGenerator(image_size=32, latent_dim=16, mapping_layers=2, base_channels=4, max_channels=8).eval()
    with torch.no_grad():
        for module in g.modules():
            if hasattr(module, "strength"):
                module.strength.fill_(0.5)
        g.w_avg.normal_()
    return g.requires_grad_(False)


def test_mapping_and_synthesis_shapes(generator: StyleGANGenerator) -> None:
    assert generator.num_ws == 8 and style_resolutions(32) == [4, 8, 16, 32]
    w = generator.map(torch.randn(5, 16))
    assert w.shape == (5, 16)
    images = generator.synthesis(w[:, None].expand(-1, generator.num_ws, -1))
    assert images.shape == (5, 3, 32, 32) and torch.isfinite(images).all()
    assert generator(torch.randn(2, 16)).shape == (2, 3, 32, 32)  # the plain z -> image path
    d = StyleGANDiscriminator(image_size=32, base_channels=4, max_channels=8)
    assert d(images).shape == (5,)


@pytest.mark.parametrize("size", [4, 12, 2048])
def test_sizes_that_are_not_powers_of_two_from_8_to_1024_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        StyleGANGenerator(image_size=size)


def test_synthesis_refuses_wrong_style_shapes_and_noise_modes(generator: StyleGANGenerator) -> None:
    with pytest.raises(ValueError, match=r"ws must be \(batch, 8, 16\)"):
        generator.synthesis(torch.zeros(1, 3, 16))
    with pytest.raises(ValueError, match="noise_mode"):
        generator.synthesis(torch.zeros(1, 8, 16), noise_mode="loud")


def test_style_mixing_with_no_column_layers_gives_the_row_sources(generator: StyleGANGenerator) -> None:
    """Crossover after the last layer: every layer keeps the row's w, so each mix is its row's image."""
    for noise in ("const", "random", "none"):
        rows, _, mixed = ops.style_mix(generator, [1, 2], [3, 4, 5], range(8, 8), noise_mode=noise)
        assert mixed.shape == (2, 3, 3, 32, 32)
        torch.testing.assert_close(mixed, rows[:, None].expand_as(mixed), atol=1e-5, rtol=0)


def test_style_mixing_with_every_layer_from_the_column_gives_the_column_sources(generator: StyleGANGenerator) -> None:
    """Crossover at layer 0: every w is the column's (the noise is the row's, so it must be constant or off)."""
    for noise in ("const", "none"):
        _, cols, mixed = ops.style_mix(generator, [1, 2], [3, 4, 5], range(0, 8), noise_mode=noise)
        torch.testing.assert_close(mixed, cols[None].expand_as(mixed), atol=1e-5, rtol=0)


def test_style_mixing_with_some_layers_differs_from_both_sources(generator: StyleGANGenerator) -> None:
    rows, cols, mixed = ops.style_mix(generator, [1], [2], ops.style_group_layers(generator, "middle"))
    assert (mixed[0, 0] - rows[0]).abs().mean() > 1e-3 and (mixed[0, 0] - cols[0]).abs().mean() > 1e-3


def test_style_groups_follow_the_papers_resolutions(generator: StyleGANGenerator) -> None:
    assert [ops.layer_resolution(i) for i in range(8)] == [4, 4, 8, 8, 16, 16, 32, 32]
    assert ops.style_group_layers(generator, "coarse") == range(0, 4)
    assert ops.style_group_layers(generator, "middle") == range(4, 8)
    assert ops.style_group_layers(generator, "fine") == range(0)  # 32 px has no 64 px layers
    with pytest.raises(ValueError, match="group"):
        ops.style_group_layers(generator, "medium")


@pytest.mark.parametrize("layers", [range(0, 9), range(2, 5, 2), range(-1, 3)])
def test_style_mixing_refuses_layers_outside_the_model(generator: StyleGANGenerator, layers: range) -> None:
    with pytest.raises(ValueError, match="layers"):
        ops.style_mix(generator, [1], [2], layers)


def test_psi_zero_gives_the_mean_w_image_for_every_seed(generator: StyleGANGenerator) -> None:
    images = ops.sample(generator, [1, 2, 3, 40], truncation=0.0)
    mean_image = ops.synthesize(generator, generator.w_avg[None])
    torch.testing.assert_close(images, mean_image.expand_as(images), atol=1e-5, rtol=0)
    sweep = ops.truncation_sweep(generator, 7, [0.0, 0.5, 1.0])
    torch.testing.assert_close(sweep[0], mean_image[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(sweep[2], ops.sample(generator, [7])[0], atol=1e-5, rtol=0)


def test_truncation_pulls_w_towards_the_mean(generator: StyleGANGenerator) -> None:
    w1, w_half = ops.map_seeds(generator, [3], 1.0), ops.map_seeds(generator, [3], 0.5)
    torch.testing.assert_close(w_half, (w1 + generator.w_avg) / 2)


def test_random_noise_is_reproducible_per_image_and_differs_between_seeds(generator: StyleGANGenerator) -> None:
    alone = ops.sample(generator, [11], noise_mode="random")
    in_batch = ops.sample(generator, [5, 11], noise_mode="random")
    torch.testing.assert_close(in_batch[1], alone[0], atol=1e-5, rtol=0)
    w = ops.map_seeds(generator, [11])
    other_noise = ops.synthesize(generator, w, "random", [12])
    assert (other_noise - alone).abs().max() > 1e-3  # same w, other noise: other details
    with pytest.raises(ValueError, match="noise seed"):
        ops.synthesize(generator, w, "random")


def test_w_space_interpolation_starts_and_ends_at_the_seeds(generator: StyleGANGenerator) -> None:
    for space in ("w", "z"):
        frames = ops.interpolate(generator, 1, 2, 5, "lerp", space=space)
        ends = ops.sample(generator, [1, 2])
        torch.testing.assert_close(frames[[0, -1]], ends, atol=1e-5, rtol=0)


def test_stylegan_run_resumes_exactly_and_exports_a_loadable_model(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos", count=8)
    args = [*TINY_STYLEGAN, "--data-root", str(photos), "--r1-every", "2"]
    straight = run_train(tmp_path / "a", "stylegan", *args, steps=4)
    run_train(tmp_path / "b", "stylegan", *args, steps=2)
    resumed = run_train(tmp_path / "b", "stylegan", *args, "--resume", steps=4)
    assert load_state(tmp_path / "b" / "run-stylegan" / "state.pt")["step"] == 4
    a, config = load_model(straight)
    b, _ = load_model(resumed)
    for (name, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(pa, pb), name
    assert a.w_avg.abs().sum() > 0  # the mean w was tracked and exported with the EMA weights
    assert config["task"] == "sample" and config["architecture"] == "StyleGANGenerator"
    assert (straight / "samples_psi0.7.png").exists()
