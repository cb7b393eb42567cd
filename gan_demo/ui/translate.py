"""The image-to-image translation tab: a drawing (drawn, uploaded, or the edges of a picture) -> a picture.

Endpoint `/translate` (model, source, sketch, upload) -> (seen, result, l1_result, notes); see docs/api.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
import numpy as np
from gradio.context import Context
from PIL import Image

from .. import imaging, ops
from ..checkpoint import LoadedModel, ModelRegistry
from ..data.sketch import clean_drawing, extract_edges
from ..errors import UserError
from ..kind import Kind
from . import checks, widgets
from .serving import remembered, stored
from .tab import Tab
from .text import i18n, note, user_errors
from .timing import ExpectedTime

T = TypeVar("T")
SOURCES = ("sketch", "drawing", "picture")
DISPLAY_SIDE = 256  # outputs are enlarged (nearest neighbour, whole factor) to at least this
CANVAS_SIDE = 512
INK = 128  # a pixel of a cleaned drawing darker than this is a line
# Gradio's sketchpad starts with no tool chosen ("select the draw tool to start"): choose its brush, so that a
# drag on the canvas draws at once. The first tool button is the brush; "highlight" marks the chosen one. The
# sketchpad mounts late while a busy server answers the page's opening events: keep looking for up to 30 s.
PICK_BRUSH_JS = """() => {
    let tries = 0;
    const pick = () => {
        const brush = document.querySelector('#tr-sketch button.quite-round');
        if (brush) { if (!brush.classList.contains('highlight')) brush.click(); }
        else if (++tries < 300) setTimeout(pick, 100);
    };
    setTimeout(pick, 100);
}"""


def is_adversarial(config: dict[str, Any]) -> bool:
    """Trained with a discriminator (pix2pix), not with the L1 loss alone."""
    weight = config.get("training", {}).get("config", {}).get("adv_weight")
    return weight is None or weight > 0


class TranslationTab(Tab):
    """Handlers and layout of the tab; its models are the registry's image-to-image translation ones."""

    title_key = "tab_translate"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        # pix2pix models first: the default is the one the tab is about.
        names = registry.names(kind=Kind.TRANSLATION)
        self.names = sorted(names, key=lambda n: not is_adversarial(registry.config(n)))
        self.expected = ExpectedTime()

    def available(self) -> bool:
        return bool(self.names)

    def baseline(self, name: str) -> str | None:
        """An installed L1-only model of the same input size and dataset to compare `name` with, or None."""
        config = self.registry.config(name)
        if not is_adversarial(config):
            return None

        def comparable(other: str) -> bool:
            c = self.registry.config(other)
            same = c.get("dataset") == config.get("dataset")
            same = same and all(c["kwargs"].get(k) == config["kwargs"].get(k) for k in ("image_size", "in_channels"))
            return same and not is_adversarial(c)

        return next((n for n in self.names if comparable(n)), None)

    # -- the endpoint --------------------------------------------------------------------------------------------

    @remembered
    @user_errors
    def translate(
        self,
        model: str,
        source: str,
        sketch: dict[str, Any] | None,
        upload: str | bytes | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way to ask for a progress bar)
    ) -> tuple[str, str, str | None, str]:
        """Turn a line drawing into a picture with a pix2pix generator (and its L1-only baseline, if installed).

        Args:
            model: an image-to-image model's name.
            source: "sketch" (use `sketch`), "drawing" (`upload` is a drawing) or "picture" (`upload` is a picture:
                its edges are extracted first; a model that takes pictures, such as an imported CycleGAN, gets the
                picture itself, at its own proportions).
            sketch: the sketchpad: {"background": ..., "layers": [...], "composite": image}; the composite is used.
            upload: an image file (PNG, JPEG, GIF, WebP, BMP, TIFF; at most 2048 x 2048 pixels).

        Returns:
            the drawing as the generator sees it, the model's picture, the L1-only model's picture (or None),
            notes in Markdown; images enlarged for display to at least 256 pixels.
        """
        loaded = checks.model(self.registry, model, self.names)
        if source not in SOURCES:
            raise UserError("unknown_source", value=source)
        size = loaded.model.image_size
        lines = []
        if source == "sketch":
            drawing = self._sketch(sketch)
            height, width = drawing.shape
        else:
            decoded = checks.upload(upload)
            lines += [note(n, request) for n in decoded.notes]
            if source == "picture" and loaded.config.get("input") == "picture":
                return self._picture(loaded, decoded, lines, request, progress)
            name = Path(upload).name if isinstance(upload, str) else "image"
            drawing = _picture_edges(decoded, size) if source == "picture" else _drawing(decoded)
            if not (drawing < INK).any():
                raise UserError("no_edges" if source == "picture" else "no_lines", name=name)
            width, height = decoded.size
        lines.append(note("tr_model", request, title=loaded.title, size=size))
        if width != height:
            lines.append(note("tr_padded", request))
        if source == "picture":
            lines.append(note("tr_edges", request))
        square = ops.fit_square(drawing, size) if drawing.shape != (size, size) else drawing

        result = self._timed(loaded, lambda: self._run(loaded.model, square), size * size, request, progress)
        baseline = self.baseline(loaded.name)
        compared = None
        if baseline is not None:
            compared = self._run(self.registry.get(baseline).model, square)
            lines.append(note("tr_baseline", request, title=self.registry.get(baseline).title))
        else:
            lines.append(note("tr_no_baseline", request))
        seen = imaging.to_pil(square[..., None], DISPLAY_SIDE)
        paths = stored([seen, result] if compared is None else [seen, result, compared])
        return paths[0], paths[1], paths[2] if compared is not None else None, "\n".join(f"- {line}" for line in lines)

    def _sketch(self, sketch: object) -> np.ndarray:
        """The sketchpad's composite file (or its background), decoded by checks.upload with its pixel limit
        (any mode, transparent = paper) -> (H, W) black-on-white drawing."""
        files = sketch if isinstance(sketch, dict) else {}
        image = files.get("composite")
        image = files.get("background") if image is None else image
        if image is None or image == b"" or image == "":
            raise UserError("draw_first")
        drawing = _drawing(checks.upload(image))
        if not (drawing < INK).any():
            raise UserError("draw_first")
        return drawing

    def _timed(
        self, loaded: LoadedModel, run: Callable[[], T], pixels: int, request: gr.Request | None, progress: Any
    ) -> T:
        """`run()`, with a progress bar that says how long it should take (its last run's speed)."""
        expected = self.expected.describe(loaded.name, pixels / 1e6, self.registry.device, request)
        progress(None, desc=f"{note('tr_progress', request, title=loaded.title)}: {expected}")
        start = time.perf_counter()
        result = run()
        self.expected.record(loaded.name, pixels / 1e6, time.perf_counter() - start)
        return result

    def _picture(
        self,
        loaded: LoadedModel,
        decoded: imaging.DecodedImage,
        lines: list[str],
        request: gr.Request | None,
        progress: Any,
    ) -> tuple[str, str, None, str]:
        """A picture through a model that takes pictures: resized to its size on the long side, proportions kept."""
        picture = _resized_on_white(decoded, loaded.model.image_size)
        height, width = picture.shape[:2]
        result = self._timed(
            loaded, lambda: ops.translate_picture(loaded.model, picture), width * height, request, progress
        )
        multiple = loaded.model.size_multiple
        lines.append(note("tr_picture", request, title=loaded.title, w=width, h=height, multiple=multiple))
        seen, out = stored([imaging.to_pil(picture, DISPLAY_SIDE), imaging.to_pil(result, DISPLAY_SIDE)])
        return seen, out, None, "\n".join(f"- {line}" for line in lines)

    @staticmethod
    def _run(model: Any, drawing: np.ndarray) -> Image.Image:
        """(S, S) uint8 drawing -> the model's picture, enlarged for display."""
        condition = drawing if model.in_channels == 1 else np.repeat(drawing[None, None], model.in_channels, axis=1)
        return imaging.to_pil(imaging.to_uint8(ops.translate(model, condition))[0], DISPLAY_SIDE)

    def show_source(self, source: str) -> tuple[gr.Column, gr.Column]:
        drawn = source == "sketch"
        return gr.Column(visible=drawn), gr.Column(visible=not drawn)

    # -- layout --------------------------------------------------------------------------------------------------

    def examples(self) -> list[str]:
        """PNG edge maps in the models' examples/ folders (none in a fresh checkout is fine)."""
        found: list[str] = []
        for name in self.names:
            found += [str(p) for p in sorted((self.registry.directory(name) / "examples").glob("*.png"))]
        return list(dict.fromkeys(found))

    def build(self) -> None:
        tab = Context.block  # the gr.Tab being built: choosing it picks the sketchpad's brush
        gr.Markdown(i18n("translate_explain"))
        if not self.names:
            gr.Markdown(i18n("tr_none"))
        examples = self.examples()
        self.opens_on_result = bool(examples and self.names)
        with gr.Row():
            with gr.Column(scale=5):
                model = widgets.model_dropdown(self.registry, self.names)
                source = gr.Radio(
                    [(i18n(f"tr_source_{s}"), s) for s in SOURCES], value="sketch", label=i18n("tr_source")
                )
                with gr.Column(visible=True) as draw_box:
                    gr.Markdown(i18n("tr_canvas"))
                    sketch = checks.sketchpad(
                        value=examples[0] if examples else None,
                        show_label=False,
                        image_mode="RGBA",
                        canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                        fixed_canvas=True,
                        brush=gr.Brush(default_size=4, colors=["#000000"], color_mode="fixed"),
                        eraser=gr.Eraser(default_size=12),
                        layers=False,
                        transforms=(),
                        height=CANVAS_SIDE,
                        elem_id="tr-sketch",
                    )
                    if examples:
                        gallery = gr.Examples(
                            examples=[[p] for p in examples],
                            inputs=[sketch],
                            label=i18n("tr_examples"),
                            examples_per_page=12,
                        )
                with gr.Column(visible=False) as upload_box:
                    upload = checks.image_file(label=i18n("tr_upload"), sources=["upload", "clipboard"], height=300)
                go = gr.Button(i18n("tr_go"), variant="primary")
                gr.Markdown(i18n("tr_limits"))
            with gr.Column(scale=6):
                with gr.Row():
                    result = _output(i18n("tr_result"), "tr-result")
                    compared = _output(i18n("tr_l1"), "tr-l1", visible=any(self.baseline(n) for n in self.names))
                with gr.Row():
                    seen = _output(i18n("tr_seen"), "tr-seen")
                    notes = gr.Markdown(label="notes", show_label=False)  # the label names the API output
        self.inputs, self.outputs = [model, source, sketch, upload], [seen, result, compared, notes]
        go.click(self.translate, self.inputs, self.outputs, api_name="translate")
        source.change(self.show_source, source, [draw_box, upload_box], api_visibility="private", queue=False).then(
            None, js=PICK_BRUSH_JS
        )
        if isinstance(tab, gr.Tab):
            tab.select(None, js=PICK_BRUSH_JS)
        if examples:
            gallery.load_input_event.then(self._use_sketch, None, source, api_visibility="private", queue=False).then(
                self.translate, self.inputs, self.outputs, api_visibility="private"
            )

    @staticmethod
    def _use_sketch() -> str:
        return "sketch"

    def load(self, demo: gr.Blocks) -> None:
        """Open on the first example drawing, translated."""
        if self.opens_on_result:
            demo.load(self.translate, self.inputs, self.outputs, api_visibility="private")


