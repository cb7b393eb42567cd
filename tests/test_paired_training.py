"""The image-to-image families: pix2pix and srgan models, and their scripts/train.py runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import train as train_script
from PIL import Image

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model
from gan_demo.kind import NOISE_TO_IMAGE, Kind
from gan_demo.models import PatchDiscriminator, SRDiscriminator, SRResNet, UNetGenerator
from gan_demo.models.srgan import UPSAMPLERS
from gan_demo.training.paired import PairedTrainer
from gan_demo.training.state import load_state

TINY_PIX2PIX = ["--image-size", "32", "--g-channels", "4", "--g-max-channels", "8", "--d-channels", "4"]
TINY_SRGAN = ["--image-size", "32", "--g-channels", "4", "--g-blocks", "1", "--d-channels", "4"]
COMMON = ["--batch-size", "2", "--log-every", "1", "--checkpoint-every", "1"]


@pytest.mark.parametrize("size", [16, 32, 128])
def test_unet_keeps_the_size_and_range(size: int) -> None:
    g = UNetGenerator(image_size=size, in_channels=1, out_channels=3, base_channels=4, max_channels=16).eval()
    y = g(torch.rand(2, 1, size, size) * 2 - 1)
    assert y.shape == (2, 3, size, size) and y.abs().max() <= 1
    if size >= 32:  # the 70x70 PatchGAN's smallest input
        d = PatchDiscriminator(in_channels=4, base_channels=4)
        assert d(torch.zeros(2, 1, size, size), y).shape == (2, 1, size // 8 - 2, size // 8 - 2)


def test_unet_rejects_sizes_that_are_not_powers_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        UNetGenerator(image_size=100)


@pytest.mark.parametrize("upsampler", UPSAMPLERS)
def test_srresnet_enlarges_exactly_and_starts_as_bicubic(upsampler: str) -> None:
    g = SRResNet(channels=4, num_blocks=1, upsampler=upsampler)
    x = torch.rand(1, 3, 13, 21) * 2 - 1
    y = g(x)
    assert y.shape == (1, 3, 52, 84)
    bicubic = torch.nn.functional.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)
    assert torch.equal(y, bicubic)  # the zero-initialised tail: training starts from bicubic quality
    assert SRDiscriminator(base_channels=4)(y, return_features=True)[1][0].shape[1] == 4


@pytest.mark.parametrize("upsampler", UPSAMPLERS)
def test_srresnet_receptive_radius_bounds_what_an_output_pixel_reads(upsampler: str) -> None:
    """Tiled inference relies on it: a change farther away than the radius must not reach the pixel."""
    torch.manual_seed(0)
    g = SRResNet(channels=4, num_blocks=2, upsampler=upsampler)
    torch.nn.init.normal_(g.tail.weight, std=0.1)
    x = torch.zeros(1, 3, 40, 40)
    changed = x.clone()
    changed[..., :, 20 + g.receptive_radius + 1 :] = 1.0  # columns beyond the radius from column 20
    with torch.no_grad():
        a, b = g(x), g(changed)
    assert torch.equal(a[..., 80:84], b[..., 80:84])  # the output pixels of LR column 20
    assert not torch.equal(a, b)


def _ab_folder(root: Path, n: int = 6) -> Path:
    """pix2pix's A|B layout: a drawing-like half and a picture half side by side."""
    rng = np.random.default_rng(0)
    root.mkdir()
    for i in range(n):
        picture = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        drawing = np.where(picture.mean(-1, keepdims=True) > 128, 255, 0).astype(np.uint8).repeat(3, -1)
        Image.fromarray(np.concatenate([drawing, picture], axis=1)).save(root / f"{i}.png")
    return root


def _photo_folder(root: Path, n: int = 3) -> Path:
    rng = np.random.default_rng(1)
    root.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)).save(root / f"{i}.png")
    return root


def _train(out: Path, *args: str, steps: int) -> Path:
    export = out.parent / f"{out.name}-model"
    argv = ["--out", str(out), "--export", str(export), "--steps", str(steps), *COMMON, *args]
    assert train_script.main(argv) == 0
    return export


