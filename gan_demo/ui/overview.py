"""The "What is a GAN?" tab: the idea and the objective (no model needed), then the models' cards."""

from __future__ import annotations

import gradio as gr

from ..checkpoint import ModelRegistry
from .models import ModelCards
from .tab import Tab
from .text import i18n


class OverviewTab(Tab):
    title_key = "tab_overview"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.models = ModelCards(registry)

    def build(self) -> None:
        gr.Markdown(i18n("overview"), latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
        if self.models.available():
            with gr.Accordion(i18n(self.models.title_key), open=True, elem_id="models"):
                self.models.build()

    def load(self, demo: gr.Blocks) -> None:
        if self.models.available():
            self.models.load(demo)
