"""Measure a CycleGAN hair-colour model against the ground truth only rendered data has.

On the held-out avatars of data/hair-64 (scripts/prepare_avatars.py --hair-domains: seeds no model trained
on), each direction A -> B (black -> blonde hair) and B -> A is measured on --count avatars:
- switch rate: the share of translations whose hair colour the avatar-attribute classifier
  (checkpoints/classifier-avatars, its hair_color head) reads as the target colour: "strict" takes its
  likeliest of the 10 hair colours, "of two" only asks whether it prefers the target colour to the source
  colour. Its ceiling is the same rate on the true counterparts;
- preservation: PSNR and SSIM (luma, gan_demo.metrics) of the translation against the true counterpart (the
  same avatar rendered with the other hair colour), beside the identity baseline (the input unchanged) and a
  naive baseline that recolours the input's hair-coloured pixels (within --tolerance of the palette's source
  hair colour, shifted by the palette's target minus source colour);
- cycle: PSNR of the reconstruction (the translation translated back) against the input.

Examples (from the repository root):
    python scripts/evaluate_cyclegan.py
    python scripts/evaluate_cyclegan.py --model runs/cyclegan/model --count 100    # a quick look at a run
    python scripts/evaluate_cyclegan.py --update-card --examples 4   # the card, and the app's examples
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluate_paired import write_metrics  # noqa: E402

from gan_demo import metrics, ops  # noqa: E402
from gan_demo.checkpoint import load_model  # noqa: E402
from gan_demo.data import load_image_folder, to_model_range  # noqa: E402
from gan_demo.data.avatars import ATTRIBUTES, HAIR_DOMAINS  # noqa: E402
from gan_demo.evaluation import load_attribute_classifier, resize_images  # noqa: E402
from gan_demo.imaging import to_uint8  # noqa: E402

# Avataaars' palette (python_avatars' HairColor): the flat colours the naive baseline swaps.
HAIR_RGB = {"black": (0x2C, 0x1B, 0x18), "blonde": (0xB5, 0x81, 0x43)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("checkpoints/cyclegan-hair-avatars"))
    parser.add_argument("--data", type=Path, default=Path("data/hair-64"), help="prepared hair-colour domains")
    parser.add_argument("--classifier", type=Path, default=Path("checkpoints/classifier-avatars"))
    parser.add_argument("--count", type=int, default=500, help="held-out avatars per direction")
    parser.add_argument("--tolerance", type=float, default=24.0, help="naive baseline: RGB distance to the hair colour")
    parser.add_argument("--update-card", action="store_true", help="write the metrics into --model's card")
    parser.add_argument(
        "--examples",
        type=int,
        default=0,
        help="also copy the first N held-out avatars of each domain, and their counterparts, into --model/examples "
        "(the app's examples: A_<seed>.png, B_<seed>.png, counterparts/)",
    )
    return parser.parse_args(argv)


def naive_recolour(images: torch.Tensor, source: str, target: str, tolerance: float) -> torch.Tensor:
    """(N, 3, H, W) uint8: the pixels within `tolerance` of the source hair colour shifted to the target one."""
    src = torch.tensor(HAIR_RGB[source], dtype=torch.float32).view(1, 3, 1, 1)
    shift = torch.tensor(HAIR_RGB[target], dtype=torch.float32).view(1, 3, 1, 1) - src
    x = images.float()
    near = (x - src).square().sum(1, keepdim=True).sqrt() <= tolerance
    return torch.where(near, x + shift, x).round().clamp(0, 255).to(torch.uint8)


def hair_logits(classifier: Any, images: torch.Tensor, batch: int = 250) -> torch.Tensor:
    """(N, 3, H, W) uint8 -> (N, 10) the classifier's hair-colour logits."""
    model = classifier.model
    head = list(ATTRIBUTES).index("hair_color")
    out = []
    with torch.inference_mode():
        for chunk in images.split(batch):
            x = resize_images(to_model_range(chunk), classifier.image_size)
            out.append(model.split_logits(model(x))[head])
    return torch.cat(out)


def switch_rates(logits: torch.Tensor, source: str, target: str) -> tuple[float, float]:
    """(strict: the likeliest of all hair colours is the target; of two: target preferred to the source)."""
    t, s = ATTRIBUTES["hair_color"].index(target), ATTRIBUTES["hair_color"].index(source)
    return float((logits.argmax(1) == t).double().mean()), float((logits[:, t] > logits[:, s]).double().mean())


def mean_quality(outputs: torch.Tensor, references: torch.Tensor) -> tuple[float, float]:
    """Mean PSNR and SSIM (luma, no border) over pairs of (N, 3, H, W) uint8 images."""
    pairs = list(zip(outputs.float(), references.float(), strict=True))
    return (
        statistics.fmean(metrics.psnr(a, b, border=0) for a, b in pairs),
        statistics.fmean(metrics.ssim(a, b, border=0) for a, b in pairs),
    )


