"""pytorch-CycleGAN-and-pix2pix latest_net_G.pth -> app checkpoint: reference outputs, inferred architecture, bad files.

Fixtures (tests/fixtures/import/zoo_*): a resnet_6blocks generator with instance norm (CycleGAN's) and a
6-level U-Net with batch norm (pix2pix's, num_downs 6 so that it runs on 64 px), random weights, saved as
the official repository saves them (the generator's state_dict), with the reference networks' outputs.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import ZH, png, shown
from PIL import Image

from gan_demo import imaging, ops
from gan_demo.checkpoint import ModelRegistry, load_model
from gan_demo.importers import CheckpointReadError, convert
from gan_demo.models.cyclegan_zoo import ZooResnetGenerator, ZooUnetGenerator
from gan_demo.ui.translate import TranslationTab

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def _golden(name: str) -> dict[str, np.ndarray]:
    return dict(np.load(FIXTURES / f"{name}.npz"))


def _run(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return model(torch.from_numpy(x)).numpy()


def test_resnet_generator_reproduces_the_reference(tmp_path: Path) -> None:
    model, config = load_model(convert(FIXTURES / "zoo_resnet_6blocks_instance.pth", tmp_path / "r"))
    assert type(model) is ZooResnetGenerator and config["source_architecture"] == "resnet_6blocks"
    assert config["kwargs"]["norm"] == "instance" and config["kwargs"]["base_channels"] == 4
    assert config["task"] == "translation" and config["input"] == "picture"
    golden = _golden("zoo_resnet_6blocks_instance")
    assert np.abs(_run(model, golden["input"]) - golden["output"]).max() <= 1e-4


def test_unet_uses_each_images_statistics_like_the_official_test_script(tmp_path: Path) -> None:
    """Default: batch norm with the image's own statistics (test.py without --eval); "running" = --eval."""
    model, config = load_model(convert(FIXTURES / "zoo_unet64_batch.pth", tmp_path / "u"))
    assert type(model) is ZooUnetGenerator and config["source_architecture"] == "unet_64"
    assert config["kwargs"]["num_downs"] == 6 and config["kwargs"]["norm"] == "batch"
    golden = _golden("zoo_unet64_batch")
    assert np.abs(_run(model, golden["input"]) - golden["output"]).max() <= 1e-4
    running = ZooUnetGenerator(**{**config["kwargs"], "batch_statistics": "running"})
    running.load_state_dict(model.state_dict())
    assert np.abs(_run(running.eval(), golden["input"]) - golden["output_running"]).max() <= 1e-4
    assert np.abs(golden["output"] - golden["output_running"]).max() > 0.01  # the two modes do differ


@pytest.mark.parametrize(
    ("model", "arch"),
    [
        (ZooUnetGenerator(base_channels=2, num_downs=8, norm="instance"), "unet_256"),
        (ZooUnetGenerator(base_channels=2, num_downs=7, norm="batch"), "unet_128"),
        (ZooResnetGenerator(base_channels=2, num_blocks=9, norm="batch"), "resnet_9blocks"),
        (ZooResnetGenerator(base_channels=2, num_blocks=6, use_dropout=True), "resnet_6blocks"),
    ],
)
def test_the_architecture_is_read_from_the_keys(tmp_path: Path, model: torch.nn.Module, arch: str) -> None:
    torch.save(model.state_dict(), tmp_path / "latest_net_G.pth")
    converted, config = load_model(convert(tmp_path / "latest_net_G.pth", tmp_path / "out", arch=arch))
    assert config["source_architecture"] == arch
    assert config["kwargs"]["image_size"] == 256  # the zoo's training crops; unet_256's minimum
    for key, value in model.state_dict().items():
        assert torch.equal(converted.state_dict()[key], value.float() if value.is_floating_point() else value)


def test_stale_instance_norm_statistics_of_old_files_are_dropped(tmp_path: Path) -> None:
    """Files saved by PyTorch < 0.4 hold InstanceNorm running statistics; the official loader drops them."""
    state = torch.load(FIXTURES / "zoo_resnet_6blocks_instance.pth", weights_only=True)
    state |= {"model.2.running_mean": torch.zeros(4), "model.2.running_var": torch.ones(4)}
    torch.save(state, tmp_path / "old.pth")
    model, _ = load_model(convert(tmp_path / "old.pth", tmp_path / "out"))
    golden = _golden("zoo_resnet_6blocks_instance")
    assert np.abs(_run(model, golden["input"]) - golden["output"]).max() <= 1e-4


