"""Measure every generator checkpoint: Fréchet distance, sliced Wasserstein distance, class fidelity, and
Inception FID when available.

The Fréchet distance (FD) uses the evaluation classifier's features (Inception's
weights cannot be downloaded offline), between generated images and the test
split. Its floor is the FD between real images (train subset vs test): a model
cannot be expected to beat it. The multi-scale sliced Wasserstein distance (SWD,
Karras et al. 2018; gan_demo/evaluation/swd.py) compares 7x7 patches of the
Laplacian pyramid levels (28 and 14 px) and needs no classifier; beside the same
floor it is given for "blurred real" images (the train subset halved and enlarged
back), a reference for soft pictures. Class fidelity is the share of a conditional
model's images that the classifier assigns to the class that was asked for.

Examples (from the repository root):
    python scripts/evaluate.py                       # every generator under checkpoints/, 10,000 samples each
    python scripts/evaluate.py --num-samples 2000    # quicker, with a higher (biased) FD
    python scripts/evaluate.py --update-cards        # write the metrics into config.json and README.md
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo import evaluation  # noqa: E402
from gan_demo.checkpoint import (  # noqa: E402
    CONFIG_NAME,
    WEIGHTS_NAME,
    is_generator_config,
    load_model,
    read_config,
    write_config,
)
from gan_demo.data import load_dataset, to_model_range  # noqa: E402
from gan_demo.device import pick_device  # noqa: E402
from gan_demo.training.report import write_model_card  # noqa: E402

FLOOR_TRAIN_IMAGES = 10_000  # as many as the test split; fewer with --num-samples, so the floor is an FD at the same
# sample size as the models' (FD is biased upwards at small sizes)
FLOOR_SEED = 0
SAMPLE_SEED_OFFSET = 0  # generated image i comes from seed SAMPLE_SEED_OFFSET + i
INCEPTION_BATCH = 50  # 299x299 inputs: keep a batch's activations to a few GB
FIDELITY_TARGET = 0.90
SWD_SEED = 0  # the SWD's neighbourhoods and directions: the same for every set


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", default="checkpoints", help="folder of checkpoint directories")
    parser.add_argument(
        "--classifier", default="checkpoints/classifier-fashion", help="evaluation classifier checkpoint"
    )
    parser.add_argument("--num-samples", type=int, default=10_000, help="generated images per model")
    parser.add_argument("--update-cards", action="store_true", help="write metrics into config.json and README.md")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    parser.add_argument(
        "--no-swd", action="store_true", help="skip the SWD, most of the time: quick FD curves during training"
    )
    args = parser.parse_args(argv)
    if args.no_swd and args.update_cards:
        parser.error("--update-cards writes the SWD too: leave out --no-swd")
    if args.num_samples < 2:
        parser.error("--num-samples must be at least 2 (a covariance needs two samples)")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generator_directories(root: Path) -> list[Path]:
    """Checkpoint directories under `root` (or `root` itself) that hold a noise-to-image generator
    (scripts/evaluate_paired.py measures the super-resolution and translation models)."""
    candidates = [root] if (root / CONFIG_NAME).exists() else sorted(p.parent for p in root.glob(f"*/{CONFIG_NAME}"))
    return [
        d
        for d in candidates
        if (d / WEIGHTS_NAME).exists()
        and is_generator_config(config := read_config(d))
        and config.get("task", "sample") == "sample"
    ]


def evaluate_model(
    model: torch.nn.Module,
    config: dict[str, Any],
    classifier: torch.nn.Module,
    test_stats: tuple[torch.Tensor, torch.Tensor],
    num_samples: int,
    inception: evaluation.InceptionFeatures | None,
    inception_test_stats: tuple[torch.Tensor, torch.Tensor] | None,
) -> tuple[dict[str, Any], torch.Tensor]:
    """FD (and Inception FID, class fidelity where they apply) of one generator's samples, and the samples."""
    images, labels = evaluation.generate_samples(model, num_samples, SAMPLE_SEED_OFFSET)
    result: dict[str, Any] = {
        "frechet_distance": evaluation.frechet_distance(
            *evaluation.feature_statistics(evaluation.extract_features(classifier, images)), *test_stats
        )
    }
    if labels is not None:
        result["class_fidelity"] = evaluation.class_fidelity(classifier, images, labels)
        per_class = evaluation.per_class_fidelity(classifier, images, labels, model.num_classes)
        result["class_fidelity_per_class"] = dict(zip(config["class_names"], per_class, strict=True))
    if inception is not None and inception_test_stats is not None:
        features = evaluation.extract_features(inception, images, batch=INCEPTION_BATCH)
        result["inception_fid"] = evaluation.frechet_distance(
            *evaluation.feature_statistics(features), *inception_test_stats
        )
    return result, images


