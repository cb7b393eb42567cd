"""Shared fixtures: tiny checkpoints made by a real 2-step scripts/train.py run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import train as train_script  # noqa: E402  (scripts/train.py)

TINY = ["--g-channels", "4", "--d-channels", "8", "--batch-size", "8", "--latent-dim", "16", "--log-every", "1"]


def run_train(out: Path, family: str, *extra: str, steps: int = 2) -> Path:
    """Run scripts/train.py in-process with a tiny model; returns the exported checkpoint directory."""
    export = out / f"tiny-{family}"
    argv = ["--family", family, "--out", str(out / f"run-{family}"), "--export", str(export), "--steps", str(steps)]
    assert train_script.main([*argv, *TINY, *extra]) == 0
    return export


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with tiny-dcgan, tiny-wgan-gp and tiny-cgan, each trained 2 steps on Fashion-MNIST."""
    runs = tmp_path_factory.mktemp("runs")
    models = tmp_path_factory.mktemp("models")
    for family in ("dcgan", "wgan-gp", "cgan"):
        run_train(runs, family).rename(models / f"tiny-{family}")
    return models
