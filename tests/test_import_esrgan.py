"""Real-ESRGAN .pth -> app checkpoint: the reference outputs, the super-resolution tab's needs, bad files.

The fixtures (tests/fixtures/import/esrgan_*) are tiny random-weight networks written in the official layout
({"params_ema": ...} / {"params": ...}) with the outputs of BasicSR's RRDBNet and Real-ESRGAN's
SRVGGNetCompact for the stored inputs (see tests/fixtures/import/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model
from gan_demo.importers import CheckpointReadError, convert
from gan_demo.kind import Kind
from gan_demo.models.esrgan import RRDBNet, SRVGGNetCompact
from gan_demo.ui.superres import SuperResolutionTab

FIXTURES = Path(__file__).parent / "fixtures" / "import"
GOLDENS = {
    "esrgan_rrdb_x4": (RRDBNet, {"scale": 4, "channels": 8, "num_blocks": 2, "growth_channels": 4}),
    "esrgan_rrdb_x2": (RRDBNet, {"scale": 2, "channels": 8, "num_blocks": 2, "growth_channels": 4}),
    "esrgan_srvgg_x4": (SRVGGNetCompact, {"scale": 4, "channels": 8, "num_convs": 4, "activation": "prelu"}),
}


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    noise = torch.rand(1, 3, h // 4 + 2, w // 4 + 2, generator=torch.Generator().manual_seed(seed))
    smooth = torch.nn.functional.interpolate(noise, size=(h, w), mode="bicubic", align_corners=False)
    return (smooth.clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


@pytest.mark.parametrize("name", list(GOLDENS))
def test_converted_checkpoint_reproduces_the_reference_output(tmp_path: Path, name: str) -> None:
    out = convert(FIXTURES / f"{name}.pth", tmp_path / name)
    model, config = load_model(out)
    cls, kwargs = GOLDENS[name]
    assert type(model) is cls and kwargs.items() <= config["kwargs"].items()
    assert config["task"] == "super-resolution" and "base_model" not in config  # alpha has nothing to blend with
    golden = np.load(FIXTURES / f"{name}.npz")
    x = torch.from_numpy(golden["input"])  # [0, 1], as the official networks take it
    with torch.inference_mode():
        y = (model(x * 2 - 1) + 1) / 2
    assert y.shape == golden["output"].shape
    assert np.abs(y.numpy() - golden["output"]).max() <= 1e-4
    assert config["source"]["file"] == f"{name}.pth" and len(config["source"]["sha256"]) == 64
    assert "BSD-3-Clause" in (out / "README.md").read_text()


def test_params_ema_is_preferred_to_params(tmp_path: Path) -> None:
    """The x4 fixture holds both (params shifted by 0.01): the golden was made with params_ema."""
    obj = torch.load(FIXTURES / "esrgan_rrdb_x4.pth", weights_only=True)
    model, _ = load_model(convert(FIXTURES / "esrgan_rrdb_x4.pth", tmp_path / "m"))
    assert torch.equal(model.conv_first.weight, obj["params_ema"]["conv_first.weight"])


@pytest.mark.parametrize("scale", [4, 2])
def test_tiled_equals_untiled_within_one_level(scale: int) -> None:
    """Tiles read `tile_context` (32) LR pixels of context, not the full receptive field of the deep trunk:
    6 blocks reach 94 pixels, yet the result stays within one 8-bit level of one untiled call. x2 tiles
    start on even pixels (the pixel unshuffle's 2x2 blocks stay those of the whole image), odd sides work."""
    torch.manual_seed(0)
    model = RRDBNet(scale=scale, channels=8, num_blocks=6, growth_channels=4).eval()
    image = _photo(75, 69)
    whole = ops.super_resolve(model, image, tile=None)
    tiled = ops.super_resolve(model, image, tile=24)
    assert whole.shape == tiled.shape == (75 * scale, 69 * scale, 3)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


def test_srvgg_tiles_are_exact() -> None:
    """SRVGGNetCompact's receptive radius is exact (one pixel per conv): tiles match up to float rounding."""
    torch.manual_seed(0)
    model = SRVGGNetCompact(channels=8, num_convs=6).eval()
    image = _photo(50, 44)
    assert model.receptive_radius == 8
    diff = ops.super_resolve(model, image, tile=16).astype(int) - ops.super_resolve(model, image, tile=None)
    assert np.abs(diff).max() <= 1


def test_registry_lists_it_for_the_super_resolution_tab(tmp_path: Path) -> None:
    convert(FIXTURES / "esrgan_srvgg_x4.pth", tmp_path / "models" / "realesr-tiny")
    registry = ModelRegistry([tmp_path / "models"], device="cpu")
    assert registry.names(kind=Kind.SUPER_RESOLUTION) == ["realesr-tiny"]
    out = ops.super_resolve(registry.get("realesr-tiny").model, _photo(12, 10))
    assert out.shape == (48, 40, 3)


def _state() -> dict[str, torch.Tensor]:
    return torch.load(FIXTURES / "esrgan_srvgg_x4.pth", weights_only=True)["params"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("body.2.weight"), "missing body.2.weight"),
        (lambda s: s.update({"body.99.bias": torch.zeros(3)}), "unexpected body.99.bias"),
        (lambda s: s.update({"body.2.weight": torch.zeros(8, 8, 5, 5)}), "(8, 8, 5, 5) (expected (8, 8, 3, 3))"),
    ],
)
def test_key_mismatch_says_what_was_expected(tmp_path: Path, edit, message: str) -> None:
    state = _state()
    edit(state)
    torch.save({"params": state}, tmp_path / "bad.pth")
    with pytest.raises(CheckpointReadError, match="do not fit") as info:
        convert(tmp_path / "bad.pth", tmp_path / "out")
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_wrong_arch_and_missing_activation_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointReadError, match="holds an SRVGGNetCompact"):
        convert(FIXTURES / "esrgan_srvgg_x4.pth", tmp_path / "a", arch="rrdbnet")
    relu = SRVGGNetCompact(channels=8, num_convs=2, activation="relu").state_dict()
    torch.save({"params": relu}, tmp_path / "relu.pth")
    with pytest.raises(CheckpointReadError, match="pass --arch srvgg-relu or --arch srvgg-leakyrelu"):
        convert(tmp_path / "relu.pth", tmp_path / "b")
    model, config = load_model(convert(tmp_path / "relu.pth", tmp_path / "c", arch="srvgg-relu"))
    assert config["kwargs"]["activation"] == "relu" and config["kwargs"]["num_convs"] == 2
    with pytest.raises(ValueError, match="unknown Real-ESRGAN architecture 'esrgan'; known: rrdbnet, srvgg-prelu"):
        convert(FIXTURES / "esrgan_srvgg_x4.pth", tmp_path / "d", arch="esrgan")


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    data = (FIXTURES / "esrgan_rrdb_x2.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointReadError, match="truncated"):
        convert(tmp_path / "cut.pth", tmp_path / "out")


def test_super_resolution_tab_runs_it_with_alpha_off_and_a_time_estimate(tmp_path: Path) -> None:
    convert(FIXTURES / "esrgan_rrdb_x2.pth", tmp_path / "models" / "realesrgan-x2")
    tab = SuperResolutionTab(ModelRegistry([tmp_path / "models"], device="cpu"))
    assert tab.default_model() == "realesrgan-x2" and tab.base_model("realesrgan-x2") is None
    Image.fromarray(_photo(33, 47)).save(tmp_path / "photo.png")
    said: list[str] = []

    def progress(fraction: float, desc: str) -> None:
        said.append(desc)

    for alpha in (0.7, 0.6):  # two requests (the same one twice would be answered from the first: @remembered)
        pair, png, notes = tab.super_resolve(str(tmp_path / "photo.png"), "realesrgan-x2", alpha, False, None, progress)
    assert Image.open(pair[1]).size == Image.open(png).size == (94, 66)
    assert "α has no effect: realesrgan-x2 has no PSNR-oriented base model" in notes
    assert tab.expected.known("realesrgan-x2")  # timed on a 48 px probe before the first request
    assert all(re.fullmatch(r"Enlarging ×2: about \d+ s expected on cpu", said[i]) for i in (0, 2))


def test_original_esrgan_files_are_renamed_and_reproduce_the_reference(tmp_path: Path) -> None:
    """xinntao/ESRGAN's RRDB_ESRGAN_x4.pth layout (RRDB_trunk.*, trunk_conv, upconv1, HRconv): its own format."""
    model, config = load_model(convert(FIXTURES / "esrgan_old_x4.pth", tmp_path / "old"))
    assert type(model) is RRDBNet and config["source"]["format"] == "esrgan"
    assert config["source"]["licence"].startswith("Apache-2.0")
    golden = np.load(FIXTURES / "esrgan_old_x4.npz")
    with torch.inference_mode():
        y = (model(torch.from_numpy(golden["input"]) * 2 - 1) + 1) / 2
    assert np.abs(y.numpy() - golden["output"]).max() <= 1e-4


def test_the_esrgan_pair_blends_with_alpha_in_the_tab(tmp_path: Path) -> None:
    """RRDB_PSNR_x4 + RRDB_ESRGAN_x4 (--base-model): the tab's α interpolates them, as ESRGAN's net_interp.py."""
    import convert as convert_script  # scripts/convert.py

    psnr = torch.load(FIXTURES / "esrgan_old_x4.pth", weights_only=True)
    torch.save({k: v * 0.5 for k, v in psnr.items()}, tmp_path / "RRDB_PSNR_x4.pth")
    models = tmp_path / "models"
    assert convert_script.main([str(tmp_path / "RRDB_PSNR_x4.pth"), str(models / "esrgan-psnr-x4")]) == 0
    args = [str(FIXTURES / "esrgan_old_x4.pth"), str(models / "esrgan-x4"), "--base-model", "esrgan-psnr-x4"]
    assert convert_script.main(args) == 0
    tab = SuperResolutionTab(ModelRegistry([models], device="cpu"))
    assert tab.base_model("esrgan-x4") == "esrgan-psnr-x4" and tab.default_model() == "esrgan-x4"
    Image.fromarray(_photo(16, 12)).save(tmp_path / "photo.png")
    results, notes = {}, {}
    for alpha in (0.0, 0.5, 1.0):
        _, png, notes[alpha] = tab.super_resolve(str(tmp_path / "photo.png"), "esrgan-x4", alpha, False, None)
        results[alpha] = np.asarray(Image.open(png), dtype=int)  # the slider's is a JPEG
    assert "RRDB_PSNR_x4" in notes[0.5] and "esrgan_old_x4" in notes[0.5]  # the blend note names both
    gan = ops.super_resolve(tab.registry.get("esrgan-x4").model, _photo(16, 12))
    psnr_out = ops.super_resolve(tab.registry.get("esrgan-psnr-x4").model, _photo(16, 12))
    assert np.array_equal(results[1.0], gan) and np.array_equal(results[0.0], psnr_out)
    assert not np.array_equal(results[0.5], results[0.0]) and not np.array_equal(results[0.5], results[1.0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", list(GOLDENS))
def test_on_cuda_it_gives_what_it_gives_on_the_cpu(tmp_path: Path, name: str) -> None:
    directory = convert(FIXTURES / f"{name}.pth", tmp_path / name)
    image = _photo(40, 36)
    on_cpu = ops.super_resolve(load_model(directory)[0], image, tile=16)
    on_cuda = ops.super_resolve(load_model(directory, "cuda")[0], image, tile=16)
    assert np.abs(on_cpu.astype(int) - on_cuda.astype(int)).max() <= 1