def significant(x: float, digits: int = 4) -> float:
    """Round to significant digits: FDs in classifier features can be far below 1."""
    return float(f"{x:.{digits}g}")


def card_metrics(
    result: dict[str, Any],
    floor: float,
    swd: dict[str, dict[str, float]],
    swd_count: int,
    classifier_name: str,
    num_samples: int,
) -> dict[str, Any]:
    """What goes into config.json's `metrics`: rounded values, and how they were measured."""
    metrics: dict[str, Any] = {
        "frechet_distance": significant(result["frechet_distance"]),
        "frechet_distance_floor": significant(floor),
        "fd_features": classifier_name,
        **swd,
        "swd_images": f"{swd_count:,} samples vs the first {swd_count:,} test images; floor: {swd_count:,} train "
        "images; blurred_real: those halved and enlarged back",
    }
    if "class_fidelity" in result:
        metrics["class_fidelity"] = round(result["class_fidelity"], 4)
        metrics["class_fidelity_per_class"] = {k: round(v, 4) for k, v in result["class_fidelity_per_class"].items()}
    if "inception_fid" in result:
        metrics["inception_fid"] = significant(result["inception_fid"])
    metrics["num_samples"] = num_samples
    metrics["command"] = "python " + shlex.join(sys.argv)
    return metrics