def evaluate_direction(model: torch.nn.Module, classifier: Any, data: Path, direction: str, args: Any) -> dict:
    source_domain, target_domain = ("A", "B") if direction == "AtoB" else ("B", "A")
    source, target = HAIR_DOMAINS[source_domain], HAIR_DOMAINS[target_domain]
    size = args.image_size
    inputs = load_image_folder(data / f"test{source_domain}", size).images[: args.count]
    truth = load_image_folder(data / f"test{source_domain}_counterpart", size).images[: args.count]
    if len(inputs) < args.count:
        raise ValueError(f"{data / f'test{source_domain}'} holds {len(inputs)} avatars, fewer than --count")
    translated, reconstructed = [], []
    for chunk in inputs.split(100):
        fake, back = ops.cycle_translate(model, chunk, direction)
        translated.append(torch.from_numpy(to_uint8(fake)).permute(0, 3, 1, 2))
        reconstructed.append(torch.from_numpy(to_uint8(back)).permute(0, 3, 1, 2))
    translated, reconstructed = torch.cat(translated), torch.cat(reconstructed)
    naive = naive_recolour(inputs, source, target, args.tolerance)

    r: dict[str, float] = {}
    r["switch_rate"], r["switch_rate_of_two"] = switch_rates(hair_logits(classifier, translated), source, target)
    r["classifier_ceiling"], r["classifier_ceiling_of_two"] = switch_rates(
        hair_logits(classifier, truth), source, target
    )
    r["naive_switch_rate"], _ = switch_rates(hair_logits(classifier, naive), source, target)
    r["source_read_as_source"], _ = switch_rates(hair_logits(classifier, inputs), target, source)
    r["psnr"], r["ssim"] = mean_quality(translated, truth)
    r["psnr_identity"], r["ssim_identity"] = mean_quality(inputs, truth)
    r["psnr_naive"], r["ssim_naive"] = mean_quality(naive, truth)
    r["cycle_psnr"], r["cycle_ssim"] = mean_quality(reconstructed, inputs)
    return {k: round(v, 4) for k, v in r.items()}


def write_examples(data: Path, folder: Path, count: int) -> None:
    """The first `count` held-out avatars of each domain as <domain>_<seed>.png, counterparts/ beside them."""
    (folder / "counterparts").mkdir(parents=True, exist_ok=True)
    for domain in HAIR_DOMAINS:
        for path in sorted((data / f"test{domain}").glob("*.png"))[:count]:
            shutil.copyfile(path, folder / f"{domain}_{path.name}")
            shutil.copyfile(
                data / f"test{domain}_counterpart" / path.name, folder / "counterparts" / f"{domain}_{path.name}"
            )
    print(f"wrote {2 * count} examples and their counterparts into {folder}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    started = time.monotonic()
    model, config = load_model(args.model)
    if config.get("task") != "unpaired-translation":
        raise SystemExit(f"{args.model} is not a CycleGAN checkpoint (task {config.get('task')!r})")
    args.image_size = config["image_size"]
    classifier = load_attribute_classifier(args.classifier)
    results = {d: evaluate_direction(model, classifier, args.data, d, args) for d in ("AtoB", "BtoA")}

    print(f"{args.model}: {args.count} held-out avatars per direction, {time.monotonic() - started:.0f} s\n")
    print("| direction | switch rate (strict / of two) | classifier ceiling (counterparts) | naive's switch rate |")
    print("|---|---:|---:|---:|")
    for d, r in results.items():
        print(
            f"| {d} | {r['switch_rate']:.1%} / {r['switch_rate_of_two']:.1%} | {r['classifier_ceiling']:.1%} / "
            f"{r['classifier_ceiling_of_two']:.1%} | {r['naive_switch_rate']:.1%} |"
        )
    print("\n| direction | PSNR vs counterpart (dB) | identity | naive | SSIM | identity | naive | cycle PSNR |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for d, r in results.items():
        print(
            f"| {d} | {r['psnr']:.2f} | {r['psnr_identity']:.2f} | {r['psnr_naive']:.2f} | {r['ssim']:.4f} | "
            f"{r['ssim_identity']:.4f} | {r['ssim_naive']:.4f} | {r['cycle_psnr']:.2f} |"
        )
    if args.update_card:
        flat: dict[str, Any] = {"held_out_avatars_per_direction": args.count, "naive_tolerance": args.tolerance}
        flat.update({f"{d}_{k}": v for d, r in results.items() for k, v in r.items()})
        write_metrics(args.model, flat)
        print(f"\nwrote the metrics into {args.model}/config.json and README.md")
    if args.examples:
        write_examples(args.data, args.model / "examples", args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
