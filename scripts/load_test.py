"""A workshop on loopback: N simulated participants each calling a random tab's endpoint every 2-6 s for T minutes
against `python app.py` (started here from a checkout, on 127.0.0.1 only), then a table of latencies per endpoint.

    python scripts/load_test.py                          # 30 participants, 3 minutes, this checkout
    python scripts/load_test.py --root /tmp/main-clone   # the same against another checkout (a baseline)
    python scripts/load_test.py --soak --minutes 30      # RSS every 30 s, to see whether memory levels off

Each participant talks to the server the way the page's JavaScript does: one session for all its clicks; it uploads
its files, joins the queue, follows the queue's event stream to the answer and then fetches every result file the
page shows (not a download link's), six at a time as a browser does; a call's time runs from the first byte sent to
the last file received, and the table splits the slowest calls' time into queued, running and fetching. Every call
asks for new work: random seeds, and a photo and a sketch cut at a random offset, so no answer can come from the
app's remembered answers. The participants run as threads of one process (niced, so that on a single machine
the server gets the cores first: in a real workshop they are other machines).

Bounded: at most --participants threads, each stops at the deadline (a request still running then is waited for
at most --grace seconds), and the server is stopped at the end. Output: p50/p95/max per endpoint, errors, the
server's RSS before (after one warm-up call of each endpoint), right after, and a sweep later (read every 5 s; with
--soak printed every 30 s, with its mean per quarter and the trend of its second half), and the size of Gradio's
cache and the app's temp folders (the server's folder is removed at the end).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served_app import ROOT, running_process  # noqa: E402

PHOTOS = sorted((ROOT / "checkpoints" / "srgan-photo-x4" / "examples").glob("*.png"))
SKETCHES = sorted((ROOT / "checkpoints" / "pix2pix-edges2avatars" / "examples").glob("sketch-*.png"))
PHOTO_SIDE = 256  # the workshop: a 256x256 photo to enlarge x4
CLIENT_NICE = 10
BROWSER_CONNECTIONS = 6  # a browser's connections per host over HTTP/1.1 (Chrome, Firefox)
# RSS is read this often: it swings by ±100 MB with the requests in flight, so a quarter's mean needs many reads.
RSS_EVERY_S = 5
SETTLE_S = 65  # after the run, RSS is read again once the server has swept (every 60 s)
# Outputs the page shows as a download link (fetched only when clicked): a participant does not fetch them.
DOWNLOAD_ONLY = {"super_resolve": {1}}


class Participant:
    """One browser tab's worth of HTTP: one session for all its clicks, each click queued and followed through the
    queue's event stream, then the result files fetched (as gradio's JavaScript client does)."""

    def __init__(self, url: str, rng: random.Random, endpoints: dict[str, int]) -> None:
        self.url, self.rng, self.endpoints = url.rstrip("/"), rng, endpoints
        self.session = f"participant-{rng.randrange(10**12)}"
        # A connection idle for a second is not reused (as a browser does not reuse one the server may be closing:
        # uvicorn closes idle ones after 5 s, and a request sent on one as it closes fails with a reset).
        self.limits = httpx.Limits(keepalive_expiry=1.0)
        self.fetcher = ThreadPoolExecutor(BROWSER_CONNECTIONS, thread_name_prefix=self.session)
        # One connection pool per thread: a pool shared by the participant's thread and its fetchers once failed a
        # read with "Bad file descriptor" in the client (1 call in 17,000, nothing in the server's log).
        self.local, self.clients = threading.local(), []

    @property
    def http(self) -> httpx.Client:
        """This thread's HTTP client."""
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(timeout=httpx.Timeout(300, connect=30), limits=self.limits)
            self.clients.append(self.local.client)
        return self.local.client

    def upload(self, image: Image.Image) -> dict[str, Any]:
        body = io.BytesIO()
        image.save(body, format="PNG")
        answer = self.http.post(f"{self.url}/gradio_api/upload", files={"files": ("upload.png", body.getvalue())})
        answer.raise_for_status()
        return {"path": answer.json()[0], "meta": {"_type": "gradio.FileData"}}

    def call(self, api_name: str, data: list[Any]) -> dict[str, float]:
        """Runs `/api_name` with `data`; returns where its time went: seconds queued (joined to started), running
        (started to answered) and fetching the result files. Raises on any refusal."""
        start = time.perf_counter()
        join = {"data": data, "fn_index": self.endpoints[api_name], "session_hash": self.session, "event_data": None}
        joined = self.http.post(f"{self.url}/gradio_api/queue/join", json=join)
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        started = None
        stream = self.http.stream("GET", f"{self.url}/gradio_api/queue/data", params={"session_hash": self.session})
        with stream as events:
            for line in events.iter_lines():
                message = json.loads(line[len("data:") :]) if line.startswith("data:") else {}
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "process_starts":
                    started = time.perf_counter()
                if message.get("msg") == "process_completed":
                    break
            else:
                raise RuntimeError(f"{api_name}: the event stream ended without an answer")
        answered = time.perf_counter()
        if not message.get("success"):
            raise RuntimeError(f"{api_name} answered: {str(message.get('output'))[:200]}")
        outputs = message["output"]["data"]
        shown = [out for i, out in enumerate(outputs) if i not in DOWNLOAD_ONLY.get(api_name, ())]
        # As a browser loads a gallery's images: all requested at once, at most BROWSER_CONNECTIONS at a time.
        for fetched in self.fetcher.map(lambda url: self.http.get(url), file_urls(shown)):
            fetched.raise_for_status()
        started = started or answered
        return {"queued": started - start, "running": answered - started, "files": time.perf_counter() - answered}

    def close(self) -> None:
        self.fetcher.shutdown()
        for client in self.clients:
            client.close()


