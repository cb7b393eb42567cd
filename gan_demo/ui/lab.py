"""The training lab tab: the 2D playground (live GAN training on points; its handlers here, its session and layout in
gan_demo/ui/lab_2d) and the image mode (gan_demo/ui/lab_images).

Each browser session keeps its own run in a gr.State; while it plays, a gr.Timer asks the server every
TICK_S seconds for `speed` more training steps and a new frame. At most RunSlots.max_active runs (both modes
together; env GAN_DEMO_LAB_RUNS) train at once, the others wait with a message; a run stops at MAX_STEPS steps or
MAX_TRAIN_S seconds of training, on pause, or when its page has been gone for IDLE_S seconds.

Endpoint `/lab_2d` (preset, settings, seed, steps, layers) -> (frame png, metrics); see app.py.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image

from .. import imaging
from ..checkpoint import ModelRegistry
from ..errors import UserError
from ..lab import render, toy
from ..lab.presets import PRESET_NAMES, PRESETS, preset_settings
from ..lab.slots import RunSlots, core_share
from . import checks, serving
from .lab_2d import Playground, build_playground, status_line
from .lab_images import ImageLab
from .tab import Tab
from .text import field_name, i18n, note, user_errors

TICK_S = 0.15  # the page asks for a new frame this often while playing (at most about 6 a second)
TICK_BUDGET_S = 0.08  # at most this long training per tick, so slow settings still refresh the view
MAX_STEPS = 20_000
MAX_TRAIN_S = 300.0
IDLE_S = 30.0  # a run without ticks for this long gives its slot back; its state goes after STATE_TTL_S
STATE_TTL_S = 3600
MAX_API_STEPS = 3000
MAX_SEED = 2**31 - 1
API_WAIT_S = 60.0  # how long an API call waits for a training slot before answering "busy"
DOWNLOAD_DIR = Path(tempfile.gettempdir()) / "gan_demo_lab"
# The playground's controls, in the order of the handlers' arguments: ToySettings fields.
CONTROLS = (
    "dataset", "noise_dim", "noise", "g_layers", "g_width", "d_layers", "d_width", "loss", "g_lr", "d_lr",
    "optimizer", "beta1", "beta2", "d_steps", "batch_size", "label_smoothing", "spectral_norm", "r1", "ema",
)  # fmt: skip


def _json_safe(metrics: dict[str, Any]) -> dict[str, Any]:
    """NaN and infinities (a diverged run) become null: JSON has no such numbers."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in metrics.items()}


def training_budget(busy: int) -> float:
    """Seconds of training per tick for each of `busy` runs: TICK_BUDGET_S, less when they would together take
    more than LAB_CPU_SHARE of the cores (slots.core_share; 2 cores, 4 runs: 37 ms of every 150 ms each)."""
    return min(TICK_BUDGET_S, TICK_S * core_share(busy))


