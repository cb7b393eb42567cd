"""StyleGAN in the served app: /style_mix, /sample's truncation toward the mean w and /interpolate in W space.

tiny-stylegan (tests/conftest.py: 16 px, 6 style layers, coarse 0-3 and middle 4-5, no fine layers) is the model;
requests go through gradio_client to the session's `python app.py`, the last tests call the handlers in-process.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np
import pytest
import torch
from conftest import ZH, call, concurrently, make_client, shown
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

from gan_demo import imaging
from gan_demo.ui.stylemix import GRID_MIN_SIDE

pytestmark = pytest.mark.slow

API = "/style_mix"
MODEL = "tiny-stylegan"
SIDE = 16  # tiny-stylegan's images
NUM_WS = 6


def style_mix(
    client: Client,
    rows: str = "1, 2",
    columns: str = "3, 4, 5",
    layers: str = "coarse",
    from_layer: int = 0,
    to_layer: int = 3,
    truncation: float = 1.0,
    noise: str = "const",
    model: str = MODEL,
) -> tuple[str, str]:
    return call(client, API, model, rows, columns, layers, from_layer, to_layer, truncation, noise)


def pixels(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def expected_size(n_rows: int, n_cols: int) -> tuple[int, int]:
    """What imaging.style_mix_grid, enlarged as the tab enlarges it, makes of R x K tiny images."""
    rows, cols = torch.zeros(n_rows, 3, SIDE, SIDE), torch.zeros(n_cols, 3, SIDE, SIDE)
    grid = imaging.style_mix_grid(rows, cols, torch.zeros(n_rows, n_cols, 3, SIDE, SIDE))
    return imaging.enlarge(grid, GRID_MIN_SIDE).size


class Cells:
    """The images inside a style-mixing grid PNG: column sources along the top, row sources down the left
    (imaging.style_mix_grid: cells of SIDE pixels with 2 pixels of padding, an 8 pixel gap after the sources).
    At least 2 rows and 2 columns: torchvision's make_grid leaves a lone image unpadded."""

    def __init__(self, path: str, n_rows: int, n_cols: int) -> None:
        self.pixels = pixels(path)
        corner, gap, pad = SIDE + 2, 8, 2
        self.origin = corner + gap + pad  # where the first mix starts, before enlarging
        self.scale = self.pixels.shape[1] // (corner + gap + n_cols * (SIDE + pad) + pad)
        assert self.pixels.shape[1] == self.scale * (corner + gap + n_cols * (SIDE + pad) + pad)

    def _at(self, x: int, y: int) -> np.ndarray:
        s = self.scale
        return self.pixels[y * s : (y + SIDE) * s, x * s : (x + SIDE) * s]

    def column(self, j: int) -> np.ndarray:
        return self._at(self.origin + j * (SIDE + 2), 2)

    def row(self, i: int) -> np.ndarray:
        return self._at(2, self.origin + i * (SIDE + 2))

    def mix(self, i: int, j: int) -> np.ndarray:
        return self._at(self.origin + j * (SIDE + 2), self.origin + i * (SIDE + 2))


def assert_same_image(a: np.ndarray, b: np.ndarray) -> None:
    """Equal up to one level of 8-bit rounding (the mixes and the sources are computed in different batches)."""
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


# -- the grid ------------------------------------------------------------------------------------------------------


def test_style_mix_is_a_public_endpoint_with_named_parameters(client: Client) -> None:
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"][API]
    names = [p["parameter_name"] for p in api["parameters"]]
    assert names == [
        "model", "row_seeds", "column_seeds", "layers", "from_layer", "to_layer", "truncation", "noise_mode",
    ]  # fmt: skip
    assert MODEL in api["parameters"][0]["type"]["enum"]
    assert "tiny-dcgan" not in api["parameters"][0]["type"]["enum"]  # StyleGAN models only
    assert api["parameters"][3]["type"]["enum"] == ["coarse", "middle", "fine", "custom"]
    assert api["parameters"][7]["type"]["enum"] == ["random", "const", "none"]


