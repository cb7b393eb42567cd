"""Checkpoint directories: strict round trips, the registry, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model, read_config, save_model, write_config
from gan_demo.kind import Kind
from gan_demo.models import DCGANGenerator, FeatureClassifier


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = DCGANGenerator(latent_dim=8, base_channels=4, num_classes=3).eval()
    save_model(model, tmp_path / "m", title="tiny", class_names=["a", "b", "c"])
    loaded, config = load_model(tmp_path / "m")
    assert config["architecture"] == "DCGANGenerator" and config["title"] == "tiny"
    assert config["kwargs"] == {
        "latent_dim": 8,
        "image_size": 28,
        "image_channels": 1,
        "base_channels": 4,
        "num_classes": 3,
    }
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert torch.equal(ops.sample_class(model, 1, [5]), ops.sample_class(loaded, 1, [5]))


def test_loading_is_strict(tmp_path: Path) -> None:
    model = DCGANGenerator(latent_dim=8, base_channels=4)
    directory = save_model(model, tmp_path / "m")
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("to_image")}
    save_file(state, directory / "model.safetensors")
    with pytest.raises(RuntimeError, match="Missing key"):
        load_model(directory)


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    directory = save_model(DCGANGenerator(latent_dim=8, base_channels=4), tmp_path / "m")
    config = read_config(directory)
    config["architecture"] = "os.system"
    write_config(directory, config)
    with pytest.raises(ValueError, match="unknown architecture"):
        load_model(directory)


def test_registry_finds_generators_lazily_and_skips_classifiers(tmp_path: Path) -> None:
    save_model(DCGANGenerator(latent_dim=8, base_channels=4), tmp_path / "uncond")
    save_model(DCGANGenerator(latent_dim=8, base_channels=4, num_classes=2), tmp_path / "cond")
    save_model(FeatureClassifier(), tmp_path / "clf", role="classifier")
    (tmp_path / "not-a-model").mkdir()
    registry = ModelRegistry([tmp_path], device="cpu")
    assert sorted(registry.names()) == ["cond", "uncond"]
    assert registry.names(kind=Kind.CONDITIONAL) == ["cond"]
    assert registry.names(kind=(Kind.SAMPLER, Kind.STYLEGAN)) == ["uncond"]
    first = registry.get("uncond")
    assert registry.get("uncond") is first  # cached
    assert first.device.type == "cpu" and not first.is_conditional
    with pytest.raises(KeyError, match="unknown model"):
        registry.get("nope")


def test_config_is_plain_json(tmp_path: Path) -> None:
    directory = save_model(DCGANGenerator(latent_dim=8, base_channels=4), tmp_path / "m", class_names=["T恤"])
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    assert config["class_names"] == ["T恤"]


def test_device_override(monkeypatch: pytest.MonkeyPatch) -> None:
    from gan_demo.device import pick_device

    monkeypatch.setenv("GAN_DEMO_DEVICE", "cpu")
    assert pick_device().type == "cpu"


def test_registry_reports_a_missing_folder_clearly() -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint at /somedir"):
        ModelRegistry(["/somedir"], device="cpu")
