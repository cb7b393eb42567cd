"""A workshop on loopback: N simulated participants each calling a random tab's endpoint every 2-6 s for T minutes
against `python app.py` (started here from a checkout, on 127.0.0.1 only), then a table of latencies per endpoint.

    python scripts/load_test.py                          # 30 participants, 3 minutes, this checkout
    python scripts/load_test.py --root /tmp/main-clone   # the same against another checkout (a baseline)
    python scripts/load_test.py --soak --minutes 10      # RSS every 30 s, to see whether memory levels off

Bounded: at most --participants threads, each stops at the deadline (a request still running then is waited for
at most --grace seconds), and the server is stopped at the end. Output: p50/p95/max per endpoint, errors, the
server's RSS before/after, and the size of Gradio's cache and the app's temporary folders.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradio_client import Client, handle_file
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served_app import ROOT, running_process  # noqa: E402

PHOTO = ROOT / "checkpoints" / "srgan-photo-x4" / "examples" / "astronaut.png"
SKETCH = ROOT / "checkpoints" / "pix2pix-edges2avatars" / "examples" / "sketch-seed-1000000.png"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20 if folder.exists() else 0.0


def requests(photo: str) -> dict[str, Callable[[Client, random.Random], Any]]:
    """The endpoints a participant clicks, with the arguments of the issue's workshop (shipped models)."""
    sketch = {"background": None, "layers": [], "composite": handle_file(str(SKETCH))}
    seed = lambda r: r.randrange(10**6)  # noqa: E731
    return {
        "sample": lambda c, r: c.predict("dcgan-fashion", seed(r), r.choice([1, 16, 64]), 1.0, api_name="/sample"),
        "conditional": lambda c, r: c.predict("cgan-fashion", "Sneaker", seed(r), 8, 1.0, api_name="/conditional"),
        "interpolate": lambda c, r: c.predict(
            "stylegan-avatars", seed(r), seed(r), 12, "lerp", 1.0, "w", api_name="/interpolate"
        ),
        "style_mix": lambda c, r: c.predict(
            "stylegan-avatars", "1, 2, 3, 4", "5, 6, 7, 8", "coarse", 0, 3, 1.0, "const", api_name="/style_mix"
        ),
        "super_resolve": lambda c, r: c.predict(
            handle_file(photo), "srgan-photo-x4", 1.0, False, api_name="/super_resolve"
        ),
        "translate": lambda c, r: c.predict("pix2pix-edges2avatars", "sketch", sketch, None, api_name="/translate"),
    }


def participant(
    url: str, seed: int, deadline: float, calls: dict[str, Callable], results: list, lock: threading.Lock
) -> None:
    rng = random.Random(seed)
    client = Client(url, verbose=False, analytics_enabled=False, download_files=tempfile.mkdtemp(prefix="lt_"))
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(2, 6))
        if time.monotonic() >= deadline:
            break
        name = rng.choice(list(calls))
        start = time.perf_counter()
        try:
            calls[name](client, rng)
            error = None
        except Exception as err:  # noqa: BLE001 (counted and reported)
            error = f"{type(err).__name__}: {str(err)[:120]}"
        with lock:
            results.append((name, time.perf_counter() - start, error))


def table(results: list[tuple[str, float, str | None]]) -> str:
    lines = ["| endpoint | calls | p50 / p95 / max (s) | errors |", "|---|---|---|---|"]
    for name in sorted({r[0] for r in results}):
        times = sorted(t for n, t, e in results if n == name and e is None)
        errors = sum(1 for n, _, e in results if n == name and e is not None)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else float("nan")
        median = statistics.median(times) if times else float("nan")
        top = max(times) if times else float("nan")
        lines.append(f"| {name} | {len(times) + errors} | {median:.2f} / {p95:.2f} / {top:.2f} | {errors} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py is served")
    parser.add_argument("--soak", action="store_true", help="print the server's RSS every 30 s")
    parser.add_argument("--grace", type=float, default=120.0, help="seconds to wait for requests at the deadline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 1 <= args.participants <= 200 or not 0 < args.minutes <= 60:
        parser.error("--participants must be 1 to 200 and --minutes 0 to 60")

    workdir = Path(tempfile.mkdtemp(prefix="gan_demo_load_"))
    photo = workdir / "photo-256.png"
    with Image.open(PHOTO) as img:
        img.convert("RGB").resize((256, 256), Image.LANCZOS).save(photo)
    calls = requests(str(photo))
    with running_process(None, workdir / "server", root=args.root) as (url, proc):
        before = rss_mb(proc.pid)
        results: list[tuple[str, float, str | None]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.minutes * 60
        threads = [
            threading.Thread(target=participant, args=(url, args.seed + i, deadline, calls, results, lock), daemon=True)
            for i in range(args.participants)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + args.grace:
            time.sleep(30 if args.soak else 5)
            if args.soak:
                print(
                    f"t={args.minutes * 60 - (deadline - time.monotonic()):.0f}s RSS {rss_mb(proc.pid):.0f} MB",
                    flush=True,
                )
        after = rss_mb(proc.pid)
        tmp = workdir / "server" / "tmp"
        print(table(results))
        print(
            f"\n{args.participants} participants, {args.minutes} min, {len(results)} calls, "
            f"{sum(1 for r in results if r[2])} errors; root {args.root}"
        )
        print(f"RSS before {before:.0f} MB, after {after:.0f} MB ({(after / before - 1) * 100:+.1f} %)")
        cache = folder_mb(tmp / "gradio")
        print(f"Gradio cache {cache:.1f} MB, app temp folders {folder_mb(tmp) - cache:.1f} MB")
        for error in sorted({r[2] for r in results if r[2]})[:10]:
            print("error:", error)


if __name__ == "__main__":
    main()