def _train_killed(out: Path, *args: str, steps: int, kill_at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run planned for `steps` that dies after `kill_at` steps, like a session that ends mid-run."""
    train_step = PairedTrainer.train_step

    def dying(self: PairedTrainer) -> dict[str, torch.Tensor]:
        if self.step == kill_at:
            raise KeyboardInterrupt
        return train_step(self)

    with monkeypatch.context() as patch:
        patch.setattr(PairedTrainer, "train_step", dying)
        with pytest.raises(KeyboardInterrupt):
            _train(out, *args, steps=steps)


def _assert_same_weights(a: Path, b: Path) -> None:
    model_a, _ = load_model(a)
    model_b, _ = load_model(b)
    for (name, pa), (_, pb) in zip(model_a.state_dict().items(), model_b.state_dict().items(), strict=True):
        assert torch.equal(pa, pb), name


@pytest.mark.parametrize("adv_weight", ["1", "0"])
def test_pix2pix_resume_is_exact_and_the_export_translates(
    tmp_path: Path, adv_weight: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _ab_folder(tmp_path / "pairs")
    args = ["--family", "pix2pix", "--dataset", "folder", "--data-root", str(data), "--adv-weight", adv_weight]
    straight = _train(tmp_path / "a", *args, *TINY_PIX2PIX, steps=4)
    _train_killed(tmp_path / "b", *args, *TINY_PIX2PIX, steps=4, kill_at=2, monkeypatch=monkeypatch)
    resumed = _train(tmp_path / "b", *args, *TINY_PIX2PIX, "--resume", steps=4)
    _assert_same_weights(straight, resumed)

    state = load_state(tmp_path / "b" / "state.pt")
    assert ("d" in state) == (adv_weight == "1")  # the L1-only baseline trains no discriminator
    rows = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and "l1" in rows[0]
    model, config = load_model(resumed)
    assert config["task"] == "translation" and config["condition"] == "image"
    assert (resumed / "samples.png").exists() and (resumed / "losses.png").exists()
    out = ops.translate(model, np.full((1, 3, 32, 32), 255, np.uint8))
    assert out.shape == (1, 3, 32, 32) and out.abs().max() <= 1


def test_srgan_stages_resume_exactly_and_the_gan_records_its_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = _photo_folder(tmp_path / "photos")
    args = ["--family", "srgan", "--dataset", "folder", "--data-root", str(photos), *TINY_SRGAN]
    psnr = _train(tmp_path / "psnr", *args, steps=2)
    gan_args = [*args, "--adv-weight", "0.01", "--init-from", str(psnr)]
    straight = _train(tmp_path / "a", *gan_args, steps=4)
    _train_killed(tmp_path / "b", *gan_args, steps=4, kill_at=3, monkeypatch=monkeypatch)
    resumed = _train(tmp_path / "b", *gan_args, "--resume", steps=4)
    _assert_same_weights(straight, resumed)

    registry = ModelRegistry([psnr, resumed], device="cpu")
    assert registry.names(kind=Kind.SUPER_RESOLUTION) == ["psnr-model", "b-model"]
    assert registry.names(kind=NOISE_TO_IMAGE) == []
    gan, config = load_model(resumed)
    assert config["task"] == "super-resolution" and config["base_model"] == "psnr-model"
    base, _ = load_model(psnr)
    halfway = ops.blend_models(base, gan, 0.5)
    rgb = np.random.default_rng(0).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    assert ops.super_resolve(halfway, rgb).shape == (36, 44, 3)


def test_srgan_refuses_a_patch_that_does_not_divide_by_the_scale(tmp_path: Path) -> None:
    photos = _photo_folder(tmp_path / "photos")
    args = ["--family", "srgan", "--dataset", "folder", "--data-root", str(photos), *TINY_SRGAN]
    with pytest.raises(ValueError, match="multiple of --scale"):
        _train(tmp_path / "run", *args, "--image-size", "30", steps=1)
