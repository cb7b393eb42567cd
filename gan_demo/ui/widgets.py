"""The controls several tabs share, built one way: model picker, seed with dice, image count, ψ, gallery."""

from __future__ import annotations

import random

import gradio as gr

from .. import ops
from ..checkpoint import ModelRegistry
from .checks import MAX_IMAGES, MAX_TRUNCATION
from .text import i18n


def model_choices(registry: ModelRegistry, names: list[str]) -> list[tuple[str, str]]:
    """(title, name) pairs: the dropdown shows each model's title and sends its name."""
    return [(registry.config(n).get("title", n), n) for n in names]


def model_dropdown(registry: ModelRegistry, names: list[str], value: str | None = None) -> gr.Dropdown:
    """The model picker, on `value` (default: the first of `names`)."""
    default = value if value is not None else (names[0] if names else None)
    return gr.Dropdown(choices=model_choices(registry, names), value=default, label=i18n("model"))


def seed_row(label_key: str = "seed", value: int = 42) -> tuple[gr.Number, gr.Button]:
    """A seed box and, beside it, the dice that draw a new one."""
    with gr.Row(equal_height=True):
        # No minimum/maximum here: the handler's own check answers in the user's language.
        seed = gr.Number(value=value, label=i18n(label_key), info=i18n("seed_info"), precision=0, scale=3)
        dice = gr.Button(i18n("dice"), scale=1, size="sm")
    return seed, dice


def random_seed() -> int:
    """The dice: a new seed."""
    return random.randint(0, ops.MAX_SEED)


def count_slider(value: int) -> gr.Slider:
    return gr.Slider(1, MAX_IMAGES, value=value, step=1, label=i18n("count"), info=i18n("count_info"))


def truncation_slider() -> gr.Slider:
    return gr.Slider(0.0, MAX_TRUNCATION, value=1.0, step=0.05, label=i18n("truncation"), info=i18n("truncation_info"))


def gallery(label_key: str | None = None, columns: int = 6, **options: object) -> gr.Gallery:
    """An image gallery, with its caption (if any) above as Markdown: Gradio's floating label would cover the
    first row of images. Handlers fill it with serving.captioned()."""
    if label_key is not None:
        gr.Markdown(i18n(label_key))
    return gr.Gallery(
        show_label=False,
        columns=columns,
        height="auto",
        object_fit="contain",
        buttons=["download", "fullscreen"],
        **options,  # type: ignore[arg-type]
    )
