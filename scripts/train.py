"""Train a GAN (or the evaluation classifier) and export it as an app checkpoint.

Examples (the exact commands behind each shipped checkpoint are in its README.md):
    python scripts/train.py --family dcgan --dataset fashion-mnist --out runs/dcgan --steps 10000
    python scripts/train.py --family dcgan --out runs/dcgan --steps 10000 --resume   # continue after a kill
    python scripts/train.py --family dcgan --dataset folder --data-root my_images/ --image-size 64
    torchrun --nproc_per_node 2 scripts/train.py --family wgan-gp --out runs/wgan
    python scripts/train.py --family classifier --export checkpoints/classifier-fashion
    python scripts/train.py --family classifier --dataset avatars --data-root data/avatars-128 --image-size 64 \
        --steps 6 --export checkpoints/classifier-avatars   # the avatar-attribute classifier, tested on --test-root
    python scripts/train.py --family pix2pix --dataset avatars --data-root data/avatars-128 --out runs/p2p
    python scripts/train.py --family pix2pix --dataset folder --data-root my_pairs/   # A|B side-by-side images
    python scripts/train.py --family srgan --dataset photos --out runs/sr                    # PSNR-oriented stage
    python scripts/train.py --family srgan --adv-weight 0.01 --init-from runs/sr/model --out runs/srgan   # GAN stage
    python scripts/train.py --family stylegan --dataset avatars --data-root data/avatars-64 --out runs/sg
    python scripts/train.py --family cyclegan --dataset folder --data-root horse2zebra/ --out runs/cg  # trainA/ trainB/
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import types
import typing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.training.base import TrainingDiverged  # noqa: E402
from gan_demo.training.classifier import train_classifier  # noqa: E402
from gan_demo.training.config import FAMILIES, TrainConfig  # noqa: E402
from gan_demo.training.loop import train  # noqa: E402

HELP = {
    "family": "dcgan (BCE), wgan-gp (critic + gradient penalty), cgan (class-conditional), pix2pix (sketch -> "
    "picture), srgan (x4 super-resolution), stylegan (StyleGAN2), cyclegan (unpaired A <-> B), or classifier",
    "dataset": "fashion-mnist, mnist, cifar10, avatars (prepared by scripts/prepare_avatars.py), folder (images under "
    "--data-root); pix2pix: avatars or folder (A|B pairs); srgan: photos or folder; cyclegan: hair-avatars "
    "(prepare_avatars.py --hair-domains) or folder (trainA/ trainB/); classifier: avatars trains the "
    "avatar-attribute classifier; unset: the family's default",
    "data_root": "where the dataset's files are; unset: Debian's dataset-fashion-mnist, else a download",
    "steps": "generator updates (each after n_critic discriminator updates); for classifier: epochs",
    "resume": "continue the run in --out from its last saved state",
    "precision": "auto: bf16 autocast where the hardware has it, else fp32",
    "max_minutes": "stop cleanly after this many minutes (state saved, model exported); resume later",
    "aux_weight": "cgan: weight of the auxiliary class loss that sharpens class fidelity",
    "label_smoothing": "one-sided label smoothing for real images (e.g. 0.1)",
    "image_size": "image folders: images are centre-cropped and resized to this (built-in datasets keep theirs); "
    "pix2pix: the resolution (default 128); srgan: the high-resolution training crop (default 128)",
    "batch_size": "images per step; unset: 128, or 16 for pix2pix and srgan",
    "g_blocks": "srgan / cyclegan: residual blocks of the generator (unset: 8, or 6 for cyclegan)",
    "cycle_weight": "cyclegan: lambda, the weight of the cycle-consistency L1 loss",
    "identity_weight": "cyclegan: weight of the identity loss as a multiple of lambda (0 turns it off)",
    "pool_size": "cyclegan: generated images kept in the history the discriminators see (0: only the newest)",
    "g_max_channels": "pix2pix: the U-Net's widest level; stylegan: the widest layers of G and D (unset: 128, or 256 "
    "for stylegan)",
    "latent_dim": "size of z (and, for stylegan, of w); unset: 100, or 256 for stylegan",
    "mapping_layers": "stylegan: layers of the mapping network z -> w",
    "r1_gamma": "stylegan: weight of the R1 gradient penalty on real images",
    "r1_every": "stylegan: apply R1 every this many steps (lazy regularisation)",
    "mixing_prob": "stylegan: share of batches generated from two latents mixed at a random layer",
    "augment": "stylegan: DiffAugment for the discriminator, a comma list of color, translation, cutout (unset: none)",
    "scale": "srgan: the upscaling factor (2, 4 or 8)",
    "init_from": "srgan: start the generator from this checkpoint (the GAN stage starts from the PSNR-oriented model)",
    "l1_weight": "pix2pix: weight (lambda) of the L1 loss beside the adversarial loss",
    "adv_weight": "pix2pix / srgan: weight of the adversarial loss; 0 trains no discriminator (the pixel-loss "
    "baselines); unset: 1 for pix2pix, 0 for srgan",
    "feature_weight": "srgan: weight of the discriminator feature-matching loss, VGG's role when it cannot be "
    "downloaded",
    "channels": "image folders: 1 (grey) or 3 (RGB)",
    "out": "run folder: state.pt (for --resume), log.jsonl, samples/",
    "export": "where the app checkpoint is written; unset: <out>/model",
    "title": "the model's name in the app",
    "n_critic": "discriminator updates per generator update; unset: 1, or 5 for wgan-gp",
    "lr_g": "generator learning rate; unset: 2e-4, or 1e-4 for wgan-gp",
    "lr_d": "discriminator learning rate; unset: 2e-4, or 1e-4 for wgan-gp",
    "beta1": "Adam beta1; unset: 0.5, or 0.0 for wgan-gp",
    "beta2": "Adam beta2; unset: 0.999, or 0.9 for wgan-gp",
    "g_channels": "generator width at the last layer before the image (doubles at every halving); srgan: its width; "
    "stylegan: the width at full resolution (unset: 32, or 64 for stylegan)",
    "d_channels": "discriminator width at its first layer (doubles at every halving)",
    "ema_decay": "decay of the exponential moving average of generator weights that is exported",
    "seed": "seeds weights, batches and noise: the same seed and hardware give the same run",
    "device": "cpu, cuda, cuda:1, mps; unset: CUDA if available, else CPU",
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples' line breaks and shows every default that is set."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return action.help if action.default is None else super()._get_help_string(action)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
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
    parser.add_argument(
        "--test-root",
        default=None,
        help="classifier on avatars: the prepared held-out avatars it is tested on; unset: data/avatars-eval",
    )
    args = parser.parse_args(argv)
    if args.test_root is not None and args.family != "classifier":
        parser.error("--test-root goes with --family classifier")
    return args


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
            test_root=args.test_root,
        )
        return 0
    options = vars(args)
    del options["test_root"]  # a classifier option, not a TrainConfig field
    try:
        exported = train(TrainConfig(**options))
    except TrainingDiverged as err:
        print(f"training diverged: {err}", file=sys.stderr)
        return 2
    if exported:
        print(f"exported {exported}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
