"""Serving a workshop (gan_demo/ui/serving.py): hostile uploads refused from their headers, Gradio-level refusals in
the visitor's language, only the public endpoints in the API, lanes, and the result sweep."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from conftest import ZH, call, make_client
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app as app_module
from gan_demo import imaging
from gan_demo.checkpoint import ModelRegistry
from gan_demo.ui import serving

PUBLIC = {
    "/sample",
    "/interpolate",
    "/conditional",
    "/style_mix",
    "/super_resolve",
    "/translate",
    "/lab_2d",
    "/cyclegan",
}
EN = {"accept-language": "en-GB,en;q=0.9"}
BOMB_SIDE = 12000  # 144 megapixels declared; a 1-bit PNG of them is a few KB


def rss_mb(pid: int) -> float:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    Image.new("1", (BOMB_SIDE, BOMB_SIDE)).save(path)
    assert path.stat().st_size < 100_000
    return str(path)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("api", "args"),
    [
        ("/translate", lambda f: ("tiny-pix2pix", "sketch", {"background": None, "layers": [], "composite": f}, None)),
        ("/translate", lambda f: ("tiny-pix2pix", "sketch", {"background": f, "layers": [f], "composite": None}, None)),
        ("/translate", lambda f: ("tiny-pix2pix", "drawing", None, f)),
        ("/translate", lambda f: ("tiny-pix2pix", "picture", None, f)),
        ("/super_resolve", lambda f: (f, "tiny-srresnet", 1.0, False)),
    ],
    ids=["sketch-composite", "sketch-background-and-layer", "drawing", "picture", "super-resolution"],
)
def test_every_image_input_refuses_a_decompression_bomb_from_its_header(
    served: SimpleNamespace, downloads: Path, bomb: str, api: str, args: object
) -> None:
    client = make_client(served.url, downloads, headers=ZH)
    before = rss_mb(served.pid)
    start = time.perf_counter()
    with pytest.raises(AppError, match=f"{BOMB_SIDE} × {BOMB_SIDE}.*像素的上限"):
        call(client, api, *args(handle_file(bomb)))  # type: ignore[operator]
    assert time.perf_counter() - start < 10
    assert rss_mb(served.pid) - before < 100  # decoding it would take 144 MB (1 bit -> 1 byte a pixel) or more


@pytest.mark.slow
@pytest.mark.parametrize(("headers", "words"), [(EN, "wrong type or shape"), (ZH, "类型或结构不对")])
def test_gradio_level_refusals_speak_the_visitors_language_without_internals(
    server: str, downloads: Path, headers: dict[str, str], words: str
) -> None:
    client = make_client(server, downloads, headers=headers)
    with pytest.raises(AppError) as refused:  # a sketch whose file is not a file: Gradio's data model refuses it
        call(client, "/translate", "tiny-pix2pix", "sketch", {"composite": {"path": 5}}, None)
    message = str(refused.value)
    assert words in message
    for internal in ("pydantic", "Traceback", "preprocess", "0x", "/tmp", os.getcwd()):
        assert internal not in message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "en", "zh"),
    [
        ((1.5, 2), "must be a whole number, got 1.5", "必须是整数，收到的是 1.5"),  # not rounded to 2
        ((1, 2.5), "must be a whole number, got 2.5", "必须是整数，收到的是 2.5"),
        ((10**400, 2), "must be between 0 and", "必须在 0 到"),  # not an OverflowError
        (("abc", 2), "must be a finite number", "必须是有限的数字"),  # not Gradio's "__round__" TypeError
    ],
)
def test_numbers_are_refused_one_way_in_both_languages(
    server: str, downloads: Path, args: tuple[object, object], en: str, zh: str
) -> None:
    for headers, words in ((EN, en), (ZH, zh)):
        with pytest.raises(AppError, match=words):
            call(make_client(server, downloads, headers=headers), "/sample", "tiny-dcgan", *args, 1.0)


@pytest.mark.slow
def test_oversized_text_is_refused_without_echoing_it(served: SimpleNamespace, client: Client) -> None:
    huge = "x" * 1_000_000
    with pytest.raises(AppError) as refused:
        call(client, "/conditional", "tiny-cgan", huge, 1, 2, 1.0)
    assert "Unknown class" in str(refused.value) and "1,000,000" in str(refused.value)
    assert len(str(refused.value)) < 1000
    log = (served.tmp.parent / "server.log").read_text(errors="replace")
    assert "x" * 1000 not in log


@pytest.mark.slow
def test_view_api_lists_exactly_the_public_endpoints(client: Client) -> None:
    api = client.view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == PUBLIC
    assert not api["unnamed_endpoints"]


def test_events_run_in_their_lanes_and_inputs_are_left_to_checks(app_checkpoints: Path) -> None:
    demo = app_module.build_demo(ModelRegistry([app_checkpoints], device="cpu"))
    lanes = {fn.api_name: (fn.concurrency_id, fn.concurrency_limit) for fn in demo.fns.values() if fn.api_name}
    assert lanes["super_resolve"] == ("slow", serving.LANES["slow"])
    for quick in ("sample", "interpolate", "conditional", "style_mix", "translate"):
        assert lanes[quick] == ("quick", serving.LANES["quick"])
    # The lab trains under its own RunSlots: its endpoint and its Timer ticks never queue in the quick lane.
    assert lanes["lab_2d"] == ("lab", None)
    ticks = [fn for fn in demo.fns.values() if any(target[1] == "tick" for target in fn.targets)]
    assert len(ticks) == 2 and all((fn.concurrency_id, fn.concurrency_limit) == ("lab", None) for fn in ticks)
    assert demo.delete_cache == serving.DELETE_CACHE
    for fn in demo.fns.values():
        for component in fn.inputs:
            if isinstance(component, serving.LENIENT):
                assert component.preprocess(1.5) == 1.5  # not rounded, not checked against choices: `checks` decide


def test_the_sweep_removes_only_old_results(tmp_path: Path) -> None:
    old_dir, old_file, new = tmp_path / "old", tmp_path / "old.png", tmp_path / "new"
    old_dir.mkdir()
    (old_dir / "result.png").write_bytes(b"png")
    old_file.write_bytes(b"png")
    new.mkdir()
    hour_ago = time.time() - 3600
    for path in (old_dir, old_file):
        os.utime(path, (hour_ago, hour_ago))
    assert serving.sweep(tmp_path, ttl_s=600) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["new"]
    assert serving.sweep(tmp_path / "missing", ttl_s=600) == 0


def test_super_resolution_limit_follows_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imaging, "pick_device", lambda: torch.device("cpu"))
    monkeypatch.delenv("GAN_DEMO_SR_MAX_PIXELS", raising=False)
    monkeypatch.delenv("SYSTEM", raising=False)
    assert imaging._sr_max_pixels() == 1024 * 1024
    monkeypatch.setenv("SYSTEM", "spaces")
    assert imaging._sr_max_pixels() == 512 * 512  # the free CPU Space
    monkeypatch.setenv("GAN_DEMO_SR_MAX_PIXELS", "300000")
    assert imaging._sr_max_pixels() == 300_000
    monkeypatch.delenv("GAN_DEMO_SR_MAX_PIXELS")
    monkeypatch.setattr(imaging, "pick_device", lambda: torch.device("cuda"))
    assert imaging._sr_max_pixels() == imaging.MAX_UPLOAD_PIXELS
