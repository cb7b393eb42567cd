"""Measure the avatar models in the avatar-attribute classifier's eyes, on held-out avatars never used in training.

StyleGAN: the Fréchet distance (FD) between the classifier's features (checkpoints/classifier-avatars,
trained on avatars 0-29999) of 10,000 samples of checkpoints/stylegan-avatars (seeds 0-9999, per-pixel
noise drawn from each seed) and of the first 10,000 avatars of data/avatars-heldout-64 (seeds 1,000,000
and up, rendered at 64 px like the StyleGAN's training set), at ψ = 1 and ψ = 0.7. Its floor is the FD
between those real avatars and the next 10,000 real ones: what a perfect generator would score. Beside it,
how far the classifier's predicted attributes of the samples are from those of the real avatars (total
variation of each attribute's predicted class frequencies): which hair types, colours ... the generator
over- or under-produces. The multi-scale sliced Wasserstein distance (SWD, gan_demo/evaluation/swd.py) of the
same samples against the same held-out avatars compares 7x7 patches at each Laplacian-pyramid level (64, 32,
16 px) with no classifier in between, so the classifier's blind spots (eyebrows, nose) cannot hide a defect;
beside it the same floor, and "blurred real": those next avatars halved and enlarged back (soft pictures).

Style mixing: for pairs of generated avatars (a row and a column source), the mix takes the column source's
w at one group of layers (fine: 64 px; middle: 16-32 px; coarse: 4-8 px) and the row source's everywhere else.
The StyleGAN paper's figure 3: coarse styles bring pose, face shape and hair style, fine ones the colour
scheme. The classifier labels the three images; over the pairs whose two sources it labels differently, the
tables count how often the mix keeps the row source's value and how often it takes the column source's, for
the hair type ("top") and accessory (expected from the row source when only the fine layers come from the
column) and for the hair, skin, clothing and background colours (expected from the column source), beside
chance: how often two unrelated images with these label frequencies agree.

Translation (pix2pix against the L1-only U-Net): scripts/evaluate_paired.py's translation table, with the
FD of the translated held-out avatars (data/avatars-eval) against the true ones in the same features.

--update-cards writes the metrics into each model's config.json and README.md, and the classifier's
accuracy on the 64-px renders into its own.

Examples (from the repository root):
    python scripts/evaluate_avatars.py
    python scripts/evaluate_avatars.py --update-cards
    python scripts/evaluate_avatars.py --num-samples 2000 --mix-pairs 100 --skip-translation   # a quick look
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
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import evaluate_paired  # noqa: E402  (scripts/evaluate_paired.py: the translation table)
from evaluate_paired import write_metrics  # noqa: E402

from gan_demo import evaluation, ops  # noqa: E402
from gan_demo.checkpoint import ModelRegistry, read_config, write_config  # noqa: E402
from gan_demo.data import to_model_range  # noqa: E402
from gan_demo.data.avatars import load_avatars  # noqa: E402
from gan_demo.device import pick_device  # noqa: E402
from gan_demo.training.report import write_model_card  # noqa: E402

SAMPLE_SEED_OFFSET = 0  # generated image i comes from seed SAMPLE_SEED_OFFSET + i
MIX_SEED_OFFSET = 100_000  # the style-mixing sources: seeds apart from the FD samples'
SAMPLE_BATCH = 250
MIX_GROUPS = ("fine", "middle", "coarse")
# Fine layers from the column source should leave the row source's shapes and bring the column source's colours.
FROM_ROW = ("top", "accessory")
FROM_COLUMN = ("hair_color", "skin_color", "clothing_color", "background_color")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", default="checkpoints", help="folder of checkpoint directories")
    parser.add_argument("--classifier", default="checkpoints/classifier-avatars", help="avatar-attribute classifier")
    parser.add_argument("--stylegan", default="stylegan-avatars", help="the StyleGAN checkpoint's name")
    parser.add_argument("--heldout", default="data/avatars-heldout-64", help="held-out avatars at the StyleGAN's size")
    parser.add_argument("--avatars", default="data/avatars-eval", help="held-out avatars of the translation models")
    parser.add_argument(
        "--floor-avatars",
        default="data/avatars-128",
        help="translation FD floor: other real avatars, prepared at the translation size",
    )
    parser.add_argument("--num-samples", type=int, default=10_000, help="generated (and real) images in each FD")
    parser.add_argument("--truncations", type=float, nargs="+", default=[1.0, 0.7], help="ψ values of the FD")
    parser.add_argument("--mix-pairs", type=int, default=500, help="(row, column) pairs per layer group")
    parser.add_argument("--mix-grid", type=int, default=5, help="sources per side of each style-mixing grid")
    parser.add_argument("--mix-truncation", type=float, default=1.0, help="ψ of the style-mixing sources")
    parser.add_argument("--skip-translation", action="store_true", help="leave out pix2pix vs L1-only")
    parser.add_argument("--update-cards", action="store_true", help="write metrics into config.json and README.md")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    args = parser.parse_args(argv)
    if args.num_samples < 2 or args.mix_pairs < 1 or args.mix_grid < 1:
        parser.error("--num-samples must be at least 2, --mix-pairs and --mix-grid at least 1")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@torch.inference_mode()
def features_and_predictions(
    classifier: evaluation.AvatarClassifier, images: torch.Tensor, batch: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 3, H, W) images in [-1, 1] -> the classifier's (N, D) features and (N, A) predicted attributes."""
    model = classifier.model
    device = next(model.parameters()).device
    features, predictions = [], []
    for chunk in images.split(batch):
        embedded = model.embed(evaluation.resize_images(chunk, classifier.image_size).to(device))
        features.append(embedded.float().cpu())
        predictions.append(model.attribute_predictions(model.classify(embedded)).cpu())
    return torch.cat(features), torch.cat(predictions)


