"""The super-resolution tab: upload -> x4 enlargement, compared with bicubic interpolation.

Endpoint `/super_resolve` (image, model, alpha, known_answer) -> (slider, png, notes); see docs/api.md.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image
from torch import nn

from .. import imaging, ops
from ..checkpoint import LoadedModel, ModelRegistry
from ..errors import UserError
from ..kind import Kind
from . import checks, widgets
from .serving import Abandoned, abandoned, remembered, results_folder, slow
from .tab import Tab
from .text import i18n, note, user_errors
from .timing import ExpectedTime, time_left

# The slider's images are reduced to this long side: two 8192 px PNGs would take the browser minutes.
DISPLAY_MAX_SIDE = 2048
BLEND_CACHE_SIZE = 8
PROBE_SIDE = 48  # LR pixels per side of the run that times a model before its first request


class SuperResolutionTab(Tab):
    """Handlers and layout of the tab; its models are the registry's super-resolution ones."""

    title_key = "tab_superres"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names(kind=Kind.SUPER_RESOLUTION)
        self.blends = ops.BlendCache(BLEND_CACHE_SIZE)
        self.expected = ExpectedTime()

    def available(self) -> bool:
        return bool(self.names)

    # -- models --------------------------------------------------------------------------------------------------

    def base_model(self, name: str) -> str | None:
        """The installed PSNR-oriented model `name` was fine-tuned from, or None."""
        base = self.registry.config(name).get("base_model") if name in self.names else None
        return base if base in self.names and base != name else None

    def default_model(self) -> str | None:
        """The first GAN model that can be blended with its base, else the first model."""
        return next((n for n in self.names if self.base_model(n)), self.names[0] if self.names else None)

    def _network(self, loaded: LoadedModel, alpha: float, request: gr.Request | None) -> tuple[nn.Module, str]:
        """The model to run for `alpha`, and a note saying what it is."""
        base = self.base_model(loaded.name)
        if base is None or alpha == 1.0:
            key = "sr_alpha_ignored" if base is None and alpha != 1.0 else "sr_model"
            return loaded.model, note(key, request, model=loaded.name, title=loaded.title)
        psnr = self.registry.get(base)
        blend_note = note("sr_blend", request, alpha=alpha, psnr_share=1 - alpha, psnr=psnr.title, gan=loaded.title)
        if alpha == 0.0:
            return psnr.model, blend_note
        return self.blends.get((base, loaded.name, alpha), psnr.model, loaded.model, alpha), blend_note

    # -- the endpoint --------------------------------------------------------------------------------------------

    @slow
    @remembered
    @user_errors
    def super_resolve(
        self,
        image: str | bytes | None,
        model: str,
        alpha: float,
        known_answer: bool,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way to ask for a progress bar)
    ) -> tuple[tuple[str, str], str, str]:
        """Enlarge an image x4 with a super-resolution model, beside bicubic interpolation.

        Args:
            image: the image file (PNG, JPEG, GIF, WebP, BMP, TIFF; at most imaging.MAX_SR_PIXELS pixels: 2048²
                with an accelerator, 1024² on a CPU, 512² on a CPU Space; GAN_DEMO_SR_MAX_PIXELS overrides).
            model: a super-resolution model's name.
            alpha: 0 to 1, network interpolation from the PSNR-oriented base model (0) to the GAN model (1).
            known_answer: shrink the image x4 first and score both enlargements against it (PSNR, SSIM).

        Returns:
            (bicubic, model) image paths for the slider, the full-resolution PNG's path, notes in Markdown.
        """
        loaded = checks.model(self.registry, model, self.names)
        a = checks.number(alpha, "sr_alpha", 0.0, 1.0)
        known = checks.flag(known_answer, "sr_known")
        decoded = checks.upload(image, imaging.MAX_SR_PIXELS)
        network, model_note = self._network(loaded, a, request)
        # LR pixels through the network: a known-answer test shrinks the image by the scale first
        megapixels = decoded.rgb.shape[0] * decoded.rgb.shape[1] / 1e6 / (network.scale**2 if known else 1)
        if not self.expected.known(loaded.name):  # a first estimate from a small probe: the cost grows with pixels
            probe = np.zeros((PROBE_SIDE, PROBE_SIDE, 3), dtype=np.uint8)

            def run() -> None:
                ops.super_resolve(network, probe, tile=None)

            run()  # the first call also builds the model's CPU graph (ops.superres): not its speed
            self.expected.measure(loaded.name, run, PROBE_SIDE**2 / 1e6)
        expected = self.expected.describe(loaded.name, megapixels, self.registry.device, request)
        start = time.perf_counter()

        def report(fraction: float) -> None:
            if abandoned():  # between tiles: a large image is many seconds of both cores
                raise Abandoned
            left = time_left(time.perf_counter() - start, fraction, request)
            progress(fraction, desc=f"{note('sr_progress', request, scale=network.scale)}: {left or expected}")

        report(0.0)
        try:
            if known:
                result = ops.known_answer(network, decoded.rgb, network.scale, tile=ops.DEFAULT_TILE, progress=report)
                bicubic, output = Image.fromarray(result["bicubic"]), Image.fromarray(result["model"])
            else:
                result = None
                output = ops.super_resolve_image(network, decoded, tile=ops.DEFAULT_TILE, progress=report)
                bicubic = ops.bicubic_image(decoded, network.scale)
        except RuntimeError:  # NaN or infinity out of the model
            raise UserError("model_failed") from None
        seconds = time.perf_counter() - start
        self.expected.record(loaded.name, megapixels, seconds)

        text = self._notes(network, decoded, result, output, [model_note], seconds, request)
        blended = self.base_model(loaded.name) is not None
        folder = Path(tempfile.mkdtemp(dir=results_folder()))  # a folder per request: the files keep readable names
        png = _store(output, folder / _result_name(image, network.scale, loaded.name, a if blended else None))
        shown = [
            _store(_for_display(img), folder / f"{side}{_shown_suffix(img)}")
            for img, side in ((bicubic, "bicubic"), (output, "sr"))
        ]
        return (str(shown[0]), str(shown[1])), str(png), text

    def _notes(
        self,
        network: nn.Module,
        decoded: imaging.DecodedImage,
        known: dict[str, Any] | None,
        output: Image.Image,
        about_model: list[str],
        seconds: float,
        request: gr.Request | None,
    ) -> str:
        """What happened, as a Markdown list in the request's language (and the scores of a known-answer test)."""
        scale = network.scale
        lines = [note(n, request) for n in decoded.notes]
        width, height = decoded.size
        if known is not None:
            lr_h, lr_w = known["lr"].shape[:2]
            lines.append(note("sr_known", request, w=width, h=height, lw=lr_w, lh=lr_h))
            if (lr_w * scale, lr_h * scale) != (width, height):
                lines.append(note("sr_known_crop", request, scale=scale, w=lr_w * scale, h=lr_h * scale))
            if decoded.alpha is not None:
                lines.append(note("sr_known_alpha", request))
        else:
            lr_w, lr_h = width, height
            if decoded.alpha is not None:
                lines.append(note("alpha", request))
        lines.append(note("sr_sizes", request, w0=lr_w, h0=lr_h, w1=output.width, h1=output.height, scale=scale))
        lines += [*about_model, note("sr_time", request, seconds=seconds, device=self.registry.device)]
        tiles = ops.tile_count(lr_h, lr_w, ops.DEFAULT_TILE)
        if tiles > 1:
            radius = network.receptive_radius
            lines.append(note("sr_tiles", request, tiles=tiles, tile=ops.DEFAULT_TILE, radius=radius))
        if max(output.size) > DISPLAY_MAX_SIDE:
            lines.append(note("sr_display", request, side=DISPLAY_MAX_SIDE))
        text = "\n".join(f"- {line}" for line in lines if line)
        if known is not None:
            scores = known["metrics"]
            table = {f"{kind}_{m}": scores[kind][m] for kind in ("bicubic", "model") for m in ("psnr", "ssim")}
            text += "\n\n" + note("sr_metrics", request, scale=scale, **table)
        return text

    def alpha_control(self, model: str) -> gr.Slider:
        """The α slider for `model`: live when it has a PSNR-oriented base model to blend with."""
        blendable = isinstance(model, str) and self.base_model(model) is not None
        return gr.Slider(interactive=blendable, info=i18n("sr_alpha_info" if blendable else "sr_alpha_off_info"))

    # -- layout --------------------------------------------------------------------------------------------------

    def examples(self) -> list[str]:
        """PNG/JPEG files in the models' examples/ folders (none in a fresh checkout is fine)."""
        found: list[str] = []
        for name in self.names:
            folder = self.registry.directory(name) / "examples"
            found += [str(p) for p in sorted(folder.glob("*")) if p.suffix.lower() in (".png", ".jpg", ".jpeg")]
        return list(dict.fromkeys(found))

    def build(self) -> None:
        gr.Markdown(i18n("superres_explain"))
        if not self.names:
            gr.Markdown(i18n("sr_none"))
        examples = self.examples()
        default = self.default_model()
        blendable = default is not None and self.base_model(default) is not None
        with gr.Row():
            with gr.Column(scale=1):
                upload = checks.image_file(
                    value=examples[0] if examples else None,
                    label=i18n("sr_upload"),
                    sources=["upload", "clipboard"],
                    height=260,
                    elem_id="sr-upload",
                )
                if examples:
                    gallery = gr.Examples(examples=[[p] for p in examples], inputs=[upload], label=i18n("sr_examples"))
                model = widgets.model_dropdown(self.registry, self.names, default)
                alpha = gr.Slider(
                    0.0,
                    1.0,
                    value=0.7,
                    step=0.05,
                    label=i18n("sr_alpha"),
                    info=i18n("sr_alpha_info" if blendable else "sr_alpha_off_info"),
                    interactive=blendable,
                )
                known = gr.Checkbox(value=False, label=i18n("sr_known"), info=i18n("sr_known_info"))
                go = gr.Button(i18n("sr_go"), variant="primary")
                gr.Markdown(i18n("sr_limits"))
            with gr.Column(scale=2):
                slider = gr.ImageSlider(
                    label=i18n("sr_slider"),
                    type="pil",
                    format="png",  # for a value that is not a file; the handler writes its own (see _store)
                    buttons=["fullscreen"],
                    max_height=640,
                    elem_id="sr-slider",
                )
                download = gr.File(label=i18n("sr_download"), elem_id="sr-download")
                notes = gr.Markdown(label="notes", show_label=False)  # the label names the API output
        self.inputs, self.outputs = [upload, model, alpha, known], [slider, download, notes]
        self.opens_on_result, self.actions = bool(examples), [go.click, upload.upload]
        go.click(self.super_resolve, self.inputs, self.outputs, api_name="super_resolve")
        model.change(self.alpha_control, model, alpha, api_visibility="private", queue=False)
        if examples:
            gallery.load_input_event.then(self.super_resolve, self.inputs, self.outputs, api_visibility="private")

    def load(self, demo: gr.Blocks) -> None:
        """Open on the first example, enlarged, on page load: in the slow lane like every enlargement, and computed
        once for a room opening the page together (the request is the same for every visitor: @remembered). The
        visitor's own upload or click cancels it, so that a late opening result never replaces theirs."""
        if self.opens_on_result:
            opening = demo.load(self.super_resolve, self.inputs, self.outputs, api_visibility="private")
            for action in self.actions:
                action(None, None, None, cancels=[opening], api_visibility="private", queue=False)