def endpoints(url: str) -> dict[str, int]:
    """Each public endpoint's fn_index, from the page's config (what the browser reads first)."""
    config = httpx.get(f"{url.rstrip('/')}/config", timeout=60).json()
    return {d["api_name"]: d["id"] for d in config["dependencies"] if d.get("api_name")}


def file_urls(value: Any) -> list[str]:
    """The URLs of every file in an API answer, as the page fetches them."""
    if isinstance(value, dict):
        own = [value["url"]] if isinstance(value.get("url"), str) else []
        return own + [u for v in value.values() for u in file_urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in file_urls(v)]
    return []


def random_crop(path: Path, side: int, rng: random.Random) -> Image.Image:
    """A `side` x `side` crop at a random offset of the image enlarged 1.5x: new pixels for every call."""
    with Image.open(path) as img:
        img = img.convert("RGB")
        scale = 1.5 * side / min(img.size)
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BICUBIC)
    x, y = rng.randrange(img.width - side + 1), rng.randrange(img.height - side + 1)
    return img.crop((x, y, x + side, y + side))


def shifted_sketch(path: Path, rng: random.Random) -> Image.Image:
    """An example sketch moved by a few random pixels (white fills the edge): a new drawing for every call."""
    with Image.open(path) as img:
        sketch = img.convert("RGB")
    canvas = Image.new("RGB", sketch.size, "white")
    canvas.paste(sketch, (rng.randrange(-8, 9), rng.randrange(-8, 9)))
    return canvas


def seeds(rng: random.Random, count: int) -> str:
    return ", ".join(str(rng.randrange(10**6)) for _ in range(count))


# What a participant clicks, with the arguments of the workshop (the shipped models).
CALLS: dict[str, Callable[[Participant], tuple[str, list[Any]]]] = {
    "sample": lambda p: ("sample", ["dcgan-fashion", p.rng.randrange(10**6), p.rng.choice([1, 16, 64]), 1.0]),
    "conditional": lambda p: ("conditional", ["cgan-fashion", "Sneaker", p.rng.randrange(10**6), 8, 1.0]),
    "interpolate": lambda p: (
        "interpolate",
        ["stylegan-avatars", p.rng.randrange(10**6), p.rng.randrange(10**6), 12, "lerp", 1.0, "w"],
    ),
    "style_mix": lambda p: (
        "style_mix",
        ["stylegan-avatars", seeds(p.rng, 4), seeds(p.rng, 4), "coarse", 0, 3, 1.0, "const"],
    ),
    "super_resolve": lambda p: (
        "super_resolve",
        [p.upload(random_crop(p.rng.choice(PHOTOS), PHOTO_SIDE, p.rng)), "srgan-photo-x4", 1.0, False],
    ),
    "translate": lambda p: (
        "translate",
        [
            "pix2pix-edges2avatars",
            "sketch",
            {"background": None, "layers": [], "composite": p.upload(shifted_sketch(p.rng.choice(SKETCHES), p.rng))},
            None,
        ],
    ),
}


def participate(
    url: str, routes: dict[str, int], seed: int, deadline: float, results: list, lock: threading.Lock
) -> None:
    participant = Participant(url, random.Random(seed), routes)
    rng = participant.rng
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(2, 6))
            if time.monotonic() >= deadline:
                break
            name = rng.choice(list(CALLS))
            start = time.perf_counter()
            phases: dict[str, float] = {}
            try:
                phases = participant.call(*CALLS[name](participant))
                error = None
            except Exception as err:  # noqa: BLE001 (counted and reported)
                error = f"{type(err).__name__}: {str(err)[:160]}"
            with lock:
                results.append((name, time.perf_counter() - start, error, phases))
    finally:
        participant.close()


def warm_up(url: str, routes: dict[str, int], seed: int) -> None:
    """One call of each endpoint before the clock starts: the models are loaded and the memory measured as
    "before" is that of a server that has answered once, as it is a minute into a workshop."""
    participant = Participant(url, random.Random(seed - 1), routes)
    try:
        for make in CALLS.values():
            participant.call(*make(participant))
    finally:
        participant.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def soak_summary(memory: list[tuple[float, float]], seconds: float) -> str:
    """Whether RSS is level in the second half of a soak: its mean per quarter, and its linear trend there."""
    half = [(t, m) for t, m in memory if seconds / 2 <= t <= seconds]
    quarters = [[m for t, m in memory if seconds * q / 4 <= t < seconds * (q + 1) / 4] for q in range(4)]
    means = " / ".join(f"{statistics.mean(q):.0f}" for q in quarters if q)
    slope = statistics.linear_regression([t for t, _ in half], [m for _, m in half]).slope * 60 if len(half) > 1 else 0
    level = statistics.mean(quarters[3]) / statistics.mean(quarters[2]) - 1 if quarters[2] and quarters[3] else 0
    return (
        f"RSS mean per quarter of the soak: {means} MB; second half {min(m for _, m in half):.0f} to "
        f"{max(m for _, m in half):.0f} MB, trend {slope:+.1f} MB a minute, last quarter vs third {level * 100:+.1f} %"
    )


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20 if folder.exists() else 0.0


