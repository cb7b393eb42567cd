"""The training lab's image mode: a tiny DCGAN learning Fashion-MNIST live, one run or two side by side.

Wiring (the lab tab does this; `slots` is the RunSlots shared with the 2D playground):

    image_lab = ImageLab(slots)
    with gr.Tab(i18n("...images tab label...")):
        image_lab.build()            # inside `with gr.Blocks() as demo:`
    ...
    image_lab.load(demo)             # once, inside `with demo:` after the tabs: frees the slot when a tab closes

Each browser session has its own runs (a gr.State); a gr.Timer ticks while they play, and each tick first asks
`slots` for a training slot (keyed by the session), then trains the runs in turn (TRAIN_S_PER_TICK seconds, less and
with a rest when more runs share the cores: slots.core_share) and shows their sample grids, loss curves and D(x) /
D(G(z)). Pause, reset, reaching the bound, or closing the tab gives the slot back (a vanished tab's slot also
expires after RunSlots' idle timeout). All events are UI-only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd
from PIL import Image

from .. import imaging
from ..errors import UserError
from ..lab import images
from ..lab.images import ImageRun, ImageSettings
from ..lab.losses import LOSSES
from ..lab.slots import RunSlots, core_share
from . import checks, serving
from .text import i18n, note, user_errors

# While the runs play, the page asks for a frame every TICK_S (a tick still pending skips the next): each frame
# trains TRAIN_S_PER_TICK, then draws and sends about 0.3 s of grids and curves, so most of the time goes to training.
TICK_S = 0.5
TRAIN_S_PER_TICK = 1.5
PLOT_POINTS = 300  # the curves are thinned to about this many steps
GRID_SIDE = 336  # the 8 x 8 sample grid is enlarged to at least this many pixels
SIDES = ("A", "B")
DEFAULT_COMPARISON = "spectral_norm"
# The per-run controls, in the order of their components: ImageSettings fields.
RUN_FIELDS = (
    "loss",
    "d_norm",
    "spectral_norm",
    "g_lr",
    "d_lr",
    "d_steps",
    "label_smoothing",
    "r1",
    "ema",
    "beta1",
    "beta2",
)


@dataclass
class Session:
    """One browser session's runs (A, and B when comparing) and whether they play."""

    runs: list[ImageRun]
    playing: bool = False
    discarded: bool = False  # reset while a tick was training it: that tick must not bring it back


def slot_key(request: gr.Request) -> str:
    return f"lab-images:{request.session_hash}"