def markdown_table(results: dict[str, dict[str, Any]], floor: float, inception_note: str) -> str:
    lines = [
        f"| model | FD ↓ | FD floor (real vs real) | class fidelity ↑ (target ≥ {FIDELITY_TARGET:.0%}) "
        "| Inception FID ↓ |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        fidelity = f"{r['class_fidelity']:.1%}" if "class_fidelity" in r else "—"
        fid = f"{r['inception_fid']:.4g}" if "inception_fid" in r else inception_note
        lines.append(f"| {name} | {r['frechet_distance']:.4g} | {floor:.4g} | {fidelity} | {fid} |")
    return "\n".join(lines)


def per_class_table(results: dict[str, dict[str, Any]], real: dict[str, float]) -> str | None:
    """Per-class fidelity of the conditional models beside `real`, the classifier's accuracy per class on the
    test images: no generator is expected to beat its own classifier by much on a class it confuses."""
    conditional = {
        name: r["class_fidelity_per_class"] for name, r in results.items() if "class_fidelity_per_class" in r
    }
    if not conditional:
        return None
    conditional = {"test images (classifier accuracy)": real, **conditional}
    classes = list(next(iter(conditional.values())))
    lines = ["| class | " + " | ".join(conditional) + " |", "|---|" + "---:|" * len(conditional)]
    for c in classes:
        cells = [f"{per[c]:.1%}" if c in per and not math.isnan(per[c]) else "—" for per in conditional.values()]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = pick_device(args.device)
    started = time.monotonic()

    classifier, clf_config = load_model(args.classifier, device)
    if clf_config.get("role") != "classifier":
        print(
            f"{args.classifier} is not an evaluation classifier (config role {clf_config.get('role')!r})",
            file=sys.stderr,
        )
        return 2
    classifier_name = Path(args.classifier).name
    dataset = clf_config["dataset"]
    train = load_dataset(dataset, split="train")
    test = load_dataset(dataset, split="test")
    test_images = to_model_range(test.images)
    subset = torch.randperm(len(train), generator=torch.Generator().manual_seed(FLOOR_SEED))
    subset = subset[: min(FLOOR_TRAIN_IMAGES, args.num_samples)]
    train_images = to_model_range(train.images[subset])

    log(f"classifier features of {len(train_images):,} train and {len(test_images):,} test images ...")
    test_stats = evaluation.feature_statistics(evaluation.extract_features(classifier, test_images))
    train_stats = evaluation.feature_statistics(evaluation.extract_features(classifier, train_images))
    floor = evaluation.frechet_distance(*train_stats, *test_stats)
    accuracy = evaluation.class_fidelity(classifier, test_images, test.labels)

    inception, inception_test_stats, inception_note = None, None, "unavailable offline"
    try:
        inception = evaluation.load_inception(device)
    except evaluation.InceptionUnavailable as err:
        log(f"Inception FID skipped: {err}")
    else:
        log(f"Inception features of {len(test_images):,} test images (299x299) ...")
        inception_test_stats = evaluation.feature_statistics(
            evaluation.extract_features(inception, test_images, batch=INCEPTION_BATCH)
        )

    results: dict[str, dict[str, Any]] = {}
    samples: dict[str, torch.Tensor] = {}
    directories: dict[str, Path] = {}
    for directory in generator_directories(Path(args.checkpoints)):
        name = directory.name
        model, config = load_model(directory, device)
        if config.get("dataset") != dataset:
            log(f"skipping {name}: trained on {config.get('dataset')!r}, the classifier on {dataset!r}")
            continue
        log(f"{name}: {args.num_samples:,} samples ...")
        t0 = time.monotonic()
        results[name], samples[name] = evaluate_model(
            model, config, classifier, test_stats, args.num_samples, inception, inception_test_stats
        )
        directories[name] = directory
        log(f"{name}: done in {time.monotonic() - t0:.0f} s")

    if not results:
        print(f"No generator checkpoints under {args.checkpoints}.")
        return 0
    t0 = time.monotonic()
    count = min(args.num_samples, len(train_images), len(test_images))
    if not args.no_swd:
        log(f"SWD of {len(samples)} models, the floor and blurred real images against {count:,} test images ...")
        swd = evaluation.swd_against_real(test_images[:count], samples, train_images[:count], seed=SWD_SEED)
        log(f"SWD: done in {time.monotonic() - t0:.0f} s")
    if args.update_cards:
        for name, directory in directories.items():
            config = read_config(directory)
            config["metrics"] = card_metrics(
                results[name], floor, evaluation.swd_metrics(swd, name), count, classifier_name, args.num_samples
            )
            write_config(directory, config)
            write_model_card(directory)

    recorded = clf_config.get("metrics", {}).get("test_accuracy")
    print(f"\nEvaluation classifier {classifier_name}: test accuracy {accuracy:.2%} (recorded at training: {recorded})")
    print(
        f"FD: classifier features of {args.num_samples:,} generated images vs the {len(test_images):,} test images; "
        f"floor: {len(train_images):,} real train images vs the same test images."
    )
    if args.num_samples != len(test_images):
        print("(FD is biased upwards at small sample sizes: compare models at the same --num-samples.)")
    print()
    print(markdown_table(results, floor, inception_note))
    if not args.no_swd:
        print(
            f"\nSWD x 10^3 (Karras et al. 2018): 7x7 neighbourhoods of the Laplacian pyramid levels, {count:,} images "
            f"vs the first {count:,} test images; floor: {count:,} real train images; blurred real: those halved and "
            "enlarged back (bilinear).\n"
        )
        print(evaluation.swd_table(swd))
    real_per_class = evaluation.per_class_fidelity(classifier, test_images, test.labels, len(test.class_names))
    per_class = per_class_table(results, dict(zip(test.class_names, real_per_class, strict=True)))
    if per_class:
        print("\nClass fidelity per class:\n")
        print(per_class)
    if args.update_cards:
        print(f"\nUpdated config.json and README.md of: {', '.join(results)}")
    log(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
