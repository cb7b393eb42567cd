"""timelapse.gif: a run's sample grids over training, in its checkpoint, its card and the Models view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import run_train
from PIL import Image, ImageSequence

from gan_demo.checkpoint import ModelRegistry
from gan_demo.training import report
from gan_demo.ui.models import ModelCards


def gif_frames(path: Path) -> list[Image.Image]:
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.info["loop"] == 0  # loops for ever
        return [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]


def test_spread_keeps_the_first_and_last_and_spaces_the_rest_evenly() -> None:
    assert report.spread(5, 24) == [0, 1, 2, 3, 4]
    picked = report.spread(100, 24)
    assert len(picked) == 24 and picked[0] == 0 and picked[-1] == 99
    gaps = np.diff(picked)
    assert gaps.min() >= 4 and gaps.max() <= 5, gaps
    assert report.spread(0, 24) == []


def test_many_grids_give_a_bounded_ordered_labelled_timelapse(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    for step in range(10, 510, 10):  # 50 grids, each one flat grey level that encodes its step
        Image.new("RGB", (64, 48), (step // 2,) * 3).save(samples / f"step_{step:07d}.png")
    Image.new("RGB", (64, 48), "red").save(samples / "step_0000600.png")  # past the run's last state: left out
    out = tmp_path / "timelapse.gif"

    steps = report.write_timelapse(samples, out, last_step=500, images_per_step=64)

    assert len(steps) == report.TIMELAPSE_SHAPES[0][0] and steps[0] == 10 and steps[-1] == 500
    assert steps == sorted(steps)
    frames = gif_frames(out)
    assert len(frames) == len(steps)
    for step, frame in zip(steps, frames, strict=True):
        grid = np.asarray(frame)[report.LABEL_STRIP :, :64]
        assert (grid == step // 2).all(), step  # the frames are the grids, in the order of their steps
        label = np.asarray(frame)[: report.LABEL_STRIP]
        assert label.min() < 100 and label.max() == 255  # dark text on the white strip
    with Image.open(out) as gif:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    assert durations == [report.TIMELAPSE_FRAME_MS] * (len(steps) - 1) + [report.TIMELAPSE_LAST_MS]
    first = out.read_bytes()
    report.write_timelapse(samples, out, last_step=500, images_per_step=64)
    assert out.read_bytes() == first  # deterministic


def test_large_noisy_grids_are_shrunk_under_the_byte_budget(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    rng = np.random.default_rng(0)
    for step in range(1, 13):  # noise, GIF's worst case: 12 frames of 600 x 500 would take 2.3 MB
        Image.fromarray(rng.integers(0, 256, (500, 600, 3), dtype=np.uint8)).save(samples / f"step_{step:07d}.png")
    out = tmp_path / "timelapse.gif"
    report.write_timelapse(samples, out, last_step=12, images_per_step=1)
    size = out.stat().st_size
    assert size <= report.TIMELAPSE_BYTES, size
    frames = gif_frames(out)
    assert len(frames) == 12 and frames[0].width < report.TIMELAPSE_SHAPES[0][1]  # reduced, not cut
    assert frames[0].height - report.LABEL_STRIP == round(frames[0].width * 500 / 600)


def test_no_grids_no_timelapse_and_an_old_one_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "timelapse.gif"
    out.write_bytes(b"another run's")
    assert report.write_timelapse(tmp_path / "samples", out, last_step=10, images_per_step=1) == []
    assert not out.exists()


def test_a_tiny_run_exports_its_timelapse_linked_in_card_and_models_view(tmp_path: Path) -> None:
    model = run_train(tmp_path, "dcgan", "--sample-every", "1", steps=3)
    grids = sorted((tmp_path / "run-dcgan" / "samples").glob("step_*.png"))
    assert [p.name for p in grids] == ["step_0000001.png", "step_0000002.png", "step_0000003.png"]
    pictures = [np.asarray(Image.open(p).convert("RGB")) for p in grids]
    assert not np.array_equal(pictures[0], pictures[2])  # training changed the samples: order is visible

    frames = gif_frames(model / "timelapse.gif")
    assert len(frames) == 3
    for picture, frame in zip(pictures, frames, strict=True):  # grey grids: the GIF's palette holds them exactly
        assert np.array_equal(np.asarray(frame)[report.LABEL_STRIP :], picture)
    assert (model / "timelapse.gif").stat().st_size < 2_000_000
    card = (model / "README.md").read_text(encoding="utf-8")
    assert "](timelapse.gif)" in card and card.index("](losses.png)") < card.index("](timelapse.gif)")

    cards = ModelCards(ModelRegistry([tmp_path], device="cpu"))
    _, _, _, losses, timelapse, missing = cards.card(model.name)
    # served as copies in the app's result folder (a checkpoint may live outside what Gradio serves)
    assert Path(losses).read_bytes() == (model / "losses.png").read_bytes()
    assert Path(timelapse).read_bytes() == (model / "timelapse.gif").read_bytes()
    assert missing == ""


def test_resuming_a_finished_run_draws_its_pictures_again_and_keeps_the_model(tmp_path: Path) -> None:
    model = run_train(tmp_path, "dcgan", "--sample-every", "1", steps=2)
    config = model / "config.json"
    config.write_text(config.read_text(encoding="utf-8").replace('"training"', '"metrics": {"fd": 1.5}, "training"'))
    (model / "timelapse.gif").unlink()
    kept = {name: (model / name).read_bytes() for name in ("config.json", "model.safetensors")}
    state = (tmp_path / "run-dcgan" / "state.pt").read_bytes()

    assert run_train(tmp_path, "dcgan", "--sample-every", "1", "--resume", steps=2) == model

    assert len(gif_frames(model / "timelapse.gif")) == 2
    assert {name: (model / name).read_bytes() for name in kept} == kept  # weights and evaluate.py's metrics stay
    assert (tmp_path / "run-dcgan" / "state.pt").read_bytes() == state  # no session recorded: nothing trained
    assert "- fd: 1.5" in (model / "README.md").read_text(encoding="utf-8")