@pytest.mark.parametrize(("n_rows", "n_cols"), [(1, 1), (2, 3), (4, 4), (8, 8)])
def test_grid_has_a_cell_per_row_and_column_seed(client: Client, n_rows: int, n_cols: int) -> None:
    rows = ", ".join(str(10 + i) for i in range(n_rows))
    columns = ",".join(str(50 + i) for i in range(n_cols))  # with or without spaces
    grid, caption = style_mix(client, rows, columns)
    with Image.open(grid) as image:
        assert image.format == "PNG"
        assert image.size == expected_size(n_rows, n_cols)
        assert max(image.size) >= GRID_MIN_SIDE  # enlarged for the page (by a whole factor: crisp pixels)
    assert "layers 0–3" in caption and "4–5" in caption and "coarse" in caption
    assert f"Row seeds: {', '.join(str(10 + i) for i in range(n_rows))}" in caption


def test_same_inputs_give_the_same_png_bytes(client: Client, recomputing_client: Client) -> None:
    for noise in ("random", "const", "none"):
        first, _ = style_mix(client, "7, 8", "9, 10", "middle", truncation=0.7, noise=noise)
        again, _ = style_mix(recomputing_client, "7, 8", "9, 10", "middle", truncation=0.7, noise=noise)
        assert Path(first).read_bytes() == Path(again).read_bytes(), noise
    other, _ = style_mix(client, "7, 8", "9, 11", "middle", truncation=0.7)
    assert not np.array_equal(pixels(first), pixels(other))


def test_concurrent_requests_match_sequential_ones(server: str, downloads: Path, recomputing_client: Client) -> None:
    requests = [
        ("1, 2", "3, 4", "coarse", "random"),
        ("5", "6, 7, 8", "middle", "const"),
        ("9, 10, 11", "12", "coarse", "none"),
        ("13, 14", "15, 16", "custom", "random"),
    ]

    def mix(rows: str, columns: str, layers: str, noise: str, client: Client) -> tuple[str, str]:
        return style_mix(client, rows, columns, layers, 1, 4, 0.8, noise)

    results = concurrently(server, downloads, [partial(mix, *request) for request in requests])
    for i, request in enumerate(requests):
        grid, _ = mix(*request, recomputing_client)  # its caption is in Chinese
        assert Path(results[i][0]).read_bytes() == Path(grid).read_bytes()


# -- what the grid means -----------------------------------------------------------------------------------------


def test_every_layer_from_the_column_gives_the_column_sources(client: Client) -> None:
    """Crossover before the first layer: each mix takes its column's w at every layer, so with the same
    (constant, or no) noise it is its column's image."""
    for noise in ("const", "none"):
        grid, caption = style_mix(client, "1, 2", "3, 4, 5", "custom", 0, NUM_WS - 1, 0.9, noise)
        cells = Cells(grid, 2, 3)
        for i in range(2):
            for j in range(3):
                assert_same_image(cells.mix(i, j), cells.column(j))
        assert not np.array_equal(cells.row(0), cells.column(0))
        assert "layers 0–5" in caption and "each cell is its column's image" in caption


def test_some_layers_mix_both_sources(client: Client) -> None:
    grid, caption = style_mix(client, "1, 2", "3, 4", "middle")
    cells = Cells(grid, 2, 2)
    for i in range(2):
        for j in range(2):
            assert not np.array_equal(cells.mix(i, j), cells.row(i))
            assert not np.array_equal(cells.mix(i, j), cells.column(j))
    assert "layers 4–5" in caption and "16 px" in caption and "0–3" in caption


