"""How the app serves many visitors on a small CPU box (a free Hugging Face Space has 2 vCPUs), in one place:

- lanes: every queued event runs in one of a few named concurrency lanes; quick clicks never wait behind slow work,
  and on a Linux CPU the slow lane's work runs at a lower priority, so a burst of quick clicks gets the cores first;
- one voice for errors: whatever Gradio itself refuses (an input it cannot preprocess, a payload of the wrong shape)
  reaches the visitor as a plain sentence in their language, never as Python or pydantic text;
- bounded disk: Gradio's cache and the app's own result folders are swept on a timer;
- the Space profile (SYSTEM=spaces, GRADIO_SERVER_NAME/PORT are read by Gradio itself), and ZeroGPU's
  `spaces.GPU` on the model calls when the `spaces` package is there;
- memory: malloc arenas limited and trimmed, the models loaded once the page is served.

`app.build_demo` calls `serve(demo)` once every tab is built, `python app.py` `start_process()`; a new tab only
marks its slow handlers `@slow` (everything else is general).
"""

from __future__ import annotations

import contextvars
import ctypes
import ctypes.util
import functools
import inspect
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
import torch
from gradio.context import LocalContext
from gradio.exceptions import ComponentProcessingError
from gradio.exceptions import Error as GradioError
from PIL import Image
from pydantic import ValidationError

from ..checkpoint import ModelRegistry
from .text import error, language

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

