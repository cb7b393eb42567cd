"""The unpaired translation tab (CycleGAN): an avatar -> the other domain's version, and the cycle back.

Endpoint `/cyclegan` (image, direction, model = the first CycleGAN) -> (translated, reconstructed, notes); see app.py.
A tab of its own rather than a mode of the pix2pix tab: its models learn from two unpaired collections and
translate both ways, so its inputs (a direction, no sketchpad) and outputs (the cycle back) differ.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from .. import imaging, metrics, ops
from ..checkpoint import ModelRegistry
from ..errors import UserError
from ..kind import Kind
from ..models.cyclegan import DIRECTIONS
from . import checks, widgets
from .serving import remembered, stored
from .tab import Tab
from .text import i18n, note, user_errors
from .translate import DISPLAY_SIDE
from .translate import _output as output_image

# examples/A_<seed>.png (domain A, translated A -> B), examples/B_<seed>.png, and each one's true counterpart
# under the same name in examples/counterparts/.
EXAMPLE_DIRECTION = {"A": "AtoB", "B": "BtoA"}


def _key(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


class CycleGANTab(Tab):
    title_key = "tab_cyclegan"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names(kind=Kind.UNPAIRED_TRANSLATION)
        # The shipped held-out examples, and their true counterparts by the examples' pixels: a picked example
        # (or the same file uploaded) is recognised whatever path Gradio gives it.
        self.examples: list[tuple[str, str]] = []
        self.truth: dict[str, Path] = {}
        for name in self.names:
            folder = self.registry.directory(name) / "examples"
            for path in sorted(folder.glob("*.png")):
                direction = EXAMPLE_DIRECTION.get(path.name[:1])
                counterpart = folder / "counterparts" / path.name
                if direction is None or not counterpart.exists():
                    continue
                self.examples.append((str(path), direction))
                with Image.open(path) as img:
                    self.truth[_key(np.asarray(img.convert("RGB")))] = counterpart

    def available(self) -> bool:
        return bool(self.names)

    # -- the endpoint --------------------------------------------------------------------------------------------

    @remembered
    @user_errors
    def cyclegan(
        self, image: str | bytes | None, direction: str, model: str | None, request: gr.Request
    ) -> tuple[str, str, str]:
        """Translate an avatar to the other domain with a CycleGAN, and translate the result back (the cycle).

        Args:
            image: an image file (PNG, JPEG, GIF, WebP, BMP, TIFF; at most 2048 x 2048 pixels); it is
                centre-cropped to a square and resized to the model's size.
            direction: "AtoB" (e.g. black hair -> blonde hair) or "BtoA".
            model: a CycleGAN model's name; None or omitted: the first one.

        Returns:
            the translation, the cycle back (the translation translated back), notes in Markdown; images
            enlarged for display to at least 256 pixels.
        """
        name = self.names[0] if model is None and self.names else model
        loaded = checks.model(self.registry, name, self.names)
        if direction not in DIRECTIONS:
            raise UserError("unknown_direction", value=direction, choices=", ".join(DIRECTIONS))
        pixels, lines = self._input(image, loaded.config["image_size"], request)
        translated, reconstructed = (
            imaging.to_uint8(x)[0] for x in ops.cycle_translate(loaded.model, pixels, direction)
        )
        domains = loaded.config.get("domains", {"A": "A", "B": "B"})
        source, target = (domains["A"], domains["B"]) if direction == "AtoB" else (domains["B"], domains["A"])
        size = loaded.config["image_size"]
        lines.insert(0, note("cg_model", request, title=loaded.title, source=source, target=target, size=size))
        cycle = metrics.psnr(reconstructed, pixels, border=0)
        truth = self.counterpart(pixels)
        if truth is not None:
            psnr, identity = metrics.psnr(translated, truth, border=0), metrics.psnr(pixels, truth, border=0)
            lines.append(note("cg_truth_psnr", request, psnr=psnr, identity=identity, cycle=cycle))
        else:
            lines.append(note("cg_cycle_psnr", request, cycle=cycle))
        shown = stored([imaging.to_pil(x, DISPLAY_SIDE) for x in (translated, reconstructed)])
        return shown[0], shown[1], "\n".join(f"- {line}" for line in lines)

    def _input(self, image: object, size: int, request: gr.Request | None) -> tuple[np.ndarray, list[str]]:
        """An upload -> (size, size, 3) uint8 pixels as the model sees them, and notes on what was done."""
        decoded = checks.upload(image)
        lines = [note(n, request) for n in decoded.notes if n != "alpha"]
        rgb = decoded.rgb
        if decoded.alpha is not None:  # transparent = white
            a = decoded.alpha[..., None].astype(np.float32) / 255
            rgb = (rgb * a + 255 * (1 - a)).round().astype(np.uint8)
        width, height = decoded.size
        if width != height:
            lines.append(note("cg_cropped", request))
        return ops.fit_crop(rgb, size), lines

    def counterpart(self, pixels: np.ndarray) -> np.ndarray | None:
        """The true counterpart of a shipped example (its pixels as the model sees them), else None."""
        path = self.truth.get(_key(pixels))
        if path is None:
            return None
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))

    def show_counterpart(self, image: str | bytes | None, model: str | None) -> str | None:
        """The picked example's true counterpart for display (UI only; nothing for an upload)."""
        name = model if model in self.names else (self.names[0] if self.names else None)
        if name is None or image is None:
            return None
        try:
            pixels, _ = self._input(image, self.registry.config(name)["image_size"], None)
        except UserError:
            return None
        truth = self.counterpart(pixels)
        return None if truth is None else stored([imaging.to_pil(truth, DISPLAY_SIDE)])[0]

    # -- layout --------------------------------------------------------------------------------------------------

    def build(self) -> None:
        """The tab's components and events (call inside `with gr.Tab(i18n(tab.title_key))`)."""
        gr.Markdown(i18n("cyclegan_explain"))
        if not self.names:
            gr.Markdown(i18n("cg_none"))
        domains = self.registry.config(self.names[0]).get("domains", {}) if self.names else {}
        a, b = domains.get("A", "A"), domains.get("B", "B")
        first = self.examples[0] if self.examples else (None, "AtoB")
        with gr.Row():
            with gr.Column(scale=4):
                model = widgets.model_dropdown(self.registry, self.names)
                image = checks.image_file(
                    value=first[0],
                    label=i18n("cg_image"),
                    sources=["upload", "clipboard"],
                    height=256,
                    elem_id="cg-image",
                )
                direction = gr.Radio(
                    [(f"A → B ({a} → {b})", "AtoB"), (f"B → A ({b} → {a})", "BtoA")],
                    value=first[1],
                    label=i18n("cg_direction"),
                )
                go = gr.Button(i18n("cg_go"), variant="primary")
                gr.Markdown(i18n("cg_limits"))
            with gr.Column(scale=6):
                with gr.Row():
                    translated = output_image(i18n("cg_translated"), "cg-translated")
                    reconstructed = output_image(i18n("cg_reconstructed"), "cg-reconstructed")
                    truth = output_image(i18n("cg_truth"), "cg-truth")
                notes = gr.Markdown(label="notes", show_label=False)  # the label names the API output
        if self.examples:
            gallery = gr.Examples(
                examples=[list(e) for e in self.examples],
                inputs=[image, direction],
                label=i18n("cg_examples"),
                examples_per_page=12,
            )
        self.inputs, self.outputs = [image, direction, model], [translated, reconstructed, notes]
        self.counterpart_inputs, self.truth_output = [image, model], truth
        # The counterpart is a second, private event: the public API keeps its three outputs.
        go.click(self.cyclegan, self.inputs, self.outputs, api_name="cyclegan").then(
            self.show_counterpart, self.counterpart_inputs, truth, api_visibility="private"
        )
        if self.examples:
            gallery.load_input_event.then(self.cyclegan, self.inputs, self.outputs, api_visibility="private").then(
                self.show_counterpart, self.counterpart_inputs, truth, api_visibility="private"
            )

    def load(self, demo: gr.Blocks) -> None:
        """Open on the first example's translation (call inside `with demo`)."""
        if self.names and self.examples:
            demo.load(self.cyclegan, self.inputs, self.outputs, api_visibility="private").then(
                self.show_counterpart, self.counterpart_inputs, self.truth_output, api_visibility="private"
            )
