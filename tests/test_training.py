"""scripts/train.py: short real runs, resume, divergence, torchrun, own data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import train as train_script
import train_classifier as classifier_script
from conftest import ROOT, TINY, run_train
from PIL import Image

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model
from gan_demo.training import dcgan
from gan_demo.training.state import load_state, save_state


def test_tiny_runs_export_checkpoints_the_app_loads(tiny_checkpoints: Path) -> None:
    registry = ModelRegistry([tiny_checkpoints], device="cpu")
    assert sorted(registry.names()) == ["tiny-cgan", "tiny-dcgan", "tiny-stylegan", "tiny-wgan-gp"]
    for name in registry.names():
        loaded = registry.get(name)
        directory = tiny_checkpoints / name
        for artefact in ("README.md", "samples.png", "losses.png", "config.json", "model.safetensors"):
            assert (directory / artefact).exists(), (name, artefact)
        training = loaded.config["training"]
        assert training["steps"] == 2 and training["commands"][0].startswith("python ")
        images = (
            ops.sample_class(loaded.model, 3, [1, 2]) if loaded.is_conditional else ops.sample(loaded.model, [1, 2])
        )
        shape = (2, 3, 16, 16) if name == "tiny-stylegan" else (2, 1, 28, 28)
        assert images.shape == shape and torch.isfinite(images).all()
    assert registry.get("tiny-cgan").class_names[7] == "Sneaker"


def test_log_has_losses_and_discriminator_outputs(tiny_checkpoints: Path) -> None:
    log = next(tiny_checkpoints.parent.glob("runs*/run-dcgan/log.jsonl"))
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "images_seen"} <= rows[0].keys()
    assert 0 <= rows[0]["d_real"] <= 1


@pytest.mark.parametrize("d_norm", ["batch", "spectral"])
def test_resumed_run_continues_exactly_like_an_uninterrupted_one(tmp_path: Path, d_norm: str) -> None:
    straight = run_train(tmp_path / "a", "dcgan", "--d-norm", d_norm, steps=4)
    run_train(tmp_path / "b", "dcgan", "--d-norm", d_norm, steps=2)
    resumed = run_train(tmp_path / "b", "dcgan", "--d-norm", d_norm, "--resume", steps=4)
    state = load_state(tmp_path / "b" / "run-dcgan" / "state.pt")
    assert state["step"] == 4 and len(state["commands"]) == 2
    a, _ = load_model(straight)
    b, _ = load_model(resumed)
    for (name, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(pa, pb), name
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "run-dcgan" / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


def test_existing_run_is_not_overwritten_without_resume(tmp_path: Path) -> None:
    run_train(tmp_path, "dcgan", steps=1)
    with pytest.raises(FileExistsError, match="--resume"):
        run_train(tmp_path, "dcgan", steps=1)


def test_resume_refuses_a_different_model(tmp_path: Path) -> None:
    run_train(tmp_path, "dcgan", steps=1)
    argv = ["--family", "dcgan", "--out", str(tmp_path / "run-dcgan"), "--steps", "2", "--resume", *TINY]
    argv[argv.index("--g-channels") + 1] = "8"
    with pytest.raises(ValueError, match="g_channels"):
        train_script.main(argv)


def test_non_finite_loss_stops_training_and_keeps_the_last_good_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_train(tmp_path, "dcgan", steps=2)
    state_path = tmp_path / "run-dcgan" / "state.pt"
    before = state_path.read_bytes()
    monkeypatch.setattr(dcgan, "d_bce_loss", lambda *a, **k: torch.tensor(float("nan"), requires_grad=True))
    argv = ["--family", "dcgan", "--out", str(tmp_path / "run-dcgan"), "--steps", "4", "--resume", *TINY]
    assert train_script.main(argv) == 2
    assert "non-finite d_loss at step 3" in capsys.readouterr().err
    assert state_path.read_bytes() == before
    assert load_state(state_path)["step"] == 2


def test_state_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.pt"
    save_state(path, {"step": 1})

    def killed_mid_write(obj: object, f: str | os.PathLike[str]) -> None:
        Path(f).write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        save_state(path, {"step": 2})
    monkeypatch.undo()
    assert load_state(path) == {"step": 1}


def _image_folder(root: Path, classes: int = 2, per_class: int = 6) -> Path:
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (20 + i, 24, 3), dtype=np.uint8)  # odd sizes: centre-cropped
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i}.png")
    return root


@pytest.mark.parametrize("family", ["dcgan", "cgan"])
def test_training_on_an_image_folder(tmp_path: Path, family: str) -> None:
    data = _image_folder(tmp_path / "data")
    folder_args = ("--dataset", "folder", "--data-root", str(data), "--image-size", "16", "--batch-size", "4")
    export = run_train(tmp_path, family, *folder_args)
    model, config = load_model(export)
    assert config["image_size"] == 16 and config["image_channels"] == 3
    assert config["class_names"] == (["class0", "class1"] if family == "cgan" else [])
    images = ops.sample_class(model, 1, [0]) if family == "cgan" else ops.sample(model, [0])
    assert images.shape == (1, 3, 16, 16)


def test_classifier_family_trains_and_exports(tmp_path: Path) -> None:
    data = _image_folder(tmp_path / "data", per_class=8)
    argv = ["--dataset", "folder", "--data-root", str(data), "--image-size", "16",
            "--channels", "1", "--epochs", "1", "--batch-size", "4", "--export", str(tmp_path / "clf")]  # fmt: skip
    assert classifier_script.main(argv) == 0
    model, config = load_model(tmp_path / "clf")
    assert config["role"] == "classifier" and 0 <= config["metrics"]["test_accuracy"] <= 1
    assert model(torch.zeros(2, 1, 16, 16)).shape == (2, 2)


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29561",
               str(ROOT / "scripts" / "train.py"), "--family", "wgan-gp", "--out", str(tmp_path / "run"),
               "--steps", "2", *TINY]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    _, config = load_model(tmp_path / "run" / "model")
    assert config["training"]["hardware"].endswith("x2 processes")
    assert config["training"]["images_seen"] == 2 * 5 * 8 * 2  # steps * n_critic * batch * processes
