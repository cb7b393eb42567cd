"""The "What is a GAN?" tab: the idea and the objective, no model needed."""

from __future__ import annotations

import gradio as gr

from .tab import Tab
from .text import i18n


class OverviewTab(Tab):
    title_key = "tab_overview"

    def build(self) -> None:
        gr.Markdown(i18n("overview"), latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