class LabTab(Tab):
    title_key = "tab_lab"

    def __init__(self, registry: ModelRegistry, slots: RunSlots | None = None) -> None:
        super().__init__(registry)
        self.slots = slots or RunSlots.from_env(idle_timeout_s=IDLE_S)
        self.image_lab = ImageLab(self.slots)

    def available(self) -> bool:
        return True  # the lab trains its own models

    # -- settings from the controls ------------------------------------------------------------------------------

    @staticmethod
    def _settings(values: tuple[Any, ...], points: list[list[float]]) -> toy.ToySettings:
        """The controls' values as settings (raises ValueError, e.g. for "my points" without points)."""
        given = dict(zip(CONTROLS, values, strict=True))
        for name in ("noise_dim", "g_layers", "g_width", "d_layers", "d_width", "d_steps", "batch_size"):
            if not isinstance(given[name], (int, float)):
                raise ValueError(f"{name} must be a number, got {given[name]!r}")
            given[name] = int(given[name])
        settings = dataclasses.replace(toy.ToySettings(), **given, points=list(points))
        settings.validate()
        return settings

    def _session(
        self, session: Playground | None, seed: float, values: tuple[Any, ...], points: list[list[float]] | None = None
    ) -> Playground:
        """The session's run with the controls' settings (and `points`, else its own) applied; new the first time."""
        if points is None:
            points = session.points if session else []
        settings = self._settings(values, points)
        if session is None:
            if not isinstance(seed, (int, float)) or not 0 <= seed <= MAX_SEED or seed != int(seed):
                raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
            return Playground(toy.ToyRun(settings, int(seed)), points=list(points))
        session.points = list(points)
        session.run.update(settings)
        return session

    def _show(self, session: Playground, layers: list[str], request: gr.Request | None) -> tuple:
        image = render.frame(session.run, layers)
        session.keep_frame(image)
        return session, image, status_line(session.run.metrics(), request)

    # -- handlers ------------------------------------------------------------------------------------------------

    @serving.lab
    def tick(
        self,
        request: gr.Request,
        session: Playground | None,
        seed: float,
        speed: float,
        layers: list[str],
        *values: Any,
    ) -> tuple[Playground | None, Any, str, gr.Timer]:
        """One refresh while playing: up to `speed` steps (if a slot is free), then a new frame."""
        try:
            session = self._session(session, seed, tuple(values))
        except ValueError as err:
            return session, gr.skip(), self._refusal(err, request), gr.Timer(active=False)
        if not session.lock.acquire(blocking=False):  # the previous tick still runs
            return session, gr.skip(), gr.skip(), gr.Timer()
        try:
            if session.run.step_count >= MAX_STEPS or session.train_s >= MAX_TRAIN_S:
                self.slots.release(session.key)
                finished = note("lab_finished", request, steps=MAX_STEPS, seconds=int(MAX_TRAIN_S))
                return session, gr.skip(), finished, gr.Timer(active=False)
            answer = self.slots.acquire(session.key)
            if not answer.granted:
                waiting = note("lab_waiting", request, limit=answer.limit, ahead=answer.ahead)
                return session, gr.skip(), waiting, gr.Timer()
            start, budget = time.perf_counter(), training_budget(answer.busy)
            for _ in range(int(speed)):
                session.run.step()
                if time.perf_counter() - start > budget or session.run.step_count >= MAX_STEPS:
                    break
            session.train_s += time.perf_counter() - start
            return (*self._show(session, layers, request), gr.Timer())
        finally:
            session.lock.release()

    def _refusal(self, err: ValueError, request: gr.Request | None) -> str:
        if "drawn" in str(err):
            return note("lab_need_points", request)
        return note("lab_settings_refused", request, detail=str(err))

    def play(self) -> gr.Timer:
        return gr.Timer(active=True)

    def pause(self, session: Playground | None) -> gr.Timer:
        if session is not None:
            self.slots.release(session.key)
        return gr.Timer(active=False)

    def step_once(
        self, mode: str, request: gr.Request, session: Playground | None, seed: float, layers: list[str], *values: Any
    ) -> tuple[Playground | None, Any, str]:
        """One step by hand: "d", "g" or "both" (no slot needed: one step is a few milliseconds)."""
        try:
            session = self._session(session, seed, tuple(values))
        except ValueError as err:
            return session, gr.skip(), self._refusal(err, request)
        with session.lock:
            if session.run.step_count < MAX_STEPS:
                session.run.step(mode)
            return self._show(session, layers, request)

    def reset(
        self, request: gr.Request, session: Playground | None, seed: float, layers: list[str], *values: Any
    ) -> tuple[Playground | None, Any, str]:
        """A new run from the controls and the seed; the user's points stay."""
        points = session.points if session else []
        if session is not None:
            self.slots.release(session.key)
        try:
            fresh = self._session(None, seed, tuple(values), points)
        except ValueError as err:
            return session, gr.skip(), self._refusal(err, request)
        return self._show(fresh, layers, request)

    def redraw(self, request: gr.Request, session: Playground | None, layers: list[str]) -> tuple:
        if session is None:
            return gr.skip(), gr.skip()
        with session.lock:
            _, image, text = self._show(session, layers, request)
        return image, text

    def add_point(
        self,
        request: gr.Request,
        evt: gr.SelectData,
        session: Playground | None,
        seed: float,
        layers: list[str],
        *values: Any,
    ) -> tuple[Playground | None, str, Any, str]:
        """A click on the view adds a data point there, switches the data to "my points" and redraws."""
        point = render.to_plane(*evt.index[:2]) if isinstance(evt.index, (list, tuple)) else None
        points = session.points if session else []
        if point is None or len(points) >= toy.MAX_DRAWN_POINTS:
            return session, gr.skip(), gr.skip(), gr.skip()
        controls = list(values)
        controls[CONTROLS.index("dataset")] = "drawn"
        try:
            session = self._session(session, seed, tuple(controls), [*points, list(point)])
        except ValueError as err:
            return session, gr.skip(), gr.skip(), self._refusal(err, request)
        with session.lock:
            session, image, text = self._show(session, layers, request)
        return session, "drawn", image, text

    def clear_points(self, session: Playground | None) -> Playground | None:
        if session is not None:
            session.points.clear()
        return session

    def choose_preset(self, request: gr.Request, name: str | None) -> list[Any]:
        """The preset's settings into the controls, its seed, and what to watch."""
        if not name or name not in PRESETS:
            return [gr.skip()] * len(CONTROLS) + [gr.skip(), ""]
        values = preset_settings(name)
        watch = note("lab_watch", request, text=field_name(f"lab_watch_{name}", request))
        return [values[c] for c in CONTROLS] + [PRESETS[name].seed, watch]

    def limits(self, request: gr.Request) -> str:
        return note(
            "lab_limits", request, steps=MAX_STEPS, seconds=int(MAX_TRAIN_S), runs=self.slots.max_active,
            idle=int(IDLE_S), api_steps=MAX_API_STEPS,
        )  # fmt: skip

    def downloads(self, session: Playground | None) -> list[str]:
        """The run's history as CSV and JSON, and its frames as a GIF."""
        if session is None or not session.run.history:
            return []
        DOWNLOAD_DIR.mkdir(exist_ok=True)
        for old in DOWNLOAD_DIR.glob("*"):
            if time.time() - old.stat().st_mtime > STATE_TTL_S:
                old.unlink(missing_ok=True)
        stem = DOWNLOAD_DIR / f"lab-2d-{session.key[:8]}-step{session.run.step_count}"
        run = session.run
        record = {"seed": run.seed, "settings": dataclasses.asdict(run.settings), "history": run.history}
        Path(f"{stem}.json").write_text(json.dumps(_json_safe_deep(record), indent=1))
        columns = list(dict.fromkeys(key for row in run.history for key in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns)
        writer.writeheader()
        writer.writerows(run.history)
        Path(f"{stem}.csv").write_text(buffer.getvalue())
        files = [f"{stem}.csv", f"{stem}.json"]
        if session.gif:
            Path(f"{stem}.gif").write_bytes(imaging.gif_bytes(session.gif, frame_ms=100, bounce=False))
            files.append(f"{stem}.gif")
        return files

    def release(self, session: Playground | None) -> None:
        """The session's state is deleted (its page closed long ago): give its slot back."""
        if session is not None:
            self.slots.release(session.key)

    # -- the endpoint --------------------------------------------------------------------------------------------

    @serving.lab
    @user_errors
    def lab_2d(
        self, preset: str, settings: str, seed: float, steps: float, layers: list[str] | None, request: gr.Request
    ) -> tuple[Image.Image, dict[str, Any]]:
        """Train a fresh 2D run for `steps` steps and return its last frame (as the page shows it) and metrics.

        preset: "" or one of PRESET_NAMES (its settings and its seed unless `seed` is given); settings: a JSON object
        of ToySettings fields that override the preset's (or the defaults); layers: of render.LAYERS (None = all).
        """
        if preset not in ("", None, *PRESET_NAMES):
            raise UserError("lab_unknown_preset", value=preset, choices=", ".join(PRESET_NAMES))
        try:
            overrides = json.loads(settings) if isinstance(settings, str) and settings.strip() else {}
        except json.JSONDecodeError:
            overrides = None
        if not isinstance(overrides, dict):
            raise UserError("lab_bad_json", value=str(settings)[:80])
        base = preset_settings(preset) if preset else {}
        try:
            toy_settings = toy.ToySettings.from_dict({**base, **overrides})
        except (TypeError, ValueError) as err:
            raise UserError("lab_bad_settings", detail=str(err)) from None
        n = checks.integer(steps, "lab_api_steps", 0, MAX_API_STEPS)
        run_seed = checks.integer(seed, "seed", 0, MAX_SEED)
        shown = list(render.LAYERS) if layers is None else layers
        if not isinstance(shown, list) or not set(shown) <= set(render.LAYERS):
            raise UserError("lab_unknown_layers", value=shown, choices=", ".join(render.LAYERS))
        run = toy.ToyRun(toy_settings, run_seed)
        key = f"api-{uuid.uuid4().hex}"
        deadline = time.monotonic() + API_WAIT_S
        try:
            while not (answer := self.slots.acquire(key)).granted:
                if time.monotonic() > deadline:
                    raise UserError("lab_busy", limit=answer.limit)
                time.sleep(0.2)
            # At a page's pace (its training budget per TICK_S), so an API run costs the server what a page does.
            window, budget = time.monotonic(), training_budget(answer.busy)
            for _ in range(n):
                run.step()
                if time.monotonic() - window > budget:
                    time.sleep(TICK_S - budget)
                    window, budget = time.monotonic(), training_budget(self.slots.acquire(key).busy)  # + heartbeat
        finally:
            self.slots.release(key)
        return render.frame(run, shown), _json_safe(run.metrics())

    # -- layout --------------------------------------------------------------------------------------------------

    def build(self) -> None:
        gr.Markdown(i18n("lab_explain"))
        with gr.Tabs():
            with gr.Tab(i18n("lab_tab_2d")):
                self._build_2d()
            with gr.Tab(i18n("lab_tab_images")):
                self.image_lab.build()

    def _build_2d(self) -> None:
        session = gr.State(None, time_to_live=STATE_TTL_S, delete_callback=self.release)
        timer = gr.Timer(TICK_S, active=False)
        ui = build_playground()
        controls, layers, seed, view, status = ui.controls, ui.layers, ui.seed, ui.view, ui.status
        with gr.Row(visible=False):  # the API's own inputs and outputs: /lab_2d trains a fresh run per call
            api_inputs = [gr.Textbox(), gr.Textbox(), gr.Number(precision=0), gr.Number(precision=0),
                          gr.CheckboxGroup(list(render.LAYERS))]  # fmt: skip
            api_outputs = [gr.Image(type="pil", format="png"), gr.JSON()]
            api_go = gr.Button()
        api_go.click(self.lab_2d, api_inputs, api_outputs, api_name="lab_2d", concurrency_limit=None)
        private: dict[str, Any] = {"api_visibility": "private"}
        shown = [session, view, status]
        # Ticks of different sessions run side by side: RunSlots, not the queue, bounds the training.
        timer.tick(self.tick, [session, seed, ui.speed, layers, *controls], [*shown, timer],
                   concurrency_limit=None, **private)  # fmt: skip
        ui.play.click(self.play, None, timer, queue=False, **private)
        ui.pause.click(self.pause, session, timer, queue=False, **private)
        for mode, button in ui.steps.items():
            button.click(self._stepper(mode), [session, seed, layers, *controls], shown,
                         concurrency_limit=None, **private)  # fmt: skip
        ui.reset.click(self.reset, [session, seed, layers, *controls], shown, concurrency_limit=None, **private)
        view.select(self.add_point, [session, seed, layers, *controls], [session, ui.dataset, view, status],
                    concurrency_limit=None, **private)  # fmt: skip
        ui.clear.click(self.clear_points, session, session, **private)
        layers.change(self.redraw, [session, layers], [view, status], concurrency_limit=None, **private)
        ui.preset.input(self.choose_preset, ui.preset, [*controls, seed, ui.watch], **private).then(
            self.reset, [session, seed, layers, *controls], shown, concurrency_limit=None, **private
        )
        ui.prepare.click(self.downloads, session, ui.files, **private)
        self._first = ([session, seed, layers, *controls], shown, ui.limits)

    def _stepper(self, mode: str) -> Any:
        def step(
            request: gr.Request, session: Playground | None, seed: float, layers: list[str], *values: Any
        ) -> tuple:
            return self.step_once(mode, request, session, seed, layers, *values)

        return step

    def load(self, demo: gr.Blocks) -> None:
        """The playground opens on its first frame (a fresh run with the default settings) and its limits."""
        inputs, outputs, limits = self._first
        demo.load(self.reset, inputs, outputs, api_visibility="private")
        demo.load(self.limits, None, limits, api_visibility="private")
        self.image_lab.load(demo)


def _json_safe_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe_deep(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value
