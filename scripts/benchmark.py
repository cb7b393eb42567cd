"""Benchmarks behind the README's performance table, each against a baseline measured in the same run.

    sampling   64 images per shipped generator in one batch, vs the same 64 one at a time (target < 150 ms)
    superres   a 256x256 photo to 1024x1024 (target < 2 s), vs bicubic and the untiled model; peak memory of a
               2000x2000 input, tiled (target < 2 GiB)
    translation  one 128x128 pix2pix translation from a drawing and from a picture (target < 300 ms)
    cyclegan   one CycleGAN translation plus its cycle back, from a 512x512 upload (target < 300 ms), vs the
               translation alone; the endpoints section times /cyclegan through gradio_client
    stylemix   a 4x4 StyleGAN style-mixing grid with its source images, batched, vs each image one at a time
               (target < 1.5 s; the endpoints section times it through gradio_client)
    startup    `python app.py` until its page answers HTTP 200, vs `python -c "import gradio"` (target < 10 s)
    endpoints  each API endpoint through gradio_client, vs the same ops call in this process
    training   images/s of gan_demo's Trainer (dcgan, batch 128), vs a textbook PyTorch DCGAN loop (target >= 1.3x)
    imports    imported architectures at full size with random weights: one 1024 px image from a config-F StyleGAN2
               (seconds, peak memory of a fresh process), vs the shipped stylegan-avatars in the same way; the peak
               memory of 4 such images in one pass vs in the model's chunks
    imports-sr the same for super-resolution: a 256x256 photo to 1024x1024 through RealESRGAN_x4plus's RRDBNet and
               realesr-general-x4v3's SRVGGNetCompact, tiled (128 px tiles), vs the shipped srgan-photo-x4
    lab        the training lab's 2D playground: steps/s in-process (default MLPs, batch 256; target >= 300), view
               updates/s delivered to chromium while playing (target >= 5), and /sample p95 while 4 lab runs train
               at once vs idle (target < 2x)
    lab_images the training lab's image mode: steps/s at batch 64, and the Fréchet distance (classifier-fashion
               features) of its samples after 30, 60 and 90 s of training, vs the untrained generator's

Examples (from the repository root):
    python scripts/benchmark.py
    python scripts/benchmark.py --only sampling,training --repeats 10 --json bench.json
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from gradio_client import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served_app import AppUnavailable, running_app  # noqa: E402  (scripts/served_app.py)

from gan_demo import ops  # noqa: E402
from gan_demo.checkpoint import DEFAULT_CHECKPOINT_DIR, LoadedModel, ModelRegistry, load_model  # noqa: E402
from gan_demo.data import DEBIAN_FASHION_MNIST, load_dataset, to_model_range  # noqa: E402
from gan_demo.evaluation import extract_features, feature_statistics, frechet_distance  # noqa: E402
from gan_demo.imaging import grid_image  # noqa: E402
from gan_demo.kind import NOISE_TO_IMAGE  # noqa: E402
from gan_demo.lab.images import LATENT_DIM, TRAIN_THREADS, ImageRun, ImageSettings  # noqa: E402
from gan_demo.models import DCGANDiscriminator, DCGANGenerator, OfficialStyleGAN2Generator  # noqa: E402
from gan_demo.training.base import init_weights  # noqa: E402
from gan_demo.training.config import TrainConfig  # noqa: E402
from gan_demo.training.dcgan import GANTrainer  # noqa: E402
from gan_demo.training.report import describe_hardware  # noqa: E402

SECTIONS = (
    "sampling", "superres", "translation", "stylemix", "cyclegan", "training", "startup", "endpoints", "imports",
    "imports-sr", "lab_images", "lab",
)  # fmt: skip
DEFAULT_REPEATS = {
    "sampling": 30,
    "superres": 10,
    "translation": 30,
    "stylemix": 20,
    "cyclegan": 30,
    "startup": 3,
    "endpoints": 20,
    "imports": 3,
    "imports-sr": 3,
}  # startup relaunches the app each time
SAMPLE_COUNT = 64
SR_INPUT = 256  # a 256x256 photo crop -> 1024x1024
SR_TARGET_S = 2.0
SR_LARGE_INPUT = 2000  # tiled; its peak memory must stay small
SR_MEMORY_TARGET_GIB = 2.0
TRANSLATE_TARGET_MS = 300.0
SR_MODEL = "srgan-photo-x4"
TRANSLATION_MODEL = "pix2pix-edges2avatars"
STYLEGAN_MODEL = "stylegan-avatars"
CYCLEGAN_MODEL = "cyclegan-hair-avatars"
CYCLEGAN_TARGET_MS = 300.0
STYLE_MIX_SIDE = 4  # rows and columns of the grid
STYLE_MIX_TARGET_S = 1.5
SAMPLING_TARGET_MS = 150.0
STARTUP_TARGET_S = 10.0
TRAINING_TARGET_RATIO = 1.3
APP_START_TIMEOUT_S = 120.0
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


# -- sampling ------------------------------------------------------------------------------------------------


def sampler(loaded: LoadedModel) -> Callable[[list[int]], torch.Tensor]:
    """One image per seed from this model (class 0 for a conditional one)."""
    if loaded.is_conditional:
        return lambda seeds: ops.sample_class(loaded.model, 0, seeds)
    return lambda seeds: ops.sample(loaded.model, seeds)


def bench_sampling(registry: ModelRegistry, repeats: int) -> list[Row]:
    return [bench_sampler(name, sampler(registry.get(name)), repeats) for name in registry.names(kind=NOISE_TO_IMAGE)]


def bench_sampler(name: str, draw: Callable[[list[int]], torch.Tensor], repeats: int) -> Row:
    seeds = list(range(SAMPLE_COUNT))
    log(f"sampling {name}: {repeats} repeats ...")
    baseline = ms(time_calls(lambda: [draw([s]) for s in seeds], repeats))
    ours = ms(time_calls(lambda: draw(seeds), repeats))
    return Row(
        f"sampling {name}: {SAMPLE_COUNT} images, median / p95",
        f"one at a time: {fmt_ms(baseline)}",
        f"one batch: {fmt_ms(ours)}",
        f"{baseline['median_ms'] / ours['median_ms']:.1f}x faster",
        f"p95 < {SAMPLING_TARGET_MS:.0f} ms",
        ours["p95_ms"] < SAMPLING_TARGET_MS,
        {f"baseline_{k}": v for k, v in baseline.items()} | ours,
    )


# -- super-resolution and translation -------------------------------------------------------------------------


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


PEAK_MEMORY_SCRIPT = """
import sys, numpy as np, torch
sys.path.insert(0, {root!r}); sys.path.insert(0, {scripts!r})
from benchmark import test_photo
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