def _for_display(image: Image.Image) -> Image.Image:
    if max(image.size) <= DISPLAY_MAX_SIDE:
        return image
    shown = image.copy()
    shown.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE), Image.LANCZOS)
    return shown


def _result_name(source: object, scale: int, model: str, alpha: float | None) -> str:
    stem = Path(source).stem if isinstance(source, (str, Path)) else "image"
    stem = re.sub(r"[^\w.-]+", "_", stem)[:60] or "image"
    blend = f"_alpha{alpha:.2f}" if alpha is not None and alpha != 1.0 else ""
    return f"{stem}_x{scale}_{model}{blend}.png"


def _shown_suffix(image: Image.Image) -> str:
    return ".png" if "A" in image.mode else ".jpg"  # JPEG has no transparency


def _store(image: Image.Image, path: Path) -> Path:
    """Write a result where Gradio can serve it (serving's sweeper removes it later), encoded here rather than by
    Gradio, whose PNG (zlib level 6) of one 1024² result took 330 ms. The download is a PNG at level 1 (60 ms,
    18 % more bytes); the slider's pair are JPEGs at quality 95 without chroma subsampling (4 ms each, a quarter
    of the PNG's bytes, no visible loss: Gradio's default WebP at quality 80 blurred the very detail compared)."""
    if path.suffix == ".png":
        image.save(path, format="PNG", compress_level=1)
    else:
        image.save(path, format="JPEG", quality=95, subsampling=0)
    return path
