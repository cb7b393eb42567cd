"""The multi-scale sliced Wasserstein distance (gan_demo/evaluation/swd.py) on Fashion-MNIST and synthetic images."""

from __future__ import annotations

from pathlib import Path

import evaluate  # scripts/evaluate.py (tests/conftest.py puts scripts/ on the path)
import pytest
import torch
import torchvision.transforms.functional as TF

from gan_demo import evaluation
from gan_demo.checkpoint import read_config, save_model
from gan_demo.data import load_dataset, to_model_range
from gan_demo.evaluation.swd import laplacian_pyramid, pyramid_up, swd_levels
from gan_demo.models import DCGANGenerator

DIRECTIONS = 64  # fewer than the metric's 512: enough for these comparisons, and quick


@pytest.fixture(scope="module")
def fashion() -> torch.Tensor:
    """200 Fashion-MNIST test images in [-1, 1]."""
    return to_model_range(load_dataset("fashion-mnist", split="test").images[:200])


def test_levels_go_down_to_twice_the_neighbourhood() -> None:
    assert swd_levels(28) == [28, 14]
    assert swd_levels(64) == [64, 32, 16]  # ProGAN's levels for powers of two
    assert swd_levels(128) == [128, 64, 32, 16]
    assert swd_levels(16) == [16]
    with pytest.raises(ValueError, match="at least 14 px"):
        swd_levels(12)


def test_laplacian_pyramid_reconstructs_the_image_exactly() -> None:
    images = torch.rand(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))
    pyramid = laplacian_pyramid(images, 3)
    assert [level.shape[-1] for level in pyramid] == [28, 14, 7]
    rebuilt = pyramid[-1]
    for detail in pyramid[-2::-1]:
        rebuilt = detail + pyramid_up(rebuilt, detail.shape[-2:])
    assert torch.allclose(rebuilt, images, atol=1e-5)
    flat = laplacian_pyramid(torch.full((1, 1, 16, 16), 0.3), 2)
    assert flat[0].abs().max() < 1e-6 and torch.allclose(flat[1], torch.full((1, 1, 8, 8), 0.3))  # no detail


def test_identical_sets_score_zero_at_every_level(fashion: torch.Tensor) -> None:
    images = fashion[:50]
    (same,) = evaluation.sliced_wasserstein(images, [images.clone()], directions=DIRECTIONS)
    assert list(same.levels) == [28, 14]
    assert all(v == 0 for v in same.levels.values()) and same.average == 0
    rgb = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    (same_rgb,) = evaluation.sliced_wasserstein(rgb, [rgb], directions=DIRECTIONS)
    assert list(same_rgb.levels) == [64, 32, 16] and same_rgb.average == 0


def test_swd_grows_as_the_images_are_blurred_more(fashion: torch.Tensor) -> None:
    reference, others = fashion[:100], fashion[100:]
    sigmas = (0.5, 1.0, 2.0)
    candidates = [others, *(TF.gaussian_blur(others, 9, sigma) for sigma in sigmas)]
    floor, *blurred = evaluation.sliced_wasserstein(reference, candidates, directions=DIRECTIONS)
    averages = [floor.average, *(b.average for b in blurred)]
    assert averages == sorted(averages) and averages[0] < averages[1], averages
    finest = [floor.levels[28], *(b.levels[28] for b in blurred)]
    assert finest == sorted(finest), finest  # blur takes away the finest level's detail first
    assert blurred[-1].levels[28] > 2 * floor.levels[28] and blurred[-1].levels[14] > floor.levels[14]
    # The reference the evaluation scripts print: halved and enlarged back, somewhere between sigma 0.5 and 2.
    (soft,) = evaluation.sliced_wasserstein(reference, [evaluation.blurred(others)], directions=DIRECTIONS)
    assert averages[1] < soft.average < averages[3]


def test_swd_is_deterministic_for_a_seed(fashion: torch.Tensor) -> None:
    reference, other = fashion[:40], fashion[40:80]
    first = evaluation.sliced_wasserstein(reference, [other], seed=3, directions=DIRECTIONS, batch=7)
    again = evaluation.sliced_wasserstein(reference, [other], seed=3, directions=DIRECTIONS)  # other batches
    assert first[0].levels == pytest.approx(again[0].levels, rel=1e-5)
    reseeded = evaluation.sliced_wasserstein(reference, [other], seed=4, directions=DIRECTIONS)
    assert reseeded[0].levels != first[0].levels  # other neighbourhoods and directions ...
    assert reseeded[0].average == pytest.approx(first[0].average, rel=0.5)  # ... for a similar estimate