def bench_superres(registry: ModelRegistry, checkpoints: Path, repeats: int) -> list[Row]:
    model = registry.get(SR_MODEL).model
    pixels = test_photo(SR_INPUT)
    log(f"super-resolution {SR_MODEL}: {SR_INPUT}px -> {4 * SR_INPUT}px, {repeats} repeats ...")
    bicubic = ms(time_calls(lambda: ops.bicubic_upscale(pixels, 4), repeats))
    untiled = ms(time_calls(lambda: ops.super_resolve(model, pixels, tile=None), repeats))
    ours = ms(time_calls(lambda: ops.super_resolve(model, pixels), repeats))
    log(f"super-resolution {SR_MODEL}: peak memory, {SR_LARGE_INPUT}px tiled ...")
    tiled_peak = peak_memory(checkpoints, SR_MODEL, SR_LARGE_INPUT, ops.DEFAULT_TILE) / 2**30
    small_untiled_peak = peak_memory(checkpoints, SR_MODEL, 512, None) / 2**30
    return [
        Row(
            f"super-resolution {SR_MODEL}: {SR_INPUT}² -> {4 * SR_INPUT}², median / p95",
            f"bicubic: {fmt_ms(bicubic)}; the model untiled: {fmt_ms(untiled)}",
            f"the model, tiled as the app runs it: {fmt_ms(ours)}",
            f"tiling costs {ours['median_ms'] / untiled['median_ms'] - 1:+.0%}",
            f"p95 < {SR_TARGET_S:.0f} s",
            ours["p95_ms"] < SR_TARGET_S * 1e3,
            {f"bicubic_{k}": v for k, v in bicubic.items()} | {f"untiled_{k}": v for k, v in untiled.items()} | ours,
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


# -- style mixing --------------------------------------------------------------------------------------------


def style_mix_grid(model: nn.Module, seed: int) -> object:
    """What /style_mix computes: a 4x4 grid of middle-layer mixes with its 8 source images, as one PIL image."""
    from gan_demo import imaging

    seeds = range(seed, seed + 2 * STYLE_MIX_SIDE)
    rows, cols = seeds[:STYLE_MIX_SIDE], seeds[STYLE_MIX_SIDE:]
    return imaging.style_mix_grid(*ops.style_mix(model, rows, cols, ops.style_group_layers(model, "middle")))


def bench_stylemix(registry: ModelRegistry, repeats: int) -> list[Row]:
    model = registry.get(STYLEGAN_MODEL).model
    layers = ops.style_group_layers(model, "middle")
    log(f"style mixing {STYLEGAN_MODEL}: {repeats} repeats ...")

    def one_at_a_time() -> None:  # the same 24 images, each mapped and synthesised on its own
        w = [ops.map_seeds(model, [s]) for s in range(2 * STYLE_MIX_SIDE)]
        for image_w in w:
            ops.synthesize(model, image_w)
        for row in w[:STYLE_MIX_SIDE]:
            for col in w[STYLE_MIX_SIDE:]:
                ws = row[:, None].repeat(1, model.num_ws, 1)
                ws[:, layers] = col[:, None]
                ops.synthesize(model, ws)

    baseline = ms(time_calls(one_at_a_time, repeats))
    seeds = itertools.count(0, 2 * STYLE_MIX_SIDE)
    ours = ms(time_calls(lambda: style_mix_grid(model, next(seeds)), repeats))
    side = STYLE_MIX_SIDE
    return [
        Row(
            f"style mixing {STYLEGAN_MODEL}: {side}x{side} grid + {2 * side} sources, median / p95",
            f"one image at a time: {fmt_ms(baseline)}",
            f"batched, with the grid image: {fmt_ms(ours)}",
            f"{baseline['median_ms'] / ours['median_ms']:.1f}x faster",
            f"p95 < {STYLE_MIX_TARGET_S:.1f} s",
            ours["p95_ms"] < STYLE_MIX_TARGET_S * 1e3,
            {f"baseline_{k}": v for k, v in baseline.items()} | ours,
        )
    ]


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
from benchmark import test_photo
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


# -- startup and endpoints -----------------------------------------------------------------------------------


def bench_startup(repeats: int, extra_models: Path | None) -> list[Row]:
    import_gradio = [sys.executable, "-c", "import gradio"]
    log(f"startup: {repeats} x import gradio, {repeats} x app.py ...")
    baseline = time_calls(lambda: subprocess.run(import_gradio, check=True), repeats, warmup=0)
    launches = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as workdir:
            start = time.perf_counter()
            with running_app(extra_models, Path(workdir), APP_START_TIMEOUT_S, poll_s=0.05):
                launches.append(time.perf_counter() - start)
    base_s, ours_s = float(np.median(baseline)), float(np.median(launches))
    return [
        Row(
            "startup: launch to HTTP 200, median",
            f"`import gradio`: {base_s:.2f} s",
            f"`python app.py`: {ours_s:.2f} s",
            f"+{ours_s - base_s:.2f} s over importing gradio",
            f"< {STARTUP_TARGET_S:.0f} s",
            ours_s < STARTUP_TARGET_S,
            {"baseline_median_s": base_s, "median_s": ours_s, "max_s": max(launches)},
        )
    ]


def endpoint_calls(
    registry: ModelRegistry, workdir: Path
) -> dict[str, tuple[Callable[[int], tuple], Callable[[int], object]]]:
    """Endpoint -> (its client arguments for a seed, the same work done in this process by ops)."""
    from gradio_client import handle_file
    from PIL import Image

    from gan_demo.data.sketch import clean_drawing

    dcgan = registry.get(DCGAN_MODEL).model
    cgan = registry.get(CGAN_MODEL)
    sneaker = cgan.class_names.index("Sneaker")
    sr = registry.get(SR_MODEL).model
    pix2pix = registry.get(TRANSLATION_MODEL).model
    stylegan = registry.get(STYLEGAN_MODEL).model
    photo, drawing = test_photo(SR_INPUT), np.full((512, 512), 255, dtype=np.uint8)
    drawing[100:400:25, 100:400] = 0  # a few pen strokes
    Image.fromarray(photo).save(workdir / "photo.png")
    Image.fromarray(drawing).save(workdir / "drawing.png")
    calls = {
        "/sample": (
            lambda seed: (DCGAN_MODEL, seed, 16, 1.0),
            lambda seed: ops.sample(dcgan, range(seed, seed + 16)),
        ),
        "/interpolate": (
            lambda seed: (DCGAN_MODEL, seed, seed + 1, 16, "slerp", 1.0, "z"),
            lambda seed: ops.interpolate(dcgan, seed, seed + 1, 16, "slerp"),
        ),
        "/conditional": (
            lambda seed: (CGAN_MODEL, "Sneaker", seed, 8, 1.0),
            lambda seed: ops.sample_class(cgan.model, sneaker, range(seed, seed + 8)),
        ),
        "/super_resolve": (  # a 256x256 photo -> 1024x1024, GAN model at alpha 0.8 (a blend each call)
            lambda seed: (handle_file(str(workdir / "photo.png")), SR_MODEL, 0.8, False),
            lambda seed: ops.super_resolve(ops.blend_models(sr, sr, 0.8), photo),
        ),
        "/style_mix": (  # 4 row seeds x 4 column seeds, the middle layers from the columns, with the headers
            lambda seed: (
                STYLEGAN_MODEL,
                ", ".join(map(str, range(seed, seed + 4))),
                ", ".join(map(str, range(seed + 4, seed + 8))),
                "middle",
                0,
                0,
                1.0,
                "const",
            ),
            lambda seed: style_mix_grid(stylegan, seed),
        ),
        "/translate": (  # a 512x512 drawing -> one 128x128 avatar, with the L1-only model's beside it
            lambda seed: (TRANSLATION_MODEL, "drawing", None, handle_file(str(workdir / "drawing.png"))),
            lambda seed: ops.translate(pix2pix, ops.fit_square(clean_drawing(drawing), pix2pix.image_size)),
        ),
    }
    if CYCLEGAN_MODEL in registry.names():  # a 256x256 upload -> one 64 px translation and its cycle back
        cyclegan = registry.get(CYCLEGAN_MODEL)
        calls["/cyclegan"] = (
            lambda seed: (handle_file(str(workdir / "photo.png")), "AtoB", CYCLEGAN_MODEL),
            lambda seed: ops.cycle_translate(
                cyclegan.model, ops.fit_crop(photo, cyclegan.config["image_size"]), "AtoB"
            ),
        )
    return calls


def bench_endpoints(registry: ModelRegistry, repeats: int, extra_models: Path | None) -> list[Row]:
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as workdir, running_app(extra_models, Path(workdir)) as url:
        calls = endpoint_calls(registry, Path(workdir))
        downloads = Path(workdir) / "downloads"
        client = Client(url, verbose=False, download_files=downloads, analytics_enabled=False)
        return [bench_endpoint(client, url, api_name, *call, repeats) for api_name, call in calls.items()]


def raw_http_call(http: httpx.Client, url: str, api_name: str, arguments: tuple) -> None:
    """One call the way the browser's JavaScript client makes it: POST the inputs, read the SSE answer.

    Unlike gradio_client, this does not download the result images; a browser fetches those in parallel.
    """
    endpoint = f"{url.rstrip('/')}/gradio_api/call{api_name}"
    event_id = http.post(endpoint, json={"data": list(arguments)}).json()["event_id"]
    answer = http.get(f"{endpoint}/{event_id}").text
    if "event: complete" not in answer:
        raise RuntimeError(f"{api_name} did not complete: {answer[-300:]}")


def bench_endpoint(
    client: Client,
    url: str,
    api_name: str,
    arguments: Callable[[int], tuple],
    direct: Callable[[int], object],
    repeats: int,
) -> Row:
    log(f"endpoint {api_name}: {repeats} calls ...")
    seeds = itertools.count(1000)  # a new seed per call: no cached answers
    baseline = ms(time_calls(lambda: direct(next(seeds)), repeats))
    ours = ms(time_calls(lambda: client.predict(*arguments(next(seeds)), api_name=api_name), repeats))
    raw: dict[str, float] = {}
    measured = f"gradio_client (with file up- and downloads): {fmt_ms(ours)}"
    if not any(isinstance(a, dict) for a in arguments(0)):  # raw HTTP here only for calls without file uploads
        with httpx.Client(timeout=60) as http:
            raw = ms(time_calls(lambda: raw_http_call(http, url, api_name, arguments(next(seeds))), repeats))
        measured += f"; raw HTTP POST + SSE: {fmt_ms(raw)}"
    return Row(
        f"endpoint {api_name}: p50 / p95",
        f"ops call in-process: {fmt_ms(baseline)}",
        measured,
        f"+{ours['median_ms'] - baseline['median_ms']:.0f} ms app + HTTP overhead",
        numbers={f"baseline_{k}": v for k, v in baseline.items()} | ours | {f"raw_{k}": v for k, v in raw.items()},
    )


# -- training ------------------------------------------------------------------------------------------------


def torchvision_fashion_root(directory: Path) -> Path:
    """The layout torchvision.datasets.FashionMNIST reads: ROOT/FashionMNIST/raw/ with uncompressed IDX files."""
    raw = directory / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in DEBIAN_FASHION_MNIST.glob("*.gz"):
        with gzip.open(gz) as src, (raw / gz.stem).open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return directory


def textbook_images_per_s(cfg: TrainConfig, data_root: Path, steps: int, warmup: int) -> float:
    """The loop of PyTorch's examples/dcgan/main.py, with gan_demo's generator and discriminator."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    dataset = datasets.FashionMNIST(
        str(data_root),
        train=True,
        download=False,
        transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]),
    )
    loader = DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True, num_workers=2)
    net_g = DCGANGenerator(latent_dim=cfg.latent_dim, image_size=28, image_channels=1, base_channels=cfg.g_channels)
    net_d = nn.Sequential(
        DCGANDiscriminator(image_size=28, image_channels=1, base_channels=cfg.d_channels), nn.Sigmoid()
    )
    net_g.apply(init_weights)
    net_d.apply(init_weights)
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))

    batches = iter(loader)  # warmup + steps < one epoch of 468 batches
    start = 0.0
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        real, _ = next(batches)
        b = real.size(0)
        net_d.zero_grad()
        label = torch.full((b,), 1.0)
        err_d_real = criterion(net_d(real).view(-1), label)
        err_d_real.backward()
        fake = net_g(torch.randn(b, cfg.latent_dim))
        label.fill_(0.0)
        err_d_fake = criterion(net_d(fake.detach()).view(-1), label)
        err_d_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        label.fill_(1.0)
        err_g = criterion(net_d(fake).view(-1), label)
        err_g.backward()
        opt_g.step()
    elapsed = time.perf_counter() - start
    del batches  # shut the loader's worker processes down before the next measurement
    return steps * cfg.batch_size / elapsed


def trainer_images_per_s(cfg: TrainConfig, steps: int, warmup: int) -> tuple[float, str]:
    """gan_demo's Trainer, one discriminator and one generator step at a time; also returns its precision."""
    trainer = GANTrainer(cfg, command="scripts/benchmark.py")
    for _ in range(warmup):
        trainer.discriminator_step()
        trainer.generator_step()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.discriminator_step()
        trainer.generator_step()
    elapsed = time.perf_counter() - start
    precision = str(trainer.autocast_dtype or torch.float32).removeprefix("torch.")
    return steps * cfg.batch_size / elapsed, precision


def bench_training(steps: int, warmup: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(family="dcgan", dataset="fashion-mnist", batch_size=128, out=str(Path(tmp) / "run"))
        log(f"training: textbook loop, {warmup} + {steps} steps ...")
        baseline = textbook_images_per_s(cfg, torchvision_fashion_root(Path(tmp) / "data"), steps, warmup)
        log(f"training: gan_demo Trainer, {warmup} + {steps} steps ...")
        ours, precision = trainer_images_per_s(cfg, steps, warmup)
    ratio = ours / baseline
    return [
        Row(
            f"training dcgan, batch {cfg.batch_size}, {steps} steps after {warmup} warm-up, "
            f"{os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads",
            f"textbook loop (fp32, DataLoader 2 workers): {baseline:.0f} img/s",
            f"gan_demo Trainer ({precision}, channels_last, in-memory data): {ours:.0f} img/s",
            f"{ratio:.2f}x",
            f">= {TRAINING_TARGET_RATIO}x",
            ratio >= TRAINING_TARGET_RATIO,
            {"baseline_images_per_s": baseline, "images_per_s": ours, "ratio": ratio},
        )
    ]


# -- lab: image mode -------------------------------------------------------------------------------------------

LAB_FD_MARKS_S = (30.0, 60.0, 90.0)  # training seconds after which the samples are measured
LAB_FD_SAMPLES = 2000
LAB_BATCH = 64


def bench_lab_images(checkpoints: Path, grids: Path | None) -> list[Row]:
    """The image mode's default run (seed 0): steps/s and the FD of 2000 samples from fixed noise after each mark;
    with `grids`, the sample grid the page shows at each mark is saved there (lab-images-<seconds>s.png)."""
    classifier, _ = load_model(checkpoints / "classifier-fashion")
    real = feature_statistics(
        extract_features(classifier, to_model_range(load_dataset("fashion-mnist", split="test").images))
    )
    z = torch.randn(LAB_FD_SAMPLES, LATENT_DIM, generator=torch.Generator().manual_seed(1234))
    run = ImageRun(ImageSettings(batch_size=LAB_BATCH), seed=0)

    def fd() -> float:
        return frechet_distance(*feature_statistics(extract_features(classifier, run.samples(z))), *real)

    untrained = fd()
    curve = []
    for mark in LAB_FD_MARKS_S:
        run.train(10**9, seconds=mark - run.seconds)
        curve.append((run.seconds, run.step_count, fd()))
        if grids:
            grids.mkdir(parents=True, exist_ok=True)
            grid_image(run.samples(), nrow=8, min_side=256).save(grids / f"lab-images-{mark:.0f}s.png")
        log(f"lab_images: {run.seconds:.0f} s, {run.step_count} steps, FD {curve[-1][2]:.2f}")
    rate = run.step_count / run.seconds
    threads = f"{os.cpu_count()} CPU cores, {TRAIN_THREADS} torch thread"
    points = ", ".join(f"{s:.0f} s ({n} steps): {d:.2f}" for s, n, d in curve)
    return [
        Row(
            f"lab image mode: training steps/s (tiny DCGAN, batch {LAB_BATCH}, {threads})",
            "",
            f"{rate:.1f} steps/s ({rate * LAB_BATCH:.0f} img/s)",
            "",
            numbers={"steps_per_s": rate},
        ),
        Row(
            f"lab image mode: FD (classifier-fashion features, {LAB_FD_SAMPLES} samples) after training",
            f"untrained G: {untrained:.1f}",
            points,
            "the shipped dcgan-fashion: 2.35 after 43 min",
            numbers={"untrained_fd": untrained, **{f"fd_{s:.0f}s": d for s, _, d in curve}},
        ),
    ]


# -- the lab's 2D playground --------------------------------------------------------------------------------

LAB_2D_STEPS = 600
LAB_2D_TARGET = 300.0
LAB_VIEW_TARGET = 5.0
LAB_VIEW_SECONDS = 10.0
LAB_RUNS = 4
LAB_SAMPLE_CALLS = 30
LAB_SAMPLE_RATIO = 2.0


def lab_2d_steps_per_s(threads: int) -> float:
    """Training steps/s of the default playground settings (MLPs 2 x 64, batch 256, Adam) on `threads` threads."""
    from gan_demo.lab import toy

    shipped = toy.TRAIN_THREADS
    toy.TRAIN_THREADS = threads  # each step sets it for itself
    try:
        run = toy.ToyRun(toy.ToySettings(), seed=0)
        run.train(20)  # warm-up
        start = time.perf_counter()
        run.train(LAB_2D_STEPS)
        return LAB_2D_STEPS / (time.perf_counter() - start)
    finally:
        toy.TRAIN_THREADS = shipped


def lab_view_updates_per_s(url: str) -> float:
    """Press play in chromium and count the view's new images over LAB_VIEW_SECONDS."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})  # every tab in the tab bar
        page.goto(url)
        page.get_by_role("tab", name="Training lab").click()
        page.locator("#lab-view img").wait_for(timeout=120_000)
        page.locator("#lab-play").click()
        page.wait_for_timeout(2000)  # the first ticks
        changes = page.evaluate(
            """ms => new Promise(done => {
                const img = () => document.querySelector('#lab-view img');
                let last = img().src, n = 0;
                const poll = setInterval(() => { if (img().src !== last) { last = img().src; n++; } }, 20);
                setTimeout(() => { clearInterval(poll); done(n); }, ms);
            })""",
            LAB_VIEW_SECONDS * 1000,
        )
        browser.close()
    return changes / LAB_VIEW_SECONDS


def sample_p95_ms(client: Client, seeds: itertools.count) -> float:
    def call() -> object:
        return client.predict(DCGAN_MODEL, next(seeds), 16, 1.0, api_name="/sample")

    return ms(time_calls(call, LAB_SAMPLE_CALLS))["p95_ms"]


def bench_lab(extra_models: Path | None) -> list[Row]:
    import threading

    from gradio_client import Client

    log("lab: 2D steps/s in-process ...")
    cores = os.cpu_count() or 1
    rates = {threads: lab_2d_steps_per_s(threads) for threads in (cores, 1)}
    rows = [
        Row(
            "lab 2D playground: training steps/s in-process (default MLPs 2 x 64, batch 256, Adam)",
            f"{cores} torch threads: {rates[cores]:.0f} steps/s",
            f"1 torch thread (what the lab uses): {rates[1]:.0f} steps/s",
            f"{rates[1] / rates[cores]:.1f}x: tiny matrices gain nothing from more threads but their synchronisation",
            f">= {LAB_2D_TARGET:.0f}",
            rates[1] >= LAB_2D_TARGET,
            {f"steps_per_s_{t}_threads": r for t, r in rates.items()},
        )
    ]
    os.environ["GAN_DEMO_LAB_RUNS"] = str(LAB_RUNS)
    with tempfile.TemporaryDirectory() as workdir, running_app(extra_models, Path(workdir)) as url:
        log("lab: view updates/s in chromium ...")
        updates = lab_view_updates_per_s(url)
        rows.append(
            Row(
                f"lab 2D playground: view updates/s delivered to chromium while playing ({LAB_VIEW_SECONDS:.0f} s)",
                "",
                f"{updates:.1f} updates/s",
                "",
                f">= {LAB_VIEW_TARGET:.0f}",
                updates >= LAB_VIEW_TARGET,
                {"updates_per_s": updates},
            )
        )
        client = Client(url, verbose=False, download_files=str(Path(workdir) / "downloads"), analytics_enabled=False)
        seeds = itertools.count(2000)
        log("lab: /sample p95 idle ...")
        client.predict(DCGAN_MODEL, 1, 16, 1.0, api_name="/sample")  # loads the model
        idle = sample_p95_ms(client, seeds)
        stop = threading.Event()

        def train_forever() -> None:  # one lab run after another, through the API: each holds a slot while it trains
            trainer = Client(url, verbose=False, download_files=str(Path(workdir) / "lab"), analytics_enabled=False)
            while not stop.is_set():
                trainer.predict("", "", 0, 1000, ["real"], api_name="/lab_2d")

        threads = [threading.Thread(target=train_forever, daemon=True) for _ in range(LAB_RUNS)]
        for thread in threads:
            thread.start()
        time.sleep(5)  # all four are training
        log(f"lab: /sample p95 while {LAB_RUNS} lab runs train ...")
        busy = sample_p95_ms(client, seeds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    rows.append(
        Row(
            f"/sample (dcgan-fashion, 16 images) p95 while {LAB_RUNS} lab runs train at once",
            f"idle: {idle:.0f} ms",
            f"{busy:.0f} ms",
            f"{busy / idle:.2f}x",
            f"< {LAB_SAMPLE_RATIO:.0f}x",
            busy / idle < LAB_SAMPLE_RATIO,
            {"idle_p95_ms": idle, "busy_p95_ms": busy},
        )
    )
    return rows


# -- report --------------------------------------------------------------------------------------------------


def markdown_table(rows: list[Row]) -> str:
    lines = ["| benchmark | baseline | ours | comparison | target |", "|---|---|---|---|---|"]
    for r in rows:
        verdict = "" if r.met is None else (" ✓" if r.met else " ✗")
        lines.append(f"| {r.benchmark} | {r.baseline} | {r.ours} | {r.comparison} | {r.target}{verdict} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument(
        "--repeats", type=int, default=None, help=f"timed repeats per measurement (default: {DEFAULT_REPEATS})"
    )
    parser.add_argument("--train-steps", type=int, default=60, help="timed training steps, after 10 warm-up steps")
    parser.add_argument("--checkpoints", type=Path, default=DEFAULT_CHECKPOINT_DIR, help="generators to benchmark")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw numbers here")
    parser.add_argument("--lab-grids", type=Path, default=None, help="lab_images: save the sample grids here")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = describe_hardware(torch.device("cpu"))
    registry = ModelRegistry([args.checkpoints] if args.checkpoints.exists() else [], device="cpu")
    # The app always serves checkpoints/; other folders reach it through GAN_DEMO_MODELS.
    extra_models = None if args.checkpoints.resolve() == DEFAULT_CHECKPOINT_DIR else args.checkpoints.resolve()

    def repeats(section: str) -> int:
        return args.repeats or DEFAULT_REPEATS[section]

    rows: list[Row] = []
    skipped: list[str] = []
    for section in args.only:
        try:
            if section == "sampling":
                if not registry.names(kind=NOISE_TO_IMAGE):
                    skipped.append(f"sampling: skipped, no generator checkpoints under {args.checkpoints}")
                rows += bench_sampling(registry, repeats(section))
            elif section == "superres":
                rows += bench_superres(registry, args.checkpoints, repeats(section))
            elif section == "translation":
                rows += bench_translation(registry, repeats(section))
            elif section == "stylemix":
                rows += bench_stylemix(registry, repeats(section))
            elif section == "cyclegan":
                rows += bench_cyclegan(registry, repeats(section))
            elif section == "startup":
                rows += bench_startup(repeats(section), extra_models)
            elif section == "endpoints":
                rows += bench_endpoints(registry, repeats(section), extra_models)
            elif section == "training":
                rows += bench_training(args.train_steps, warmup=10)
            elif section == "imports":
                rows += bench_imports(args.checkpoints, repeats(section))
            elif section == "imports-sr":
                rows += bench_imported_superres(args.checkpoints, repeats(section))
            elif section == "lab_images":
                rows += bench_lab_images(args.checkpoints, args.lab_grids)
            elif section == "lab":
                rows += bench_lab(extra_models)
        except (AppUnavailable, KeyError) as err:  # KeyError: a model the endpoints need is not there
            skipped.append(f"{section}: skipped, {err}")

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())  # other work on the machine skews every number
    print(f"\nMachine: {machine}; load average (1, 5, 15 min) {load} at the end of the run.\n")
    if rows:
        print(markdown_table(rows))
    for note in skipped:
        print(f"\n{note}")
    if args.json:
        report: dict[str, Any] = {
            "machine": machine,
            "load_average": os.getloadavg(),
            "rows": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
