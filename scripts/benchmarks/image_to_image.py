"""Super-resolution, pix2pix translation and CycleGAN benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import (
    CYCLEGAN_MODEL,
    ROOT,
    SR_INPUT,
    SR_MODEL,
    TRANSLATION_MODEL,
    Row,
    fmt_ms,
    log,
    ms,
    test_photo,
    time_calls,
)
from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry

# -- super-resolution and translation -------------------------------------------------------------------------
SR_TARGET_S = 2.0
SR_LARGE_INPUT = 2000  # tiled; its peak memory must stay small
SR_MEMORY_TARGET_GIB = 2.0
TRANSLATE_TARGET_MS = 300.0
CYCLEGAN_TARGET_MS = 300.0

PEAK_MEMORY_SCRIPT = """
import sys, numpy as np, torch
sys.path.insert(0, {root!r}); sys.path.insert(0, {scripts!r})
from benchmarks.common import test_photo
from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry
model = ModelRegistry([{checkpoints!r}], device="cpu").get({name!r}).model
pixels = test_photo({size})
out = ops.super_resolve(model, pixels, tile={tile})
assert out.shape == ({size} * 4, {size} * 4, 3)
for line in open("/proc/self/status"):
    if line.startswith("VmHWM"):
        print(int(line.split()[1]) * 1024)
"""


def peak_memory(checkpoints: Path, name: str, size: int, tile: int | None) -> float:
    """Peak resident memory (bytes) of a fresh process that loads the model and super-resolves size x size."""
    code = PEAK_MEMORY_SCRIPT.format(
        root=str(ROOT), scripts=str(ROOT / "scripts"), checkpoints=str(checkpoints), name=name, size=size, tile=tile
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


class _Eager(torch.nn.Module):
    """The model without its `graph_safe` mark, so super_resolve runs it as it is rather than as its CPU graph."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model, self.scale, self.receptive_radius = model, model.scale, model.receptive_radius

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return self.model(lr)


def bench_superres(registry: ModelRegistry, checkpoints: Path, repeats: int) -> list[Row]:
    model = registry.get(SR_MODEL).model
    pixels = test_photo(SR_INPUT)
    log(f"super-resolution {SR_MODEL}: {SR_INPUT}px -> {4 * SR_INPUT}px, {repeats} repeats ...")
    bicubic = ms(time_calls(lambda: ops.bicubic_upscale(pixels, 4), repeats))
    as_it_is = _Eager(model)
    eager = ms(time_calls(lambda: ops.super_resolve(as_it_is, pixels), repeats))
    untiled = ms(time_calls(lambda: ops.super_resolve(model, pixels, tile=None), repeats))
    ours = ms(time_calls(lambda: ops.super_resolve(model, pixels), repeats))
    log(f"super-resolution {SR_MODEL}: peak memory, {SR_LARGE_INPUT}px tiled ...")
    tiled_peak = peak_memory(checkpoints, SR_MODEL, SR_LARGE_INPUT, ops.DEFAULT_TILE) / 2**30
    small_untiled_peak = peak_memory(checkpoints, SR_MODEL, 512, None) / 2**30
    return [
        Row(
            f"super-resolution {SR_MODEL}: {SR_INPUT}² -> {4 * SR_INPUT}², median / p95",
            f"bicubic: {fmt_ms(bicubic)}; the model run as it is: {fmt_ms(eager)}",
            f"as the app runs it (its CPU graph, tiled): {fmt_ms(ours)}; untiled: {fmt_ms(untiled)}",
            f"the graph: {ours['median_ms'] / eager['median_ms'] - 1:+.0%}; "
            f"tiling: {ours['median_ms'] / untiled['median_ms'] - 1:+.0%}",
            f"p95 < {SR_TARGET_S:.0f} s",
            ours["p95_ms"] < SR_TARGET_S * 1e3,
            {f"bicubic_{k}": v for k, v in bicubic.items()}
            | {f"eager_{k}": v for k, v in eager.items()}
            | {f"untiled_{k}": v for k, v in untiled.items()}
            | ours,
        ),
        Row(
            f"super-resolution {SR_MODEL}: peak memory (process RSS)",
            f"512² untiled: {small_untiled_peak:.2f} GiB",
            f"{SR_LARGE_INPUT}² tiled ({ops.DEFAULT_TILE} px tiles): {tiled_peak:.2f} GiB",
            f"{SR_LARGE_INPUT**2 / 512**2:.0f}x the pixels",
            f"< {SR_MEMORY_TARGET_GIB:.0f} GiB",
            tiled_peak < SR_MEMORY_TARGET_GIB,
            {"tiled_peak_gib": tiled_peak, "untiled_512_peak_gib": small_untiled_peak},
        ),
    ]


