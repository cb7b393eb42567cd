"""The lab's image mode: the seeded tiny DCGAN trainer, its comparisons, and its UI module."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import gradio as gr
import pytest
import torch

from gan_demo.lab import images
from gan_demo.lab.images import ImageRun, ImageSettings, comparison, train_in_turn
from gan_demo.lab.losses import LOSSES
from gan_demo.lab.slots import RunSlots
from gan_demo.lab.updates import WGAN_CLIP
from gan_demo.ui import lab_images
from gan_demo.ui.text import i18n

pytestmark = pytest.mark.skipif(
    "fashion-mnist" not in images.available_datasets(), reason="needs Debian's dataset-fashion-mnist"
)
SMALL = ImageSettings(batch_size=16)


def weights(run: ImageRun) -> dict[str, torch.Tensor]:
    return {
        **{f"g.{k}": v for k, v in run.g.state_dict().items()},
        **{f"d.{k}": v for k, v in run.d.state_dict().items()},
    }


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize(
    "tricks", [{}, {"d_norm": "none", "spectral_norm": True, "ema": 0.9, "r1": 1.0, "loss": "wgan-gp"}]
)
def test_same_seed_same_weights(tricks: dict) -> None:
    settings = dataclasses.replace(SMALL, **tricks)
    first, second = ImageRun(settings, seed=5), ImageRun(settings, seed=5)
    first.train(3)
    second.train(3)
    assert_same(weights(first), weights(second))
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in first.history] == [
        {k: v for k, v in r.items() if k != "seconds"} for r in second.history
    ]
    assert torch.equal(first.samples(), second.samples())
    other = ImageRun(settings, seed=6)
    other.train(3)
    assert not torch.equal(other.g.to_image.weight, first.g.to_image.weight)


@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_trains_to_finite_images(loss: str) -> None:
    d_norm = "none" if loss == "wgan-gp" else "batch"
    run = ImageRun(dataclasses.replace(SMALL, loss=loss, d_norm=d_norm, label_smoothing=0.1), seed=0)
    rows = run.train(2)
    assert [r["step"] for r in rows] == [1, 2]
    for row in rows:
        assert all(torch.isfinite(torch.tensor(float(row[k]))) for k in ("d_loss", "g_loss", "d_real", "d_fake"))
    grid = run.samples()
    assert grid.shape == (images.GRID_SIZE, 1, 28, 28)
    assert torch.isfinite(grid).all() and grid.min() >= -1 and grid.max() <= 1
    if loss == "wgan-clip":
        assert max(float(p.detach().abs().max()) for p in run.d.parameters()) <= WGAN_CLIP


def test_a_few_steps_teach_d_to_tell_real_from_fake() -> None:
    """The untrained D says 1/2 to everything (loss 2 ln 2); after 25 steps it tells real from fake better than
    chance, and G's samples have moved away from the flat grey of the untrained G."""
    run = ImageRun(dataclasses.replace(SMALL, batch_size=32), seed=0)
    before = run.samples()
    threads = torch.get_num_threads()
    rows = run.train(25)
    assert torch.get_num_threads() == threads  # a run trains on images.TRAIN_THREADS, then gives the setting back
    late = rows[-5:]
    assert sum(r["d_loss"] for r in late) / len(late) < 2 * 0.6931
    assert sum(r["d_real"] - r["d_fake"] for r in late) / len(late) > 0
    assert (run.samples() - before).abs().mean() > 0.05


def test_comparison_runs_start_from_the_same_generator() -> None:
    a, b = comparison("spectral_norm", batch_size=16)
    assert not a.spectral_norm and b.spectral_norm and a.batch_size == b.batch_size == 16
    run_a, run_b = ImageRun(a, seed=1), ImageRun(b, seed=1)
    assert_same(run_a.g.state_dict(), run_b.g.state_dict())
    assert torch.equal(run_a.fixed_z, run_b.fixed_z)
    assert train_in_turn([run_a, run_b], seconds=0.0) == 1  # at least one round
    train_in_turn([run_a, run_b], seconds=0.5)
    assert run_a.step_count == run_b.step_count >= 2
    for name in images.COMPARISONS:
        comparison(name)  # every preset is valid
    with pytest.raises(ValueError, match="unknown comparison"):
        comparison("nope")


