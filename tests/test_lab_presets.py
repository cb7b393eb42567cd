"""Each 2D preset, trained in-process for its steps with its seed, ends in the regime it claims (lab/presets.py)."""

from __future__ import annotations

import dataclasses

import pytest

from gan_demo.lab.presets import PRESETS
from gan_demo.lab.toy import ToyRun


def trained(name: str, **changes: object) -> ToyRun:
    preset = PRESETS[name]
    run = ToyRun(dataclasses.replace(preset.toy_settings(), **changes), preset.seed)
    run.train(preset.steps)
    return run


def mean_last(run: ToyRun, key: str, rows: int = 50) -> float:
    return sum(row[key] for row in run.history[-rows:]) / rows


@pytest.fixture(scope="module")
def collapsed() -> ToyRun:
    return trained("mode_collapse")


@pytest.fixture(scope="module")
def strong_d() -> ToyRun:
    return trained("d_too_strong")


def test_mode_collapse(collapsed: ToyRun) -> None:
    assert collapsed.metrics()["modes_covered"] <= 2


def test_wgan_gp_recovers_with_the_same_seed(collapsed: ToyRun) -> None:
    assert PRESETS["wgan_gp"].seed == PRESETS["mode_collapse"].seed
    metrics = trained("wgan_gp").metrics()
    assert metrics["modes_covered"] >= 7
    assert metrics["js"] < collapsed.metrics()["js"]


def test_ttur_covers_the_modes_that_a_faster_g_drops(collapsed: ToyRun) -> None:
    ttur = PRESETS["ttur"].toy_settings()
    assert ttur.d_lr > ttur.g_lr and PRESETS["mode_collapse"].toy_settings().g_lr > ttur.g_lr
    assert trained("ttur").metrics()["modes_covered"] >= 7


def test_saturating_loss_vanishes_where_the_non_saturating_one_does_not() -> None:
    saturating = trained("saturating")
    metrics = saturating.metrics()
    assert mean_last(saturating, "d_fake") < 0.01  # D says "fake" with certainty ...
    assert metrics["g_grad"] < 1e-3  # ... where log(1 - D) is flat: no gradient for G
    assert metrics["js"] > 0.95  # and G never reached the data
    fixed = trained("saturating", loss="nonsaturating").metrics()
    assert fixed["g_grad"] > 1.0
    assert fixed["js"] < metrics["js"] - 0.1


def test_d_too_strong(strong_d: ToyRun) -> None:
    assert mean_last(strong_d, "d_real") - mean_last(strong_d, "d_fake") > 0.5
    assert strong_d.metrics()["modes_covered"] <= 3


def test_spectral_norm_tames_the_strong_d(strong_d: ToyRun) -> None:
    assert PRESETS["spectral_norm"].toy_settings() == dataclasses.replace(strong_d.settings, spectral_norm=True)
    run = trained("spectral_norm")
    assert abs(mean_last(run, "d_real") - mean_last(run, "d_fake")) < 0.1
    assert run.metrics()["modes_covered"] >= 7
