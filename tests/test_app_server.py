"""The app as a user runs it: `python app.py` in a subprocess, driven through its public API with gradio_client.

Only the tiny-* checkpoints (tests/conftest.py) are used, so these pass whether or not the shipped
checkpoints in checkpoints/ exist yet. The last tests call the handlers in-process, for the inputs
that JSON (and so gradio_client) cannot carry.
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
from conftest import CALL_TIMEOUT_S, ZH, call, concurrently, make_client
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

pytestmark = pytest.mark.slow

TINY_SIDE = 28
DISPLAY_SIDE = TINY_SIDE * math.ceil(160 / TINY_SIDE)  # imaging.to_pil enlarges by a whole factor to >= 160 px
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def pixels(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def gallery_pixels(gallery: list[dict[str, Any]]) -> list[np.ndarray]:
    return [pixels(item["image"]) for item in gallery]


def assert_display_png(path: str, side: int = DISPLAY_SIDE) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG", path
        assert image.size == (side, side), f"{path}: {image.size}, expected {side}x{side}"


# -- the three sampling endpoints ----------------------------------------------------------------------------------


def test_api_lists_exactly_the_public_endpoints(client: Client) -> None:
    api = client.view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == {
        "/sample",
        "/interpolate",
        "/conditional",
        "/style_mix",
        "/super_resolve",
        "/translate",
        "/lab_2d",
        "/cyclegan",
    }
    assert not api["unnamed_endpoints"]


def test_sample_returns_count_pngs_enlarged(client: Client) -> None:
    gallery = call(client, "/sample", "tiny-dcgan", 5, 3, 1.0)
    assert [item["caption"] for item in gallery] == ["seed 5", "seed 6", "seed 7"]
    for item in gallery:
        assert_display_png(item["image"])


def test_sample_other_unconditional_model(client: Client) -> None:
    gallery = call(client, "/sample", "tiny-wgan-gp", 0, 2, 0.5)
    assert len(gallery) == 2
    for item in gallery:
        assert_display_png(item["image"])


@pytest.mark.parametrize("steps", [2, 5])
def test_interpolate_frames_and_bouncing_gif(client: Client, steps: int) -> None:
    frames, gif = call(client, "/interpolate", "tiny-dcgan", 1, 2, steps, "slerp", 1.0)
    assert len(frames) == steps
    assert frames[0]["caption"] == "t = 0.00" and frames[-1]["caption"] == "t = 1.00"
    for item in frames:
        assert_display_png(item["image"])
    with Image.open(gif) as image:
        assert image.format == "GIF"
        assert image.size == (DISPLAY_SIDE, DISPLAY_SIDE)
        assert image.is_animated
        assert image.info.get("loop") == 0  # loops forever
        # imaging.gif_bytes plays A -> B -> A: the frames, then the inner ones backwards.
        assert image.n_frames == (2 * steps - 2 if steps > 2 else steps)


def test_interpolation_ends_are_the_seeds_samples(client: Client) -> None:
    """With lerp, t = 0 and t = 1 are exactly z_A and z_B, so the end frames are the two seeds' samples."""
    frames, _ = call(client, "/interpolate", "tiny-dcgan", 11, 12, 4, "lerp", 0.8)
    samples = call(client, "/sample", "tiny-dcgan", 11, 2, 0.8)
    np.testing.assert_array_equal(pixels(frames[0]["image"]), pixels(samples[0]["image"]))
    np.testing.assert_array_equal(pixels(frames[-1]["image"]), pixels(samples[1]["image"]))


def test_conditional_gallery_and_class_grid(client: Client) -> None:
    gallery, grid = call(client, "/conditional", "tiny-cgan", "Sneaker", 3, 4, 1.0)
    assert [item["caption"] for item in gallery] == [f"seed {s}" for s in (3, 4, 5, 6)]
    for item in gallery:
        assert_display_png(item["image"])
    with Image.open(grid) as image:
        assert image.format == "PNG"
        # one row per class (10) and one column per seed (4), each cell enlarged to 56 px
        assert image.height >= len(FASHION) * 56
        assert image.width > 4 * 56


# -- determinism and concurrency ------------------------------------------------------------------------------


def test_same_seed_same_pixels_different_seed_different(client: Client, recomputing_client: Client) -> None:
    first = gallery_pixels(call(client, "/sample", "tiny-dcgan", 123, 2, 1.0))
    again = gallery_pixels(call(recomputing_client, "/sample", "tiny-dcgan", 123, 2, 1.0))
    other = gallery_pixels(call(client, "/sample", "tiny-dcgan", 125, 2, 1.0))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], first[1])  # seed 123 and seed 124 within one request


