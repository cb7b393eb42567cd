"""Convert an official pretrained checkpoint into an app checkpoint directory (config.json + model.safetensors + card).

Nothing in the file is run: it is read by gan_demo's restricted loader, which refuses any pickle that asks for
code (and names what it asked for). The format is recognised from the file's contents; the architecture from
its keys and shapes (--arch checks it, or settles what the keys cannot tell).

Examples (from the repository root):
    python scripts/convert.py RealESRGAN_x4plus.pth models/realesrgan-x4plus
    python scripts/convert.py realesr-general-x4v3.pth models/realesr-general-x4v3
    python scripts/convert.py checkpoints/horse2zebra_pretrained/latest_net_G.pth models/horse2zebra
    python scripts/convert.py facades_label2photo_pretrained/latest_net_G.pth models/facades --arch unet_256
    python scripts/convert.py RRDB_PSNR_x4.pth models/esrgan-psnr-x4      # xinntao/ESRGAN's pair: alpha blends them
    python scripts/convert.py RRDB_ESRGAN_x4.pth models/esrgan-x4 --base-model esrgan-psnr-x4
    python scripts/convert.py stylegan2-ffhq-1024x1024.pkl models/stylegan2-ffhq
    GAN_DEMO_MODELS=models python app.py    # the app lists them in the tabs of their kind
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.checkpoint import read_config, write_config  # noqa: E402
from gan_demo.importers import FORMATS, convert  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    formats = "\n".join(f"  {name}: {f.description}" for name, f in FORMATS.items())
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog=f"formats:\n{formats}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", type=Path, help="the official checkpoint file (.pkl, .pt, .pth)")
    parser.add_argument("out_dir", type=Path, help="the app checkpoint directory to write")
    parser.add_argument("--format", choices=list(FORMATS), help="skip recognising the format")
    parser.add_argument(
        "--arch",
        help="the architecture: rrdbnet, srvgg-prelu, srvgg-relu, srvgg-leakyrelu (Real-ESRGAN); "
        "resnet_6blocks, resnet_9blocks, unet_128, unet_256 (pytorch-CycleGAN-and-pix2pix --netG)",
    )
    parser.add_argument(
        "--base-model",
        help="the name (folder) of the PSNR-oriented model this GAN model was fine-tuned from, e.g. the converted "
        "RRDB_PSNR_x4.pth for RRDB_ESRGAN_x4.pth: the super-resolution tab's α then blends the two",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the files of an existing OUT_DIR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out_dir.exists() and any(args.out_dir.iterdir()) and not args.overwrite:
        print(f"error: {args.out_dir} exists and is not empty; pass --overwrite to replace its files", file=sys.stderr)
        return 2
    try:
        out = convert(args.source, args.out_dir, format=args.format, arch=args.arch)
    except (OSError, ValueError) as e:  # unreadable, unsafe, unknown format or architecture, keys that do not fit
        print(f"error: {e}", file=sys.stderr)
        return 1
    config = read_config(out)
    if args.base_model:
        config["base_model"] = args.base_model
        write_config(out, config)
    source = config["source"]
    print(f"wrote {out}: {config['architecture']} for {config.get('task', 'sample')}, from {source['file']}")
    print(f"  format {source['format']}, sha256 {source['sha256']}")
    print(f"  licence of the weights: {source['licence']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
