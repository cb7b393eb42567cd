"""Measure the image-to-image checkpoints on data they never trained on.

Super-resolution: each held-out photo of data/photos (scripts/prepare_photos.py) is
shrunk x4 the way training did (bicubic), enlarged back by bicubic and by every
super-resolution model, and scored against the original: PSNR and SSIM on the Y
channel with a 4-pixel border cropped, as the SR literature reports them.

Translation: every held-out avatar of data/avatars-eval (scripts/prepare_avatars.py,
seeds never used in training) is drawn by the same sketch extraction as training,
translated back, and scored against the true avatar: L1 and PSNR (RGB, 0-255). Both reward the
average of the plausible answers (a sketch does not say which hair or skin colour), so they favour
the L1-only model by construction. The Fréchet distance (FD) measures realism instead: between the
avatar-attribute classifier's features (checkpoints/classifier-avatars, at its 64 px) of the
translated avatars and of the true ones. Its floor is the FD between the true avatars and as many
other real avatars (--floor-avatars, seeds not among the evaluated ones), resized the same way.

Both write comparison.png (crops side by side) into each model's directory, and
with --update-cards the metrics into its config.json and README.md.

Examples (from the repository root):
    python scripts/evaluate_paired.py
    python scripts/evaluate_paired.py --update-cards
    python scripts/evaluate_paired.py --classifier none   # translation without the Fréchet distance
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo import evaluation, ops  # noqa: E402
from gan_demo.checkpoint import ModelRegistry, read_config, write_config  # noqa: E402
from gan_demo.data import to_model_range  # noqa: E402
from gan_demo.data.avatars import load_avatars  # noqa: E402
from gan_demo.data.photos import load_photos, read_manifest  # noqa: E402
from gan_demo.imaging import grid_image  # noqa: E402
from gan_demo.kind import Kind  # noqa: E402
from gan_demo.training.report import write_model_card  # noqa: E402

CROP = 96  # side of the zoomed crops in comparison.png (original pixels)
SHOWN = 8  # avatars in the translation comparison


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", default="checkpoints", help="folder of checkpoint directories")
    parser.add_argument("--photos", default="data/photos", help="prepared photos (their eval split is used)")
    parser.add_argument("--avatars", default="data/avatars-eval", help="prepared held-out avatars")
    parser.add_argument(
        "--classifier",
        default="checkpoints/classifier-avatars",
        help="avatar-attribute classifier for the translation FD ('none': no FD)",
    )
    parser.add_argument(
        "--floor-avatars",
        default="data/avatars-128",
        help="prepared avatars of the translation FD floor (those whose seeds are not evaluated)",
    )
    parser.add_argument("--update-cards", action="store_true", help="write metrics into config.json and README.md")
    return parser.parse_args(argv)


def busiest_crop(image: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the size x size window with the most detail (gradient energy), on a coarse grid."""
    grey = image.astype(np.float32).mean(-1)
    energy = np.abs(np.diff(grey, axis=0))[:, :-1] + np.abs(np.diff(grey, axis=1))[:-1]
    step = size // 2
    best, corner = -1.0, (0, 0)
    for top in range(0, energy.shape[0] - size, step):
        for left in range(0, energy.shape[1] - size, step):
            score = float(energy[top : top + size, left : left + size].mean())
            if score > best:
                best, corner = score, (top, left)
    return corner


