"""The training lab's 2D playground as served: its handlers in-process (sessions, the run limit, cancellation), the
/lab_2d endpoint through gradio_client, and the live view in Debian's chromium (play, pause, separate sessions)."""

from __future__ import annotations

import io
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ZH, make_client  # tests/conftest.py
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page
from served_app import running_app  # scripts/served_app.py
from test_browser import open_page

from gan_demo.lab import render
from gan_demo.lab.presets import PRESETS
from gan_demo.lab.slots import LAB_CPU_SHARE, RunSlots
from gan_demo.lab.toy import ToyRun, ToySettings
from gan_demo.ui import lab as lab_ui
from gan_demo.ui.lab import CONTROLS, LabTab, Playground, training_budget

ALL_LAYERS = list(render.LAYERS)


def controls(**changes: object) -> list[object]:
    values = {**{name: getattr(ToySettings(), name) for name in CONTROLS}, "g_width": 16, "d_width": 16}
    values.update(changes)
    return [values[name] for name in CONTROLS]


def tick(tab: LabTab, session: Playground | None, speed: int = 5, **changes: object) -> tuple:
    return tab.tick(None, session, 0, speed, ALL_LAYERS, *controls(**changes))


# -- in-process: the handlers -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def whole_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tick trains all its steps here (on a busy CPU the per-tick time budget would cut them short)."""
    monkeypatch.setattr(lab_ui, "training_budget", lambda busy: 600.0)


def test_runs_share_at_most_half_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # what slots.core_share reads
    budgets = {busy: training_budget(busy) for busy in (1, 2, 4, 8)}  # (the fixture patches lab_ui's)
    assert budgets[1] == lab_ui.TICK_BUDGET_S
    for busy in (2, 4, 8):
        assert busy * budgets[busy] <= LAB_CPU_SHARE * 2 * lab_ui.TICK_S + 1e-9


def test_ticks_train_the_session_run_and_apply_changed_controls() -> None:
    tab = LabTab(registry=None, slots=RunSlots(2))
    session, image, text, _ = tick(tab, None)
    assert session.run.step_count == 5 and isinstance(image, Image.Image) and "Step 5" in text
    weights = [p.clone() for p in session.run.g.parameters()]
    session, *_ = tick(tab, session, speed=1, loss="hinge", g_lr=1e-4)
    assert session.run.settings.loss == "hinge" and session.run.step_count == 6
    assert session.run.g_opt.param_groups[0]["lr"] == 1e-4
    assert any(not (a == b).all() for a, b in zip(weights, session.run.g.parameters(), strict=True))


def test_at_most_max_active_runs_train_and_pause_frees_a_slot() -> None:
    tab = LabTab(registry=None, slots=RunSlots(1))
    first, *_ = tick(tab, None)
    second, image, text, timer = tick(tab, None)
    assert second.run.step_count == 0 and "training slots are busy" in text
    assert tab.tick(None, second, 0, 5, ALL_LAYERS, *controls())[0].run.step_count == 0  # still waiting
    tab.pause(first)  # cancelling the first run frees its slot ...
    second, *_ = tick(tab, second)
    assert second.run.step_count == 5  # ... and the waiting one trains
    first, _, text, _ = tick(tab, first)
    assert first.run.step_count == 5 and "busy" in text  # now the first one waits


def test_a_closed_page_gives_its_slot_back() -> None:
    tab = LabTab(registry=None, slots=RunSlots(1))
    first, *_ = tick(tab, None)
    tab.release(first)  # gr.State's delete_callback when the session ends
    second, *_ = tick(tab, None)
    assert second.run.step_count == 5


def test_runs_stop_at_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_ui, "MAX_STEPS", 8)
    tab = LabTab(registry=None, slots=RunSlots(1))
    session, *_ = tick(tab, None)
    session, *_ = tick(tab, session)
    assert session.run.step_count == 8
    session, image, text, timer = tick(tab, session)
    assert "reached its limit" in text and timer.active is False
    assert session.run.step_count == 8 and not tab.slots.holds(session.key)


def test_drawn_points_without_points_are_refused_with_a_message() -> None:
    tab = LabTab(registry=None, slots=RunSlots(1))
    session, image, text, timer = tick(tab, None, dataset="drawn")
    assert session is None and "Click on the view" in text and timer.active is False


def test_downloads_hold_the_history_and_the_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_ui, "DOWNLOAD_DIR", tmp_path)
    tab = LabTab(registry=None, slots=RunSlots(1))
    session = None
    for _ in range(3):
        session, *_ = tick(tab, session)
    csv_path, json_path, gif_path = tab.downloads(session)
    assert Path(csv_path).read_text().splitlines()[0].startswith("step,mode,d_loss")
    assert len(Path(csv_path).read_text().splitlines()) == 1 + 15
    assert Image.open(gif_path).n_frames == 3


# -- served: the endpoint and the page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch_module.setenv("GAN_DEMO_LAB_RUNS", "2")
    with running_app(None, tmp_path_factory.mktemp("lab_server")) as url:
        yield url


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def lab_client(lab_server: str, tmp_path_factory: pytest.TempPathFactory) -> Client:
    return make_client(lab_server, tmp_path_factory.mktemp("lab_downloads"))


def _lab_2d(client: Client, *args: object) -> tuple[np.ndarray, dict]:
    image, metrics = client.predict(*args, api_name="/lab_2d")
    return np.asarray(Image.open(image).convert("RGB")), metrics