def test_sources_are_the_sampled_images(client: Client) -> None:
    """The row and column sources are what /sample draws for those seeds (same ψ, constant noise)."""
    grid, _ = style_mix(client, "21, 24", "22, 23", truncation=0.6)
    cells = Cells(grid, 2, 2)
    samples = call(client, "/sample", MODEL, 21, 4, 0.6)
    sources = [cells.row(0), cells.column(0), cells.column(1), cells.row(1)]  # seeds 21, 22, 23, 24
    for image, item in zip(sources, samples, strict=True):
        with Image.open(item["image"]) as sample:
            small = np.asarray(sample.convert("RGB").resize((SIDE, SIDE), Image.NEAREST))
        assert_same_image(image[:: cells.scale, :: cells.scale], small)


# -- the other tabs with a StyleGAN ----------------------------------------------------------------------------------


def test_sample_at_psi_zero_is_the_mean_image_for_every_seed(client: Client) -> None:
    gallery = call(client, "/sample", MODEL, 100, 4, 0.0)
    images = [pixels(item["image"]) for item in gallery]
    for image in images[1:]:
        assert_same_image(image, images[0])
    varied = [pixels(item["image"]) for item in call(client, "/sample", MODEL, 100, 4, 1.0)]
    assert not np.array_equal(varied[0], varied[1])


def test_interpolate_in_w_space(client: Client) -> None:
    frames, gif = call(client, "/interpolate", MODEL, 1, 2, 5, "lerp", 0.8, "w")
    assert len(frames) == 5 and frames[-1]["caption"] == "t = 1.00"
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.is_animated
    # The ends of a W walk are the two seeds' images.
    samples = call(client, "/sample", MODEL, 1, 2, 0.8)
    assert_same_image(pixels(frames[0]["image"]), pixels(samples[0]["image"]))
    assert_same_image(pixels(frames[-1]["image"]), pixels(samples[1]["image"]))
    # Z and W walks share their ends but not their middles.
    z_frames, _ = call(client, "/interpolate", MODEL, 1, 2, 5, "lerp", 0.8, "z")
    assert_same_image(pixels(z_frames[0]["image"]), pixels(frames[0]["image"]))
    assert not np.array_equal(pixels(z_frames[2]["image"]), pixels(frames[2]["image"]))


def test_interpolate_without_the_new_space_argument_walks_z(client: Client) -> None:
    """/interpolate keeps its old six arguments: the space defaults to Z."""
    old_style, _ = call(client, "/interpolate", "tiny-dcgan", 3, 4, 3, "slerp", 1.0)
    in_z, _ = call(client, "/interpolate", "tiny-dcgan", 3, 4, 3, "slerp", 1.0, "z")
    for a, b in zip(old_style, in_z, strict=True):
        np.testing.assert_array_equal(pixels(a["image"]), pixels(b["image"]))


def test_w_space_needs_a_stylegan(client: Client) -> None:
    with pytest.raises(AppError, match="Only StyleGAN models have a W space") as refused:
        call(client, "/interpolate", "tiny-dcgan", 1, 2, 4, "lerp", 1.0, "w")
    assert "tiny-stylegan" in str(refused.value)
    with pytest.raises(AppError, match="'x'"):  # Gradio's own check of the radio's choices
        call(client, "/interpolate", MODEL, 1, 2, 4, "lerp", 1.0, "x")


# -- refusals ---------------------------------------------------------------------------------------------------------

