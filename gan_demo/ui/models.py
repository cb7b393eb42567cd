"""The Models view (an accordion of the overview tab: a tab more would push the last tabs into Gradio's overflow
menu): each loaded checkpoint's card, so a workshop can talk about how each model was made: its README,
its metrics beside their floors, the command that trained it, its loss curve and (where training saved them)
its sample grids over training as a timelapse. UI only: no API endpoint."""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ..checkpoint import ModelRegistry
from . import widgets
from .serving import results_folder
from .tab import Tab
from .text import i18n

# Where a checkpoint keeps its pictures of training (scripts/train.py writes them beside model.safetensors).
LOSSES = "losses.png"
TIMELAPSE = "timelapse.gif"  # sample grids over training (report.write_timelapse); no shipped one has it yet


class ModelCards(Tab):
    """Built inside another tab (OverviewTab), with the Tab shape: build() and load()."""

    title_key = "models_title"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names()

    def available(self) -> bool:
        return bool(self.names)

    def card(self, name: str) -> tuple[str, str, str, str | None, str | None, str]:
        """(README, metrics table, training command, loss curve, timelapse, what is missing) of model `name`."""
        if name not in self.names:  # a stale page after a restart with other models: show nothing, not a trace
            return "", "", "", None, None, ""
        folder = self.registry.directory(name)
        readme = folder / "README.md"
        losses, timelapse = self.pictures(name)
        missing = [f"`{p.name}`" for p in (losses, timelapse) if not p.exists()]
        return (
            demote_headings(readme.read_text(encoding="utf-8") if readme.exists() else f"# {name}"),
            metrics_table(self.registry.config(name).get("metrics", {})),
            training_command(folder, self.registry.config(name)),
            _servable(losses),
            _servable(timelapse),
            ", ".join(missing),
        )

    def pictures(self, name: str) -> tuple[Path, Path]:
        """Model `name`'s loss curve and timelapse (either may be missing)."""
        folder = self.registry.directory(name)
        return folder / LOSSES, folder / TIMELAPSE

    def build(self) -> None:
        gr.Markdown(i18n("models_explain"))
        model = widgets.model_dropdown(self.registry, self.names)
        with gr.Row():
            with gr.Column(scale=3):
                readme = gr.Markdown(elem_id="model-card")
            with gr.Column(scale=2):
                gr.Markdown(i18n("models_metrics"))
                metrics = gr.Markdown(elem_id="model-metrics")
                gr.Markdown(i18n("models_command"))
                command = gr.Code(language="shell", show_label=False, elem_id="model-command")
                losses = gr.Image(
                    label=i18n("models_losses"), type="filepath", interactive=False, elem_id="model-losses"
                )
                timelapse = gr.Image(
                    label=i18n("models_timelapse"), type="filepath", interactive=False, elem_id="model-timelapse"
                )
                gr.Markdown(i18n("models_missing_info"))
                missing = gr.Markdown(elem_id="model-missing")
        self.inputs, self.outputs = [model], [readme, metrics, command, losses, timelapse, missing]
        model.change(self.card, self.inputs, self.outputs, api_visibility="private", queue=False)

    def load(self, demo: gr.Blocks) -> None:
        demo.load(self.card, self.inputs, self.outputs, api_visibility="private", queue=False)


def metrics_table(metrics: dict[str, Any]) -> str:
    """The numeric metrics as a Markdown table, each beside its floor (`<name>_floor`: the same metric between two
    samples of real data, the best a model can reach) where the card has one."""
    rows = [
        f"| {key} | {value:g} | {metrics[f'{key}_floor']:g} |"
        if f"{key}_floor" in metrics
        else f"| {key} | {value:g} | |"
        for key, value in metrics.items()
        if isinstance(value, (int, float)) and math.isfinite(value) and not key.endswith("_floor")
    ]
    return "\n".join(["| metric | value | floor |", "|---|---|---|", *rows]) if rows else "–"


def training_command(folder: Path, config: dict[str, Any]) -> str:
    """How to train it again: from its recipe.json when it has one, else the commands its config recorded."""
    if (folder / "recipe.json").exists():
        recipe = json.loads((folder / "recipe.json").read_text(encoding="utf-8"))
        return f"python scripts/train.py --config checkpoints/{folder.name}/recipe.json\n# {json.dumps(recipe)}"
    return "\n".join(config.get("training", {}).get("commands", [])) or "–"


def demote_headings(markdown: str) -> str:
    """A card's headings two levels down (# -> ###): inside the page, the page's own title stays its one <h1>.
    Lines in fenced code blocks are left alone (a shell comment starts with # too)."""
    parts = markdown.split("```")
    parts[::2] = [re.sub(r"^(#{1,4}) ", r"##\1 ", part, flags=re.MULTILINE) for part in parts[::2]]
    return "```".join(parts)


def _servable(picture: Path) -> str | None:
    """A copy of `picture` in the app's result folder, or None if it is missing. Gradio serves files from the working
    and temporary folders only, and a checkpoint may live elsewhere (GAN_DEMO_MODELS, the Hub's cache). Not
    gr.set_static_paths: Gradio then checks every file of every answer against each static path (two
    Path.resolve each, on its event loop), which cost every click of a workshop."""
    if not picture.exists():
        return None
    folder = Path(tempfile.mkdtemp(dir=results_folder()))
    return shutil.copy2(picture, folder / f"{picture.parent.name}-{picture.name}")
