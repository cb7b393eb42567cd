"""The lab's 2D playground beside its handlers (gan_demo/ui/lab.py): a session's run, the page's layout and the
status line under the view."""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from PIL import Image

from ..lab import render, toy
from ..lab.presets import PRESET_NAMES
from .text import i18n, note

GIF_FRAMES = 120  # the GIF keeps at most this many frames, spread over the whole run
GIF_SIDE = 320


@dataclass
class Playground:
    """One browser session's 2D run, with what the page needs beside it."""

    run: toy.ToyRun
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    points: list[list[float]] = field(default_factory=list)  # the user's clicks, for dataset "drawn"
    train_s: float = 0.0
    gif: list[Image.Image] = field(default_factory=list)
    gif_every: int = 1  # keep every gif_every-th frame; doubles whenever the GIF is full
    frames: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keep_frame(self, image: Image.Image) -> None:
        self.frames += 1
        if self.frames % self.gif_every:
            return
        self.gif.append(image.resize((GIF_SIDE, round(GIF_SIDE * image.height / image.width))))
        if len(self.gif) >= 2 * GIF_FRAMES:
            self.gif, self.gif_every = self.gif[::2], 2 * self.gif_every


def _number(value: float | int | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.3f}"


def status_line(metrics: dict[str, Any], request: gr.Request | None) -> str:
    """The metrics under the view, in the request's language."""
    values = {k: _number(metrics.get(k)) for k in ("d_loss", "g_loss", "d_real", "d_fake", "js")}
    line = note("lab_status", request, step=metrics["step"], **values)
    if "modes_covered" in metrics:
        line += note(
            "lab_modes", request, covered=metrics["modes_covered"], total=metrics["modes_total"],
            quality=metrics["high_quality"],
        )  # fmt: skip
    if any(metrics.get(k) is not None and not math.isfinite(metrics[k]) for k in ("d_loss", "g_loss")):
        line += "\n\n" + note("lab_diverged", request)
    return line


@dataclass
class PlaygroundLayout:
    """The playground's components; `controls` are the ToySettings fields in the order of ui.lab.CONTROLS."""

    play: gr.Button
    pause: gr.Button
    reset: gr.Button
    steps: dict[str, gr.Button]  # step mode ("d", "g", "both") -> its button
    view: gr.Image
    status: gr.Markdown
    watch: gr.Markdown
    preset: gr.Dropdown
    seed: gr.Number
    speed: gr.Slider
    layers: gr.CheckboxGroup
    dataset: gr.Radio
    clear: gr.Button
    controls: list[gr.components.Component]
    prepare: gr.Button
    files: gr.File
    limits: gr.Markdown


