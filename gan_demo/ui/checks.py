"""Validation at the edge: any API argument may be anything; each refusal is a gr.Error in the user's language."""

from __future__ import annotations

import base64
import binascii
import math
import re
from pathlib import Path

import gradio as gr
from gradio.data_classes import ImageData

from .. import imaging, ops
from ..checkpoint import LoadedModel, ModelRegistry
from .text import error, field_name

# The tab that serves each kind of model, for "use the … tab" answers.
TASK_TABS = {"super-resolution": "tab_superres", "translation": "tab_translate", "unpaired-translation": "tab_cyclegan"}
MAX_TRUNCATION = 2.0  # ψ: 0 (every seed the mean image) to 2 (twice as far from the mean as sampled)
# Between the seeds of a list: commas (also the Chinese "，" and "、"), semicolons or white space.
SEED_SEPARATORS = re.compile(r"[\s,;，、；]+")


def number(value: object, key: str, low: float, high: float, request: gr.Request | None) -> float:
    name = field_name(key, request)
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise error("not_a_number", request, name=name, value=value) from None
    if not math.isfinite(result):
        raise error("not_a_number", request, name=name, value=value)
    if not low <= result <= high:
        raise error("out_of_range", request, name=name, low=low, high=high, value=value)
    return result


def integer(value: object, key: str, low: int, high: int, request: gr.Request | None) -> int:
    result = number(value, key, low, high, request)
    if result != int(result):
        raise error("not_an_integer", request, name=field_name(key, request), value=value)
    return int(result)


def truncation(value: object, request: gr.Request | None) -> float:
    return number(value, "truncation", 0.0, MAX_TRUNCATION, request)


def seed_list(value: object, key: str, limit: int, request: gr.Request | None) -> list[int]:
    """A list of 1 to `limit` seeds typed as "1, 2, 3" (or sent as a list of numbers), each 0 to ops.MAX_SEED."""
    name = field_name(key, request)
    if isinstance(value, str):
        items: list[object] = [item for item in SEED_SEPARATORS.split(value.strip()) if item]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [value]
    elif value is None:
        items = []
    else:
        raise error("seeds_not_integers", request, name=name, value=value)
    if not items:
        raise error("seeds_empty", request, name=name)
    if len(items) > limit:  # before looking at each one: a list of a million seeds is refused at once
        raise error("too_many_seeds", request, name=name, limit=limit, count=len(items))
    seeds = []
    for item in items:
        try:
            seed = float(item)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seed = math.nan
        if isinstance(item, bool) or not math.isfinite(seed) or seed != int(seed):
            raise error("seeds_not_integers", request, name=name, value=item)
        if not 0 <= seed <= ops.MAX_SEED:
            raise error("seed_out_of_range", request, name=name, high=ops.MAX_SEED, value=item)
        seeds.append(int(seed))
    return seeds


def flag(value: object, key: str, request: gr.Request | None) -> bool:
    """A checkbox: True or False only (not 0/1, not "yes")."""
    if not isinstance(value, bool):
        raise error("not_a_flag", request, name=field_name(key, request), value=value)
    return value


def model(
    registry: ModelRegistry, name: object, choices: list[str], request: gr.Request | None, task: str = "sample"
) -> LoadedModel:
    """The loaded model `name` if it is one of `choices` (the models of a tab for `task`); else an answer
    naming the tab it belongs to."""
    if name in choices:
        return registry.get(str(name))
    if isinstance(name, str) and name in registry.names():
        config = registry.config(name)
        its_task = config.get("task", "sample")
        conditional = config["kwargs"].get("num_classes", 0) > 0
        if its_task == task == "sample":
            raise error("needs_unconditional" if conditional else "needs_conditional", request, value=name)
        if its_task == "sample":
            tab = "tab_conditional" if conditional else "tab_sample"
        else:
            tab = TASK_TABS.get(its_task, "")
        tab_name = field_name(tab, request) if tab else its_task
        raise error("wrong_tab", request, value=name, tab=tab_name, choices=", ".join(choices))
    raise error("unknown_model", request, value=name, choices=", ".join(choices))


def upload(source: object, request: gr.Request | None) -> imaging.DecodedImage:
    """An uploaded file (its path, or its bytes) decoded by imaging.decode_upload, with its pixel limit."""
    if source is None or source == "":
        raise error("no_image", request)
    if not isinstance(source, (str, Path, bytes)):
        raise error("unreadable", request, name=repr(source)[:80])
    name = Path(source).name if isinstance(source, (str, Path)) else "image"
    try:
        return imaging.decode_upload(source, max_pixels=imaging.MAX_UPLOAD_PIXELS)
    except FileNotFoundError:
        raise error("no_image", request) from None
    except ValueError as err:  # decode_upload's messages are English: answer with ours, in the user's language
        if "megapixels" in str(err) or "too large" in str(err):
            size = re.search(r"(\d+)x(\d+)", str(err))
            shown = f"{size[1]} × {size[2]}" if size else "> 2048 × 2048"
            raise error("too_large", request, name=name, size=shown, limit=imaging.MAX_UPLOAD_PIXELS) from None
        raise error("unreadable", request, name=name) from None


def pixels_within_limit(pixels: object, request: gr.Request | None, name: str = "image") -> None:
    """For images Gradio decoded itself (the sketchpad): the same pixel limit as for uploads."""
    height, width = getattr(pixels, "shape", (0, 0))[:2]
    if height * width > imaging.MAX_UPLOAD_PIXELS:
        raise error("too_large", request, name=name, size=f"{width} × {height}", limit=imaging.MAX_UPLOAD_PIXELS)


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


def _file_as_uploaded(payload: ImageData | None) -> str | bytes | None:
    if payload is None:
        return None
    if payload.path:
        return str(payload.path)
    if payload.url and payload.url.startswith("data:") and "," in payload.url:
        try:
            return base64.b64decode(payload.url.split(",", 1)[1], validate=False)
        except (binascii.Error, ValueError):
            return b""
    return None
