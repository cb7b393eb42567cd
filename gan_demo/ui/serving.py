"""How the app serves many visitors on a small CPU box (a free Hugging Face Space has 2 vCPUs), in one place:

- lanes: every queued event runs in one of a few named concurrency lanes; quick clicks never wait behind slow work;
- one voice for errors: whatever Gradio itself refuses (an input it cannot preprocess, a payload of the wrong shape)
  reaches the visitor as a plain sentence in their language, never as Python or pydantic text;
- bounded disk: Gradio's cache and the app's own result folders are swept on a timer;
- the Space profile (SYSTEM=spaces, GRADIO_SERVER_NAME/PORT are read by Gradio itself).

`app.build_demo` calls `serve(demo)` once every tab is built, `python app.py` `start_process()`; a new tab only
marks its slow handlers `@slow` (everything else is general).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
import torch
from gradio.exceptions import ComponentProcessingError
from gradio.exceptions import Error as GradioError
from pydantic import ValidationError

from .text import error

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

ON_SPACE = os.environ.get("SYSTEM") == "spaces"
CORES = os.cpu_count() or 1
# The lanes and how many requests each runs at once. On 2 cores: two quick clicks side by side (one torch thread
# each) and, beside them, one slow job; a third quick click queues for a fraction of a second.
# The lab's training ticks have a lane of their own without a limit: its RunSlots bound how many runs train and
# at what share of the cores, so a room of playing labs never queues in front of a quick click.
LANES: dict[str, int | None] = {"quick": max(2, CORES), "slow": 1, "lab": None}
# Torch's intra-op threads per request: the quick lane's requests share the cores instead of each grabbing all.
TORCH_THREADS = int(os.environ.get("GAN_DEMO_TORCH_THREADS", max(1, CORES // LANES["quick"])))
# Results written for download (super-resolution's full-size PNG) and Gradio's upload/result cache are removed
# when older than this; the sweep runs every SWEEP_EVERY_S.
RESULT_DIR = Path(tempfile.gettempdir()) / "gan_demo_results"
RESULT_TTL_S = int(os.environ.get("GAN_DEMO_RESULT_TTL_S", 900))
SWEEP_EVERY_S = int(os.environ.get("GAN_DEMO_SWEEP_EVERY_S", 300))
DELETE_CACHE = (SWEEP_EVERY_S, RESULT_TTL_S)  # gr.Blocks(delete_cache=...): Gradio's own cache, the same rule
# The queue's length: a visitor beyond it is told the app is busy rather than waiting minutes.
QUEUE_SIZE = 64


def slow(handler: F) -> F:
    """Marks a handler whose work takes seconds (super-resolution, big grids): its events run in the slow lane."""
    handler.lane = "slow"  # type: ignore[attr-defined]
    return handler


def lab(handler: F) -> F:
    """Marks a training-lab handler that trains under a RunSlots slot: its events run in the lab lane."""
    handler.lane = "lab"  # type: ignore[attr-defined]
    return handler


def assign_lanes(demo: gr.Blocks) -> dict[str, str]:
    """Every queued event into its lane: the handler's own (`@slow`) or the quick one. Returns event -> lane."""
    lanes = {}
    for block_fn in demo.fns.values():
        if block_fn.fn is None or not block_fn.queue:
            continue
        lane = getattr(block_fn.fn, "lane", "quick")
        block_fn.concurrency_id, block_fn.concurrency_limit = lane, LANES[lane]
        lanes[block_fn.name] = lane
    return lanes


# Gradio components whose own preprocessing checks the value (rounding numbers, refusing strings, testing
# dropdown choices) and answers in English technical words. The handlers' `checks` validate every argument anyway,
# so these hand the raw JSON value on and the refusal comes from `checks`, in the visitor's language.
LENIENT = (gr.Number, gr.Slider, gr.Dropdown, gr.Radio, gr.Checkbox)


def _raw(payload: Any) -> Any:
    return payload


def lenient_inputs(demo: gr.Blocks) -> None:
    for block_fn in demo.fns.values():
        for component in block_fn.inputs:
            if isinstance(component, LENIENT):
                component.preprocess = _raw  # type: ignore[method-assign]


class Demo(gr.Blocks):
    """gr.Blocks whose every refusal speaks the visitor's language. A gr.Error (from `text.user_errors`) passes as
    it is. Gradio's own refusals (a payload its data model or preprocessing cannot read) become ERRORS["bad_input"]
    and any other exception ERRORS["internal"]: plain words, logged as one line (the event and the error's type),
    never echoing the input, a path or a stack. Inputs that `checks` validate never get here (see LENIENT)."""

    async def process_api(self, block_fn: Any, inputs: list[Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await super().process_api(block_fn, inputs, *args, **kwargs)
        except GradioError:
            raise
        except Exception as err:
            request = kwargs.get("request", args[1] if len(args) > 1 else None)
            request = request[0] if isinstance(request, list) and request else request
            fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
            log.warning("refused %s: %s", getattr(fn, "name", "?"), type(err).__name__)
            unreadable = isinstance(err, (ComponentProcessingError, ValidationError))
            raise error("bad_input" if unreadable else "internal", request) from None


def sweep(folder: Path, ttl_s: float, now: float | None = None) -> int:
    """Removes the entries of `folder` older than `ttl_s` seconds; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for entry in folder.iterdir() if folder.is_dir() else ():
        try:
            if now - entry.stat().st_mtime > ttl_s:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed += 1
        except FileNotFoundError:  # another sweep or request removed it first
            pass
    return removed


def _sweep_forever(folders: tuple[Path, ...], stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY_S):
        for folder in folders:
            sweep(folder, RESULT_TTL_S)


def start_process(folders: tuple[Path, ...] = (RESULT_DIR,)) -> threading.Event:
    """For the serving process only (not for a test building the demo): torch's threads per request, and a daemon
    thread sweeping the app's own result folders every SWEEP_EVERY_S (set the returned event to stop it)."""
    torch.set_num_threads(TORCH_THREADS)
    stop = threading.Event()
    threading.Thread(target=_sweep_forever, args=(folders, stop), name="gan_demo-sweep", daemon=True).start()
    return stop


def serve(demo: gr.Blocks) -> gr.Blocks:
    """The serving profile on a built demo: lanes, lenient inputs, the queue."""
    assign_lanes(demo)
    lenient_inputs(demo)
    return demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=LANES["quick"])
