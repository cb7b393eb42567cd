"""The super-resolution tab's endpoint, /super_resolve, on the served app (gradio_client) and in-process.

tiny-srresnet (PSNR-oriented) and tiny-srgan (fine-tuned from it) come from tests/conftest.py; uploads of every
awkward kind are made here, each answered with a result or a clear message, and the server keeps serving.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np
import pytest
from conftest import ZH, call, make_client
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from gan_demo import imaging

pytestmark = pytest.mark.slow

API = "/super_resolve"
SR_SIDE = math.isqrt(imaging.MAX_SR_PIXELS)  # the server computes the same limit (same machine, same environment)


def photo(side_w: int = 37, side_h: int = 23, seed: int = 0) -> Image.Image:
    """A smooth picture with some structure (not noise), `side_w` x `side_h`."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side_h, 0:side_w] / max(side_w, side_h)
    rgb = np.stack([np.sin(6 * x + 1), np.cos(5 * y), np.sin(4 * (x + y))], -1) * 100 + 128
    rgb += rng.normal(0, 8, rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def save(image: Image.Image, path: Path, **options: Any) -> str:
    image.save(path, **options)
    return str(path)


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One file of each awkward kind; values are paths."""
    folder = tmp_path_factory.mktemp("sr_uploads")
    base = photo()
    rgba = base.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, base.width, dtype=np.uint8), (base.height, 1))))
    grey16 = Image.fromarray((np.asarray(base.convert("L"), dtype=np.uint16) * 257).astype(np.uint16))
    assert grey16.mode.startswith("I;16")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: "rotate 90 degrees clockwise to view"
    gif_frames = [photo(seed=s).convert("P") for s in range(3)]
    png = io.BytesIO()
    base.save(png, format="PNG")
    files = {
        "rgb": save(base, folder / "rgb.png"),
        "rgba": save(rgba, folder / "rgba.png"),
        "grey16": save(grey16, folder / "grey16.png"),
        "palette": save(base.convert("P", palette=Image.ADAPTIVE, colors=16), folder / "palette.png"),
        "cmyk": save(base.convert("CMYK"), folder / "cmyk.jpg", quality=95),
        "exif": save(base, folder / "exif.jpg", exif=exif, quality=95),
        "gif": save(gif_frames[0], folder / "anim.gif", save_all=True, append_images=gif_frames[1:], duration=80),
        "known": save(photo(64, 48, seed=3), folder / "known.png"),
        "tiny": save(photo(12, 10), folder / "tiny.png"),
        # too large: one column more than super-resolution's limit (a few KB: one colour compresses well)
        "huge": save(Image.new("RGB", (SR_SIDE + 1, SR_SIDE), (90, 120, 150)), folder / "huge.png"),
    }
    (folder / "corrupt.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])
    (folder / "notes.txt").write_text("not an image\n", encoding="utf-8")
    (folder / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    files.update(
        {k: str(folder / n) for k, n in [("corrupt", "corrupt.png"), ("text", "notes.txt"), ("fake", "fake.png")]}
    )
    return files


def enlarge(client: Client, path: str, model: str = "tiny-srgan", alpha: float = 1.0, known: bool = False) -> Any:
    return call(client, API, handle_file(path), model, alpha, known)


def size_of(path: str) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def pixels(path: str, mode: str = "RGB") -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert(mode))


def assert_serves(client: Client, path: str) -> None:
    """The server still answers a good request."""
    (_, _), png, _ = enlarge(client, path)
    assert size_of(png) == (37 * 4, 23 * 4)


# -- results ----------------------------------------------------------------------------------------------------


def test_result_is_exactly_four_times_larger_with_bicubic_beside_it(client: Client, uploads: dict[str, str]) -> None:
    (bicubic, model), png, notes = enlarge(client, uploads["rgb"])
    assert size_of(png) == (148, 92)
    assert Image.open(png).format == "PNG"
    assert size_of(bicubic) == size_of(model) == (148, 92)  # the slider's two images
    assert not np.array_equal(pixels(bicubic), pixels(model))
    # small enough to be shown at full size: the slider's JPEG (quality 95, no chroma subsampling) is the PNG's pixels
    assert Image.open(model).format == "JPEG" and np.abs(pixels(model).astype(int) - pixels(png)).mean() < 2
    assert "37 × 23" in notes and "148 × 92" in notes and "tiny-srgan" in notes


def test_psnr_model_alone_and_alpha_zero_are_the_same_network(client: Client, uploads: dict[str, str]) -> None:
    """Network interpolation is exact at its ends: α = 0 runs the PSNR-oriented base model itself."""
    _, blended_0, notes = enlarge(client, uploads["rgb"], "tiny-srgan", 0.0)
    _, psnr, _ = enlarge(client, uploads["rgb"], "tiny-srresnet", 1.0)
    _, gan, _ = enlarge(client, uploads["rgb"], "tiny-srgan", 1.0)
    np.testing.assert_array_equal(pixels(blended_0), pixels(psnr))
    assert "tiny-srresnet" in notes and "α = 0.00" in notes
    _, half, notes = enlarge(client, uploads["rgb"], "tiny-srgan", 0.5)
    assert size_of(half) == size_of(gan) and "α = 0.50" in notes
    assert Path(half).name == "rgb_x4_tiny-srgan_alpha0.50.png"


def test_alpha_has_no_effect_on_a_model_without_base(client: Client, uploads: dict[str, str]) -> None:
    _, at_1, _ = enlarge(client, uploads["rgb"], "tiny-srresnet", 1.0)
    _, at_03, notes = enlarge(client, uploads["rgb"], "tiny-srresnet", 0.3)
    np.testing.assert_array_equal(pixels(at_1), pixels(at_03))
    assert "α has no effect" in notes


def test_known_answer_reports_psnr_and_ssim_of_both(client: Client, uploads: dict[str, str]) -> None:
    (bicubic, model), png, notes = enlarge(client, uploads["known"], known=True)
    assert size_of(png) == size_of(bicubic) == size_of(model) == (64, 48)  # the original's size: shrunk, then x4
    assert "16 × 12" in notes
    rows = {
        row[0]: row[1:] for row in re.findall(r"\| (bicubic interpolation|model) \| ([\d.]+) \| ([\d.]+) \|", notes)
    }
    assert set(rows) == {"bicubic interpolation", "model"}, notes
    for psnr, ssim in rows.values():
        assert 5 < float(psnr) < 60 and -1 <= float(ssim) <= 1


def test_known_answer_needs_a_big_enough_image(client: Client, uploads: dict[str, str]) -> None:
    with pytest.raises(AppError, match=r"at least 20 × 20 pixels; this one is 12 × 10"):
        enlarge(client, uploads["tiny"], known=True)
    (_, _), png, _ = enlarge(client, uploads["tiny"])  # without the test, a small image is fine
    assert size_of(png) == (48, 40)


# -- awkward uploads ---------------------------------------------------------------------------------------------

ODD_RESULTS = [
    pytest.param("rgba", (148, 92), "RGBA", "Transparency kept", id="rgba-png"),
    pytest.param("grey16", (148, 92), "L", "16-bit image converted", id="16-bit-png"),
    pytest.param("palette", (148, 92), "RGB", None, id="palette-png"),
    pytest.param("cmyk", (148, 92), "RGB", "CMYK image converted", id="cmyk-jpeg"),
    pytest.param("exif", (92, 148), "RGB", "EXIF orientation", id="exif-rotated-jpeg"),
    pytest.param("gif", (148, 92), "RGB", "only the first frame", id="animated-gif"),
]


@pytest.mark.parametrize(("kind", "size", "mode", "mention"), ODD_RESULTS)
def test_odd_upload_gives_a_result(
    client: Client, uploads: dict[str, str], kind: str, size: tuple[int, int], mode: str, mention: str | None
) -> None:
    (bicubic, model), png, notes = enlarge(client, uploads[kind])
    with Image.open(png) as image:
        assert image.size == size and image.mode == mode, (image.size, image.mode)
    assert size_of(bicubic) == size_of(model) == size
    if mention:
        assert mention in notes, notes


ODD_REFUSALS = [
    pytest.param("corrupt", ["corrupt.png", "not a readable image"], id="truncated-png"),
    pytest.param("text", ["notes.txt", "not a readable image", "PNG, JPEG"], id="text-file"),
    pytest.param("fake", ["fake.png", "not a readable image"], id="png-signature-only"),
    pytest.param("huge", [f"{SR_SIDE + 1} × {SR_SIDE}", f"{imaging.MAX_SR_PIXELS:,} pixels"], id="too-large"),
]


@pytest.mark.parametrize(("kind", "mentions"), ODD_REFUSALS)
def test_odd_upload_is_refused_clearly_and_server_keeps_serving(
    client: Client, uploads: dict[str, str], kind: str, mentions: list[str]
) -> None:
    with pytest.raises(AppError) as refused:
        enlarge(client, uploads[kind])
    for word in mentions:
        assert word in str(refused.value), f"{refused.value} should mention {word!r}"
    assert_serves(client, uploads["rgb"])


def test_no_image_and_bad_values_are_refused(client: Client, uploads: dict[str, str]) -> None:
    with pytest.raises(AppError, match="No image was given"):
        call(client, API, None, "tiny-srgan", 1.0, False)
    with pytest.raises(AppError, match="between 0.0 and 1.0"):  # the handler's check, not Gradio's slider
        enlarge(client, uploads["rgb"], alpha=1.5)
    with pytest.raises(AppError, match="must be true or false"):
        call(client, API, handle_file(uploads["rgb"]), "tiny-srgan", 1.0, "yes")
    with pytest.raises(AppError, match="tiny-pix2pix"):
        enlarge(client, uploads["rgb"], model="tiny-pix2pix")
    assert_serves(client, uploads["rgb"])


def test_errors_in_chinese(server: str, downloads: Path, uploads: dict[str, str]) -> None:
    zh = make_client(server, downloads, headers=ZH)
    with pytest.raises(AppError, match="corrupt.png 不是可读取的图片"):
        enlarge(zh, uploads["corrupt"])
    with pytest.raises(AppError, match=f"超过了 {imaging.MAX_SR_PIXELS:,} 像素"):
        enlarge(zh, uploads["huge"])
    _, _, notes = enlarge(zh, uploads["known"], known=True)
    assert "双三次插值" in notes and "感知–失真权衡" in notes


# -- in-process: what JSON cannot carry --------------------------------------------------------------------------


def zh_request() -> SimpleNamespace:
    return SimpleNamespace(headers=ZH)


@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), -0.1, 1.01, "abc", None])
def test_handler_refuses_bad_alpha(app: Any, uploads: dict[str, str], alpha: object) -> None:
    with pytest.raises(gr.Error) as refused:
        app.superres.super_resolve(uploads["rgb"], "tiny-srgan", alpha, False, request=None)
    assert "PSNR ↔ GAN α" in refused.value.message


def test_handler_refuses_other_tabs_models_and_bytes(app: Any, uploads: dict[str, str]) -> None:
    with pytest.raises(gr.Error) as refused:
        app.superres.super_resolve(uploads["rgb"], "tiny-dcgan", 1.0, False, request=zh_request())
    assert refused.value.message.startswith("'tiny-dcgan' 是“随机采样”页的模型。")
    with pytest.raises(gr.Error, match="not a readable image"):
        app.superres.super_resolve(b"GIF89a junk", "tiny-srgan", 1.0, False, request=None)
    (_, _), png, _ = app.superres.super_resolve(
        Path(uploads["rgb"]).read_bytes(), "tiny-srgan", 1.0, False, request=None
    )
    assert size_of(png) == (148, 92)


def test_limit_stated_in_the_tab_matches_the_decoder() -> None:
    from gan_demo.ui.text import TEXT

    assert imaging.MAX_UPLOAD_PIXELS == 2048 * 2048
    assert imaging.MAX_SR_PIXELS <= imaging.MAX_UPLOAD_PIXELS
    for text in TEXT["sr_limits"]:
        assert f"{SR_SIDE} × {SR_SIDE}" in text and f"{imaging.MAX_SR_PIXELS:,}" in text