def bench_translation(registry: ModelRegistry, repeats: int) -> list[Row]:
    from gan_demo.data.sketch import clean_drawing, extract_edges

    model = registry.get(TRANSLATION_MODEL).model
    picture = test_photo(512)
    log(f"translation {TRANSLATION_MODEL}: {repeats} repeats ...")

    def from_picture() -> torch.Tensor:  # a 512 px upload: fit, extract the edges, translate
        return ops.translate(model, extract_edges(ops.fit_square(picture, model.image_size)))

    drawing = np.full((512, 512, 4), 0, dtype=np.uint8)  # a sketchpad layer: transparent with one black stroke
    drawing[200:210, 100:400] = (0, 0, 0, 255)

    def from_drawing() -> torch.Tensor:
        return ops.translate(model, ops.fit_square(clean_drawing(drawing), model.image_size))

    model_only = ms(time_calls(lambda: ops.translate(model, np.full((128, 128), 255, np.uint8)), repeats))
    picture_times = ms(time_calls(from_picture, repeats))
    drawing_times = ms(time_calls(from_drawing, repeats))
    return [
        Row(
            f"translation {TRANSLATION_MODEL}: one {model.image_size}² image, median / p95",
            f"the U-Net alone: {fmt_ms(model_only)}",
            f"512² sketchpad drawing: {fmt_ms(drawing_times)}; 512² picture with edge extraction: "
            f"{fmt_ms(picture_times)}",
            f"+{picture_times['median_ms'] - model_only['median_ms']:.0f} ms for decoding and edges",
            f"p95 < {TRANSLATE_TARGET_MS:.0f} ms",
            max(picture_times["p95_ms"], drawing_times["p95_ms"]) < TRANSLATE_TARGET_MS,
            {f"model_{k}": v for k, v in model_only.items()}
            | {f"drawing_{k}": v for k, v in drawing_times.items()}
            | picture_times,
        )
    ]


# -- unpaired translation (CycleGAN) ---------------------------------------------------------------------------


def bench_cyclegan(registry: ModelRegistry, repeats: int) -> list[Row]:
    loaded = registry.get(CYCLEGAN_MODEL)
    model, size = loaded.model, loaded.config["image_size"]
    upload = test_photo(512)
    log(f"cyclegan {CYCLEGAN_MODEL}: {repeats} repeats ...")
    x = torch.from_numpy(ops.fit_crop(upload, size).copy()).permute(2, 0, 1)[None] / 127.5 - 1

    def one_generator() -> torch.Tensor:
        with torch.inference_mode():
            return model.a_to_b(x)

    one_way = ms(time_calls(one_generator, repeats))
    cycle = ms(time_calls(lambda: ops.cycle_translate(model, ops.fit_crop(upload, size), "AtoB"), repeats))
    return [
        Row(
            f"cyclegan {CYCLEGAN_MODEL}: one {size}² translation and its cycle back, median / p95",
            f"one generator alone: {fmt_ms(one_way)}",
            f"512² upload cropped, translated and cycled back: {fmt_ms(cycle)}",
            f"{cycle['median_ms'] / max(one_way['median_ms'], 1e-9):.1f}x the single translation",
            f"p95 < {CYCLEGAN_TARGET_MS:.0f} ms",
            cycle["p95_ms"] < CYCLEGAN_TARGET_MS,
            {f"one_way_{k}": v for k, v in one_way.items()} | cycle,
        )
    ]