def test_swd_metrics_and_table() -> None:
    swd = evaluation.SlicedWasserstein({28: 12.3456, 14: 2.0})
    assert swd.as_metrics() == {"28 px": 12.35, "14 px": 2.0, "average": 7.173}
    table = evaluation.swd_table({"model": swd, "real vs real": evaluation.SlicedWasserstein({28: 1.0, 14: 3.0})})
    assert "| images | SWD 28 px ↓ | SWD 14 px ↓ | SWD average ↓ |" in table
    assert "| model | 12.346 | 2.000 | 7.173 |" in table and "| real vs real | 1.000 | 3.000 | 2.000 |" in table


def test_swd_rejects_sets_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="one shape"):
        evaluation.sliced_wasserstein(torch.zeros(4, 1, 28, 28), [torch.zeros(5, 1, 28, 28)])
    with pytest.raises(ValueError, match="directions must be positive"):
        evaluation.sliced_wasserstein(torch.zeros(4, 1, 28, 28), [torch.zeros(4, 1, 28, 28)], directions=0)


def test_blurred_reference_keeps_the_shape_and_flat_images() -> None:
    flat = torch.full((2, 3, 28, 28), 0.25)
    assert torch.allclose(evaluation.blurred(flat), flat, atol=1e-6)
    edges = torch.zeros(1, 1, 28, 28)
    edges[..., 14:] = 1
    soft = evaluation.blurred(edges)
    assert soft.shape == edges.shape and 0 < soft[0, 0, 0, 13] < 1  # the edge is now a ramp


def test_evaluate_script_prints_and_records_the_swd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """scripts/evaluate.py on an untrained generator against the shipped classifier: the SWD table with its floor
    and blurred reference, and the card's metrics."""

    def offline(*args: object, **kwargs: object) -> None:
        raise evaluation.InceptionUnavailable("offline in the tests")

    monkeypatch.setattr(evaluation, "load_inception", offline)
    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, base_channels=4).eval()
    directory = tmp_path / "checkpoints" / "tiny-dcgan"
    save_model(generator, directory, task="sample", dataset="fashion-mnist", image_size=28, image_channels=1)
    argv = ["--checkpoints", str(tmp_path / "checkpoints"), "--num-samples", "20", "--update-cards", "--device", "cpu"]
    assert evaluate.main(argv) == 0
    out = capsys.readouterr().out
    assert "| images | SWD 28 px ↓ | SWD 14 px ↓ | SWD average ↓ |" in out
    assert "| tiny-dcgan |" in out and "| real vs real (floor) |" in out and "| blurred real |" in out
    metrics = read_config(directory)["metrics"]
    assert set(metrics["swd_x1e3"]) == {"28 px", "14 px", "average"}
    # An untrained generator's noise is further from real clothes than real clothes are from each other.
    assert metrics["swd_x1e3"]["average"] > metrics["swd_x1e3_floor"]["average"] > 0
    assert metrics["swd_x1e3_blurred_real"]["28 px"] > metrics["swd_x1e3_floor"]["28 px"]
    assert "- swd_x1e3: 28 px " in (directory / "README.md").read_text()


def test_evaluate_script_without_the_swd_gives_quick_fds_with_a_floor_at_the_same_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-swd (FD curves during training): the FD table only, its floor from as many real images as samples,
    and a conditional model's per-class fidelity beside the classifier's own accuracy on the test images."""

    def offline(*args: object, **kwargs: object) -> None:
        raise evaluation.InceptionUnavailable("offline in the tests")

    monkeypatch.setattr(evaluation, "load_inception", offline)
    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, base_channels=4, num_classes=10).eval()
    directory = tmp_path / "checkpoints" / "tiny-cgan"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    save_model(generator, directory, task="sample", dataset="fashion-mnist", image_size=28, image_channels=1,
               class_names=classes)  # fmt: skip
    argv = ["--checkpoints", str(directory.parent), "--num-samples", "30", "--no-swd", "--device", "cpu"]
    assert evaluate.main(argv) == 0
    out = capsys.readouterr().out
    assert "floor: 30 real train images vs the same test images" in out
    assert "| tiny-cgan |" in out and "SWD" not in out
    assert "| class | test images (classifier accuracy) | tiny-cgan |" in out
    shirt = next(line for line in out.splitlines() if line.startswith("| Shirt |"))
    assert 0.3 < float(shirt.split("|")[2].strip().rstrip("%")) / 100 < 0.95  # the classifier's hardest class
    with pytest.raises(SystemExit):
        evaluate.main([*argv, "--update-cards"])