def curves(run: ImageRun, names: dict[str, str]) -> pd.DataFrame:
    """The history's columns `names` (column -> curve label) as a long table for a LinePlot, thinned."""
    every = max(1, len(run.history) // PLOT_POINTS)
    rows = run.history[::every]
    return pd.DataFrame(
        [{"step": r["step"], "value": r[column], "curve": label} for r in rows for column, label in names.items()],
        columns=["step", "value", "curve"],
    )


def per_sample_norm(loss: str, r1: float, d_norm: str) -> str:
    """D's normalisation after choosing `loss` or `r1`: the gradient penalty and R1 need a D without batch norm."""
    return "none" if loss == "wgan-gp" or r1 else d_norm


def grid(run: ImageRun) -> Image.Image:
    return imaging.grid_image(run.samples(), nrow=8, min_side=GRID_SIDE)


class ImageLab:
    """The image mode's layout and handlers; `slots` bounds how many lab runs train at once."""

    def __init__(self, slots: RunSlots) -> None:
        self.slots = slots

    # -- handlers ------------------------------------------------------------------------------------------------

    @user_errors
    def play(self, values: dict[Any, Any], request: gr.Request) -> tuple[Session, gr.Timer, str]:
        """Continue the session's runs, or start new ones from the controls (`values`: component -> value)."""
        session: Session | None = values[self.session]
        if session is None or all(run.done for run in session.runs):
            session = Session(self.new_runs(values))
        session.playing = True
        return session, gr.Timer(active=True), gr.skip()

    def new_runs(self, values: dict[Any, Any]) -> list[ImageRun]:
        """Fresh runs from the controls (`values`: component -> value): A, and B when comparing."""
        dataset = values[self.dataset]
        if dataset not in images.available_datasets():
            detail = f"dataset {dataset!r} is not installed; installed: {', '.join(images.available_datasets())}"
            raise UserError("li_bad_settings", side="A", detail=detail)
        seed = checks.seed(values[self.seed])
        common = {
            "dataset": dataset,
            "batch_size": checks.integer(values[self.batch_size], "li_batch", 16, 128),
        }
        sides = SIDES if checks.flag(values[self.two_runs], "li_two_runs") else SIDES[:1]
        chosen = []
        for side in sides:
            try:
                fields = {f: values[c] for f, c in zip(RUN_FIELDS, self.controls[side], strict=True)}
                chosen.append(ImageSettings.from_dict({**common, **fields}))
            except ValueError as err:
                raise UserError("li_bad_settings", side=side, detail=str(err)) from None
        return [ImageRun(settings, seed) for settings in chosen]

    @user_errors
    def opening(self, values: dict[Any, Any], request: gr.Request) -> tuple[Any, ...]:
        """The page opens on each run's sample grid at step 0, what its untrained G draws (a fraction of a second,
        nothing trained, no slot taken). Play starts these very runs: the same settings and seed, the same weights."""
        views: list[Any] = [gr.skip()] * 3 * len(SIDES)
        for i, run in enumerate(self.new_runs(values)):
            views[3 * i] = grid(run)
        return (note("li_opening", request), *views)

    def pause(self, session: Session | None, request: gr.Request) -> tuple[Session | None, gr.Timer, str]:
        self.slots.release(slot_key(request))
        if session is not None:
            session.playing = False
        return session, gr.Timer(active=False), note("li_paused", request)

    def reset(self, session: Session | None, request: gr.Request) -> tuple[Any, ...]:
        self.slots.release(slot_key(request))
        if session is not None:
            session.playing, session.discarded = False, True
        empty = pd.DataFrame(columns=["step", "value", "curve"])
        return (None, gr.Timer(active=False), note("li_idle", request), *[None, empty, empty] * len(SIDES))

    @serving.lab
    def tick(self, session: Session | None, request: gr.Request) -> tuple[Any, ...]:
        """One frame: ask for a slot, train the runs in turn for TRAIN_S_PER_TICK, draw them."""
        views = [gr.skip()] * 3 * len(SIDES)
        if session is None or not session.playing:
            return (session, gr.Timer(active=False), gr.skip(), *views)
        key = slot_key(request)
        answer = self.slots.acquire(key)
        if not answer.granted:
            waiting = note("li_waiting", request, limit=answer.limit, ahead=answer.ahead)
            return (session, gr.skip(), waiting, *views)
        # The runs' share of a core (slots.core_share): train, then rest so that training takes that share of the tick.
        share = core_share(answer.busy)
        start = time.perf_counter()
        images.train_in_turn(session.runs, TRAIN_S_PER_TICK * share)
        time.sleep((time.perf_counter() - start) * (1 / share - 1))
        if not session.playing:  # paused or reset while this tick trained
            self.slots.release(key)
            return (None if session.discarded else session, gr.Timer(active=False), gr.skip(), *views)
        timer: Any = gr.skip()
        lines = [self.status(side, run, request) for side, run in zip(SIDES, session.runs, strict=False)]
        finished = all(run.done for run in session.runs)
        if finished:
            self.slots.release(key)
            session.playing = False
            timer = gr.Timer(active=False)
            lines.append(note("li_finished", request))
        for i, run in enumerate(session.runs):
            losses = curves(run, {"d_loss": "D loss", "g_loss": "G loss"})
            readout = curves(run, {"d_real": "D(x)", "d_fake": "D(G(z))"})
            views[3 * i : 3 * i + 3] = [grid(run), losses, readout]
        # Paused while this frame was drawn: this late frame says so too, or it would cover the pause's own line.
        paused = not session.playing and not finished
        text = note("li_paused", request) if paused else "\n\n".join(lines)
        return (None if session.discarded else session, timer, text, *views)

    @staticmethod
    def status(side: str, run: ImageRun, request: gr.Request | None) -> str:
        return note(
            "li_run_status",
            request,
            side=side,
            step=run.step_count,
            max_steps=images.MAX_STEPS,
            seconds=run.seconds,
            max_seconds=images.MAX_SECONDS,
            rate=run.step_count / max(run.seconds, 1e-9),
        )

    def close(self, request: gr.Request) -> None:
        """The tab closed: give its slot back now rather than after the idle timeout."""
        self.slots.release(slot_key(request))

    @staticmethod
    def preset(name: str) -> list[Any]:
        """The controls of runs A and B for comparison `name` (RUN_FIELDS of A, then of B)."""
        a, b = images.comparison(name)
        return [getattr(s, f) for s in (a, b) for f in RUN_FIELDS]

    # -- layout --------------------------------------------------------------------------------------------------

    def build(self) -> None:
        """The mode's components and events (call inside the lab tab's "Images" tab)."""
        gr.Markdown(i18n("li_explain"))
        datasets = images.available_datasets()
        with gr.Row():
            self.dataset = gr.Radio(
                datasets,
                value=datasets[0] if datasets else None,
                label=i18n("li_dataset"),
                info=i18n("li_dataset_info"),
            )
            self.seed = gr.Number(value=0, precision=0, label=i18n("seed"), info=i18n("li_seed_info"))
            self.batch_size = gr.Slider(16, 128, value=64, step=16, label=i18n("li_batch"), info=i18n("li_batch_info"))
        with gr.Row():
            self.two_runs = gr.Checkbox(value=True, label=i18n("li_two_runs"), info=i18n("li_two_runs_info"))
            preset = gr.Dropdown(
                [(i18n(f"li_preset_{name}"), name) for name in images.COMPARISONS],
                value=DEFAULT_COMPARISON,
                label=i18n("li_preset"),
                info=i18n("li_preset_info"),
            )
        with gr.Row():
            play = gr.Button(i18n("li_play"), variant="primary", elem_id="li-play")
            pause = gr.Button(i18n("li_pause"), elem_id="li-pause")
            reset = gr.Button(i18n("li_reset"), variant="stop", elem_id="li-reset")
        status = gr.Markdown(elem_id="li-status")
        defaults = self.preset(DEFAULT_COMPARISON)
        self.controls: dict[str, list[gr.components.Component]] = {}
        views: list[gr.components.Component] = []
        columns = []
        with gr.Row():
            for i, side in enumerate(SIDES):
                with gr.Column() as column:
                    gr.Markdown(i18n(f"li_run_{side.lower()}"))
                    views.append(
                        gr.Image(
                            label=i18n("li_samples"),
                            type="pil",
                            format="png",
                            interactive=False,
                            height=GRID_SIDE,
                            elem_id=f"li-grid-{side.lower()}",
                        )
                    )
                    for key in ("li_losses", "li_readout"):
                        views.append(gr.LinePlot(x="step", y="value", color="curve", label=i18n(key), height=220))
                    n = len(RUN_FIELDS)
                    self.controls[side] = self.run_controls(
                        dict(zip(RUN_FIELDS, defaults[i * n : (i + 1) * n], strict=True))
                    )
                columns.append(column)
        gr.Markdown(i18n("li_limits"))
        gr.Markdown(i18n("li_watch"))

        self.session = gr.State(None)
        timer = gr.Timer(TICK_S, active=False)
        private: dict[str, Any] = {"api_visibility": "private"}
        all_controls = [c for side in SIDES for c in self.controls[side]]
        inputs = {self.session, self.dataset, self.seed, self.batch_size, self.two_runs, *all_controls}
        play.click(self.play, inputs, [self.session, timer, status], **private, show_progress="hidden")
        self.opening_event = (inputs, [status, *views])
        pause.click(self.pause, self.session, [self.session, timer, status], **private, queue=False)
        reset.click(self.reset, self.session, [self.session, timer, status, *views], **private, queue=False)
        # Every session ticks on its own; RunSlots, not Gradio's queue, bounds how many train at once.
        outputs = [self.session, timer, status, *views]
        timer.tick(
            self.tick,
            self.session,
            outputs,
            **private,
            concurrency_limit=None,
            show_progress="hidden",
            show_progress_on=[],
        )
        preset.input(self.preset, preset, all_controls, **private, queue=False)
        for side in SIDES:
            loss, d_norm, r1 = (self.controls[side][RUN_FIELDS.index(f)] for f in ("loss", "d_norm", "r1"))
            for control in (loss, r1):
                control.input(per_sample_norm, [loss, r1, d_norm], d_norm, **private, queue=False)
        self.two_runs.change(lambda on: gr.Column(visible=on), self.two_runs, columns[1], **private, queue=False)

    def load(self, demo: gr.Blocks) -> None:
        """Open on the step-0 grids (where a dataset is installed: without, the tab says so and nothing trains); free
        the session's slot as soon as its tab closes (call inside `with demo:`)."""
        if images.available_datasets():
            demo.load(self.opening, *self.opening_event, api_visibility="private", show_progress="hidden")
        demo.unload(self.close)

    @staticmethod
    def run_controls(values: dict[str, Any]) -> list[gr.components.Component]:
        """One run's settings, each with its explanation, in RUN_FIELDS order."""
        with gr.Accordion(i18n("li_settings"), open=True):
            loss = gr.Dropdown(list(LOSSES), value=values["loss"], label=i18n("li_loss"), info=i18n("li_loss_info"))
            d_norm = gr.Radio(
                list(images.D_NORMS), value=values["d_norm"], label=i18n("li_d_norm"), info=i18n("li_d_norm_info")
            )
            sn = gr.Checkbox(value=values["spectral_norm"], label=i18n("li_sn"), info=i18n("li_sn_info"))
            lr = {"minimum": 1e-6, "maximum": 0.01, "step": 1e-5}
            g_lr = gr.Number(value=values["g_lr"], label=i18n("li_g_lr"), info=i18n("li_g_lr_info"), **lr)
            d_lr = gr.Number(value=values["d_lr"], label=i18n("li_d_lr"), info=i18n("li_d_lr_info"), **lr)
            d_steps = gr.Slider(
                1, 5, value=values["d_steps"], step=1, label=i18n("li_d_steps"), info=i18n("li_d_steps_info")
            )
            smoothing = gr.Slider(
                0,
                0.5,
                value=values["label_smoothing"],
                step=0.05,
                label=i18n("li_smoothing"),
                info=i18n("li_smoothing_info"),
            )
            r1 = gr.Slider(0, 10, value=values["r1"], step=0.5, label=i18n("li_r1"), info=i18n("li_r1_info"))
            ema = gr.Slider(0, 0.999, value=values["ema"], step=0.001, label=i18n("li_ema"), info=i18n("li_ema_info"))
            with gr.Accordion(i18n("li_adam"), open=False):
                beta1 = gr.Slider(
                    0, 0.99, value=values["beta1"], step=0.05, label=i18n("li_beta1"), info=i18n("li_beta1_info")
                )
                beta2 = gr.Slider(
                    0.5, 0.999, value=values["beta2"], step=0.001, label=i18n("li_beta2"), info=i18n("li_beta2_info")
                )
        return [loss, d_norm, sn, g_lr, d_lr, d_steps, smoothing, r1, ema, beta1, beta2]