def build_playground() -> PlaygroundLayout:
    """Lays the playground out (inside the lab's "2D" tab) and returns its components."""
    gr.Markdown(i18n("lab_2d_explain"))
    defaults = toy.ToySettings()
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                play = gr.Button(i18n("lab_play"), variant="primary", elem_id="lab-play")
                pause = gr.Button(i18n("lab_pause"), elem_id="lab-pause")
                reset = gr.Button(i18n("lab_reset"), elem_id="lab-reset")
            with gr.Row():
                step_d = gr.Button(i18n("lab_step_d"), size="sm")
                step_g = gr.Button(i18n("lab_step_g"), size="sm")
                step_both = gr.Button(i18n("lab_step_both"), size="sm", elem_id="lab-step")
            view = gr.Image(
                label=i18n("lab_view"), type="pil", format="jpeg", interactive=False, elem_id="lab-view",
                height=render.VIEW_SIZE + render.PLOT_HEIGHT, buttons=["download"],
            )  # fmt: skip
            status = gr.Markdown(elem_id="lab-status")
            watch = gr.Markdown()
            gr.Markdown(i18n("lab_metrics_explain"))
        with gr.Column(scale=2):
            preset = gr.Dropdown(
                [(i18n("lab_preset_none"), "")] + [(i18n(f"lab_preset_{n}"), n) for n in PRESET_NAMES],
                value="", label=i18n("lab_preset"), info=i18n("lab_preset_info"), elem_id="lab-preset",
            )  # fmt: skip
            with gr.Row():
                seed = gr.Number(value=0, precision=0, label=i18n("seed"), info=i18n("lab_seed_info"))
                speed = gr.Slider(1, 100, value=10, step=1, label=i18n("lab_speed"), info=i18n("lab_speed_info"))
            layers = gr.CheckboxGroup(
                [(i18n(f"lab_layer_{n}"), n) for n in render.LAYERS], value=list(render.LAYERS),
                label=i18n("lab_layers"), info=i18n("lab_layers_info"),
            )  # fmt: skip
            dataset = gr.Radio(
                [(i18n(f"lab_data_{n}"), n) for n in toy.DATASETS], value=defaults.dataset,
                label=i18n("lab_data"), info=i18n("lab_data_info"),
            )  # fmt: skip
            clear = gr.Button(i18n("lab_clear_points"), size="sm")
            with gr.Accordion(i18n("lab_training"), open=True):
                loss = gr.Dropdown(list(toy.LOSSES), value=defaults.loss, label=i18n("lab_loss"),
                                   info=i18n("lab_loss_info"))  # fmt: skip
                with gr.Row():
                    g_lr = gr.Number(defaults.g_lr, label=i18n("lab_g_lr"), info=i18n("lab_lr_info"))
                    d_lr = gr.Number(defaults.d_lr, label=i18n("lab_d_lr"), info=i18n("lab_lr_info"))
                optimizer = gr.Radio(list(toy.OPTIMIZERS), value=defaults.optimizer, label=i18n("lab_optimizer"),
                                     info=i18n("lab_optimizer_info"))  # fmt: skip
                with gr.Row():
                    beta1 = gr.Slider(0, 0.99, value=defaults.beta1, step=0.01, label=i18n("lab_beta1"),
                                      info=i18n("lab_beta1_info"))  # fmt: skip
                    beta2 = gr.Slider(0, 0.999, value=defaults.beta2, step=0.001, label=i18n("lab_beta2"),
                                      info=i18n("lab_beta2_info"))  # fmt: skip
                d_steps = gr.Slider(1, toy.LIMITS["d_steps"][1], value=defaults.d_steps, step=1,
                                    label=i18n("lab_d_steps"), info=i18n("lab_d_steps_info"))  # fmt: skip
                batch = gr.Slider(8, 1024, value=defaults.batch_size, step=8, label=i18n("lab_batch"),
                                  info=i18n("lab_batch_info"))  # fmt: skip
            with gr.Accordion(i18n("lab_tricks"), open=True):
                smoothing = gr.Slider(0, 0.5, value=defaults.label_smoothing, step=0.05,
                                      label=i18n("lab_smoothing"), info=i18n("lab_smoothing_info"))  # fmt: skip
                sn = gr.Checkbox(defaults.spectral_norm, label=i18n("lab_sn"), info=i18n("lab_sn_info"))
                r1 = gr.Slider(0, 10, value=defaults.r1, step=0.1, label=i18n("lab_r1"), info=i18n("lab_r1_info"))
                ema = gr.Slider(0, 0.999, value=defaults.ema, step=0.001, label=i18n("lab_ema"),
                                info=i18n("lab_ema_info"))  # fmt: skip
            with gr.Accordion(i18n("lab_models"), open=False):
                noise_dim = gr.Radio([1, 2], value=defaults.noise_dim, label=i18n("lab_noise_dim"),
                                     info=i18n("lab_noise_dim_info"))  # fmt: skip
                noise = gr.Radio(list(toy.NOISES), value=defaults.noise, label=i18n("lab_noise"),
                                 info=i18n("lab_noise_info"))  # fmt: skip
                layer_range, width_range = toy.LIMITS["layers"], toy.LIMITS["width"]
                with gr.Row():
                    g_layers = gr.Slider(*layer_range, value=defaults.g_layers, step=1, label=i18n("lab_g_layers"),
                                         info=i18n("lab_arch_info"))  # fmt: skip
                    g_width = gr.Slider(*width_range, value=defaults.g_width, step=1, label=i18n("lab_g_width"),
                                        info=i18n("lab_width_info"))  # fmt: skip
                with gr.Row():
                    d_layers = gr.Slider(*layer_range, value=defaults.d_layers, step=1, label=i18n("lab_d_layers"),
                                         info=i18n("lab_arch_info"))  # fmt: skip
                    d_width = gr.Slider(*width_range, value=defaults.d_width, step=1, label=i18n("lab_d_width"),
                                        info=i18n("lab_width_info"))  # fmt: skip
            with gr.Accordion(i18n("lab_downloads"), open=False):
                prepare = gr.Button(i18n("lab_download_button"), size="sm")
                files = gr.File(label=i18n("lab_files"), file_count="multiple", interactive=False)
            limits = gr.Markdown()
    controls = [dataset, noise_dim, noise, g_layers, g_width, d_layers, d_width, loss, g_lr, d_lr, optimizer,
                beta1, beta2, d_steps, batch, smoothing, sn, r1, ema]  # fmt: skip
    return PlaygroundLayout(
        play, pause, reset, {"d": step_d, "g": step_g, "both": step_both}, view, status, watch, preset, seed, speed,
        layers, dataset, clear, controls, prepare, files, limits,
    )  # fmt: skip
