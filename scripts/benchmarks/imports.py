"""Imported architectures at full size: StyleGAN2 config-F and the official super-resolution nets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import (
    ROOT,
    SR_INPUT,
    SR_MODEL,
    STYLEGAN_MODEL,
    Row,
    log,
)
from gan_demo.models import OfficialStyleGAN2Generator

# -- imported architectures ----------------------------------------------------------------------------------

ONE_IMAGE_SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry
from gan_demo.models import OfficialStyleGAN2Generator
if {name!r}:
    model = ModelRegistry([{checkpoints!r}], device="cpu").get({name!r}).model
else:  # config F at 1024 px (stylegan2-ffhq-1024x1024.pkl's shapes), random weights
    model = OfficialStyleGAN2Generator(image_size=1024).eval().requires_grad_(False)
wall, cpu = [], []  # CPU seconds too: on a shared machine they say more than the wall clock
for seed in range({repeats} + 1):  # the first call warms up
    start, start_cpu = time.perf_counter(), time.process_time()
    ops.sample(model, [seed])
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
median = lambda xs: sorted(xs[1:])[len(xs[1:]) // 2]
print(median(wall), median(cpu), peak, sum(p.numel() for p in model.parameters()), model.image_size)
"""


BATCH_MEMORY_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from gan_demo import ops
from gan_demo.models import OfficialStyleGAN2Generator
model = OfficialStyleGAN2Generator(image_size=1024).eval().requires_grad_(False)
model.max_pixels_per_pass = {per_pass} * 1024 * 1024
ops.sample(model, list(range({count})))
print(next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def batch_peak_memory(count: int, per_pass: int) -> float:
    """Peak resident bytes of a fresh process drawing `count` 1024 px config-F images, `per_pass` at a time."""
    code = BATCH_MEMORY_SCRIPT.format(root=str(ROOT), count=count, per_pass=per_pass)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def one_image(checkpoints: Path, name: str, repeats: int) -> dict[str, float]:
    """Median wall and CPU seconds for one image after a warm-up, peak resident bytes, parameters and side, in a
    fresh process; name "" = a config-F 1024 px OfficialStyleGAN2Generator with random weights."""
    code = ONE_IMAGE_SCRIPT.format(root=str(ROOT), checkpoints=str(checkpoints), name=name, repeats=repeats)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    keys = ("s", "cpu_s", "peak_bytes", "parameters", "side")
    return dict(zip(keys, map(float, result.stdout.split()[-5:]), strict=True))


SR_IMPORT_SCRIPT = """
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {scripts!r})
from benchmarks.common import test_photo
from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry
from gan_demo.models import ARCHITECTURES
if {architecture!r}:  # the official file's shapes, random weights
    model = ARCHITECTURES[{architecture!r}](**json.loads({kwargs!r})).eval().requires_grad_(False)
else:
    model = ModelRegistry([{checkpoints!r}], device="cpu").get({name!r}).model
pixels = test_photo({size})
wall, cpu = [], []
for _ in range({repeats} + {warmup}):
    start, start_cpu = time.perf_counter(), time.process_time()
    out = ops.super_resolve(model, pixels, tile={tile})
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
assert out.shape == ({size} * 4, {size} * 4, 3)
wall, cpu = wall[{warmup}:], cpu[{warmup}:]
peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2], peak, sum(p.numel() for p in model.parameters()))
"""
SR_IMPORT_TILE = 128  # 4 tiles for the 256 px photo, so that the tiling (and its context overlap) is what is timed
SR_IMPORTS = {  # name: (architecture, kwargs) of the official files
    "RealESRGAN_x4plus": ("RRDBNet", {"scale": 4, "num_blocks": 23}),
    "realesr-general-x4v3": ("SRVGGNetCompact", {"scale": 4, "num_convs": 32}),
}


def super_resolve_in_process(checkpoints: Path, name: str, architecture: str, kwargs: dict, repeats: int) -> dict:
    """Median wall and CPU seconds of one tiled SR_INPUT² -> 4x super-resolution, peak resident bytes and
    parameters, in a fresh process; without an architecture, the checkpoint `name`. A warm-up run first, except for
    models so slow (RRDBNet: about a minute) that one run's start-up cost does not matter."""
    code = SR_IMPORT_SCRIPT.format(
        root=str(ROOT), scripts=str(ROOT / "scripts"), checkpoints=str(checkpoints), name=name,
        architecture=architecture, kwargs=json.dumps(kwargs), size=SR_INPUT, tile=SR_IMPORT_TILE, repeats=repeats,
        warmup=int(architecture != "RRDBNet"),
    )  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    keys = ("s", "cpu_s", "peak_bytes", "parameters")
    return dict(zip(keys, map(float, result.stdout.split()[-4:]), strict=True))


def bench_imported_superres(checkpoints: Path, repeats: int) -> list[Row]:
    log(f"imports: {SR_INPUT}px -> {4 * SR_INPUT}px, {SR_IMPORT_TILE} px tiles, {', '.join(SR_IMPORTS)} vs {SR_MODEL}")
    base = super_resolve_in_process(checkpoints, SR_MODEL, "", {}, repeats)

    def fmt(m: dict[str, float]) -> str:
        return f"{m['s']:.2f} s ({m['cpu_s']:.2f} s CPU), peak {m['peak_bytes'] / 2**30:.2f} GiB"

    rows = []
    for name, (architecture, kwargs) in SR_IMPORTS.items():
        ours = super_resolve_in_process(checkpoints, name, architecture, kwargs, repeats)
        rows.append(
            Row(
                f"imported {name} ({architecture}, random weights, {ours['parameters'] / 1e6:.1f} M parameters): "
                f"{SR_INPUT}² -> {4 * SR_INPUT}², {SR_IMPORT_TILE} px tiles",
                f"{SR_MODEL} ({base['parameters'] / 1e6:.2f} M): {fmt(base)}",
                fmt(ours),
                f"{ours['cpu_s'] / base['cpu_s']:.0f}x the CPU time",
                numbers={f"baseline_{k}": v for k, v in base.items()} | ours,
            )
        )
    return rows


def bench_imports(checkpoints: Path, repeats: int) -> list[Row]:
    log(f"imports: one 1024 px config-F StyleGAN2 image and one {STYLEGAN_MODEL} image, {repeats} repeats ...")
    base, ours = one_image(checkpoints, STYLEGAN_MODEL, repeats), one_image(checkpoints, "", repeats)

    def fmt(m: dict[str, float]) -> str:
        return f"{m['s']:.2f} s ({m['cpu_s']:.2f} s CPU), peak {m['peak_bytes'] / 2**30:.2f} GiB"

    per_pass = OfficialStyleGAN2Generator.max_pixels_per_pass // 1024**2
    log(f"imports: peak memory of 4 images at 1024 px, in one pass and {per_pass} per pass ...")
    one_pass, chunked = batch_peak_memory(4, 4), batch_peak_memory(4, per_pass)
    return [
        Row(
            f"imported StyleGAN2 config F (random weights, {ours['parameters'] / 1e6:.1f} M parameters): one image",
            f"{STYLEGAN_MODEL} ({base['parameters'] / 1e6:.2f} M, {base['side']:.0f} px): {fmt(base)}",
            f"1024 px, 18 style layers: {fmt(ours)}",
            f"{ours['cpu_s'] / base['cpu_s']:.0f}x the CPU time",
            numbers={f"baseline_{k}": v for k, v in base.items()} | ours,
        ),
        Row(
            "imported StyleGAN2 config F: 4 images of 1024 px, peak memory of the process",
            f"in one pass: {one_pass / 2**30:.2f} GiB",
            f"{per_pass} images per pass (as the model runs): {chunked / 2**30:.2f} GiB",
            f"{one_pass / chunked:.1f}x less",
            numbers={"baseline_peak_bytes": one_pass, "peak_bytes": chunked},
        ),
    ]
