"""The unpaired translation tab's endpoint, /cyclegan, on the served app (gradio_client) and in-process.

tiny-cyclegan (tests/conftest.py) is a 32 px CycleGAN of red <-> blue squares with two held-out examples per
domain (and their true counterparts) in its examples/ folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np
import pytest
from conftest import TINY_SIDE, ZH, call, concurrently, make_client, shown, write_uploads
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

pytestmark = pytest.mark.slow

API = "/cyclegan"
MODEL = "tiny-cyclegan"
DISPLAY = TINY_SIDE * math.ceil(256 / TINY_SIDE)  # imaging.to_pil enlarges by a whole factor to >= 256 px


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, tiny_image_checkpoints: Path) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cyclegan_uploads")
    rng = np.random.default_rng(3)
    made = {
        "photo": Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)),
        "wide": Image.fromarray(rng.integers(0, 256, (30, 90, 3), dtype=np.uint8)),
        "rgba": Image.fromarray(rng.integers(0, 256, (40, 40, 4), dtype=np.uint8), "RGBA"),
        "huge": Image.new("RGB", (2049, 2048), "white"),
    }
    paths = write_uploads(folder, made)
    examples = tiny_image_checkpoints / MODEL / "examples"
    paths["example_a"], paths["example_b"] = (str(next(examples.glob(f"{d}_*.png"))) for d in "AB")
    return paths


def run(client: Client, path: str, direction: str = "AtoB", *model: str) -> Any:
    return call(client, API, handle_file(path), direction, *(model or (MODEL,)))


def pixels(path: str) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_example_gives_translation_cycle_and_its_true_counterpart_score(client: Client, files: dict[str, str]) -> None:
    translated, reconstructed, notes = run(client, files["example_a"])
    for path in (translated, reconstructed):
        assert pixels(path).shape == (DISPLAY, DISPLAY, 3)
    assert "A → B" in notes and "held-out example" in notes and "cycle back scores" in notes
    _, _, notes_b = run(client, files["example_b"], "BtoA")
    assert "B → A" in notes_b and "held-out example" in notes_b


def test_same_input_twice_same_pixels_and_directions_differ(client: Client, files: dict[str, str]) -> None:
    first, second = run(client, files["photo"]), run(client, files["photo"])
    for a, b in zip(first[:2], second[:2], strict=True):
        np.testing.assert_array_equal(pixels(a), pixels(b))
    other = run(client, files["photo"], "BtoA")
    assert not np.array_equal(pixels(first[0]), pixels(other[0]))
    assert "no true counterpart" in first[2]


def test_uploads_of_any_shape_and_transparency(client: Client, files: dict[str, str]) -> None:
    translated, _, notes = run(client, files["wide"])
    assert pixels(translated).shape == (DISPLAY, DISPLAY, 3) and "centre was cropped" in notes
    translated, _, _ = run(client, files["rgba"])
    assert pixels(translated).shape == (DISPLAY, DISPLAY, 3)


def test_concurrent_requests_match_sequential_ones(
    server: str, downloads: Path, files: dict[str, str], recomputing_client: Client
) -> None:
    inputs = [(files["photo"], "AtoB"), (files["wide"], "BtoA"), (files["example_a"], "AtoB"), (files["rgba"], "BtoA")]
    results = concurrently(server, downloads, [lambda client, i=i: run(client, *inputs[i]) for i in range(len(inputs))])
    alone_client = recomputing_client
    for i, (path, direction) in enumerate(inputs):
        alone = run(alone_client, path, direction)
        for a, b in zip(results[i][:2], alone[:2], strict=True):
            np.testing.assert_array_equal(pixels(a), pixels(b))


@pytest.mark.parametrize(
    ("kind", "mentions"),
    [
        pytest.param("text", ["notes.txt", "not a readable image"], id="text-file"),
        pytest.param("huge", ["huge.png", "2049 × 2048", "above the limit"], id="too-large"),
        pytest.param(None, ["No image was given"], id="no-upload"),
    ],
)
def test_bad_upload_is_refused_clearly(
    client: Client, files: dict[str, str], kind: str | None, mentions: list[str]
) -> None:
    with pytest.raises(AppError) as refused:
        call(client, API, handle_file(files[kind]) if kind else None, "AtoB", MODEL)
    for word in mentions:
        assert word in str(refused.value), f"{refused.value} should mention {word!r}"
    assert len(run(client, files["photo"])) == 3  # and the server keeps serving


def test_unknown_direction_and_wrong_model_are_refused(client: Client, files: dict[str, str]) -> None:
    with pytest.raises(AppError, match="sideways"):  # Gradio's own check of the radio's choices
        run(client, files["photo"], "sideways")
    with pytest.raises(AppError) as refused:  # Gradio's check of the dropdown's choices (in-process: ours)
        run(client, files["photo"], "AtoB", "tiny-pix2pix")
    assert "tiny-pix2pix" in str(refused.value) and MODEL in str(refused.value)


def test_errors_and_notes_in_chinese(server: str, downloads: Path, files: dict[str, str]) -> None:
    zh = make_client(server, downloads, headers=ZH)
    with pytest.raises(AppError, match="没有收到图片：请先上传一张图片。"):
        call(zh, API, None, "AtoB", MODEL)
    with pytest.raises(AppError, match="不是可读取的图片"):
        run(zh, files["text"])
    _, _, notes = run(zh, files["example_a"])
    assert "这是一个留出示例" in notes and "32 × 32 像素" in notes


def test_handler_in_process(app: Any, files: dict[str, str]) -> None:
    tab = app.cyclegan
    request = SimpleNamespace(headers=ZH)
    with pytest.raises(gr.Error) as refused:
        tab.cyclegan(files["photo"], "sideways", MODEL, request=request)
    assert refused.value.message == "未知方向 'sideways'：可选 AtoB, BtoA。"
    with pytest.raises(gr.Error) as refused:
        tab.cyclegan(files["photo"], "AtoB", "tiny-pix2pix", request=None)
    assert "Image-to-image translation" in refused.value.message and MODEL in refused.value.message
    translated, reconstructed, _ = tab.cyclegan(files["photo"], "AtoB", MODEL, request=None)
    assert shown(translated).size == shown(reconstructed).size == (DISPLAY, DISPLAY)
    # the examples' counterparts: shown for an example, nothing for an upload
    truth = tab.show_counterpart(files["example_b"], MODEL)
    assert truth is not None and shown(truth).size == (DISPLAY, DISPLAY)
    assert tab.show_counterpart(files["photo"], MODEL) is None and tab.show_counterpart(files["text"], MODEL) is None
    assert {direction for _, direction in tab.examples} == {"AtoB", "BtoA"}
