"""Serving a workshop (gan_demo/ui/serving.py): hostile uploads refused from their headers, Gradio-level refusals in
the visitor's language, only the public endpoints in the API, lanes, and the result sweep."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import httpx
import numpy as np
import pytest
import torch
from conftest import ZH, call, make_client
from gradio.context import LocalContext
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from starlette.testclient import TestClient

import app as app_module
from gan_demo import imaging, ops
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


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_slow_work_runs_at_a_lower_priority_with_its_event_context() -> None:
    """On a CPU a burst of quick clicks gets the cores before an enlargement: the slow lane's handlers run on threads
    SLOW_NICE lower in priority, and still see Gradio's event context (request, progress, abandoned())."""
    seen: dict[str, tuple[int, object]] = {}

    def observe(lane: str) -> None:
        seen[lane] = (os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), LocalContext.event_id.get(None))

    @serving.slow
    def enlarge(x: int) -> int:
        observe("slow")
        return x + 1

    def click(x: int) -> int:
        observe("quick")
        return x - 1

    with gr.Blocks() as blocks:
        number = gr.Number()
        number.change(enlarge, number, number)
        number.submit(click, number, number)
    serving.serve(blocks)
    fns = {fn.name: fn.fn for fn in blocks.fns.values()}
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    token = LocalContext.event_id.set("event-1")
    try:
        assert fns["enlarge"](1) == 2 and fns["click"](1) == 0
    finally:
        LocalContext.event_id.reset(token)
    assert seen == {"slow": (min(19, mine + serving.SLOW_NICE), "event-1"), "quick": (mine, "event-1")}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the caller's priority untouched


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


def test_the_sweep_keeps_a_folder_under_its_size_oldest_first(tmp_path: Path) -> None:
    for age, name in enumerate(["newest", "middle", "oldest"]):
        entry = tmp_path / name
        entry.mkdir()
        (entry / "result.png").write_bytes(b"x" * 1000)
        os.utime(entry, (time.time() - 60 * age, time.time() - 60 * age))
    assert serving.sweep(tmp_path, ttl_s=3600, max_bytes=2500) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle", "newest"]
    assert serving.sweep(tmp_path, ttl_s=3600, max_bytes=0) == 2 and not any(tmp_path.iterdir())


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


