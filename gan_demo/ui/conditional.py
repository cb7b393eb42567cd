"""The conditional-generation tab: images of one chosen class, and a class x seed grid.

Endpoint `/conditional` (model, class_name, seed, count, truncation) -> (gallery, grid); see docs/api.md.
"""

from __future__ import annotations

import gradio as gr

from .. import imaging, ops
from ..checkpoint import ModelRegistry
from ..errors import UserError
from ..kind import Kind
from . import checks, widgets
from .serving import captioned, remembered, stored
from .tab import Tab
from .text import class_label, i18n, user_errors

GRID_COLUMNS = 8  # seeds in the class x seed grid


class ConditionalTab(Tab):
    title_key = "tab_conditional"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names(kind=Kind.CONDITIONAL)

    def available(self) -> bool:
        return bool(self.names)

    @remembered
    @user_errors
    def conditional(
        self, model: str, class_name: str, seed: int, count: int, truncation: float, request: gr.Request
    ) -> tuple[list[tuple[str, str]], str]:
        loaded = checks.model(self.registry, model, self.names)
        if class_name not in loaded.class_names:
            raise UserError("unknown_class", value=class_name, choices=", ".join(loaded.class_names))
        seeds = checks.seeds(seed, count)
        psi = checks.truncation(truncation)
        images = ops.sample_class(loaded.model, loaded.class_names.index(class_name), seeds, psi)
        grid = ops.class_grid(loaded.model, seeds[:GRID_COLUMNS], psi)
        grid_image = imaging.labelled_grid(grid, loaded.class_names, ncol=min(len(seeds), GRID_COLUMNS), cell=56)
        return captioned(imaging.to_pil_list(images), [f"seed {s}" for s in seeds]), stored([grid_image])[0]

    def class_choices(self, model: str) -> gr.Dropdown:
        names = self.registry.config(model).get("class_names", []) if model in self.names else []
        # allow_custom_value: each model has its own classes, and conditional() checks the class itself.
        choices = [(class_label(n), n) for n in names]
        return gr.Dropdown(
            choices=choices, value=names[0] if names else None, label=i18n("class"), allow_custom_value=True
        )

    def build(self) -> None:
        gr.Markdown(i18n("conditional_explain"))
        with gr.Row():
            with gr.Column(scale=1):
                model = widgets.model_dropdown(self.registry, self.names)
                class_name = self.class_choices(self.names[0] if self.names else "")
                seed, dice = widgets.seed_row(value=7)
                count = widgets.count_slider(8)
                psi = widgets.truncation_slider()
                go = gr.Button(i18n("generate"), variant="primary")
            with gr.Column(scale=2):
                gallery = widgets.gallery("class_gallery")
                gr.Markdown(i18n("class_grid"))
                grid = gr.Image(show_label=False, type="filepath", buttons=["download", "fullscreen"])
        self.inputs, self.outputs = [model, class_name, seed, count, psi], [gallery, grid]
        go.click(self.conditional, self.inputs, self.outputs, api_name="conditional")
        model.change(self.class_choices, model, class_name, api_visibility="private")
        dice.click(widgets.random_seed, None, seed, api_visibility="private").then(
            self.conditional, self.inputs, self.outputs, api_visibility="private"
        )

    def load(self, demo: gr.Blocks) -> None:
        demo.load(self.conditional, self.inputs, self.outputs, api_visibility="private")
