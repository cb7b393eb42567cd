"""Validation at the edge: any API argument may be anything; each refusal is a UserError (which the handler's
`text.user_errors` turns into a gr.Error in the user's language)."""

from __future__ import annotations

import base64
import binascii
import math
import re
from pathlib import Path

import gradio as gr
from gradio.components.image_editor import EditorData
from gradio.data_classes import FileData, ImageData

from .. import imaging, ops
from ..checkpoint import LoadedModel, ModelRegistry
from ..errors import UserError
from ..kind import NOISE_TO_IMAGE, Kind
from .text import Label

# The tab that shows each kind of model, for "use the … tab" answers (a kind without one is named as it is).
KIND_TABS = {
    Kind.SAMPLER: "tab_sample",
    Kind.STYLEGAN: "tab_sample",
    Kind.CONDITIONAL: "tab_conditional",
    Kind.SUPER_RESOLUTION: "tab_superres",
    Kind.TRANSLATION: "tab_translate",
    Kind.UNPAIRED_TRANSLATION: "tab_cyclegan",
}
MAX_IMAGES = 64  # per request, in a gallery
MAX_TRUNCATION = 2.0  # ψ: 0 (every seed the mean image) to 2 (twice as far from the mean as sampled)
# Between the seeds of a list: commas (also the Chinese "，" and "、"), semicolons or white space.
SEED_SEPARATORS = re.compile(r"[\s,;，、；]+")