def as_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """(H, W, 3) uint8 images -> (N, 3, H, W) in [-1, 1] for grid_image."""
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def evaluate_superres(registry: ModelRegistry, photos_root: Path) -> dict[str, dict[str, Any]]:
    names = registry.names(kind=Kind.SUPER_RESOLUTION)
    if not names:
        return {}
    titles = [Path(p["file"]).stem for p in read_manifest(photos_root)["photos"] if p["split"] == "eval"]
    photos = [p.permute(1, 2, 0).numpy() for p in load_photos(photos_root, "eval")]  # in manifest order
    rows: dict[str, list[dict[str, float]]] = {"bicubic": [], **{n: [] for n in names}}
    crops: list[np.ndarray] = []
    for title, photo in zip(titles, photos, strict=True):
        answers = {name: ops.known_answer(registry.get(name).model, photo) for name in names}
        first = answers[names[0]]  # the bicubic result and the original are the same in every answer
        rows["bicubic"].append(first["metrics"]["bicubic"])
        for name, answer in answers.items():
            rows[name].append(answer["metrics"]["model"])
        top, left = busiest_crop(first["original"], CROP)
        window = (slice(top, top + CROP), slice(left, left + CROP))
        lr = first["lr"][top // 4 : (top + CROP) // 4, left // 4 : (left + CROP) // 4].repeat(4, 0).repeat(4, 1)
        crops += [lr, first["bicubic"][window], *(a["model"][window] for a in answers.values())]
        crops.append(first["original"][window])
        print(
            f"{title:38s} " + "  ".join(f"{k} {v[-1]['psnr']:.2f} dB / {v[-1]['ssim']:.4f}" for k, v in rows.items()),
            file=sys.stderr,
        )
    figure = grid_image(as_tensor(crops), nrow=3 + len(names), padding=2).resize(
        ((3 + len(names)) * 2 * (CROP + 2), len(photos) * 2 * (CROP + 2)), resample=0
    )
    results: dict[str, dict[str, Any]] = {}
    for name, scores in rows.items():
        results[name] = {
            "psnr_y": sum(s["psnr"] for s in scores) / len(scores),
            "ssim_y": sum(s["ssim"] for s in scores) / len(scores),
            "per_photo": {t: {k: round(v, 4) for k, v in s.items()} for t, s in zip(titles, scores, strict=True)},
        }
    for name in names:
        figure.save(registry.directory(name) / "comparison.png")
    print("\nSuper-resolution x4 on the held-out photos (Y channel, 4 px border cropped); comparison.png columns:")
    print("LR (nearest), bicubic, " + ", ".join(names) + ", original.\n")
    print("| method | PSNR (dB) ↑ | SSIM ↑ | PSNR gain over bicubic |\n|---|---:|---:|---:|")
    for name, r in results.items():
        gain = r["psnr_y"] - results["bicubic"]["psnr_y"]
        print(f"| {name} | {r['psnr_y']:.2f} | {r['ssim_y']:.4f} | {gain:+.2f} dB |")
    return results


def other_real_avatars(root: Path, exclude: range, count: int) -> torch.Tensor:
    """The first `count` avatars of a prepared folder whose seeds are not in `exclude`, in [-1, 1]."""
    avatars = load_avatars(root)
    keep = [i for i, seed in enumerate(avatars.seeds) if seed not in exclude][:count]
    if len(keep) < count:
        raise ValueError(f"{root} has {len(keep)} avatars with seeds outside {exclude}, need {count}")
    return to_model_range(avatars.images[keep])


def evaluate_translation(
    registry: ModelRegistry,
    avatars_root: Path,
    classifier: evaluation.AvatarClassifier | None = None,
    floor_root: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """L1 and PSNR of every translation model on the held-out avatars; with a classifier, the Fréchet distance in
    its features, and with other real avatars in `floor_root`, its floor (as "frechet_distance_floor")."""
    names = registry.names(kind=Kind.TRANSLATION)
    if not names:
        return {}
    avatars = load_avatars(avatars_root)
    targets = avatars.images.float().div(127.5).sub(1)  # (N, 3, S, S)
    fd_reference, fd = None, {}  # the true avatars' feature statistics; what every model's FD is measured with
    if classifier is not None:
        fd_reference = evaluation.classifier_statistics(classifier, targets)
        fd["fd_features"] = f"{classifier.name} ({classifier.image_size} px)"
        if floor_root is not None:
            others = other_real_avatars(floor_root, avatars.seeds, len(targets))
            fd["frechet_distance_floor"] = evaluation.frechet_distance(
                *evaluation.classifier_statistics(classifier, others), *fd_reference
            )
    results: dict[str, dict[str, Any]] = {}
    outputs: dict[str, torch.Tensor] = {}
    for name in names:
        model = registry.get(name).model
        fakes = torch.cat([ops.translate(model, batch) for batch in avatars.sketches.split(100)])
        outputs[name] = fakes[:SHOWN]
        errors = (fakes.clamp(-1, 1) - targets).abs().mul(127.5)  # 0-255 units
        mse = errors.square().flatten(1).mean(1)
        results[name] = {
            "l1": errors.mean().item() / 255,  # as a fraction of the range, like the training L1 / 2
            "psnr": float(np.mean([10 * math.log10(255**2 / m) for m in mse.tolist()])),
        }
        if fd_reference is not None:
            distance = evaluation.frechet_distance(*evaluation.classifier_statistics(classifier, fakes), *fd_reference)
            results[name].update(frechet_distance=distance, **fd)
    sketches = avatars.sketches[:SHOWN].float().div(127.5).sub(1).expand(-1, 3, -1, -1)
    figure = grid_image(torch.cat([sketches, *outputs.values(), targets[:SHOWN]]), nrow=SHOWN)
    for name in names:
        figure.save(registry.directory(name) / "comparison.png")
    seeds = avatars.seeds
    print(f"\nTranslation on {len(targets)} held-out avatars (seeds {seeds.start}-{seeds.stop - 1}); comparison.png")
    print("rows: the sketch, " + ", ".join(names) + ", the true avatar.", end=" ")
    if fd_reference is None:
        print("(No Fréchet distance: no avatar-attribute classifier.)\n")
        print("| model | L1 ↓ (fraction of 0-255) | PSNR (dB, RGB) ↑ |\n|---|---:|---:|")
    else:
        floor_note = f"{len(targets)} other real avatars ({floor_root}) vs the same true ones" if floor_root else "—"
        print(
            f"FD: {classifier.name} features at {classifier.image_size} px of the {len(targets)} translated vs the "
            f"{len(targets)} true avatars; floor: {floor_note}.\n"
        )
        print("| model | L1 ↓ (fraction of 0-255) | PSNR (dB, RGB) ↑ | FD ↓ | FD floor (real vs real) |")
        print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        cells = ""
        if "frechet_distance" in r:
            cells = f" {r['frechet_distance']:.4g} | {r.get('frechet_distance_floor', float('nan')):.4g} |"
        print(f"| {name} | {r['l1']:.4f} | {r['psnr']:.2f} |{cells}")
    return results


def write_metrics(directory: Path, metrics: dict[str, Any]) -> None:
    """Replace a checkpoint's config.json `metrics` (floats rounded to 4 digits, the command added) and its card."""
    config = read_config(directory)
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
    config["metrics"] = {**rounded, "command": "python " + shlex.join(sys.argv)}
    write_config(directory, config)
    write_model_card(directory)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    registry = ModelRegistry([args.checkpoints])
    results = {}
    if (Path(args.photos) / "manifest.json").exists():
        results.update(evaluate_superres(registry, Path(args.photos)))
    else:
        print(f"no prepared photos in {args.photos}: super-resolution skipped", file=sys.stderr)
    if (Path(args.avatars) / "dataset.json").exists():
        classifier = None
        if args.classifier != "none" and Path(args.classifier).exists():
            classifier = evaluation.load_attribute_classifier(args.classifier)
        elif args.classifier != "none":
            print(f"no classifier at {args.classifier}: translation FD skipped", file=sys.stderr)
        floor_root = Path(args.floor_avatars) if (Path(args.floor_avatars) / "dataset.json").exists() else None
        if classifier is not None and floor_root is None:
            print(f"no prepared avatars in {args.floor_avatars}: the FD floor is skipped", file=sys.stderr)
        results.update(evaluate_translation(registry, Path(args.avatars), classifier, floor_root))
    else:
        print(f"no prepared avatars in {args.avatars}: translation skipped", file=sys.stderr)
    if args.update_cards:
        for name, metrics in results.items():
            if name == "bicubic":
                continue
            if "psnr_y" in metrics:
                metrics = {
                    **metrics,
                    "bicubic_psnr_y": results["bicubic"]["psnr_y"],
                    "bicubic_ssim_y": results["bicubic"]["ssim_y"],
                }
            write_metrics(registry.directory(name), metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
