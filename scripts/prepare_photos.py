"""Gather the real photographs for super-resolution training from installed packages, offline.

The photos come from Debian's wallpaper packages and the scikit-image / scikit-learn wheels; each is
downscaled (Lanczos) and written as PNG to <out>/train or <out>/eval, with <out>/manifest.json
recording its source, package, version, licence and checksum. Running it again changes nothing
unless the sources or the options changed.

Examples:
    apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds   # the sources
    python scripts/prepare_photos.py --out data/photos
    python scripts/prepare_photos.py --out data/photos-2k --max-side 2048 --eval-count 8
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.data.photos import prepare_photos, read_manifest  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/photos"), help="folder for train/, eval/, manifest")
    parser.add_argument("--max-side", type=int, default=1200, help="longest side after downscaling, in pixels")
    parser.add_argument("--eval-count", type=int, default=6, help="photos held out for evaluation (fixed by name)")
    args = parser.parse_args(argv)

    out = prepare_photos(args.out, max_side=args.max_side, eval_count=args.eval_count)
    photos = read_manifest(out)["photos"]
    width = max(len(p["file"]) for p in photos)
    print(f"{'file':<{width}}  {'size':>9}  {'licence':<31}  package")
    for p in sorted(photos, key=lambda p: (p["split"] != "eval", p["file"].lower())):
        size = "x".join(map(str, p["size"]))
        print(f"{p['file']:<{width}}  {size:>9}  {p['licence']:<31}  {p['package']} {p['version']}")
    for split in ("train", "eval"):
        chosen = [p for p in photos if p["split"] == split]
        pixels = sum(p["size"][0] * p["size"][1] for p in chosen)
        print(f"{split}: {len(chosen)} photos, {pixels / 1e6:.1f} megapixels")
    print(f"manifest: {out / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
