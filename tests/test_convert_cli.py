"""scripts/convert.py, official files named in GAN_DEMO_MODELS (converted once into the cache), bounded model memory."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import convert as convert_script  # scripts/convert.py (tests/conftest.py puts scripts/ on the path)
import numpy as np
import pytest
import torch
from conftest import call, make_client
from gradio_client import handle_file
from PIL import Image
from served_app import running_app

from gan_demo import checkpoint, importers
from gan_demo.checkpoint import ModelRegistry, converted_dir, read_config
from gan_demo.kind import Kind
from gan_demo.models.esrgan import SRVGGNetCompact

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def test_cli_writes_a_checkpoint_directory_with_its_card(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "realesr"
    assert convert_script.main([str(FIXTURES / "esrgan_srvgg_x4.pth"), str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: SRVGGNetCompact for super-resolution, from esrgan_srvgg_x4.pth" in printed
    assert "format realesrgan" in printed and "BSD-3-Clause" in printed
    config = read_config(out)
    assert config["source"]["sha256"] == importers.sha256(FIXTURES / "esrgan_srvgg_x4.pth")
    assert {p.name for p in out.iterdir()} == {"config.json", "model.safetensors", "README.md"}
    assert config["source"]["sha256"] in (out / "README.md").read_text()


def test_cli_refuses_to_overwrite_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = str(FIXTURES / "zoo_resnet_6blocks_instance.pth")
    assert convert_script.main([source, str(tmp_path / "out")]) == 0
    assert convert_script.main([source, str(tmp_path / "out")]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert convert_script.main([source, str(tmp_path / "out"), "--overwrite", "--arch", "resnet_6blocks"]) == 0


class _Touch:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch '{self.target}'",)


def test_cli_errors_say_what_was_wrong_and_nothing_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    evil = tmp_path / "evil.pth"
    torch.save({"params": {"body.0.weight": torch.zeros(1)}, "x": _Touch(tmp_path / "pwned")}, evil)
    assert convert_script.main([str(evil), str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "system" in err
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "a").exists()
    (tmp_path / "notes.pth").write_text("not a checkpoint")
    assert convert_script.main([str(tmp_path / "notes.pth"), str(tmp_path / "b")]) == 1
    assert "not a readable checkpoint" in capsys.readouterr().err
    assert convert_script.main([str(tmp_path / "missing.pth"), str(tmp_path / "c")]) == 1
    assert "no checkpoint file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        convert_script.main([str(evil), str(tmp_path / "d"), "--format", "onnx"])
    assert "invalid choice: 'onnx'" in capsys.readouterr().err


def test_registry_converts_an_official_file_once_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "horse2zebra_pretrained"
    folder.mkdir()
    shutil.copy(FIXTURES / "zoo_resnet_6blocks_instance.pth", folder / "latest_net_G.pth")
    registry = ModelRegistry([FIXTURES / "esrgan_srvgg_x4.pth", folder / "latest_net_G.pth"], device="cpu")
    assert registry.names(kind=Kind.SUPER_RESOLUTION) == ["esrgan_srvgg_x4"]
    assert registry.names(kind=Kind.TRANSLATION) == ["horse2zebra_pretrained-latest_net_G"]
    directory = registry.directory("horse2zebra_pretrained-latest_net_G")
    assert directory == converted_dir() / importers.sha256(folder / "latest_net_G.pth")
    assert directory.parent == tmp_path / "cache" / "gan_demo" / "converted"
    assert registry.config("horse2zebra_pretrained-latest_net_G")["title"] == "horse2zebra_pretrained-latest_net_G"
    assert registry.get("esrgan_srvgg_x4").model.scale == 4

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("converted twice")

    monkeypatch.setattr(importers, "convert", fail)  # a second start finds the conversion in the cache
    again = ModelRegistry([folder / "latest_net_G.pth"], device="cpu")
    assert again.directory("horse2zebra_pretrained-latest_net_G") == directory
    assert [p.name for p in directory.parent.iterdir() if ".partial-" in p.name] == []


def test_registry_refuses_a_bad_file_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Touch(tmp_path / "pwned")))
    with pytest.raises(importers.UnsafeCheckpointError, match="system"):
        ModelRegistry([tmp_path / "evil.pkl"], device="cpu")
    assert not (tmp_path / "pwned").exists()
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing half-converted is left to be found later


def test_only_the_most_recently_used_large_models_stay_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in "abc":
        checkpoint.save_model(SRVGGNetCompact(channels=4, num_convs=1), tmp_path / name, task="super-resolution")
    monkeypatch.setattr(checkpoint, "LARGE_MODEL_BYTES", 1)  # every model counts as large here
    registry = ModelRegistry([tmp_path], device="cpu", max_models=2)
    a = registry.get("a").model
    registry.get("b"), registry.get("c")
    assert registry.loaded() == ["b", "c"]  # a, the least recently used, was let go
    registry.get("b")
    registry.get("a")
    assert registry.loaded() == ["b", "a"]
    assert registry.get("a").model is not a  # loaded again from its directory
    monkeypatch.setattr(checkpoint, "LARGE_MODEL_BYTES", 2**40)  # small models are never let go
    registry.get("c")
    assert registry.loaded() == ["b", "a", "c"]


def test_max_models_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAN_DEMO_MAX_MODELS", "5")
    assert ModelRegistry([], device="cpu").max_models == 5
    monkeypatch.delenv("GAN_DEMO_MAX_MODELS")
    assert ModelRegistry([], device="cpu").max_models == checkpoint.DEFAULT_MAX_MODELS
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("GAN_DEMO_MAX_MODELS", bad)
        with pytest.raises(ValueError, match="GAN_DEMO_MAX_MODELS must be|max_models must be at least 1"):
            ModelRegistry([], device="cpu")


@pytest.mark.slow
def test_the_served_app_takes_official_files_in_gan_demo_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GAN_DEMO_MODELS=RealESRGAN-style .pth:latest_net_G.pth -> /super_resolve and /translate serve them, 16-bit
    grey and transparent uploads included."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "horse2zebra_pretrained"
    folder.mkdir()
    shutil.copy(FIXTURES / "zoo_resnet_6blocks_instance.pth", folder / "latest_net_G.pth")
    models = os.pathsep.join([str(FIXTURES / "esrgan_rrdb_x2.pth"), str(folder / "latest_net_G.pth")])
    grey16 = np.linspace(0, 65535, 30 * 20).reshape(20, 30).astype(np.uint16)
    Image.fromarray(grey16).save(tmp_path / "grey16.png")
    rgba = Image.new("RGBA", (90, 60), (200, 120, 40, 255))
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 90, dtype=np.uint8), (60, 1))))
    rgba.save(tmp_path / "rgba.png")
    with running_app(Path(models), tmp_path / "server") as url:
        client = make_client(url, tmp_path / "downloads")
        _, png, notes = call(
            client, "/super_resolve", handle_file(str(tmp_path / "grey16.png")), "esrgan_rrdb_x2", 0.7, False
        )
        with Image.open(png) as out:
            assert out.size == (60, 40) and out.mode == "L"  # a grey upload comes back grey
        assert "α has no effect" in notes
        name = "horse2zebra_pretrained-latest_net_G"
        seen, result, compared, notes = call(
            client, "/translate", name, "picture", None, handle_file(str(tmp_path / "rgba.png"))
        )
        with Image.open(result) as out:
            assert out.size == (256, 171)
        assert compared is None and "multiples of 4" in notes