def test_model_calls_are_wrapped_in_zerogpu_when_spaces_is_installed(
    app_checkpoints: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a ZeroGPU Space `spaces.GPU(duration=...)` wraps every model call; the lab's CPU ticks stay as they are."""
    leases: list[tuple[str, int]] = []

    def gpu(duration: int) -> Callable[[Callable], Callable]:
        def decorate(fn: Callable) -> Callable:
            @functools.wraps(fn)
            def leased(*args: object, **kwargs: object) -> object:
                leases.append((fn.__name__, duration))
                return fn(*args, **kwargs)

            leased.lease_s = duration  # type: ignore[attr-defined]
            return leased

        return decorate

    monkeypatch.setitem(sys.modules, "spaces", SimpleNamespace(GPU=gpu))
    demo = app_module.build_demo(ModelRegistry([app_checkpoints], device="cpu"))
    events = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    images = events["sample"].fn("tiny-dcgan", 3, 2, 1.0, request=None)
    assert len(images) == 2 and leases == [("sample", serving.GPU_SECONDS["quick"])]
    assert events["super_resolve"].fn.lease_s == serving.GPU_SECONDS["slow"]
    lab = [fn for fn in demo.fns.values() if fn.concurrency_id == "lab"]
    assert events["lab_2d"] in lab and not any(hasattr(fn.fn, "lease_s") for fn in lab)
    monkeypatch.delitem(sys.modules, "spaces")
    assert serving.zero_gpu(app_module.build_demo(ModelRegistry([app_checkpoints], device="cpu"))) == []


class Counting:
    """A tab-like object whose @remembered handler counts its computations."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.computed: list[tuple] = []
        self.delay_s = delay_s

    @serving.remembered
    def handler(self, seed: object, request: object = None) -> list[int]:
        self.computed.append((seed,))
        time.sleep(self.delay_s)
        if isinstance(seed, str) and seed == "bad":
            raise ValueError("refused")
        return [seed, len(self.computed)]


def test_identical_requests_are_answered_once_per_language() -> None:
    tab = Counting()
    zh = gr.Request(headers=ZH)
    assert tab.handler(7) == tab.handler(7) == [7, 1]
    assert tab.handler(8) == [8, 2] and tab.handler(7, request=None) == [7, 1]
    assert tab.handler(7, request=zh)[1] == 3  # the answer's words may differ: Chinese is computed apart
    assert Counting().handler(7) == [7, 1]  # each tab keeps its own answers
    with pytest.raises(ValueError):
        tab.handler("bad")
    with pytest.raises(ValueError):
        tab.handler("bad")
    assert tab.computed.count(("bad",)) == 2  # a failure is not remembered
    array = np.zeros(3)
    tab.handler(array), tab.handler(array)  # noqa: B018 (not JSON-like: computed each time, never keyed by repr)
    assert sum(1 for (s,) in tab.computed if s is array) == 2


def test_concurrent_identical_requests_compute_once() -> None:
    tab = Counting(delay_s=0.3)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(tab.handler, [5] * 6))
    assert tab.computed == [(5,)] and all(a == [5, 1] for a in answers)


def test_remembered_answers_expire_and_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = serving.Answers(size=2, ttl_s=60)
    now = [1000.0]
    monkeypatch.setattr(serving.time, "monotonic", lambda: now[0])
    calls: list[str] = []
    compute = lambda key: lambda: calls.append(key) or key  # noqa: E731
    for key in ("a", "b", "a", "c", "a"):
        answers.get(key, compute(key))
    assert calls == ["a", "b", "c"]  # "a" was used last: "b" made way for "c"
    answers.get("b", compute("b"))
    now[0] += 61
    answers.get("a", compute("a"))
    assert calls == ["a", "b", "c", "b", "a"]


@pytest.mark.slow
def test_a_super_resolution_whose_visitor_leaves_stops_at_its_next_tile(
    served: SimpleNamespace, tmp_path: Path
) -> None:
    """The browser's own protocol (queue/join, then the queue/data event stream), closed after the first tile's
    progress: the server stops the 16-tile job at its next tile instead of computing the rest for nobody."""
    photo = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)).save(photo)
    log = served.tmp.parent / "server.log"
    before = log.read_text(encoding="utf-8", errors="replace").count("abandoned super_resolve")
    with httpx.Client(base_url=served.url, timeout=120) as http:
        config = http.get("/config").json()
        fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "super_resolve")
        uploaded = http.post("/gradio_api/upload", files={"files": ("big.png", photo.read_bytes())}).json()[0]
        data = [{"path": uploaded, "meta": {"_type": "gradio.FileData"}}, "srgan-photo-x4", 1.0, False]
        join = {"data": data, "fn_index": fn_index, "session_hash": "leaves-early", "event_data": None}
        assert http.post("/gradio_api/queue/join", json=join).status_code == 200
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": "leaves-early"}) as stream:
            for line in stream.iter_lines():
                if '"msg":"progress"' in line.replace(" ", "") and '"progress":0.0' not in line.replace(" ", ""):
                    break  # the first tile is done: leave
                assert '"msg":"process_completed"' not in line.replace(" ", ""), "finished before the test could leave"
    deadline = time.monotonic() + 60
    while log.read_text(encoding="utf-8", errors="replace").count("abandoned super_resolve") == before:
        assert time.monotonic() < deadline, "the job ran on after its visitor left"
        time.sleep(0.5)
    assert len(call(make_client(served.url, tmp_path), "/sample", "tiny-dcgan", 1, 2, 1.0)) == 2  # still serving


def test_handlers_answer_with_their_own_files_inside_gradios_cache(app: SimpleNamespace) -> None:
    """Gradio serves files in its cache as they are: handlers write their images there once (serving.stored)."""
    answer = app.sample("tiny-dcgan", 3, 4, 1.0, request=None)
    paths = [Path(path) for path, _ in answer]
    assert [caption for _, caption in answer] == [f"seed {s}" for s in range(3, 7)]
    assert all(p.parent.parent == serving.RESULT_DIR and p.suffix == ".png" for p in paths)
    assert serving.RESULT_DIR.parent == serving.GRADIO_CACHE and len({p.parent for p in paths}) == 1
    drawn = imaging.to_pil_list(ops.sample(app.registry.get("tiny-dcgan").model, [3], 1.0))[0]
    assert np.array_equal(np.asarray(Image.open(paths[0])), np.asarray(drawn))  # lossless: PNG


def test_the_sweep_of_gradios_cache_leaves_the_results_inside_it_to_their_own(tmp_path: Path) -> None:
    results = tmp_path / "results"
    (results / "old").mkdir(parents=True)
    (results / "old" / "0.png").write_bytes(b"x" * 1000)
    (tmp_path / "upload.png").write_bytes(b"x" * 1000)
    assert serving.sweep(tmp_path, ttl_s=3600, max_bytes=0, skip=results) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["results"] and (results / "old" / "0.png").exists()


def test_result_files_are_served_before_gradios_route_and_nothing_else_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results"
    monkeypatch.setattr(serving, "RESULT_DIR", results)
    png = serving.stored([Image.new("RGB", (8, 8), "red")])[0]
    (tmp_path / "secret.png").write_bytes(b"not yours")
    big = Path(png).with_name("big.png")
    big.write_bytes(b"x" * (serving.SERVED_MAX_BYTES + 1))
    Path(png).with_name("notes.txt").write_text("text")
    passed_on: list[str] = []

    async def gradio(scope: dict, receive: Callable, send: Callable) -> None:
        passed_on.append(scope["path"])
        await send({"type": "http.response.start", "status": 403, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    http = TestClient(serving.ResultFiles(gradio))  # not entered: no lifespan events for the stand-in
    served = http.get(f"/gradio_api/file={png}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == Path(png).read_bytes() and not passed_on
    assert http.head(f"/gradio_api/file={png}").content == b""
    outside = [
        str(tmp_path / "secret.png"),
        f"{results}/../secret.png",  # resolves outside the results
        str(big),  # too large to read at once: Gradio streams it
        str(Path(png).with_name("notes.txt")),  # not an image type the app writes
        str(Path(png).with_name("gone.png")),
    ]
    for path in outside:
        assert http.get(f"/gradio_api/file={path}").status_code == 403
    assert http.post(f"/gradio_api/file={png}").status_code == 403  # only GET and HEAD
    assert http.get("/config").status_code == 403
    assert len(passed_on) == len(outside) + 2


def test_swept_files_leave_gradios_record_of_what_it_may_serve(tmp_path: Path) -> None:
    """Gradio remembers every file it served (one set per component) and forgets only those its own delete_cache
    removes: the app's sweep makes it forget the rest, or the record grows by every result of a workshop."""
    with gr.Blocks() as demo:
        image = gr.Image()
    served = []
    for name in ("kept", "swept"):
        (tmp_path / name).write_bytes(name.encode())
        served.append(image.move_resource_to_block_cache(tmp_path / name))  # as Gradio does with a result file
    record = lambda: set().union(*demo.temp_file_sets)  # noqa: E731
    assert set(served) <= record()
    Path(served[1]).unlink()
    assert serving.forget_missing_files(demo) == 1
    assert served[0] in record() and served[1] not in record()
    assert serving.forget_missing_files(demo) == 0
