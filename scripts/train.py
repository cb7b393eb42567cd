"""Train a GAN (or the evaluation classifier) and export it as an app checkpoint.

Examples (the exact commands behind each shipped checkpoint are in its README.md):
    python scripts/train.py --family dcgan --dataset fashion-mnist --out runs/dcgan --steps 10000
    python scripts/train.py --family dcgan --out runs/dcgan --steps 10000 --resume   # continue after a kill
    python scripts/train.py --family dcgan --dataset folder --data-root my_images/ --image-size 64
    torchrun --nproc_per_node 2 scripts/train.py --family wgan-gp --out runs/wgan
    python scripts/train.py --family classifier --export checkpoints/classifier-fashion
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import types
import typing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.training.classifier import train_classifier  # noqa: E402
from gan_demo.training.loop import FAMILIES, TrainConfig, TrainingDiverged, train  # noqa: E402

HELP = {
    "family": "dcgan (BCE), wgan-gp (critic + gradient penalty), cgan (class-conditional), or classifier",
    "dataset": "fashion-mnist, mnist, cifar10, or folder (a folder of images given by --data-root)",
    "data_root": "where the dataset's files are (default: Debian's dataset-fashion-mnist, else download)",
    "steps": "generator updates (each after n_critic discriminator updates); for classifier: epochs",
    "resume": "continue the run in --out from its last saved state",
    "precision": "auto: bf16 autocast where the hardware has it, else fp32",
    "max_minutes": "stop cleanly after this many minutes (state saved, model exported); resume later",
    "aux_weight": "cgan: weight of the auxiliary class loss that sharpens class fidelity",
    "label_smoothing": "one-sided label smoothing for real images (e.g. 0.1)",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        kind = hints[field.name]
        if kind is bool:
            parser.add_argument(flag, action="store_true", help=HELP.get(field.name))
            continue
        if isinstance(kind, types.UnionType):  # "X | None"
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        choices = (*FAMILIES, "classifier") if field.name == "family" else None
        parser.add_argument(flag, type=kind, default=field.default, choices=choices, help=HELP.get(field.name))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.family == "classifier":
        train_classifier(
            dataset=args.dataset,
            data_root=args.data_root,
            export=args.export or str(Path(args.out) / "model"),
            epochs=args.steps,
            batch_size=args.batch_size,
            seed=args.seed,
            image_size=args.image_size,
            channels=args.channels,
        )
        return 0
    try:
        exported = train(TrainConfig(**vars(args)))
    except TrainingDiverged as err:
        print(f"training diverged: {err}", file=sys.stderr)
        return 2
    if exported:
        print(f"exported {exported}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
