"""The image-to-image translation tab's endpoint, /translate, on the served app (gradio_client) and in-process.

tiny-pix2pix (L1 + GAN) and tiny-l1 (L1 only) are 32 px U-Nets with 3-channel inputs (tests/conftest.py);
the shipped avatar models take 1 channel, which the in-process tests cover with the same handler.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np
import pytest
from conftest import TINY_SIDE, ZH, call, concurrently, make_client, png, shown, write_uploads
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, ImageDraw

pytestmark = pytest.mark.slow

API = "/translate"
DISPLAY = TINY_SIDE * math.ceil(256 / TINY_SIDE)  # imaging.to_pil enlarges by a whole factor to >= 256 px


def drawing(size: tuple[int, int] = (96, 96), seed: int = 0, mode: str = "RGB", ink: str = "black") -> Image.Image:
    """A few strokes on white paper (or on a transparent sheet for mode RGBA)."""
    rng = np.random.default_rng(seed)
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else "white")
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        points = [tuple(int(v) for v in rng.integers(4, min(size) - 4, 2)) for _ in range(3)]
        draw.line(points, fill=ink, width=max(2, min(size) // 40))
    return image


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("translate_uploads")
    made = {
        "drawing": drawing(),
        "drawing2": drawing(seed=1),
        "wide": drawing((200, 60), seed=2),
        "rgba": drawing(mode="RGBA", ink="crimson"),
        "blank": Image.new("RGBA", (512, 512), (0, 0, 0, 0)),  # an untouched sketchpad
        "white": Image.new("RGB", (80, 80), "white"),
        "picture": Image.new("RGB", (120, 90), (230, 200, 60)),
    }
    ImageDraw.Draw(made["picture"]).ellipse((20, 10, 100, 80), fill=(40, 90, 200))
    return write_uploads(folder, made)


def sketch(path: str) -> dict[str, Any]:
    """The sketchpad's value as gradio_client sends it: the composite is what counts."""
    return {"background": None, "layers": [], "composite": handle_file(path)}


def translate_sketch(client: Client, path: str, model: str = "tiny-pix2pix") -> Any:
    return call(client, API, model, "sketch", sketch(path), None)


def translate_upload(client: Client, path: str, source: str = "drawing", model: str = "tiny-pix2pix") -> Any:
    return call(client, API, model, source, None, handle_file(path))


def pixels(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def assert_display(path: str) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (DISPLAY, DISPLAY), (path, image.size)


# -- results ----------------------------------------------------------------------------------------------------


def test_drawing_gives_seen_result_and_l1_baseline_at_display_size(client: Client, files: dict[str, str]) -> None:
    seen, result, compared, notes = translate_sketch(client, files["drawing"])
    for path in (seen, result, compared):
        assert_display(path)
    assert (pixels(seen) < 128).any() and (pixels(seen) > 128).any()  # black lines on white
    assert "32 × 32" in notes and "tiny-l1" in notes


def test_same_input_twice_same_pixels(client: Client, files: dict[str, str]) -> None:
    first = translate_sketch(client, files["drawing"])
    again = translate_sketch(client, files["drawing"])
    other = translate_sketch(client, files["drawing2"])
    for a, b in zip(first[:3], again[:3], strict=True):
        np.testing.assert_array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(first[0]), pixels(other[0]))


def test_upload_of_a_drawing_equals_the_same_sketch(client: Client, files: dict[str, str]) -> None:
    drawn = translate_sketch(client, files["drawing"])
    uploaded = translate_upload(client, files["drawing"], "drawing")
    for a, b in zip(drawn[:3], uploaded[:3], strict=True):
        np.testing.assert_array_equal(pixels(a), pixels(b))


def test_transparent_coloured_and_non_square_drawings(client: Client, files: dict[str, str]) -> None:
    seen, result, _, _ = translate_sketch(client, files["rgba"])  # crimson strokes on a transparent sheet
    assert (pixels(seen) < 128).any() and pixels(seen)[0, 0].tolist() == [255, 255, 255]
    seen, _, _, notes = translate_upload(client, files["wide"], "drawing")
    assert_display(seen)
    assert "padded with white" in notes
    assert (pixels(seen)[:8] == 255).all()  # the white band above a wide drawing


def test_picture_is_turned_into_edges_first(client: Client, files: dict[str, str]) -> None:
    seen, result, compared, notes = translate_upload(client, files["picture"], "picture")
    for path in (seen, result, compared):
        assert_display(path)
    lines = (pixels(seen)[..., 0] < 128).mean()
    assert 0.005 < lines < 0.4, lines  # an outline, not a filled shape
    assert "Edges were extracted" in notes and "padded with white" in notes  # 120 x 90: not square


def test_concurrent_requests_match_sequential_ones(
    server: str, downloads: Path, files: dict[str, str], recomputing_client: Client
) -> None:
    inputs = [files[k] for k in ("drawing", "drawing2", "rgba", "wide")]
    requests = [partial(translate_sketch, path=path) for path in inputs]
    results = concurrently(server, downloads, requests, timeout_s=240)
    alone = recomputing_client
    for i, path in enumerate(inputs):
        expected = translate_sketch(alone, path)
        for a, b in zip(results[i][:3], expected[:3], strict=True):
            np.testing.assert_array_equal(pixels(a), pixels(b))


# -- refusals -----------------------------------------------------------------------------------------------------


