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
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402  (scripts/benchmarks/)
from benchmarks.generation import bench_sampling, bench_stylemix  # noqa: E402
from benchmarks.image_to_image import bench_cyclegan, bench_superres, bench_translation  # noqa: E402
from benchmarks.imports import bench_imported_superres, bench_imports  # noqa: E402
from benchmarks.lab import bench_lab, bench_lab_images  # noqa: E402
from benchmarks.serving import bench_endpoints, bench_startup, bench_training  # noqa: E402
from served_app import AppUnavailable  # noqa: E402  (scripts/served_app.py)

from gan_demo.checkpoint import DEFAULT_CHECKPOINT_DIR, ModelRegistry  # noqa: E402
from gan_demo.kind import NOISE_TO_IMAGE  # noqa: E402
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
