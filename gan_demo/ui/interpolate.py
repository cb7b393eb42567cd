"""The latent-interpolation tab: frames and a GIF from seed A's image to seed B's, in Z (or a StyleGAN's W).

Endpoint `/interpolate` (model, seed_a, seed_b, steps, method, truncation, space = "z") -> (frames, gif path);
see docs/api.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import gradio as gr

from .. import imaging, ops
from ..errors import UserError
from ..kind import Kind
from . import checks, widgets
from .sample import UnconditionalTab
from .serving import captioned, remembered, results_folder
from .text import i18n, user_errors

MAX_FRAMES = 48


class InterpolateTab(UnconditionalTab):
    title_key = "tab_interpolate"

    @remembered
    @user_errors
    def interpolate(
        self,
        model: str,
        seed_a: int,
        seed_b: int,
        steps: int,
        method: str,
        truncation: float,
        request: gr.Request,
        space: str = "z",
    ) -> tuple[list[tuple[str, str]], str]:
        loaded = checks.model(self.registry, model, self.names)
        a, b = checks.seed(seed_a, "seed_a"), checks.seed(seed_b, "seed_b")
        n = checks.integer(steps, "steps", 2, MAX_FRAMES)
        if method not in ("lerp", "slerp"):
            raise UserError("unknown_method", value=method)
        if space not in ("z", "w"):
            raise UserError("unknown_space", value=space)
        if space == "w" and loaded.kind is not Kind.STYLEGAN:
            stylegans = self.registry.names(kind=Kind.STYLEGAN)
            raise UserError("w_needs_stylegan", value=loaded.name, choices=", ".join(stylegans))
        psi = checks.truncation(truncation)
        frames = imaging.to_pil_list(ops.interpolate(loaded.model, a, b, n, method, psi, space=space))
        captions = [f"t = {i / (n - 1):.2f}" for i in range(n)]
        return captioned(frames, captions), str(_store_gif(imaging.gif_bytes(frames)))

    def space_control(self, model: str) -> gr.Radio:
        """The Z/W choice: live for a StyleGAN model, else locked on Z."""
        if self.is_stylegan(model):
            return gr.Radio(interactive=True, info=i18n("space_info"))
        return gr.Radio(value="z", interactive=False, info=i18n("space_off_info"))

    def build(self) -> None:
        style_first = bool(self.names) and self.is_stylegan(self.names[0])
        gr.Markdown(i18n("interpolate_explain"))
        with gr.Row():
            with gr.Column(scale=1):
                model = widgets.model_dropdown(self.registry, self.names)
                seed_a, dice_a = widgets.seed_row("seed_a", 1)
                seed_b, dice_b = widgets.seed_row("seed_b", 2)
                steps = gr.Slider(2, MAX_FRAMES, value=12, step=1, label=i18n("steps"), info=i18n("steps_info"))
                method = gr.Radio(["slerp", "lerp"], value="slerp", label=i18n("method"))
                psi = widgets.truncation_slider()
                space = gr.Radio(
                    [("Z", "z"), ("W", "w")],
                    value="z",
                    label=i18n("space"),
                    info=i18n("space_info" if style_first else "space_off_info"),
                    interactive=style_first,
                )
                go = gr.Button(i18n("generate"), variant="primary")
            with gr.Column(scale=2):
                frames = widgets.gallery("frames")
                gif = gr.Image(label=i18n("gif"), type="filepath", height=220, buttons=["download"])
        self.inputs, self.outputs = [model, seed_a, seed_b, steps, method, psi, space], [frames, gif]
        go.click(self.interpolate, self.inputs, self.outputs, api_name="interpolate")
        model.change(self.space_control, model, space, api_visibility="private", queue=False)
        for dice, target in ((dice_a, seed_a), (dice_b, seed_b)):
            dice.click(widgets.random_seed, None, target, api_visibility="private").then(
                self.interpolate, self.inputs, self.outputs, api_visibility="private"
            )

    def load(self, demo: gr.Blocks) -> None:
        demo.load(self.interpolate, self.inputs, self.outputs, api_visibility="private")


def _store_gif(gif: bytes) -> Path:
    """Write the GIF where Gradio can serve it (serving's sweeper removes it later)."""
    path = results_folder() / f"{hashlib.sha1(gif).hexdigest()}.gif"  # same request, same file
    path.write_bytes(gif)
    return path