def test_conditional_same_seed_same_pixels(client: Client, recomputing_client: Client) -> None:
    first, grid_1 = call(client, "/conditional", "tiny-cgan", "Bag", 9, 2, 1.0)
    again, grid_2 = call(recomputing_client, "/conditional", "tiny-cgan", "Bag", 9, 2, 1.0)
    other, _ = call(client, "/conditional", "tiny-cgan", "Trouser", 9, 2, 1.0)
    for a, b in zip(gallery_pixels(first), gallery_pixels(again), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(pixels(grid_1), pixels(grid_2))
    assert not np.array_equal(gallery_pixels(first)[0], gallery_pixels(other)[0])  # the label matters


def test_concurrent_requests_match_sequential_ones(server: str, downloads: Path, recomputing_client: Client) -> None:
    seeds = [1000 + 17 * i for i in range(6)]

    def sample(seed: int, client: Client) -> Any:
        return call(client, "/sample", "tiny-dcgan", seed, 3, 0.9)

    results = dict(zip(seeds, concurrently(server, downloads, [partial(sample, s) for s in seeds]), strict=True))
    alone = recomputing_client
    for seed in seeds:
        expected = sample(seed, alone)
        assert [i["caption"] for i in results[seed]] == [i["caption"] for i in expected]
        for a, b in zip(gallery_pixels(results[seed]), gallery_pixels(expected), strict=True):
            np.testing.assert_array_equal(a, b)


# -- bad input through the API --------------------------------------------------------------------------------
# NaN and inf cannot be sent: gradio_client serialises with JSON, which has no NaN/Infinity (the request fails
# on the client). They are tested against the handlers in-process below.

BAD_REQUESTS = [
    pytest.param("/sample", ("tiny-dcgan", -1, 2, 1.0), ["between 0 and 4294967295", "-1"], id="negative-seed"),
    pytest.param("/sample", ("tiny-dcgan", 2**40, 2, 1.0), ["between 0 and 4294967295"], id="seed-2**40"),
    pytest.param("/sample", ("tiny-dcgan", 1, 0, 1.0), ["between 1 and 64", "got 0"], id="count-0"),
    pytest.param("/sample", ("tiny-dcgan", 1, 10**6, 1.0), ["between 1 and 64", "1000000"], id="count-10**6"),
    pytest.param("/sample", ("tiny-dcgan", 1, 2.5, 1.0), ["whole number", "2.5"], id="count-2.5"),
    pytest.param("/sample", ("tiny-dcgan", 1, 2, 5), ["between 0.0 and 2.0", "got 5"], id="truncation-5"),
    pytest.param("/sample", ("tiny-dcgan", 1, 2, -0.5), ["between 0.0 and 2.0", "-0.5"], id="truncation-negative"),
    pytest.param("/sample", ("tiny-dcgan", None, 2, 1.0), ["Seed", "number"], id="seed-None"),
    pytest.param("/sample", ("tiny-dcgan", "abc", 2, 1.0), ["abc"], id="seed-string"),
    pytest.param("/sample", ("no-such-model", 1, 2, 1.0), ["no-such-model", "tiny-dcgan", "tiny-wgan-gp"], id="model"),
    pytest.param("/sample", ("tiny-cgan", 1, 2, 1.0), ["tiny-cgan", "conditional tab"], id="sample-conditional-model"),
    pytest.param("/interpolate", ("tiny-dcgan", 1, 2, 1, "slerp", 1.0), ["between 2 and 48", "got 1"], id="steps-1"),
    pytest.param(
        "/interpolate", ("tiny-dcgan", 1, 2, 10**6, "slerp", 1.0), ["between 2 and 48", "1000000"], id="steps-10**6"
    ),
    pytest.param("/interpolate", ("tiny-dcgan", 1, 2, 4, "cubic", 1.0), ["cubic", "lerp", "slerp"], id="method"),
    pytest.param("/interpolate", ("tiny-dcgan", -5, 2, 4, "slerp", 1.0), ["Seed A", "between 0"], id="negative-seed-a"),
    pytest.param("/interpolate", ("tiny-dcgan", 1, 2**40, 4, "lerp", 1.0), ["Seed B", "4294967295"], id="seed-b-2**40"),
    pytest.param("/conditional", ("tiny-cgan", "Spaceship", 1, 2, 1.0), ["Spaceship", "Sneaker", "Bag"], id="class"),
    pytest.param(
        "/conditional",
        ("tiny-dcgan", "Sneaker", 1, 2, 1.0),
        ["tiny-dcgan", "not a class-conditional model"],
        id="cond-on-dcgan",
    ),
    pytest.param("/conditional", ("tiny-cgan", "Bag", 1, 65, 1.0), ["between 1 and 64", "65"], id="cond-count-65"),
]


@pytest.mark.parametrize(("api_name", "args", "mentions"), BAD_REQUESTS)
def test_bad_request_is_refused_clearly_and_server_keeps_serving(
    client: Client, api_name: str, args: tuple[Any, ...], mentions: list[str]
) -> None:
    with pytest.raises(AppError) as refused:
        call(client, api_name, *args)
    message = str(refused.value)
    for word in mentions:
        assert word in message, f"{message!r} should mention {word!r}"
    # and the next good request is served
    assert len(call(client, "/sample", "tiny-dcgan", 1, 1, 1.0)) == 1


def test_api_errors_follow_accept_language(server: str, downloads: Path) -> None:
    """The app's own messages are chosen per request from Accept-Language."""
    zh = make_client(server, downloads, headers=ZH)
    with pytest.raises(AppError, match="图片数量必须是整数"):
        call(zh, "/sample", "tiny-dcgan", 1, 2.5, 1.0)
    en = make_client(server, downloads, headers={"accept-language": "en-GB,en;q=0.9"})
    with pytest.raises(AppError, match="Number of images must be a whole number"):
        call(en, "/sample", "tiny-dcgan", 1, 2.5, 1.0)


def test_queue_survives_a_burst_of_bad_requests(server: str, downloads: Path) -> None:
    c = make_client(server, downloads)
    jobs = [c.submit("tiny-dcgan", 1, 10**6, 1.0, api_name="/sample") for _ in range(8)]
    for job in jobs:
        with pytest.raises(AppError):
            job.result(timeout=CALL_TIMEOUT_S)
    assert len(call(c, "/sample", "tiny-dcgan", 7, 2, 1.0)) == 2


# -- handlers in-process: what JSON cannot carry ----------------------------------------------------------------


def zh_request() -> SimpleNamespace:
    return SimpleNamespace(headers=ZH)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_handlers_refuse_non_finite_numbers(app: Any, value: float) -> None:
    calls = [
        lambda: app.sample("tiny-dcgan", 1, 2, value, request=None),
        lambda: app.sample("tiny-dcgan", value, 2, 1.0, request=None),
        lambda: app.sample("tiny-dcgan", 1, value, 1.0, request=None),
        lambda: app.interpolate("tiny-dcgan", 1, 2, value, "slerp", 1.0, request=None),
        lambda: app.interpolate("tiny-dcgan", value, 2, 4, "slerp", 1.0, request=None),
        lambda: app.interpolate("tiny-dcgan", 1, 2, 4, "lerp", value, request=None),
        lambda: app.conditional("tiny-cgan", "Bag", 1, 2, value, request=None),
        lambda: app.conditional("tiny-cgan", "Bag", value, 2, 1.0, request=None),
    ]
    for refused_call in calls:
        with pytest.raises(gr.Error) as refused:
            refused_call()
        assert "must be a finite number" in refused.value.message


def test_handler_errors_in_chinese(app: Any) -> None:
    with pytest.raises(gr.Error) as refused:
        app.sample("tiny-dcgan", 1, 2, float("nan"), request=zh_request())
    assert refused.value.message == "截断系数 ψ必须是有限的数字，收到的是 nan。"
    with pytest.raises(gr.Error) as refused:
        app.sample("tiny-dcgan", 1, 100, 1.0, request=zh_request())
    assert "图片数量" in refused.value.message and "64" in refused.value.message
    with pytest.raises(gr.Error) as refused:
        app.conditional("tiny-cgan", "Spaceship", 1, 2, 1.0, request=zh_request())
    assert "未知类别" in refused.value.message and "Sneaker" in refused.value.message
    with pytest.raises(gr.Error) as refused:
        app.conditional("tiny-dcgan", "Bag", 1, 2, 1.0, request=zh_request())
    assert refused.value.message == "'tiny-dcgan' 不是条件生成模型。"


def test_handler_limits_in_process(app: Any) -> None:
    """The handlers check every limit themselves too (the components' own checks only guard the HTTP API)."""
    bad = [
        (lambda: app.sample("tiny-dcgan", -1, 2, 1.0, request=None), "between 0 and 4294967295"),
        (lambda: app.sample("tiny-dcgan", 2**40, 2, 1.0, request=None), "between 0 and 4294967295"),
        (lambda: app.sample("tiny-dcgan", 1, 0, 1.0, request=None), "between 1 and 64"),
        (lambda: app.sample("tiny-dcgan", 1, 10**6, 1.0, request=None), "between 1 and 64"),
        (lambda: app.sample("tiny-dcgan", 1, 2, 5, request=None), "between 0.0 and 2.0"),
        (lambda: app.sample("nope", 1, 2, 1.0, request=None), "tiny-dcgan"),
        (lambda: app.sample("tiny-cgan", 1, 2, 1.0, request=None), "conditional tab"),
        (lambda: app.interpolate("tiny-dcgan", 1, 2, 1, "slerp", 1.0, request=None), "between 2 and 48"),
        (lambda: app.interpolate("tiny-dcgan", 1, 2, 10**6, "slerp", 1.0, request=None), "between 2 and 48"),
        (lambda: app.interpolate("tiny-dcgan", 1, 2, 4, "cubic", 1.0, request=None), "'lerp' or 'slerp'"),
        (lambda: app.conditional("tiny-cgan", "Spaceship", 1, 2, 1.0, request=None), "Ankle boot"),
        (lambda: app.conditional("tiny-dcgan", "Bag", 1, 2, 1.0, request=None), "not a class-conditional"),
    ]
    for refused_call, mention in bad:
        with pytest.raises(gr.Error) as refused:
            refused_call()
        assert mention in refused.value.message, refused.value.message
