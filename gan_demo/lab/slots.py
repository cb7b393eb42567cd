"""A bound on how many lab runs (2D or image) train at once, shared by every browser session.

Training is CPU-bound, so a workshop of 30 browsers pressing play at once must not start 30 training loops on a
2-core server: the rest of the app would stop answering. Every training tick asks `RunSlots.acquire(key)` first;
the answer either grants a slot (the tick trains) or says how many runs wait ahead and that all slots are busy
(the tick only shows that). A run gives its slot back on stop, pause, finish or reset (`release`); a run whose
browser vanished stops asking, and its slot is taken back after `idle_timeout_s` without a tick.

Usage (one instance per app, shared by the 2D and the image lab):

    slots = RunSlots.from_env()          # GAN_DEMO_LAB_RUNS, default: one per CPU core
    answer = slots.acquire(session_key)  # every tick while the run plays
    if answer.granted: ...train...
    else: ...show answer.ahead, answer.busy, answer.limit...
    slots.release(session_key)           # pause, stop, finish, reset, closed tab

While they train, the runs together take at most LAB_CPU_SHARE of the cores: `core_share(answer.busy)` is the share
of its time each one may spend training.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

ENV_MAX_RUNS = "GAN_DEMO_LAB_RUNS"
MAX_RUNS_LIMIT = 64  # a typo such as 1000 should not quietly let every browser train at once
# All lab runs together train at most this share of the CPU cores' time, so the other tabs stay responsive.
LAB_CPU_SHARE = 0.5
# A lab run trains on one thread: splitting its small matrices (the 2D MLPs: 256 x 64) between cores costs more in
# synchronisation than it saves (on 2 busy cores, 2 threads ran 30x slower than 1). Set per step (`torch_threads`),
# for the calling thread only.
TRAIN_THREADS = 1


@dataclass(frozen=True)
class SlotAnswer:
    """What `acquire` answers: a slot, or the place in the queue."""

    granted: bool
    ahead: int  # runs waiting before this one (0 when granted)
    busy: int  # slots in use, this run's included when granted
    limit: int  # how many runs may train at once


def core_share(busy: int, cores: int | None = None) -> float:
    """The share of its time each of `busy` training runs may spend training: all together at most LAB_CPU_SHARE
    of the cores, one run at most a whole core (it trains on one thread). 2 cores: 1 run 100 %, 2 runs 50 %, 4: 25 %."""
    cores = cores or os.cpu_count() or 1
    return min(1.0, LAB_CPU_SHARE * cores / max(busy, 1))


def max_runs_from_env(environ: dict[str, str] | None = None) -> int:
    """`GAN_DEMO_LAB_RUNS` as an int in 1..64; default: the number of CPU cores (2 on the workshop server)."""
    raw = (os.environ if environ is None else environ).get(ENV_MAX_RUNS, "").strip()
    if not raw:
        return max(1, min(os.cpu_count() or 1, MAX_RUNS_LIMIT))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_MAX_RUNS} must be a whole number from 1 to {MAX_RUNS_LIMIT}, got {raw!r}") from None
    if not 1 <= value <= MAX_RUNS_LIMIT:
        raise ValueError(f"{ENV_MAX_RUNS} must be from 1 to {MAX_RUNS_LIMIT}, got {value}")
    return value


class RunSlots:
    """At most `max_active` keys hold a slot; the others queue first come, first served.

    Thread-safe: Gradio runs event handlers of different sessions in different threads. Expiry is checked lazily
    on every call, so nothing runs in the background.
    """

    def __init__(
        self, max_active: int, *, idle_timeout_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not 1 <= max_active <= MAX_RUNS_LIMIT:
            raise ValueError(f"max_active must be from 1 to {MAX_RUNS_LIMIT}, got {max_active}")
        if idle_timeout_s <= 0:
            raise ValueError(f"idle_timeout_s must be positive, got {idle_timeout_s}")
        self.max_active = max_active
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._active: dict[str, float] = {}  # key -> last tick
        self._waiting: OrderedDict[str, float] = OrderedDict()  # key -> last tick, in arrival order

    @classmethod
    def from_env(cls, *, idle_timeout_s: float = 30.0) -> RunSlots:
        return cls(max_runs_from_env(), idle_timeout_s=idle_timeout_s)

    def acquire(self, key: str) -> SlotAnswer:
        """Hold (or keep holding) a slot for `key`, or queue it; call it on every tick, it is the heartbeat."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if key in self._active:
                self._active[key] = now
                return SlotAnswer(True, 0, len(self._active), self.max_active)
            self._waiting[key] = now  # keeps its place if it was already queued
            ahead = list(self._waiting).index(key)
            if ahead < self.max_active - len(self._active):
                del self._waiting[key]
                self._active[key] = now
                return SlotAnswer(True, 0, len(self._active), self.max_active)
            return SlotAnswer(False, ahead, len(self._active), self.max_active)

    def release(self, key: str) -> None:
        """Give the slot (or the place in the queue) back; releasing a key that holds nothing is fine."""
        with self._lock:
            self._active.pop(key, None)
            self._waiting.pop(key, None)

    def holds(self, key: str) -> bool:
        with self._lock:
            self._expire(self._clock())
            return key in self._active

    def busy(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._active)

    def _expire(self, now: float) -> None:
        """Forget keys that stopped ticking (a closed tab, a lost connection)."""
        for table in (self._active, self._waiting):
            for key in [k for k, last in table.items() if now - last > self.idle_timeout_s]:
                del table[key]


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op threads for the calling thread, restored afterwards (other requests keep theirs)."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