def test_ema_shows_the_averaged_generator() -> None:
    run = ImageRun(dataclasses.replace(SMALL, ema=0.9), seed=0)
    run.train(3)
    assert run.shown_generator() is run.g_ema
    assert not torch.equal(run.samples(), run.g.eval()(run.fixed_z).detach())


def test_runs_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_STEPS", 2)
    run = ImageRun(SMALL, seed=0)
    assert len(run.train(10)) == 2 and run.done
    with pytest.raises(ValueError, match="bound"):
        run.step()
    assert train_in_turn([run], seconds=1.0) == 0


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"loss": "gan"}, "loss must be one of"),
        ({"g_lr": 0.5}, "g_lr must be from"),
        ({"d_steps": 1.5}, "d_steps must be a whole number"),
        ({"ema": float("nan")}, "ema must be a number"),
        ({"spectral_norm": "yes"}, "spectral_norm must be true or false"),
        ({"dataset": "cifar10"}, "dataset must be one of"),
        ({"lr": 0.1}, "keys among"),
        ({"d_norm": "layer"}, "d_norm must be one of"),
        ({"loss": "wgan-gp"}, "per-sample"),
        ({"r1": 1.0, "d_norm": "batch"}, "per-sample"),
    ],
)
def test_bad_settings_are_refused(values: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ImageSettings.from_dict(values)


# -- the UI module --------------------------------------------------------------------------------------------------


def lab_values(lab: object, **changes: object) -> dict:
    """The controls' default values, as Gradio passes a set of inputs: component -> value."""
    values = {lab.session: None, lab.dataset: "fashion-mnist", lab.seed: 0, lab.batch_size: 16, lab.two_runs: True}
    for side in lab_images.SIDES:
        values.update({c: c.value for c in lab.controls[side]})
    values.update({getattr(lab, name): value for name, value in changes.items()})
    return values


@pytest.mark.slow
def test_image_lab_builds_trains_and_shares_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_images, "TRAIN_S_PER_TICK", 0.0)  # one round per tick
    slots = RunSlots(1)
    lab = lab_images.ImageLab(slots)
    with gr.Blocks() as demo:
        lab.build()
        lab.load(demo)
    first = gr.Request(headers={"accept-language": "en"}, session_hash="first")
    second = gr.Request(headers={"accept-language": "zh-CN,zh;q=0.9"}, session_hash="second")

    session, _, _ = lab.play(lab_values(lab), first)
    assert [run.settings.spectral_norm for run in session.runs] == [False, True]  # the default comparison
    out = lab.tick(session, first)
    assert "step 1 of 4000" in out[2] and "Run B" in out[2]
    grid_a, losses_a, readout_a, grid_b = out[3:7]
    assert grid_a.size == grid_b.size and grid_a.size[0] >= lab_images.GRID_SIDE
    assert set(losses_a["curve"]) == {"D loss", "G loss"} and set(readout_a["curve"]) == {"D(x)", "D(G(z))"}

    alone, _, _ = lab.play(lab_values(lab, two_runs=False), second)  # another browser: its own single run
    assert len(alone.runs) == 1 and alone.runs[0] is not session.runs[0]
    waiting = lab.tick(alone, second)
    assert "训练名额" in waiting[2] and alone.runs[0].step_count == 0  # all 1 slot busy: it waits, in Chinese

    lab.pause(session, first)  # frees the slot
    assert "第 1 步" in lab.tick(alone, second)[2] and alone.runs[0].step_count == 1
    lab.tick(session, first)  # a paused session's tick trains nothing
    assert session.runs[0].step_count == 1 and not slots.holds(lab_images.slot_key(first))
    lab.close(second)  # the second tab closed
    assert slots.busy() == 0

    monkeypatch.setattr(lab_images, "core_share", lambda busy: 0.25)  # e.g. 4 runs on 2 cores
    trained, start = alone.runs[0].seconds, time.perf_counter()
    lab.tick(alone, second)
    assert time.perf_counter() - start >= 4 * (alone.runs[0].seconds - trained)  # it rests 3/4 of the tick

    with pytest.raises(gr.Error, match="g_lr"):
        lab.play(lab_values(lab) | {lab.controls["B"][lab_images.RUN_FIELDS.index("g_lr")]: 5.0}, first)
    assert lab.preset("wgan")[0] == "wgan-clip"


