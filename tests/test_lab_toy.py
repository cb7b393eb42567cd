"""The 2D playground's core without Gradio: determinism, the metrics on known answers, live settings, the presets."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from gan_demo.lab import render, toy
from gan_demo.lab.losses import LOSSES, d_loss, g_loss, gradient_penalty, r1_penalty
from gan_demo.lab.presets import PRESETS, preset_settings

SMALL = {"g_width": 16, "d_width": 16, "batch_size": 32}


def _weights(run: toy.ToyRun) -> list[torch.Tensor]:
    return [p.detach().clone() for p in [*run.g.parameters(), *run.d.parameters()]]


@pytest.mark.parametrize("loss", LOSSES)
def test_same_seed_same_trajectory_bit_for_bit(loss: str) -> None:
    settings = {**SMALL, "loss": loss, "d_steps": 2, "r1": 1.0, "ema": 0.9, "spectral_norm": loss == "hinge"}
    runs = [toy.ToyRun(toy.ToySettings(**settings), seed=3) for _ in range(2)]
    for run in runs:
        for mode in ("both", "d", "g", "both"):
            run.step(mode)
    assert runs[0].history == runs[1].history
    for a, b in zip(_weights(runs[0]), _weights(runs[1]), strict=True):
        assert torch.equal(a, b)
    other = toy.ToyRun(toy.ToySettings(**settings), seed=4)
    other.step()
    assert not torch.equal(_weights(other)[0], _weights(runs[0])[0])


def test_steps_do_not_touch_the_global_rng() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    run = toy.ToyRun(toy.ToySettings(**SMALL, loss="wgan-gp", spectral_norm=True), seed=1)
    run.step()
    assert torch.equal(torch.rand(3), expected)


def test_step_modes_update_only_their_network() -> None:
    run = toy.ToyRun(toy.ToySettings(**SMALL), seed=0)
    g_before, d_before = [p.clone() for p in run.g.parameters()], [p.clone() for p in run.d.parameters()]
    row = run.step("d")
    assert row["g_loss"] is None and row["d_loss"] is not None
    assert all(torch.equal(a, b) for a, b in zip(g_before, run.g.parameters(), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, run.d.parameters(), strict=True))
    d_now = [p.clone() for p in run.d.parameters()]
    row = run.step("g")
    assert row["d_loss"] is None and row["g_loss"] is not None
    assert all(torch.equal(a, b) for a, b in zip(d_now, run.d.parameters(), strict=True))
    with pytest.raises(ValueError, match="step mode"):
        run.step("x")


def test_settings_change_while_running_keeps_weights_unless_the_architecture_changes() -> None:
    run = toy.ToyRun(toy.ToySettings(**SMALL), seed=0)
    run.train(3)
    weights = _weights(run)
    changed = dataclasses.replace(run.settings, loss="hinge", g_lr=1e-4, d_steps=3, dataset="grid", batch_size=8)
    run.update(changed)
    assert all(torch.equal(a, b) for a, b in zip(weights, _weights(run), strict=True))
    assert run.g_opt.param_groups[0]["lr"] == 1e-4
    run.step()
    assert run.step_count == 4
    g_before = [p.clone() for p in run.g.parameters()]
    run.update(dataclasses.replace(run.settings, d_width=8))  # a new D; G keeps its weights
    assert run.d[0].out_features == 8
    assert all(torch.equal(a, b) for a, b in zip(g_before, run.g.parameters(), strict=True))


def test_mode_metrics_on_known_answers() -> None:
    modes = toy.mixture_modes("ring")
    assert len(modes) == 8
    on_every_mode = modes.repeat(50, 1)
    assert toy.mode_metrics(on_every_mode, modes) == {"modes_covered": 8, "modes_total": 8, "high_quality": 1.0}
    on_one = modes[:1].repeat(400, 1)
    assert toy.mode_metrics(on_one, modes) == {"modes_covered": 1, "modes_total": 8, "high_quality": 1.0}
    far = torch.zeros(400, 2)  # the centre of the ring: 2 away from every mode, no sample of high quality
    assert toy.mode_metrics(far, modes)["modes_covered"] == 0
    # Just inside and just outside 3 sigma.
    near = modes + torch.tensor([toy.QUALITY_SIGMAS * toy.MODE_STD * 0.99, 0.0])
    outside = modes + torch.tensor([toy.QUALITY_SIGMAS * toy.MODE_STD * 1.01, 0.0])
    assert toy.mode_metrics(near, modes)["high_quality"] == 1.0
    assert toy.mode_metrics(outside, modes)["high_quality"] == 0.0
    assert len(toy.mixture_modes("grid")) == 25


def test_js_divergence_bounds() -> None:
    g = torch.Generator().manual_seed(0)
    points = torch.randn(2000, 2, generator=g)
    assert toy.js_divergence(points, points) == 0.0
    assert toy.js_divergence(points * 0.1 - 2.5, points * 0.1 + 2.5) == pytest.approx(1.0)


@pytest.mark.parametrize("kind", LOSSES)
def test_losses_are_finite_and_g_loss_prefers_realistic_fakes(kind: str) -> None:
    real, fake = torch.full((4,), 2.0), torch.full((4,), -2.0)
    assert math.isfinite(float(d_loss(kind, real, fake, 0.1)))
    # Fakes that D rates as real cost G less than fakes D rates as fake.
    assert g_loss(kind, torch.full((4,), 2.0)) < g_loss(kind, torch.full((4,), -2.0))
    assert d_loss(kind, real, fake) < d_loss(kind, fake, real)
    with pytest.raises(ValueError, match="unknown loss"):
        d_loss("nope", real, fake)


def test_penalties_on_points() -> None:
    linear = torch.nn.Linear(2, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[3.0, 4.0]]))  # gradient norm 5 everywhere
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert gradient_penalty(linear, real, fake).item() == pytest.approx(16.0)
    assert r1_penalty(linear, real).item() == pytest.approx(25.0)


def test_spectral_norm_keeps_d_near_1_lipschitz() -> None:
    layer = toy.mlp(16, 16, 0, 16, generator=torch.Generator().manual_seed(0), spectral=True)[0]
    with torch.no_grad():
        layer.weight.mul_(10)
    for _ in range(30):  # power iterations converge
        layer(torch.zeros(1, 16))
    with torch.no_grad():
        v = torch.nn.functional.normalize(layer.weight.T @ layer.u, dim=0)
        normalised = layer.weight / (layer.u @ layer.weight @ v)
        assert float(torch.linalg.matrix_norm(normalised, ord=2)) == pytest.approx(1.0, abs=1e-3)


def test_bad_settings_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="loss must be one of"):
        toy.ToySettings.from_dict({"loss": "magic"})
    with pytest.raises(ValueError, match="unknown settings lr"):
        toy.ToySettings.from_dict({"lr": 1})
    with pytest.raises(ValueError, match="g_width must be between"):
        toy.ToySettings.from_dict({"g_width": 10_000})
    with pytest.raises(ValueError, match="needs points"):
        toy.ToySettings.from_dict({"dataset": "drawn"})
    drawn = toy.ToySettings.from_dict({"dataset": "drawn", "points": [[0.5, 0.5], [-1, 1]]})
    data = toy.sample_data(drawn, 100, torch.Generator().manual_seed(0))
    assert torch.cdist(data, torch.tensor(drawn.points)).min(1).values.max() < 0.5


@pytest.mark.parametrize("dataset", toy.DATASETS[:-1])
def test_every_dataset_and_noise_renders(dataset: str) -> None:
    for noise_dim, noise in ((1, "uniform"), (2, "gaussian")):
        run = toy.ToyRun(toy.ToySettings(**SMALL, dataset=dataset, noise_dim=noise_dim, noise=noise), seed=0)
        run.train(2)
        assert run.view_real.abs().max() <= toy.VIEW
        image = render.frame(run)
        assert image.size == (render.VIEW_SIZE, render.VIEW_SIZE + render.PLOT_HEIGHT)
    bare = render.view_image(run, layers=())
    pixels = np.asarray(bare).astype(int)
    assert (pixels.max(-1) == pixels.min(-1)).all()  # white and the step counter's greys: no layer drawn


def test_to_plane_inverts_to_pixels() -> None:
    point = torch.tensor([[1.25, -2.0]])
    x, y = render.to_pixels(point)[0]
    assert render.to_plane(x, y) == pytest.approx((1.25, -2.0), abs=0.02)
    assert render.to_plane(10, render.VIEW_SIZE + 5) is None  # on the plots


def test_preset_settings_are_complete_and_valid() -> None:
    for name in PRESETS:
        settings = preset_settings(name)
        toy.ToySettings.from_dict(settings).validate()
    with pytest.raises(ValueError, match="unknown preset"):
        preset_settings("nope")