BAD = [
    pytest.param({"rows": ""}, ["Row seeds", "at least one seed"], id="empty-rows"),
    pytest.param({"columns": " , "}, ["Column seeds", "at least one seed"], id="only-commas"),
    pytest.param({"rows": "a,b"}, ["Row seeds", "whole numbers", "'a'"], id="not-numbers"),
    pytest.param({"columns": "1, 2.5"}, ["Column seeds", "'2.5'"], id="fraction"),
    pytest.param({"rows": ",".join(map(str, range(1000)))}, ["at most 8 seeds", "1000"], id="1000-seeds"),
    pytest.param({"columns": "1, 2, 3, 4, 5, 6, 7, 8, 9"}, ["at most 8", "got 9"], id="9-seeds"),
    pytest.param({"rows": "1, -1"}, ["between 0 and 4294967295", "-1"], id="negative-seed"),
    pytest.param({"rows": "4294967296"}, ["between 0 and 4294967295"], id="seed-2**32"),
    pytest.param({"layers": "custom", "from_layer": 4, "to_layer": 2}, ["reversed", "4", "2"], id="reversed"),
    # (Gradio's own slider check or the handler's, as the shipped 10-layer model is installed or not: both name 5 and 9)
    pytest.param({"layers": "custom", "from_layer": 0, "to_layer": 9}, ["5", "9"], id="layer-9"),
    pytest.param({"layers": "fine"}, ["no fine layers", "64 px", "coarse 0–3, middle 4–5"], id="fine-on-16px"),
    pytest.param({"layers": "all"}, ["all", "coarse"], id="unknown-layers"),
    pytest.param({"noise": "loud"}, ["loud"], id="unknown-noise"),
    pytest.param({"truncation": 5}, ["between 0.0 and 2.0", "got 5"], id="truncation-5"),
    pytest.param({"model": "tiny-dcgan"}, ["tiny-dcgan", "tiny-stylegan"], id="not-a-stylegan"),
]


@pytest.mark.parametrize(("changes", "mentions"), BAD)
def test_bad_request_is_refused_clearly_and_server_keeps_serving(
    client: Client, changes: dict[str, Any], mentions: list[str]
) -> None:
    with pytest.raises(AppError) as refused:
        style_mix(client, **changes)
    for word in mentions:
        assert word in str(refused.value), f"{refused.value} should mention {word!r}"
    grid, _ = style_mix(client, "1", "2")
    assert Path(grid).stat().st_size > 0


def test_errors_in_chinese(server: str, downloads: Path) -> None:
    zh = make_client(server, downloads, headers=ZH)
    with pytest.raises(AppError) as refused:
        style_mix(zh, layers="fine")
    assert "没有精细层" in str(refused.value) and "粗糙层 0–3，中间层 4–5" in str(refused.value)
    with pytest.raises(AppError, match="层范围颠倒了"):
        style_mix(zh, layers="custom", from_layer=5, to_layer=1)
    with pytest.raises(AppError, match="行种子：最多 8 个种子，收到了 1000 个"):
        style_mix(zh, rows=",".join(map(str, range(1000))))
    _, caption = style_mix(zh)
    assert "列 → 第 0–3 层" in caption and "粗糙层" in caption


# -- in-process: what JSON cannot carry, and what Gradio's own checks stop before the handler ---------------------


def zh_request() -> SimpleNamespace:
    return SimpleNamespace(headers=ZH)


def test_handler_refusals_in_process(app: Any) -> None:
    mix = app.stylemix.style_mix
    bad = [
        (lambda: mix("tiny-dcgan", "1", "2", "coarse", 0, 3, 1.0, "const", request=None), "not a StyleGAN model"),
        (lambda: mix("tiny-cgan", "1", "2", "coarse", 0, 3, 1.0, "const", request=None), "not a StyleGAN model"),
        (lambda: mix("tiny-srgan", "1", "2", "coarse", 0, 3, 1.0, "const", request=None), "Super-resolution"),
        (lambda: mix("nope", "1", "2", "coarse", 0, 3, 1.0, "const", request=None), "tiny-stylegan"),
        (lambda: mix(MODEL, "1", "2", "all", 0, 3, 1.0, "const", request=None), "coarse, middle, fine, custom"),
        (lambda: mix(MODEL, "1", "2", "coarse", 0, 3, 1.0, "loud", request=None), "'random', 'const' or 'none'"),
        (lambda: mix(MODEL, "1", "2", "coarse", 0, 3, float("nan"), "const", request=None), "finite number"),
        (lambda: mix(MODEL, "1", "2", "custom", float("inf"), 3, 1.0, "const", request=None), "finite number"),
        (lambda: mix(MODEL, "1", "2", "custom", 1.5, 3, 1.0, "const", request=None), "whole number"),
        (lambda: mix(MODEL, None, "2", "coarse", 0, 3, 1.0, "const", request=None), "at least one seed"),
        (lambda: mix(MODEL, "nan", "2", "coarse", 0, 3, 1.0, "const", request=None), "'nan'"),
        (lambda: mix(MODEL, [True], "2", "coarse", 0, 3, 1.0, "const", request=None), "True"),
    ]
    for refused_call, mention in bad:
        with pytest.raises(gr.Error) as refused:
            refused_call()
        assert mention in refused.value.message, refused.value.message
    with pytest.raises(gr.Error) as refused:
        mix("tiny-dcgan", "1", "2", "coarse", 0, 3, 1.0, "const", request=zh_request())
    assert refused.value.message.startswith("'tiny-dcgan' 不是 StyleGAN 模型")


