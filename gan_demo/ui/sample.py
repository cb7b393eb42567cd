"""The random-sampling tab: one image per seed, and for a StyleGAN a ψ sweep of the first seed.

Endpoint `/sample` (model, seed, count, truncation) -> gallery; see docs/api.md.
"""

from __future__ import annotations

import gradio as gr

from .. import imaging, ops
from ..checkpoint import ModelRegistry
from ..kind import Kind
from . import checks, widgets
from .serving import captioned, remembered
from .tab import Tab
from .text import i18n, user_errors

SWEEP_PSIS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)  # the truncation sweep (StyleGAN models)
# The models of the noise-to-image tabs without classes (a StyleGAN also has a W space).
KINDS = (Kind.SAMPLER, Kind.STYLEGAN)


class UnconditionalTab(Tab):
    """A tab of the noise-to-image models without classes (KINDS): the sampling and interpolation tabs."""

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names(kind=KINDS)

    def available(self) -> bool:
        return bool(self.names)

    def is_stylegan(self, model: object) -> bool:
        return model in self.names and self.registry.kind(str(model)) is Kind.STYLEGAN


class SampleTab(UnconditionalTab):
    title_key = "tab_sample"

    @remembered
    @user_errors
    def sample(
        self, model: str, seed: int, count: int, truncation: float, request: gr.Request
    ) -> list[tuple[str, str]]:
        loaded = checks.model(self.registry, model, self.names)
        seeds = checks.seeds(seed, count)
        images = ops.sample(loaded.model, seeds, checks.truncation(truncation))
        return captioned(imaging.to_pil_list(images), [f"seed {s}" for s in seeds])

    @remembered
    @user_errors
    def truncation_sweep(self, model: str, seed: int, request: gr.Request) -> list[tuple[str, str]]:
        """The first seed at each of SWEEP_PSIS (StyleGAN models; for others the strip is hidden and left empty)."""
        if not self.is_stylegan(model):
            return []
        loaded = checks.model(self.registry, model, self.names)
        images = ops.truncation_sweep(loaded.model, checks.seed(seed), SWEEP_PSIS)
        return captioned(imaging.to_pil_list(images), [f"ψ = {psi:g}" for psi in SWEEP_PSIS])

    def sweep_visibility(self, model: str) -> tuple[gr.Column, gr.Markdown]:
        style = self.is_stylegan(model)
        return gr.Column(visible=style), gr.Markdown(visible=not style)

    def build(self) -> None:
        style_first = bool(self.names) and self.is_stylegan(self.names[0])
        gr.Markdown(i18n("sample_explain"))
        with gr.Row():
            with gr.Column(scale=1):
                model = widgets.model_dropdown(self.registry, self.names)
                seed, dice = widgets.seed_row()
                count = widgets.count_slider(16)
                psi = widgets.truncation_slider()
                go = gr.Button(i18n("generate"), variant="primary")
                gr.Markdown(i18n("limits"))
            with gr.Column(scale=2):
                out = widgets.gallery("images")
                with gr.Column(visible=style_first) as sweep_box:
                    gr.Markdown(i18n("sweep_explain"))
                    sweep = widgets.gallery(columns=len(SWEEP_PSIS), elem_id="s-sweep")
                sweep_off = gr.Markdown(i18n("sweep_off"), visible=not style_first)
        self.inputs, self.outputs, self.sweep = [model, seed, count, psi], out, ([model, seed], sweep)
        # The sweep is a second, private event after /sample: the public API keeps its one output.
        go.click(self.sample, self.inputs, out, api_name="sample").success(
            self.truncation_sweep, *self.sweep, api_visibility="private"
        )
        dice.click(widgets.random_seed, None, seed, api_visibility="private").then(
            self.sample, self.inputs, out, api_visibility="private"
        ).success(self.truncation_sweep, *self.sweep, api_visibility="private")
        model.change(self.sweep_visibility, model, [sweep_box, sweep_off], api_visibility="private", queue=False).then(
            self.truncation_sweep, *self.sweep, api_visibility="private"
        )

    def load(self, demo: gr.Blocks) -> None:
        demo.load(self.sample, self.inputs, self.outputs, api_visibility="private").success(
            self.truncation_sweep, *self.sweep, api_visibility="private"
        )