def test_a_wrong_arch_or_key_is_refused_with_what_was_expected(tmp_path: Path) -> None:
    source = FIXTURES / "zoo_resnet_6blocks_instance.pth"
    with pytest.raises(CheckpointReadError, match="--arch unet_256 was given, but the file holds a resnet_6blocks"):
        convert(source, tmp_path / "a", arch="unet_256")
    with pytest.raises(ValueError, match="known: resnet_6blocks, resnet_9blocks, unet_128, unet_256"):
        convert(source, tmp_path / "b", arch="resnet_12blocks")
    state = torch.load(source, weights_only=True)
    state["model.4.weight"] = state["model.4.weight"][:, :2]
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(CheckpointReadError, match=r"wrong shape model\.4\.weight: \(8, 2, 3, 3\) \(expected"):
        convert(tmp_path / "bad.pth", tmp_path / "c")
    torch.save({"model.1.weight": torch.zeros(4, 3, 3, 3)}, tmp_path / "odd.pth")
    with pytest.raises(CheckpointReadError, match="not the ResNet's 7x7 first conv"):
        convert(tmp_path / "odd.pth", tmp_path / "d")
    assert not any((tmp_path / d).exists() for d in "abcd")


def test_an_unknown_state_dict_names_the_known_formats(tmp_path: Path) -> None:
    torch.save({"encoder.weight": torch.zeros(2, 2)}, tmp_path / "other.pth")
    with pytest.raises(CheckpointReadError, match="is no known format.*cyclegan-zoo.*latest_net_G.pth"):
        convert(tmp_path / "other.pth", tmp_path / "out")


# -- in the app: the translation tab --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo_registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    models = tmp_path_factory.mktemp("zoo_models")
    convert(FIXTURES / "zoo_resnet_6blocks_instance.pth", models / "zoo-resnet")
    convert(FIXTURES / "zoo_unet64_batch.pth", models / "zoo-unet")
    return ModelRegistry([models], device="cpu")


@pytest.mark.parametrize("name", ["zoo-resnet", "zoo-unet"])
def test_translate_picture_pads_to_the_multiple_and_crops_back(zoo_registry: ModelRegistry, name: str) -> None:
    model = zoo_registry.get(name).model
    rng = np.random.default_rng(0)
    for shape in ((70, 45, 3), (3, 90, 3)):  # a sliver is padded to the smallest side the network takes
        assert ops.translate_picture(model, rng.integers(0, 256, shape, dtype=np.uint8)).shape == shape
    exact = rng.integers(0, 256, (64, 128, 3), dtype=np.uint8)  # multiples already: the network's own output
    with torch.inference_mode():
        direct = imaging.to_uint8(model(imaging.from_uint8(exact)))[0]
    assert np.array_equal(ops.translate_picture(model, exact), direct)


def test_translation_tab_gives_pictures_to_picture_models(zoo_registry: ModelRegistry, tmp_path: Path) -> None:
    tab = TranslationTab(zoo_registry)
    assert sorted(tab.names) == ["zoo-resnet", "zoo-unet"]
    Image.new("RGB", (300, 200), (200, 120, 40)).save(tmp_path / "photo.png")
    request = SimpleNamespace(headers={})
    seen, result, compared, notes = tab.translate("zoo-unet", "picture", None, str(tmp_path / "photo.png"), request)
    # 256 on the long side, proportions kept
    assert compared is None and shown(seen).size == shown(result).size == (256, 171)
    assert "256 × 171" in notes and "multiples of 64" in notes
    seen, result, _, _ = tab.translate("zoo-resnet", "sketch", {"composite": _sketch()}, None, request)
    assert shown(seen).size == shown(result).size == (256, 256)  # drawings still go in as the square the model works at


def _sketch() -> bytes:
    canvas = np.full((128, 128, 4), 255, dtype=np.uint8)
    canvas[40:44, 20:100, :3] = 0
    return png(canvas)


def test_the_progress_bar_states_the_expected_time_from_the_last_run(zoo_registry: ModelRegistry) -> None:
    tab = TranslationTab(zoo_registry)
    said: list[str] = []
    sketch = {"composite": _sketch()}

    def progress(_: float | None, desc: str) -> None:
        said.append(desc)

    for headers in ({}, {}, ZH):
        tab.translate("zoo-resnet", "sketch", sketch, None, SimpleNamespace(headers=headers), progress)
    assert said[0] == "Translating with zoo_resnet_6blocks_instance: first run of this model on cpu: timing it"
    assert re.fullmatch(r"Translating with zoo_resnet_6blocks_instance: about \d+ s expected on cpu", said[1])
    assert re.fullmatch(r"正在用 zoo_resnet_6blocks_instance 翻译: 预计在 cpu 上约需 \d+ 秒", said[2])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", ["zoo_resnet_6blocks_instance", "zoo_unet64_batch"])
def test_on_cuda_it_gives_what_it_gives_on_the_cpu(tmp_path: Path, name: str) -> None:
    directory = convert(FIXTURES / f"{name}.pth", tmp_path / name)
    picture = np.random.default_rng(0).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    on_cpu = ops.translate_picture(load_model(directory)[0], picture)
    on_cuda = ops.translate_picture(load_model(directory, "cuda")[0], picture)
    assert np.abs(on_cpu.astype(int) - on_cuda.astype(int)).max() <= 1
