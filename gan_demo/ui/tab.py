"""The shape every tab has: app.build_demo makes one per class, builds it inside its gr.Tab, then lets it open
on a result. A new tab is one module in gan_demo/ui/ with one subclass (see docs/architecture.md)."""

from __future__ import annotations

import gradio as gr

from ..checkpoint import ModelRegistry


class Tab:
    """A tab of the demo: its layout, its handlers (each wrapped in text.user_errors) and its opening events."""

    title_key: str  # the i18n key (gan_demo.ui.text.TEXT) of the tab's label

    def __init__(self, registry: ModelRegistry) -> None:
        self.registry = registry

    def available(self) -> bool:
        """Whether the tab has something to show (e.g. models of its kind); without, it only explains itself."""
        return True

    def build(self) -> None:
        """The components and events; called inside `with gr.Tab(i18n(self.title_key)):`."""
        raise NotImplementedError

    def load(self, demo: gr.Blocks) -> None:
        """Private demo.load events that open the tab on a result (called inside `with demo`, if available)."""