def test_the_page_opens_on_the_step_0_grids_that_play_starts_from() -> None:
    lab = lab_images.ImageLab(RunSlots(1))
    with gr.Blocks() as demo:
        lab.build()
        lab.load(demo)
    request = gr.Request(headers={"accept-language": "zh-CN,zh;q=0.9"}, session_hash="s")
    status, grid_a, _, _, grid_b, _, _ = lab.opening(lab_values(lab), request)
    assert "第 0 步" in status
    session, _, _ = lab.play(lab_values(lab), request)
    assert [run.step_count for run in session.runs] == [0, 0]
    for shown, run in zip((grid_a, grid_b), session.runs, strict=True):
        assert shown.size[0] >= lab_images.GRID_SIDE
        assert shown.tobytes() == lab_images.grid(run).tobytes()  # the opening grids are those of the runs play makes
    assert grid_a.tobytes() == grid_b.tobytes()  # one seed, one G: the runs differ in D only, and start alike
    one = lab.opening(lab_values(lab, two_runs=False), request)
    assert one[1] is not None and isinstance(one[4], type(gr.skip()))  # B hidden: left as it is


def test_choosing_a_per_sample_penalty_turns_batch_norm_off() -> None:
    assert lab_images.per_sample_norm("wgan-gp", 0.0, "batch") == "none"
    assert lab_images.per_sample_norm("nonsaturating", 1.0, "batch") == "none"
    assert lab_images.per_sample_norm("hinge", 0.0, "batch") == "batch"
    assert lab_images.per_sample_norm("hinge", 0.0, "none") == "none"


CHROMIUM = Path("/usr/bin/chromium")


def grid_frames(page: object, seconds: float) -> set[str]:
    """The distinct images run A's grid showed during `seconds`."""
    frames, end = set(), time.monotonic() + seconds
    while time.monotonic() < end:
        image = page.query_selector("#li-grid-a img")
        if image is not None:
            frames.add(image.get_attribute("src"))
        time.sleep(0.2)
    return frames


@pytest.mark.slow
def test_image_lab_in_chromium() -> None:
    """Play makes the grid change frame after frame, in Chinese for a Chinese browser; pause freezes it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    from served_app import free_port  # scripts/served_app.py, on sys.path through conftest

    lab = lab_images.ImageLab(RunSlots(2))
    with gr.Blocks() as demo:
        lab.build()
        lab.load(demo)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, i18n=i18n, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.click("#li-play")
            page.locator("#li-grid-a img").wait_for()
            assert len(grid_frames(page, 20)) >= 3
            assert "运行 A" in page.inner_text("#li-status")
            page.click("#li-pause")
            time.sleep(3)  # a frame being drawn when pause came may still land
            assert len(grid_frames(page, 4)) == 1
            assert "已暂停" in page.inner_text("#li-status")
            browser.close()
    finally:
        demo.close()


def test_the_page_states_the_bounds_the_trainer_applies() -> None:
    from gan_demo.ui.text import TEXT

    for text in TEXT["li_limits"]:  # English and Chinese
        assert f"{images.MAX_STEPS}" in text and f"{images.MAX_SECONDS:.0f}" in text