def number(value: object, key: str, low: float, high: float) -> float:
    name = Label(key)
    try:
        result = float(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer beyond any float (10**400): out of range, whatever the range
        raise UserError("out_of_range", name=name, low=low, high=high, value=f"{str(value)[:12]}…") from None
    except (TypeError, ValueError):
        raise UserError("not_a_number", name=name, value=value) from None
    if not math.isfinite(result):
        raise UserError("not_a_number", name=name, value=value)
    if not low <= result <= high:
        raise UserError("out_of_range", name=name, low=low, high=high, value=value)
    return result


def integer(value: object, key: str, low: int, high: int) -> int:
    result = number(value, key, low, high)
    if result != int(result):
        raise UserError("not_an_integer", name=Label(key), value=value)
    return int(result)


def truncation(value: object) -> float:
    return number(value, "truncation", 0.0, MAX_TRUNCATION)


def seed(value: object, key: str = "seed") -> int:
    return integer(value, key, 0, ops.MAX_SEED)


def seeds(first: object, count: object) -> list[int]:
    """`count` (1 to MAX_IMAGES) consecutive seeds from `first`, wrapping round after ops.MAX_SEED."""
    start, n = seed(first), integer(count, "count", 1, MAX_IMAGES)
    return [(start + i) % (ops.MAX_SEED + 1) for i in range(n)]


def seed_list(value: object, key: str, limit: int) -> list[int]:
    """A list of 1 to `limit` seeds typed as "1, 2, 3" (or sent as a list of numbers), each 0 to ops.MAX_SEED."""
    name = Label(key)
    if isinstance(value, str):
        items: list[object] = [item for item in SEED_SEPARATORS.split(value.strip()) if item]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [value]
    elif value is None:
        items = []
    else:
        raise UserError("seeds_not_integers", name=name, value=value)
    if not items:
        raise UserError("seeds_empty", name=name)
    if len(items) > limit:  # before looking at each one: a list of a million seeds is refused at once
        raise UserError("too_many_seeds", name=name, limit=limit, count=len(items))
    seeds = []
    for item in items:
        try:
            number = float(item)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(item, bool) or not math.isfinite(number) or number != int(number):
            raise UserError("seeds_not_integers", name=name, value=item)
        if not 0 <= number <= ops.MAX_SEED:
            raise UserError("seed_out_of_range", name=name, high=ops.MAX_SEED, value=item)
        seeds.append(int(number))
    return seeds


def flag(value: object, key: str) -> bool:
    """A checkbox: True or False only (not 0/1, not "yes")."""
    if not isinstance(value, bool):
        raise UserError("not_a_flag", name=Label(key), value=value)
    return value


def model(registry: ModelRegistry, name: object, choices: list[str]) -> LoadedModel:
    """The loaded model `name` if it is one of `choices` (a tab's models); else an answer naming the tab that
    shows it (or, between the noise-to-image tabs, why it does not fit this one)."""
    if name in choices:
        return registry.get(str(name))
    if isinstance(name, str) and name in registry.names():
        kind = registry.kind(name)
        here = {registry.kind(c) for c in choices}
        if kind in NOISE_TO_IMAGE and here and here <= set(NOISE_TO_IMAGE):
            raise UserError("needs_unconditional" if kind is Kind.CONDITIONAL else "needs_conditional", value=name)
        tab = KIND_TABS.get(kind)
        raise UserError("wrong_tab", value=name, tab=Label(tab) if tab else kind.value, choices=", ".join(choices))
    raise UserError("unknown_model", value=name, choices=", ".join(choices))


def upload(source: object, max_pixels: int = imaging.MAX_UPLOAD_PIXELS) -> imaging.DecodedImage:
    """An uploaded file (its path, or its bytes) decoded by imaging.decode_upload, with its pixel limit."""
    if source is None or source == "":
        raise UserError("no_image")
    if not isinstance(source, (str, Path, bytes)):
        raise UserError("unreadable", name=repr(source)[:80])
    try:
        return imaging.decode_upload(source, max_pixels=max_pixels)
    except FileNotFoundError:
        raise UserError("no_image") from None


def image_file(**options: object) -> gr.Image:
    """gr.Image whose handler receives the uploaded file's path (or, for a data: URL, its bytes) untouched.

    gr.Image(type="filepath") still opens every upload with PIL before the handler runs, so a text file
    fails inside Gradio with Pillow's message (naming the server's temporary path). Here the app's own
    decoder reads the file (checks.upload), refusing too large, corrupt or foreign files in the user's
    language. (An instance attribute, not a subclass: Gradio writes a .pyi stub beside every new component class.)
    """
    component = gr.Image(type="filepath", **options)  # type: ignore[arg-type]
    component.preprocess = _file_as_uploaded  # type: ignore[method-assign]
    return component


def sketchpad(**options: object) -> gr.Sketchpad:
    """gr.Sketchpad whose handler receives {"background", "layers", "composite"} as the uploaded files (paths, or
    bytes for the canvas's blobs) untouched: Gradio's own preprocessing would decode every one of them before any
    check, so a small PNG declaring 12000 x 12000 pixels cost 1.7 GB. The handler decodes the one it uses through
    `upload` (the header's size checked first); the others are never decoded. Same payloads as gr.Sketchpad."""
    component = gr.Sketchpad(type="filepath", **options)  # type: ignore[arg-type]

    def files_as_uploaded(payload: EditorData | None) -> dict[str, object] | None:
        if payload is None:
            return None
        images = component.blob_storage.pop(payload.id, None) if payload.id is not None else payload
        if images is None:
            return None
        return {
            "background": _file_as_uploaded(images.background),
            "layers": [_file_as_uploaded(layer) for layer in images.layers or []],
            "composite": _file_as_uploaded(images.composite),
        }

    component.preprocess = files_as_uploaded  # type: ignore[method-assign]
    return component


def _file_as_uploaded(payload: ImageData | FileData | bytes | None) -> str | bytes | None:
    if payload is None or isinstance(payload, bytes):
        return payload
    if payload.path:
        return str(payload.path)
    if payload.url and payload.url.startswith("data:") and "," in payload.url:
        try:
            return base64.b64decode(payload.url.split(",", 1)[1], validate=False)
        except (binascii.Error, ValueError):
            return b""
    return None
