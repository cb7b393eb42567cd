"""Expected run times: each model's measured seconds per megapixel, to tell the user how long a request will take."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import gradio as gr

from .text import note


class ExpectedTime:
    """Seconds per input megapixel of each model's last run (on CPU a large imported model takes minutes)."""

    def __init__(self) -> None:
        self._rate: dict[str, float] = {}
        self._lock = threading.Lock()

    def record(self, model: str, megapixels: float, seconds: float) -> None:
        with self._lock:
            self._rate[model] = seconds / max(megapixels, 1e-6)

    def known(self, model: str) -> bool:
        with self._lock:
            return model in self._rate

    def measure(self, model: str, run: Callable[[], object], megapixels: float) -> None:
        """Time `run()` (a small probe of `megapixels`) as the model's speed until a real run replaces it."""
        start = time.perf_counter()
        run()
        self.record(model, megapixels, time.perf_counter() - start)

    def describe(self, model: str, megapixels: float, device: object, request: gr.Request | None) -> str:
        """ "about N s expected on cpu", or, before the model's first run, that this run is being timed."""
        with self._lock:
            rate = self._rate.get(model)
        if rate is None:
            return note("first_run", request, device=device)
        return note("expected_time", request, seconds=rate * megapixels, device=device)


def time_left(elapsed: float, fraction: float, request: gr.Request | None) -> str:
    """The rest of a run from its progress so far: "about N s left"."""
    return note("time_left", request, seconds=elapsed / fraction * (1 - fraction)) if 0 < fraction < 1 else ""