def percentile(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, round(q * (len(times) - 1)))] if times else float("nan")


def table(results: list[tuple[str, float, str | None, dict[str, float]]]) -> str:
    lines = [
        "| endpoint | calls | p50 / p95 / max (s) | errors | p95 calls' mean queued / running / files (s) |",
        "|---|---|---|---|---|",
    ]
    for name in sorted({r[0] for r in results}):
        done = sorted(((t, p) for n, t, e, p in results if n == name and e is None), key=lambda done: done[0])
        times = [t for t, _ in done]
        errors = sum(1 for n, _, e, _ in results if n == name and e is not None)
        median = statistics.median(times) if times else float("nan")
        top = max(times) if times else float("nan")
        # Where the slowest twentieth of the calls spent their time: waiting in the queue, computing, or fetching.
        slow = [phases for t, phases in done if t >= percentile(times, 0.95)]
        split = " / ".join(f"{statistics.mean(p[k] for p in slow):.2f}" for k in ("queued", "running", "files"))
        lines.append(f"| {name} | {len(times) + errors} | {median:.2f} / {percentile(times, 0.95):.2f} / {top:.2f} "
                     f"| {errors} | {split if slow else '-'} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py is served")
    parser.add_argument("--soak", action="store_true", help="print the server's RSS every 30 s")
    parser.add_argument("--grace", type=float, default=120.0, help="seconds to wait for requests at the deadline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write every call (endpoint, seconds, error) and RSS here")
    args = parser.parse_args()
    if not 1 <= args.participants <= 200 or not 0 < args.minutes <= 60:
        parser.error("--participants must be 1 to 200 and --minutes 0 to 60")

    # The server's folder (its cache reaches a gigabyte) goes with the run.
    with (
        tempfile.TemporaryDirectory(prefix="gan_demo_load_") as tmp,
        running_process(None, Path(tmp) / "server", root=args.root) as (url, proc),
    ):
        os.nice(CLIENT_NICE)  # after starting the server, which keeps the default priority
        routes = endpoints(url)
        warm_up(url, routes, args.seed)
        before, cpu_before = rss_mb(proc.pid), cpu_seconds(proc.pid)
        results: list[tuple[str, float, str | None, dict[str, float]]] = []
        memory: list[tuple[float, float]] = [(0.0, before)]
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + args.minutes * 60
        threads = [
            threading.Thread(
                target=participate, args=(url, routes, args.seed + i, deadline, results, lock), daemon=True
            )
            for i in range(args.participants)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + args.grace:
            time.sleep(RSS_EVERY_S)
            memory.append((time.monotonic() - start, rss_mb(proc.pid)))
            if args.soak and len(memory) % (30 // RSS_EVERY_S) == 1:
                print(f"t={memory[-1][0]:.0f}s RSS {memory[-1][1]:.0f} MB, {len(results)} calls", flush=True)
        after, busy = rss_mb(proc.pid), cpu_seconds(proc.pid) - cpu_before
        wall = time.monotonic() - start
        cache = Path(tmp) / "server" / "tmp" / "gradio"  # Gradio's cache, the app's results folder inside it
        results_mb = folder_mb(cache / "gan_demo_results")
        print(table(results))
        print(
            f"\n{args.participants} participants, {args.minutes} min, {len(results)} calls, "
            f"{sum(1 for r in results if r[2])} errors; root {args.root}"
        )
        time.sleep(SETTLE_S)  # one sweep of the server's (serving.SWEEP_EVERY_S), which hands free memory back
        settled = rss_mb(proc.pid)
        print(
            f"RSS before {before:.0f} MB, after {after:.0f} MB ({(after / before - 1) * 100:+.1f} %), "
            f"{SETTLE_S} s later {settled:.0f} MB ({(settled / before - 1) * 100:+.1f} %)"
        )
        print(f"server CPU {busy:.0f} s in {wall:.0f} s: {busy / wall:.2f} of {os.cpu_count()} cores, "
              f"{busy / max(1, len(results)) * 1000:.0f} ms a call")  # fmt: skip
        if args.soak:
            print(soak_summary(memory, args.minutes * 60))
        print(f"Gradio cache {folder_mb(cache) - results_mb:.1f} MB, the app's results folder {results_mb:.1f} MB")
        for error in sorted({r[2] for r in results if r[2]})[:10]:
            print("error:", error)
        if args.json:
            args.json.write_text(json.dumps({"calls": results, "rss_mb": memory, "root": str(args.root)}))


if __name__ == "__main__":
    main()