def class_frequencies(predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(N,) class indices -> (num_classes,) the share of each class."""
    return torch.bincount(predictions, minlength=num_classes).double() / max(len(predictions), 1)


def marginal_distances(
    predicted: torch.Tensor, reference: torch.Tensor, attributes: dict[str, int]
) -> dict[str, float]:
    """Per attribute, the total variation between two (N, A) prediction sets' class frequencies (0: the same)."""
    return {
        name: 0.5 * float((class_frequencies(predicted[:, a], k) - class_frequencies(reference[:, a], k)).abs().sum())
        for a, (name, k) in enumerate(attributes.items())
    }


def mixing_agreement(
    rows: torch.Tensor, columns: torch.Tensor, mixed: torch.Tensor, attributes: dict[str, int]
) -> dict[str, dict[str, float]]:
    """What each mix took from which source, in predicted labels: (P, A) for the row sources, the column
    sources and the mixes of P pairs, and the number of classes of each of the A attributes by name.

    Per attribute, over the pairs whose sources differ in it: "kept_row" and "took_column", the shares of
    mixes labelled like the row or the column source; "chance", how often an image would match a source
    by accident (sum over classes of the mixes' class frequency times the sources'); "pairs", how many counted.
    """
    if not rows.shape == columns.shape == mixed.shape or rows.shape[1] != len(attributes):
        raise ValueError(
            f"need three (P, {len(attributes)}) label sets, got {rows.shape}, {columns.shape}, {mixed.shape}"
        )
    result = {}
    for a, (name, k) in enumerate(attributes.items()):
        differ = rows[:, a] != columns[:, a]
        row, column, mix = rows[differ, a], columns[differ, a], mixed[differ, a]
        pairs = int(differ.sum())
        sources = class_frequencies(torch.cat([row, column]), k)
        result[name] = {
            "kept_row": float((mix == row).double().mean()) if pairs else math.nan,
            "took_column": float((mix == column).double().mean()) if pairs else math.nan,
            "chance": float((class_frequencies(mix, k) * sources).sum()) if pairs else math.nan,
            "pairs": pairs,
        }
    return result


def style_mixing_labels(
    model: nn.Module,
    classifier: evaluation.AvatarClassifier,
    layers: range,
    pairs: int,
    grid: int,
    truncation: float,
    seed_offset: int = MIX_SEED_OFFSET,
    noise_mode: str = "random",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Predicted (P, A) labels of the row sources, the column sources and the mixes of `pairs` pairs.

    The pairs come from grids of `grid` x `grid` (ops.style_mix), each with its own 2 * grid seeds, so that
    many different sources take part; "random" per-pixel noise is drawn from each image's (a mix: its row's) seed.
    """
    rows, columns, mixed = [], [], []
    for g in range(math.ceil(pairs / grid**2)):
        first = seed_offset + 2 * g * grid
        row_images, column_images, mixes = ops.style_mix(
            model, range(first, first + grid), range(first + grid, first + 2 * grid), layers, truncation, noise_mode
        )
        labels = features_and_predictions(classifier, torch.cat([row_images, column_images, mixes.flatten(0, 1)]))[1]
        row_labels, column_labels = labels[:grid], labels[grid : 2 * grid]
        rows.append(row_labels.repeat_interleave(grid, dim=0))  # pair r * grid + k has row source r ...
        columns.append(column_labels.repeat(grid, 1))  # ... and column source k
        mixed.append(labels[2 * grid :])
    return torch.cat(rows)[:pairs], torch.cat(columns)[:pairs], torch.cat(mixed)[:pairs]


def sample_images(
    model: nn.Module, count: int, truncation: float, seed_offset: int = SAMPLE_SEED_OFFSET
) -> torch.Tensor:
    """`count` samples (seed seed_offset + i, its own per-pixel noise) in [-1, 1]."""
    seeds = range(seed_offset, seed_offset + count)
    return torch.cat([
        ops.sample(model, seeds[i : i + SAMPLE_BATCH], truncation, noise_mode="random")
        for i in range(0, count, SAMPLE_BATCH)
    ])  # fmt: skip


def percent(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.1%}"


def expected_source(group: str, attribute: str) -> str:
    """Where a mix should take `attribute` from when `group`'s layers come from the column source."""
    shape = attribute in FROM_ROW  # hair type, accessory: set at coarse resolutions; colours: at fine ones
    return {"fine": "row" if shape else "column", "coarse": "column" if shape else "row"}.get(group, "—")


def mixing_table(group: str, agreement: dict[str, dict[str, float]]) -> str:
    lines = [
        f"| {group} layers from the column | expected from | kept row's | took column's | chance | pairs |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in (*FROM_ROW, *FROM_COLUMN):
        r = agreement[name]
        lines.append(
            f"| {name} | {expected_source(group, name)} | {percent(r['kept_row'])} | {percent(r['took_column'])} "
            f"| {percent(r['chance'])} | {r['pairs']} |"
        )
    return "\n".join(lines)


def rounded(values: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    """Floats rounded for a card; NaN (nothing counted) becomes None, which JSON can hold."""
    return {k: (None if math.isnan(v) else round(v, digits)) if isinstance(v, float) else v for k, v in values.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    device = pick_device(args.device)
    classifier = evaluation.load_attribute_classifier(args.classifier)
    classifier.model.to(device)
    attributes = {name: len(values) for name, values in classifier.config["attributes"].items()}
    registry = ModelRegistry([args.checkpoints], device=device)
    generator = registry.get(args.stylegan).model
    n = args.num_samples
    timings: dict[str, float] = {}

    t0 = time.monotonic()
    heldout = load_avatars(args.heldout)
    if heldout.meta["attributes"] != classifier.config["attributes"] or len(heldout) < 2 * n:
        raise SystemExit(f"{args.heldout}: need {2 * n} avatars labelled with the classifier's attributes")
    real = to_model_range(heldout.images[: 2 * n])
    real_features, real_labels = features_and_predictions(classifier, real)
    reference = evaluation.feature_statistics(real_features[:n])
    floor = evaluation.frechet_distance(*evaluation.feature_statistics(real_features[n:]), *reference)
    correct = (real_labels == heldout.attributes[: 2 * n]).double().mean(0).tolist()
    accuracy = dict(zip(attributes, correct, strict=True))
    real_tv = marginal_distances(real_labels[n:], real_labels[:n], attributes)
    timings["held-out features"] = time.monotonic() - t0

    distances: dict[float, float] = {}
    sample_tv: dict[float, dict[str, float]] = {}
    samples: dict[str, torch.Tensor] = {}  # by their row in the tables
    for psi in args.truncations:
        t0 = time.monotonic()
        log(f"{args.stylegan}: {n:,} samples at ψ = {psi} ...")
        samples[f"StyleGAN, ψ = {psi}"] = sample_images(generator, n, psi)
        features, labels = features_and_predictions(classifier, samples[f"StyleGAN, ψ = {psi}"])
        distances[psi] = evaluation.frechet_distance(*evaluation.feature_statistics(features), *reference)
        sample_tv[psi] = marginal_distances(labels, real_labels[:n], attributes)
        timings[f"FD at ψ = {psi}"] = time.monotonic() - t0
        log(f"ψ = {psi}: FD {distances[psi]:.4g} ({timings[f'FD at ψ = {psi}']:.0f} s)")

    t0 = time.monotonic()
    log(f"SWD of {len(samples)} sample sets, the floor and blurred real avatars ...")
    swd = evaluation.swd_against_real(real[:n], samples, real[n:])
    timings["SWD"] = time.monotonic() - t0
    del samples

    mixing: dict[str, dict[str, dict[str, float]]] = {}
    for group in MIX_GROUPS:
        t0 = time.monotonic()
        layers = ops.style_group_layers(generator, group)
        if not layers:  # below 64 px there are no fine layers
            continue
        labels = style_mixing_labels(generator, classifier, layers, args.mix_pairs, args.mix_grid, args.mix_truncation)
        mixing[group] = mixing_agreement(*labels, attributes)
        timings[f"style mixing, {group} (layers {layers.start}-{layers.stop - 1})"] = time.monotonic() - t0

    seeds = heldout.seeds
    print(f"\n## StyleGAN ({args.stylegan}): Fréchet distance in {classifier.name} features\n")
    print(
        f"{n:,} samples (seeds {SAMPLE_SEED_OFFSET}-{SAMPLE_SEED_OFFSET + n - 1}, random noise) vs {n:,} held-out "
        f"avatars (seeds {seeds.start}-{seeds.start + n - 1}, {heldout.meta['size']} px); floor: the next {n:,} "
        f"held-out avatars (seeds {seeds.start + n}-{seeds.start + 2 * n - 1}) vs the same.\n"
    )
    print("| images | FD ↓ | mean attribute TV ↓ | worst attribute TV |\n|---|---:|---:|---|")
    for psi, fd in distances.items():
        worst = max(sample_tv[psi], key=sample_tv[psi].get)
        mean_tv = sum(sample_tv[psi].values()) / len(attributes)
        print(f"| StyleGAN, ψ = {psi} | {fd:.4g} | {mean_tv:.3f} | {worst} {sample_tv[psi][worst]:.3f} |")
    worst = max(real_tv, key=real_tv.get)
    print(f"| real vs real (floor) | {floor:.4g} | {sum(real_tv.values()) / len(attributes):.3f} | {worst} "
          f"{real_tv[worst]:.3f} |")  # fmt: skip
    print(
        f"\nSWD x 10^3 (Karras et al. 2018): 7x7 patches of each Laplacian-pyramid level, the same {n:,} samples "
        f"and floor against the same {n:,} held-out avatars; blurred real: the floor's avatars halved and enlarged "
        "back.\n"
    )
    print(evaluation.swd_table(swd))
    print(
        "\nAttribute TV: total variation between the predicted class frequencies of the images and of the held-out "
        "avatars (0: the same mix of hair types, colours ...).\n"
    )
    recorded_metrics = classifier.config.get("metrics", {})
    recorded = recorded_metrics.get("test_accuracy_per_attribute", {})
    header = " | ".join(f"TV ψ = {psi}" for psi in distances)
    print(f"| attribute | classes | classifier accuracy, {heldout.meta['size']} px renders | (at training: "
          f"{classifier.config.get('dataset', '?')} resized) | {header} | TV real vs real |")  # fmt: skip
    print("|---|---:|---:|---:|" + "---:|" * len(distances) + "---:|")
    for name, k in attributes.items():
        cells = " | ".join(f"{sample_tv[psi][name]:.3f}" for psi in distances)
        trained = recorded.get(name, {}).get("accuracy", math.nan)
        print(f"| {name} | {k} | {accuracy[name]:.1%} | {percent(trained)} | {cells} | {real_tv[name]:.3f} |")
    mean_accuracy = sum(accuracy.values()) / len(accuracy)
    print(f"| mean | | {mean_accuracy:.1%} | {percent(recorded_metrics.get('test_accuracy', math.nan))} |")

    print(
        f"\n## Style mixing ({args.mix_pairs} pairs per layer group from {args.mix_grid}x{args.mix_grid} grids, "
        f"seeds {MIX_SEED_OFFSET} and up, ψ = {args.mix_truncation}, random noise)\n"
    )
    print("Counted over the pairs whose row and column sources the classifier labels differently.\n")
    for group, agreement in mixing.items():
        print(mixing_table(group, agreement) + "\n")
    empty = [group for group in MIX_GROUPS if group not in mixing]
    if empty:
        print(f"(No {' or '.join(empty)} layers at {generator.image_size} px.)\n")

    translation: dict[str, dict[str, Any]] = {}
    if not args.skip_translation:
        t0 = time.monotonic()
        print("## Translation: pix2pix vs the L1-only U-Net (scripts/evaluate_paired.py)")
        floor_root = Path(args.floor_avatars) if (Path(args.floor_avatars) / "dataset.json").exists() else None
        translation = evaluate_paired.evaluate_translation(registry, Path(args.avatars), classifier, floor_root)
        timings["translation"] = time.monotonic() - t0
        print()

    print("Wall time (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()), end="")
    print(f"; total {time.monotonic() - started:.0f} s on {device} ({torch.get_num_threads()} torch threads)")

    if args.update_cards:
        checked = (*FROM_ROW, *FROM_COLUMN)
        main_psi = 1.0 if 1.0 in distances else next(iter(distances))  # the card's headline ψ
        metrics: dict[str, Any] = {
            "frechet_distance": distances[main_psi],
            **{f"frechet_distance_psi{psi}": fd for psi, fd in distances.items() if psi != 1.0},
            "frechet_distance_floor": floor,
            **evaluation.swd_metrics(swd, f"StyleGAN, ψ = {main_psi}"),
            **{f"swd_x1e3_psi{psi}": swd[f"StyleGAN, ψ = {psi}"].as_metrics() for psi in distances if psi != main_psi},
            "fd_features": f"{classifier.name} ({classifier.image_size} px)",
            "fd_real_avatars": f"{Path(args.heldout).name} seeds {seeds.start}-{seeds.start + n - 1} (floor: "
            f"{seeds.start + n}-{seeds.start + 2 * n - 1})",
            "num_samples": n,
            **{f"attribute_tv_mean_psi{psi}": sum(tv.values()) / len(tv) for psi, tv in sample_tv.items()},
            "attribute_tv_mean_floor": sum(real_tv.values()) / len(real_tv),
            **{
                f"style_mixing_{group}": {name: rounded(agreement[name]) for name in checked}
                for group, agreement in mixing.items()
            },
            "style_mixing_setup": f"{args.mix_pairs} pairs per group, {args.mix_grid}x{args.mix_grid} grids, "
            f"ψ {args.mix_truncation}; shares over the pairs whose sources are labelled differently",
        }
        write_metrics(registry.directory(args.stylegan), metrics)
        for name, result in translation.items():
            write_metrics(registry.directory(name), result)
        config = read_config(args.classifier)
        card = config.setdefault("metrics", {})
        for name, per in card.get("test_accuracy_per_attribute", {}).items():
            per["accuracy_64px_renders"] = round(accuracy[name], 4)
        card["accuracy_64px_renders"] = round(mean_accuracy, 4)
        card["accuracy_64px_renders_measured"] = (
            f"{Path(args.heldout).name}, {2 * n:,} avatars rendered at {heldout.meta['size']} px, by "
            f"python {shlex.join(sys.argv)}"
        )
        write_config(args.classifier, config)
        write_model_card(args.classifier)
        print(f"\nUpdated config.json and README.md of: {args.stylegan}, {', '.join(translation)}, {classifier.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
