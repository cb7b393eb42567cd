"""What the benchmark sections share: the result row, timing helpers, the models several sections use, a test photo."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

SR_INPUT = 256  # a 256x256 photo crop -> 1024x1024
SR_MODEL = "srgan-photo-x4"
TRANSLATION_MODEL = "pix2pix-edges2avatars"
STYLEGAN_MODEL = "stylegan-avatars"
CYCLEGAN_MODEL = "cyclegan-hair-avatars"
# The models the app's fixed API examples call.
DCGAN_MODEL = "dcgan-fashion"
CGAN_MODEL = "cgan-fashion"


@dataclass
class Row:
    benchmark: str
    baseline: str
    ours: str
    comparison: str
    target: str = ""
    met: bool | None = None
    numbers: dict[str, float] = field(default_factory=dict)  # raw values for --json


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_calls(fn: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeats` calls of fn, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def ms(times: list[float]) -> dict[str, float]:
    return {"median_ms": float(np.median(times)) * 1e3, "p95_ms": float(np.percentile(times, 95)) * 1e3}


def fmt_ms(stats: dict[str, float]) -> str:
    return f"{stats['median_ms']:.1f} / {stats['p95_ms']:.1f} ms"


def test_photo(size: int) -> np.ndarray:
    """A deterministic (size, size, 3) uint8 photo: scikit-image's astronaut (public domain), tiled to fit."""
    from PIL import Image

    try:
        from skimage import data

        photo = data.astronaut()
    except ImportError:  # the benchmark only needs realistic pixels, not this photo
        photo = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    reps = -(-size // min(photo.shape[:2]))
    return (
        np.ascontiguousarray(np.tile(photo, (reps, reps, 1))[:size, :size])
        if size > 512
        else np.asarray(Image.fromarray(photo).resize((size, size), Image.BICUBIC))
    )