def test_empty_canvas_is_refused_clearly(client: Client, files: dict[str, str]) -> None:
    with pytest.raises(AppError, match="The canvas is empty: draw something first"):
        translate_sketch(client, files["blank"])
    with pytest.raises(AppError, match="The canvas is empty"):
        call(client, API, "tiny-pix2pix", "sketch", None, None)
    assert len(translate_sketch(client, files["drawing"])) == 4  # and the server keeps serving


@pytest.mark.parametrize(
    ("source", "kind", "mentions"),
    [
        pytest.param("drawing", "white", ["No lines found in white.png"], id="blank-drawing"),
        pytest.param("picture", "white", ["No edges found in white.png"], id="flat-picture"),
        pytest.param("drawing", "text", ["notes.txt", "not a readable image"], id="text-file"),
        pytest.param("picture", None, ["No image was given"], id="no-upload"),
    ],
)
def test_bad_upload_is_refused_clearly(
    client: Client, files: dict[str, str], source: str, kind: str | None, mentions: list[str]
) -> None:
    with pytest.raises(AppError) as refused:
        call(client, API, "tiny-pix2pix", source, None, handle_file(files[kind]) if kind else None)
    for word in mentions:
        assert word in str(refused.value), f"{refused.value} should mention {word!r}"
    assert len(translate_sketch(client, files["drawing"])) == 4


def test_unknown_source_and_model_are_refused(client: Client, files: dict[str, str]) -> None:
    with pytest.raises(AppError, match="paint"):  # Gradio's own check of the radio's choices
        call(client, API, "tiny-pix2pix", "paint", sketch(files["drawing"]), None)
    with pytest.raises(AppError, match="tiny-srgan"):
        translate_sketch(client, files["drawing"], model="tiny-srgan")


def test_errors_in_chinese(server: str, downloads: Path, files: dict[str, str]) -> None:
    zh = make_client(server, downloads, headers=ZH)
    with pytest.raises(AppError, match="画布是空的：请先画点什么"):
        translate_sketch(zh, files["blank"])
    _, _, _, notes = translate_sketch(zh, files["drawing"])
    assert "线稿已缩放到 32 × 32 像素" in notes


# -- in-process: sketchpad arrays, one-channel models, what JSON cannot carry ----------------------------------


def zh_request() -> SimpleNamespace:
    return SimpleNamespace(headers=ZH)


def test_handler_takes_any_sketchpad_image(app: Any) -> None:
    rgba = np.zeros((300, 400, 4), np.uint8)  # transparent sheet, yellow strokes: yellow is ink too
    rgba[140:150, 50:350] = (250, 220, 0, 255)
    rgb = np.full((300, 400, 3), 255, np.uint8)
    rgb[140:150, 50:350] = 0
    grey = rgb[..., 0].copy()
    results = [
        app.translation.translate("tiny-pix2pix", "sketch", {"composite": png(x)}, None, request=None)
        for x in (rgba, rgb, grey)
    ]
    for seen, result, compared, _ in results:
        assert shown(seen).size == shown(result).size == shown(compared).size == (DISPLAY, DISPLAY)
    np.testing.assert_array_equal(np.asarray(shown(results[1][1])), np.asarray(shown(results[2][1])))
    drawings = [np.asarray(shown(result[0])) for result in results]
    np.testing.assert_array_equal(drawings[0], drawings[1])  # the same drawing seen


def test_handler_feeds_one_channel_models(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped avatar U-Nets take 1 channel (the tiny folder ones 3): the drawing goes in as it is."""
    from gan_demo.models import UNetGenerator

    one_channel = UNetGenerator(image_size=32, in_channels=1, out_channels=3, base_channels=4, max_channels=8).eval()
    seen = {}

    def spy(model: Any, condition: np.ndarray) -> Any:
        seen["shape"] = np.asarray(condition).shape
        return real(model, condition)

    from gan_demo import ops

    real = ops.translate
    monkeypatch.setattr(ops, "translate", spy)
    image = app.translation._run(one_channel, np.full((32, 32), 255, np.uint8))
    assert seen["shape"] == (32, 32) and image.size == (256, 256)
    app.translation._run(app.registry.get("tiny-pix2pix").model, np.full((32, 32), 255, np.uint8))
    assert seen["shape"] == (1, 3, 32, 32)


def test_handler_refusals_in_process(app: Any) -> None:
    with pytest.raises(gr.Error) as refused:
        app.translation.translate(
            "tiny-pix2pix", "sketch", {"composite": png(np.zeros((64, 64, 4), np.uint8))}, None, request=zh_request()
        )
    assert refused.value.message == "画布是空的：请先画点什么（或点击一个示例）。"
    with pytest.raises(gr.Error, match="'sketch', 'drawing' or 'picture'"):
        app.translation.translate("tiny-pix2pix", "paint", None, None, request=None)
    with pytest.raises(gr.Error) as refused:
        app.translation.translate("tiny-srgan", "sketch", None, None, request=None)
    assert "Super-resolution" in refused.value.message and "tiny-pix2pix" in refused.value.message
    huge = np.zeros((2049, 2048, 4), np.uint8)
    with pytest.raises(gr.Error, match="2048 × 2049"):  # width × height
        app.translation.translate("tiny-pix2pix", "sketch", {"composite": png(huge)}, None, request=None)


def test_l1_model_alone_has_no_baseline(app: Any, files: dict[str, str]) -> None:
    seen, result, compared, notes = app.translation.translate(
        "tiny-l1", "drawing", None, files["drawing"], request=None
    )
    assert compared is None and "No L1-only model" in notes
    assert app.translation.baseline("tiny-pix2pix") == "tiny-l1"
    assert app.translation.names.index("tiny-pix2pix") < app.translation.names.index("tiny-l1")