def _output(label: Any, elem_id: str, visible: bool = True) -> gr.Image:
    return gr.Image(
        label=label,
        type="filepath",
        interactive=False,
        buttons=["download"],
        height=280,
        visible=visible,
        elem_id=elem_id,
    )


def _drawing(decoded: imaging.DecodedImage) -> np.ndarray:
    """An uploaded drawing -> (H, W) black on white; transparent areas are paper."""
    pixels = decoded.rgb if decoded.alpha is None else np.dstack([decoded.rgb, decoded.alpha])
    return clean_drawing(pixels)


def _picture_edges(decoded: imaging.DecodedImage, size: int) -> np.ndarray:
    """An uploaded picture -> its edges at the model's size: (size, size) black on white.

    The picture is shrunk to `size` on its long side, its edges are extracted, and only then is it padded
    to a square: padding first would draw the border between picture and padding as a line.
    """
    return ops.fit_square(extract_edges(_resized_on_white(decoded, size)), size)


def _resized_on_white(decoded: imaging.DecodedImage, size: int) -> np.ndarray:
    """An uploaded picture resized to `size` on its long side, transparent areas white (as for drawings):
    (H, W, 3) uint8."""
    rgb = decoded.rgb
    if decoded.alpha is not None:
        a = decoded.alpha[..., None].astype(np.float32) / 255
        rgb = (rgb * a + 255 * (1 - a)).round().astype(np.uint8)
    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(shape, Image.LANCZOS if scale < 1 else Image.BICUBIC))
