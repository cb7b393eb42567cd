"""Render the cartoon-avatar dataset (images, sketches, attribute labels) for pix2pix and StyleGAN training,
or (--hair-domains) the unpaired black-hair / blonde-hair domains for CycleGAN.

Needs the training extra: pip install python-avatars resvg-py. Each seed is one avatar, so the
same command always writes the same files; a folder that already holds the request is left alone.

Examples:
    python scripts/prepare_avatars.py --out data/avatars-128 --first-seed 0 --count 30000 --size 128 --workers 2
    python scripts/prepare_avatars.py --out /tmp/av-check --count 64 --preview /tmp/av-preview.png
    python scripts/prepare_avatars.py --hair-domains --out data/hair-64 --count 2000 --test-count 500 --size 64
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from gan_demo.data.avatars import load_avatars, prepare_avatars, prepare_hair_domains  # noqa: E402
from gan_demo.imaging import grid_image  # noqa: E402


def write_preview(root: Path, path: Path, count: int = 32) -> None:
    """A grid of the first `count` avatars, each followed by its sketch."""
    data = load_avatars(root)
    images = data.images[:count]
    sketches = data.sketches[:count].expand(-1, 3, -1, -1)
    pairs = torch.stack([images, sketches], 1).flatten(0, 1)  # (2n, 3, H, W): avatar, sketch, avatar, ...
    grid_image(pairs.float() / 127.5 - 1, nrow=8).save(path)
    print(f"preview: {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/avatars-128"), help="folder for the .npy files")
    parser.add_argument("--first-seed", type=int, default=0, help="seed of the first avatar")
    parser.add_argument("--count", type=int, default=30000, help="number of avatars (seeds first-seed onwards)")
    parser.add_argument("--size", type=int, default=128, help="image side in pixels")
    parser.add_argument("--workers", type=int, default=1, help="rendering processes")
    parser.add_argument("--preview", type=Path, help="also write a PNG grid of the first 32 avatars and sketches")
    parser.add_argument(
        "--hair-domains",
        action="store_true",
        help="CycleGAN's trainA/trainB/testA/testB PNG folders (black / blonde hair, disjoint seeds), --count per "
        "training domain, and each test avatar's counterpart (the other hair colour) in testA_counterpart/ etc.",
    )
    parser.add_argument("--test-count", type=int, default=500, help="--hair-domains: held-out avatars per domain")
    args = parser.parse_args(argv)
    if args.hair_domains:
        prepare_hair_domains(args.out, train_count=args.count, test_count=args.test_count, size=args.size)
        return 0
    root = prepare_avatars(args.out, first_seed=args.first_seed, count=args.count, size=args.size, workers=args.workers)
    if args.preview:
        write_preview(root, args.preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())
