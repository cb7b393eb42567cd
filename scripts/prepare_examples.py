"""Write the example inputs the app offers in its super-resolution and translation tabs.

Both come from data no model trained on, so an example shows what the model does with new input:
- translation: the sketches of the first held-out avatars (data/avatars-eval, scripts/prepare_avatars.py);
- super-resolution: the held-out photos of data/photos whose licence allows shipping them (public domain
  or CC0), shrunk to 256 px on the long side so that x4 gives an image worth zooming into.

Examples (from the repository root):
    python scripts/prepare_examples.py
    python scripts/prepare_examples.py --sketches 8
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.data.avatars import load_avatars  # noqa: E402
from gan_demo.data.photos import read_manifest  # noqa: E402

SHIPPABLE_LICENCES = ("public domain", "CC0-1.0")
PHOTO_SIDE = 256


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--avatars", default="data/avatars-eval", help="prepared held-out avatars")
    parser.add_argument("--photos", default="data/photos", help="prepared photos (their eval split)")
    parser.add_argument("--translation-out", default="checkpoints/pix2pix-edges2avatars/examples")
    parser.add_argument("--superres-out", default="checkpoints/srgan-photo-x4/examples")
    parser.add_argument("--sketches", type=int, default=6, help="how many held-out sketches")
    args = parser.parse_args(argv)

    out = Path(args.translation_out)
    out.mkdir(parents=True, exist_ok=True)
    avatars = load_avatars(args.avatars)
    for i in range(args.sketches):
        Image.fromarray(avatars.sketches[i, 0].numpy()).save(out / f"sketch-seed-{avatars.seeds[i]}.png")
    print(f"{args.sketches} sketches -> {out}")

    out = Path(args.superres_out)
    out.mkdir(parents=True, exist_ok=True)
    for photo in read_manifest(args.photos)["photos"]:
        if photo["split"] != "eval" or photo["licence"] not in SHIPPABLE_LICENCES:
            continue
        image = Image.open(Path(args.photos) / photo["file"])
        image.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.LANCZOS)
        name = Path(photo["file"]).stem
        image.save(out / f"{name}.png")
        print(f"{name}: {image.size[0]}x{image.size[1]}, {photo['licence']}, {photo['credit']} -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