@pytest.mark.slow
def test_endpoint_returns_the_frame_the_page_shows(lab_client: Client) -> None:
    pixels, metrics = _lab_2d(lab_client, "mode_collapse", '{"batch_size": 64}', 0, 30, ALL_LAYERS)
    assert metrics["step"] == 30 and metrics["modes_total"] == 8
    preset = PRESETS["mode_collapse"]
    run = ToyRun(ToySettings.from_dict({**preset.settings, "batch_size": 64}), 0)
    run.train(30)
    assert np.array_equal(pixels, np.asarray(render.frame(run)))  # bit for bit: same seed, same trajectory
    again, metrics_again = _lab_2d(lab_client, "mode_collapse", '{"batch_size": 64}', 0, 30, ALL_LAYERS)
    assert np.array_equal(again, pixels) and metrics_again == metrics
    bare, _ = _lab_2d(lab_client, "", "", 1, 0, ["real"])
    assert bare.shape == (render.VIEW_SIZE + render.PLOT_HEIGHT, render.VIEW_SIZE, 3)


@pytest.mark.slow
def test_endpoint_refuses_bad_input_in_the_user_language(lab_server: str, tmp_path: Path) -> None:
    en, zh = make_client(lab_server, tmp_path), make_client(lab_server, tmp_path, headers=ZH)
    with pytest.raises(AppError, match="Unknown preset 'nope'"):
        en.predict("nope", "", 0, 10, ALL_LAYERS, api_name="/lab_2d")
    with pytest.raises(AppError, match="must be a JSON object"):
        en.predict("", "[1, 2]", 0, 10, ALL_LAYERS, api_name="/lab_2d")
    with pytest.raises(AppError, match="loss must be one of"):
        en.predict("", '{"loss": "magic"}', 0, 10, ALL_LAYERS, api_name="/lab_2d")
    with pytest.raises(AppError, match="between 0 and 3000"):
        en.predict("", "", 0, 10**6, ALL_LAYERS, api_name="/lab_2d")
    with pytest.raises(AppError, match="未知预设"):
        zh.predict("nope", "", 0, 10, ALL_LAYERS, api_name="/lab_2d")
    with pytest.raises(AppError, match="实验室设置无效"):
        zh.predict("", '{"g_width": 0}', 0, 10, ALL_LAYERS, api_name="/lab_2d")


# -- the page in chromium -------------------------------------------------------------------------------------------


def _open_lab(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    context, page = open_page(browser, url, "en-US")
    page.get_by_role("tab", name="Training lab").click()
    page.locator("#lab-view img").wait_for(timeout=120_000)
    return context, page


def _view_src(page: Page) -> str:
    return page.locator("#lab-view img").get_attribute("src") or ""


def _changes(page: Page, seconds: float) -> int:
    seen, last, end = 0, _view_src(page), time.monotonic() + seconds
    while time.monotonic() < end:
        page.wait_for_timeout(50)
        src = _view_src(page)
        if src != last:
            seen, last = seen + 1, src
    return seen


def _step(page: Page) -> int:
    text = page.locator("#lab-status").inner_text()
    return int(text.split("Step ")[1].split()[0].replace(",", ""))


@pytest.mark.slow
def test_play_refreshes_the_view_and_pause_stops_it(browser: Browser, lab_server: str) -> None:
    context, page = _open_lab(browser, lab_server)
    try:
        page.locator("#lab-play").click()
        assert _changes(page, 10.0) >= 10
        page.locator("#lab-pause").click()
        page.wait_for_timeout(1500)  # a tick already on its way may still land
        assert _changes(page, 3.0) == 0
    finally:
        context.close()


@pytest.mark.slow
def test_two_browser_sessions_do_not_share_a_run(browser: Browser, lab_server: str) -> None:
    (ctx_a, a), (ctx_b, b) = _open_lab(browser, lab_server), _open_lab(browser, lab_server)
    try:
        a.locator("#lab-play").click()
        a.wait_for_function("() => /Step [1-9]\\d{2,}/.test(document.querySelector('#lab-status').innerText)")
        a.locator("#lab-pause").click()
        assert _step(b) == 0  # B's run has not moved while A's trained
        b.locator("#lab-step").click()
        b.wait_for_function("() => /Step 1\\b/.test(document.querySelector('#lab-status').innerText)")
        a.wait_for_timeout(1000)
        assert _step(a) >= 100
    finally:
        ctx_a.close()
        ctx_b.close()


@pytest.mark.slow
def test_clicking_the_view_adds_a_data_point_there(browser: Browser, lab_server: str) -> None:
    context, page = _open_lab(browser, lab_server)
    try:
        before = _view_src(page)
        box = page.locator("#lab-view img").bounding_box()
        target = (120, 120)  # pixels of the frame: the plane's point (-1.5, 1.5)
        page.mouse.click(box["x"] + box["width"] * target[0] / render.VIEW_SIZE,
                         box["y"] + box["height"] * target[1] / (render.VIEW_SIZE + render.PLOT_HEIGHT))  # fmt: skip
        page.wait_for_function("src => document.querySelector('#lab-view img').src !== src", arg=before)
        assert page.get_by_role("radio", name="my points").is_checked()
        with urllib.request.urlopen(_view_src(page)) as response:
            pixels = np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB")).astype(int)
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        real = (g > 110) & (r < 90) & (b < 120)  # the real points' green, not the heatmap's pale tint
        ys, xs = np.nonzero(real[: render.VIEW_SIZE])
        assert len(xs) > 5
        assert np.hypot(xs - target[0], ys - target[1]).max() < 40  # all around the click (σ = 0.05 -> 4 px)
    finally:
        context.close()