ON_SPACE = os.environ.get("SYSTEM") == "spaces"
CORES = os.cpu_count() or 1
# The lanes and how many requests each runs at once. Quick clicks: one more than the cores (one torch thread each),
# so a short click shares the cores with two long ones instead of queueing behind them (the workshop's p95s and
# maxima were lower with 3 than with 2 on 2 cores). Beside them, one slow job: with two, the workshop's
# super-resolutions waited less (p95 7-9 s against 8-12 s) but every quick click's p95 rose past 2 s.
# The lab's training ticks have a lane of their own without a limit: its RunSlots bound how many runs train and
# at what share of the cores, so a room of playing labs never queues in front of a quick click.
LANES: dict[str, int | None] = {
    "quick": int(os.environ.get("GAN_DEMO_QUICK_LANE", CORES + 1)),
    "slow": int(os.environ.get("GAN_DEMO_SLOW_LANE", 1)),
    "lab": None,
}
# The slow lane's work runs on threads of its own this much nicer (Linux): when a burst of quick clicks wants both
# cores they get them, and an enlargement, which has seconds to spare, takes what they leave.
SLOW_NICE = int(os.environ.get("GAN_DEMO_SLOW_NICE", 10))
# Torch's intra-op threads per request: the quick lane's requests share the cores instead of each grabbing all.
TORCH_THREADS = int(os.environ.get("GAN_DEMO_TORCH_THREADS", max(1, CORES // LANES["quick"])))
# How long a Python thread may hold the GIL while others wait (CPython's default is 5 ms). The server is bound by
# its one event loop, which serves every file and event stream: at 1 ms it gets the GIL back from the handlers'
# Python sooner, and the 30-participant workshop measured p95s 20-40 % lower (README, "A workshop").
SWITCH_INTERVAL_S = float(os.environ.get("GAN_DEMO_SWITCH_INTERVAL_S", 0.001))
# Results written for download (super-resolution's full-size PNG) and Gradio's upload/result cache are removed
# when older than this; the sweep runs every SWEEP_EVERY_S.
GRADIO_CACHE = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
# Inside Gradio's cache, so Gradio serves the files handlers write there as they are, without hashing and copying
# each one into its cache first.
RESULT_DIR = GRADIO_CACHE / "gan_demo_results"
RESULT_TTL_S = int(os.environ.get("GAN_DEMO_RESULT_TTL_S", 900))
SWEEP_EVERY_S = int(os.environ.get("GAN_DEMO_SWEEP_EVERY_S", 60))
# And each of those folders is kept under this size, the oldest results going first: a burst of large results
# cannot fill a Space's disk before they are old enough to go.
FOLDER_MAX_MB = int(os.environ.get("GAN_DEMO_FOLDER_MAX_MB", 1024))
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


# -- answers remembered ---------------------------------------------------------------------------------------------

# A workshop clicks the same thing at once: the instructor's seed, the first example, the page's opening results.
# A handler marked @remembered answers identical inputs (in the same language) from its last REMEMBERED answers,
# and identical requests that arrive while the first is computing wait for its answer instead of computing it again.
# Answers are kept REMEMBER_S, well under RESULT_TTL_S: the files they name are swept after that.
REMEMBERED = 32
REMEMBER_S = min(300, RESULT_TTL_S // 2)


class Answers:
    """The last `size` answers by key, each for `ttl_s` seconds; one computation per key at a time (single flight).
    Thread-safe: Gradio runs handlers on worker threads."""

    def __init__(self, size: int = REMEMBERED, ttl_s: float = REMEMBER_S) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._answers: OrderedDict[Hashable, tuple[float, Future[Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            kept = self._answers.get(key)
            fresh = kept is not None and time.monotonic() - kept[0] < self.ttl_s
            if fresh:
                self._answers.move_to_end(key)
                future = kept[1]
            else:
                future = Future()
                self._answers[key] = (time.monotonic(), future)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
        if fresh:
            try:
                return future.result()  # waits while the first request computes it
            except Exception:  # it failed (or its visitor left): this request computes its own answer
                return compute()
        try:
            future.set_result(compute())
        except BaseException as err:
            with self._lock:  # a failure is not remembered: the next request tries again
                if self._answers.get(key, (0, None))[1] is future:
                    del self._answers[key]
            future.set_exception(err)
        return future.result()


def _plain(value: Any) -> bool:
    """JSON-like inputs only (what the page sends): anything else (an array, an image) is not remembered by value."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _plain(v) for k, v in value.items())


def remembered(handler: F) -> F:
    """Marks a tab's handler whose answer depends only on its inputs and the visitor's language: see Answers.
    Each tab keeps its own answers (tests build many demos in one process)."""
    signature = inspect.signature(handler)
    unkeyed = {"self", "request", "progress"}  # the tab, and what Gradio injects

    @functools.wraps(handler)  # Gradio reads the wrapped signature: its gr.Request and gr.Progress stay
    def answer(tab: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(tab, *args, **kwargs)
        bound.apply_defaults()
        inputs = {name: value for name, value in bound.arguments.items() if name not in unkeyed}
        if not _plain(inputs):
            return handler(tab, *args, **kwargs)
        key = (json.dumps(inputs, sort_keys=True), language(bound.arguments.get("request")))
        answers = tab.__dict__.setdefault(f"_remembered_{handler.__name__}", Answers())
        return answers.get(key, lambda: handler(tab, *args, **kwargs))

    return answer  # type: ignore[return-value]


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


class Abandoned(Exception):
    """The visitor who asked for a long computation has left: it stops at its next step (see abandoned())."""


def abandoned() -> bool:
    """Whether the visitor of the running event has gone (closed the page, dropped the connection). Gradio then drops
    their queued events and marks a running one not alive, but cannot stop a function that is running: a long
    handler asks this between its steps and raises Abandoned, handing the cores to the visitors still there."""
    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    for job in getattr(queue, "active_jobs", None) or ():
        for event in job or ():
            if event_id is not None and getattr(event, "_id", None) == event_id:
                return not getattr(event, "alive", True)
    return False


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
        except Abandoned:
            fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
            log.warning("abandoned %s: its visitor left", getattr(fn, "name", "?"))
            raise
        except Exception as err:
            request = kwargs.get("request", args[1] if len(args) > 1 else None)
            request = request[0] if isinstance(request, list) and request else request
            fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
            log.warning("refused %s: %s", getattr(fn, "name", "?"), type(err).__name__)
            unreadable = isinstance(err, (ComponentProcessingError, ValidationError))
            raise error("bad_input" if unreadable else "internal", request) from None


def _size(entry: Path) -> int:
    if entry.is_dir():
        return sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
    return entry.stat().st_size


def results_folder() -> Path:
    """RESULT_DIR, created if needed: where handlers write files for the page (swept)."""
    RESULT_DIR.mkdir(parents=True, exist_ok=True)
    return RESULT_DIR


def stored(images: list[Image.Image]) -> list[str]:
    """`images` written as PNGs to a new folder of results_folder(): their paths, for a gallery or an image output.
    Given PIL images, Gradio encodes, hashes, resolves and copies each one into its cache on a thread pool: a
    gallery of 64 small images took about 450 ms of server CPU that way."""
    folder = Path(tempfile.mkdtemp(dir=results_folder()))
    paths = [folder / f"{i}.png" for i in range(len(images))]
    for image, path in zip(images, paths, strict=True):
        image.save(path, format="PNG", compress_level=1)
    return [str(path) for path in paths]


def captioned(images: list[Image.Image], captions: list[str]) -> list[tuple[str, str]]:
    """A gallery's value: each image stored(), with its caption."""
    return list(zip(stored(images), captions, strict=True))


# The result files the page shows are served here, before Gradio's own file route sees them: that route resolves the
# path against each allowed folder and reads the file over four worker-thread hops, 2.6 ms of server CPU a file and,
# under a workshop's load, about 0.1 s a file of waiting, which a gallery of 64 pays in eleven rounds of six.
FILE_ROUTE = "/gradio_api/file="
SERVED_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}
SERVED_MAX_BYTES = 4 * 2**20  # larger files (a super-resolution's download) go to Gradio's streaming route


class ResultFiles:
    """ASGI middleware: a GET of a file the app wrote into RESULT_DIR (PNG, JPEG or GIF, at most SERVED_MAX_BYTES) is
    answered from the file at once; every other request, and any path that resolves outside RESULT_DIR, goes on to
    Gradio unchanged."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        path = scope.get("path", "") if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") else ""
        body = _result_file(path.split(FILE_ROUTE, 1)[1]) if FILE_ROUTE in path else None
        if body is None:
            await self.app(scope, receive, send)
            return
        content, media_type = body
        headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content if scope["method"] == "GET" else b""})


def _result_file(path: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of the file at `path` if it is one of the app's results ResultFiles serves, else None."""
    real = os.path.realpath(path)
    media_type = SERVED_TYPES.get(os.path.splitext(real)[1].lower())
    if media_type is None or not real.startswith(os.path.realpath(RESULT_DIR) + os.sep):
        return None
    try:
        with open(real, "rb") as file:
            content = file.read(SERVED_MAX_BYTES + 1)
    except OSError:  # swept meanwhile, or a folder: Gradio's route answers as it would
        return None
    return (content, media_type) if len(content) <= SERVED_MAX_BYTES else None


def sweep(
    folder: Path, ttl_s: float, max_bytes: int | None = None, now: float | None = None, skip: Path | None = None
) -> int:
    """Removes the entries of `folder` (but `skip`) older than `ttl_s` seconds, then the oldest ones until the rest
    take at most `max_bytes`; returns how many were removed."""
    now = time.time() if now is None else now
    removed, kept = 0, []
    for entry in folder.iterdir() if folder.is_dir() else ():
        if entry == skip:
            continue
        try:
            if now - entry.stat().st_mtime > ttl_s:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed += 1
            else:
                kept.append((entry.stat().st_mtime, _size(entry), entry))
        except FileNotFoundError:  # another sweep or request removed it first
            pass
    total = sum(size for _, size, _ in kept)
    for _, size, entry in sorted(kept):  # oldest first
        if max_bytes is None or total <= max_bytes:
            break
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed


def forget_missing_files(demo: gr.Blocks) -> int:
    """Drops from Gradio's record of the files it may serve (one set per component, never pruned by Gradio but for
    the files its own delete_cache removes) the paths whose files are gone; returns how many. Without it the record
    grew by every result ever served (54,000 paths in a 15-minute workshop soak)."""
    forgotten = 0
    for served in demo.temp_file_sets:
        gone = {path for path in list(served) if not os.path.exists(path)}  # list(): a copy taken under the GIL
        served.difference_update(gone)
        forgotten += len(gone)
    return forgotten


def _sweep_forever(demo: gr.Blocks, folders: tuple[Path, ...], stop: threading.Event) -> None:
    swept = time.monotonic()
    while not stop.wait(TRIM_EVERY_S):
        if time.monotonic() - swept >= SWEEP_EVERY_S:
            for folder in folders:  # each one apart from the others inside it (the results in Gradio's cache)
                inner = next((f for f in folders if f.parent == folder), None)
                sweep(folder, RESULT_TTL_S, FOLDER_MAX_MB * 2**20, skip=inner)
            forget_missing_files(demo)
            swept = time.monotonic()
        _give_back_free_memory()


# glibc gives every thread that allocates its own malloc arena (up to 8 per core), and Gradio runs each request on
# whichever of its 40 worker threads is free: the requests' large, short-lived tensors and images were spread over
# as many arenas, each keeping its freed pages (the server's RSS grew 75 % in a 3-minute workshop). Two arenas,
# and the free pages handed back to the system every TRIM_EVERY_S, keep it flat (README, "A workshop").
MALLOC_ARENAS = 2
TRIM_EVERY_S = min(10, SWEEP_EVERY_S)
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None


def _limit_malloc_arenas() -> None:
    if _LIBC is not None and hasattr(_LIBC, "mallopt"):  # glibc only; elsewhere the system's allocator decides
        _LIBC.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


def _give_back_free_memory() -> None:
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def _load_all(registry: ModelRegistry) -> None:
    for name in registry.names():
        try:
            registry.get(name)
        except Exception as err:  # noqa: BLE001 (a broken checkpoint is reported when a visitor picks it)
            log.warning("could not preload %s: %s", name, type(err).__name__)


def preload(registry: ModelRegistry) -> threading.Thread:
    """Loads every model of `registry` in a background thread, once the page is served (before, it slowed the start
    by seconds): a first click finds its model ready, and memory measured after start-up includes the models."""
    thread = threading.Thread(target=_load_all, args=(registry,), name="gan_demo-preload", daemon=True)
    thread.start()
    return thread


def start_process(demo: gr.Blocks, folders: tuple[Path, ...] = (RESULT_DIR, GRADIO_CACHE)) -> threading.Event:
    """For the serving process only (not for a test building the demo): torch's threads per request, the GIL's switch
    interval, malloc's arenas, and a daemon thread that every SWEEP_EVERY_S sweeps the app's own result folders and
    Gradio's cache by size (Gradio's delete_cache sweeps it by age) and forgets `demo`'s swept files, and every
    TRIM_EVERY_S gives free memory back to the system (set the returned event to stop it)."""
    torch.set_num_threads(TORCH_THREADS)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    _limit_malloc_arenas()
    stop = threading.Event()
    threading.Thread(target=_sweep_forever, args=(demo, folders, stop), name="gan_demo-sweep", daemon=True).start()
    return stop


# A ZeroGPU Space lends a GPU to each call of a function wrapped in `spaces.GPU`, for at most this many seconds;
# elsewhere the `spaces` package (when installed at all) leaves the functions as they are.
GPU_SECONDS = {"quick": 30, "slow": 120}


def zero_gpu(demo: gr.Blocks) -> list[str]:
    """Wraps the model-running events (the quick and slow lanes; not the lab's CPU-only ticks) in `spaces.GPU`
    when that package is importable. Returns the wrapped events' names."""
    try:
        import spaces
    except ImportError:
        return []
    wrapped = []
    for block_fn in demo.fns.values():
        if block_fn.fn is not None and block_fn.queue and block_fn.concurrency_id in GPU_SECONDS:
            block_fn.fn = spaces.GPU(duration=GPU_SECONDS[block_fn.concurrency_id])(block_fn.fn)
            wrapped.append(block_fn.name)
    return wrapped


def _nicer_thread() -> None:
    """Lowers the calling thread's CPU priority by SLOW_NICE (on Linux a thread has its own nice value)."""
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + SLOW_NICE))
    except OSError:  # not allowed here: the lane runs at normal priority
        log.warning("could not lower the slow lane's priority")


_SLOW_THREADS = ThreadPoolExecutor(
    max_workers=LANES["slow"] or 1, thread_name_prefix="gan_demo-slow", initializer=_nicer_thread
)


def _on_slow_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)  # Gradio reads the wrapped signature: its gr.Request and gr.Progress stay
    def run(*args: Any, **kwargs: Any) -> Any:
        # Gradio's event context (request, progress, abandoned()) lives in context variables: carried along
        return _SLOW_THREADS.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()

    return run


def lower_slow_priority(demo: gr.Blocks) -> list[str]:
    """Runs the slow lane's plain functions on _SLOW_THREADS, SLOW_NICE lower in priority than the rest, on Linux.
    Not under ZeroGPU, whose `spaces.GPU` runs each call in a process of its own. Returns the moved events' names."""
    if sys.platform != "linux" or SLOW_NICE <= 0:
        return []
    moved = []
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or not block_fn.queue or block_fn.concurrency_id != "slow":
            continue
        if inspect.iscoroutinefunction(fn) or inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            continue
        block_fn.fn = _on_slow_thread(fn)
        moved.append(block_fn.name)
    return moved


def serve(demo: gr.Blocks) -> gr.Blocks:
    """The serving profile on a built demo: lanes, lenient inputs, ZeroGPU where it is (else the slow lane at a lower
    priority), the queue."""
    assign_lanes(demo)
    lenient_inputs(demo)
    if not zero_gpu(demo):
        lower_slow_priority(demo)
    return demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=LANES["quick"])