def test_handler_takes_seed_lists_in_any_separators(app: Any) -> None:
    mix = app.stylemix.style_mix
    grid, caption = mix(MODEL, "1，2、3; 4", [5, 6], "coarse", 0, 3, 1.0, "const", request=None)
    assert shown(grid).size == expected_size(4, 2)
    assert "Row seeds: 1, 2, 3, 4 · column seeds: 5, 6" in caption


def test_truncation_sweep_in_process(app: Any) -> None:
    strip = app.truncation_sweep(MODEL, 5, request=None)
    assert [caption for _, caption in strip] == [f"ψ = {psi:g}" for psi in app.SWEEP_PSIS]
    mean = app.sample(MODEL, 77, 1, 0.0, request=None)[0][0]
    # ψ = 0: the mean w's image, whatever the seed
    assert_same_image(np.asarray(shown(strip[0][0])), np.asarray(shown(mean)))
    own = app.sample(MODEL, 5, 1, 1.0, request=None)[0][0]
    assert_same_image(np.asarray(shown(strip[app.SWEEP_PSIS.index(1.0)][0])), np.asarray(shown(own)))
    assert app.truncation_sweep("tiny-dcgan", 5, request=None) == []  # no W: the strip stays hidden and empty
    with pytest.raises(gr.Error, match="between 0 and 4294967295"):
        app.truncation_sweep(MODEL, -1, request=None)


def test_interpolate_space_refusals_in_process(app: Any) -> None:
    with pytest.raises(gr.Error, match="'z' or 'w'"):
        app.interpolate(MODEL, 1, 2, 4, "lerp", 1.0, request=None, space="x")
    with pytest.raises(gr.Error) as refused:
        app.interpolate("tiny-dcgan", 1, 2, 4, "lerp", 1.0, request=zh_request(), space="w")
    assert refused.value.message.startswith("只有 StyleGAN 模型才有 W 空间")


def test_layer_controls_follow_the_model_and_preset(app: Any) -> None:
    tab = app.stylemix
    start, stop = tab.layer_controls(MODEL, "middle", 0, 0)
    assert (start.value, stop.value, start.maximum, start.interactive) == (4, 5, NUM_WS - 1, False)
    start, stop = tab.layer_controls(MODEL, "custom", 2, 99)  # a range kept from a larger model is clamped
    assert (start.value, stop.value, stop.interactive) == (2, NUM_WS - 1, True)
    start, _ = tab.layer_controls(MODEL, "fine", 1, 2)
    assert start.value == 1 and start.interactive is False  # no fine layers here: the range is left as it was
    rolled = tab.roll_seeds("1, 2, 3")
    assert len(rolled.split(", ")) == 3 and all(s.isdigit() for s in rolled.split(", "))
    assert len(tab.roll_seeds("not seeds").split(", ")) == 4
