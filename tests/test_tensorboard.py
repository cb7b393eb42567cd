"""scripts/train.py --tensorboard: event files beside log.jsonl, and a clear message without the package."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import train as train_script  # scripts/train.py (tests/conftest.py puts scripts/ on the path)
from conftest import TINY, run_train

from gan_demo.training.report import tensorboard_tag


def test_a_two_step_run_writes_losses_discriminator_outputs_and_samples(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_train(tmp_path, "dcgan", "--tensorboard", "--sample-every", "1")
    events = tmp_path / "run-dcgan" / "tensorboard"
    assert list(events.glob("events.out.tfevents.*"))
    log = EventAccumulator(str(events)).Reload()
    scalars = log.Tags()["scalars"]
    assert {"loss/d_loss", "loss/g_loss", "discriminator/D(x) real", "discriminator/D(G(z)) generated"} <= set(scalars)
    assert "progress/images_seen" in scalars
    assert [e.step for e in log.Scalars("loss/g_loss")] == [1, 2]  # --log-every 1: one value per step
    rows = [json.loads(line) for line in (tmp_path / "run-dcgan" / "log.jsonl").read_text().splitlines()]
    assert [e.value for e in log.Scalars("loss/g_loss")] == pytest.approx([r["g_loss"] for r in rows])
    assert [e.step for e in log.Images("samples")] == [1, 2, 2]  # every step's grid, then the exported model's


def test_tags_group_the_logged_values() -> None:
    assert tensorboard_tag("g_loss") == "loss/g_loss"
    assert tensorboard_tag("d_fake") == "discriminator/D(G(z)) generated"
    assert tensorboard_tag("gp") == "train/gp"
    assert tensorboard_tag("images_seen") == "progress/images_seen"


def test_without_the_package_the_option_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "tensorboard" else find_spec(name))
    with pytest.raises(SystemExit):
        train_script.main(["--family", "dcgan", "--out", str(tmp_path / "run"), "--tensorboard", *TINY])
    assert "pip install tensorboard" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing started
