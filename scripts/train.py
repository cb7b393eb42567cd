"""Train a GAN and export it as an app checkpoint (the evaluation classifiers: scripts/train_classifier.py).

Examples (each shipped checkpoint's recipe is its recipe.json; its README.md lists the sessions it took):
    python scripts/train.py --config checkpoints/dcgan-fashion/recipe.json   # reproduce a shipped checkpoint
    python scripts/train.py --config checkpoints/dcgan-fashion/recipe.json --out runs/mine --steps 500  # flags win
    python scripts/train.py --family dcgan --dataset fashion-mnist --out runs/dcgan --steps 10000
    python scripts/train.py --family dcgan --out runs/dcgan --steps 10000 --resume   # continue after a kill
    python scripts/train.py --config checkpoints/dcgan-fashion/recipe.json --resume   # finished: redraw its pictures
    python scripts/train.py --family dcgan --dataset folder --data-root my_images/ --image-size 64
    torchrun --nproc_per_node 2 scripts/train.py --family wgan-gp --out runs/wgan
    python scripts/train.py --family pix2pix --dataset avatars --data-root data/avatars-128 --out runs/p2p
    python scripts/train.py --family pix2pix --dataset folder --data-root my_pairs/   # A|B side-by-side images
    python scripts/train.py --family srgan --dataset photos --out runs/sr                    # PSNR-oriented stage
    python scripts/train.py --family srgan --adv-weight 0.01 --init-from runs/sr/model --out runs/srgan   # GAN stage
    python scripts/train.py --family stylegan --dataset avatars --data-root data/avatars-64 --out runs/sg
    python scripts/train.py --family cyclegan --dataset folder --data-root horse2zebra/ --out runs/cg  # trainA/ trainB/
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.models.srgan import UPSAMPLERS  # noqa: E402
from gan_demo.training import train  # noqa: E402
from gan_demo.training.base import TrainingDiverged  # noqa: E402
from gan_demo.training.config import (  # noqa: E402
    D_NORMS,
    FAMILIES,
    FAMILY_FIELDS,
    TrainConfig,
    family_defaults_text,
)
from gan_demo.training.options import options_parser, parse_options  # noqa: E402

HELP = {
    "family": "dcgan (BCE), wgan-gp (critic + gradient penalty), cgan (class-conditional), pix2pix (sketch -> "
    "picture), srgan (x4 super-resolution), stylegan (StyleGAN2) or cyclegan (unpaired A <-> B); each brings its "
    "defaults for the options below that show one per family",
    "dataset": "fashion-mnist, mnist, cifar10, avatars (prepared by scripts/prepare_avatars.py), folder (images under "
    "--data-root); pix2pix: avatars or folder (A|B pairs); srgan: photos or folder; cyclegan: hair-avatars "
    "(prepare_avatars.py --hair-domains) or folder (trainA/ trainB/)",
    "data_root": "where the dataset's files are; unset: Debian's dataset-fashion-mnist, else a download",
    "steps": "generator updates (each after n_critic discriminator updates)",
    "resume": "continue the run in --out from its last saved state; a finished run whose model is already exported "
    "trains nothing and keeps its weights and config.json (metrics included), and draws its losses.png, "
    "timelapse.gif (from <out>/samples/) and README.md again",
    "precision": "auto: bf16 autocast where the hardware has it, else fp32",
    "max_minutes": "stop cleanly after this many minutes (state saved, model exported); resume later",
    "aux_weight": "cgan: weight of the auxiliary class loss that sharpens class fidelity",
    "label_smoothing": "one-sided label smoothing for real images (e.g. 0.1)",
    "image_size": "image folders: images are centre-cropped and resized to this (built-in datasets keep theirs); "
    "pix2pix and stylegan: the resolution; srgan: the high-resolution training crop",
    "batch_size": "images (pairs) per step",
    "g_blocks": "srgan / cyclegan: residual blocks of the generator",
    "cycle_weight": "cyclegan: lambda, the weight of the cycle-consistency L1 loss",
    "identity_weight": "cyclegan: weight of the identity loss as a multiple of lambda (0 turns it off)",
    "pool_size": "cyclegan: generated images kept in the history the discriminators see (0: only the newest)",
    "g_max_channels": "pix2pix: the U-Net's widest level; stylegan: the widest layers of G and D",
    "latent_dim": "size of z (and, for stylegan, of w)",
    "mapping_layers": "stylegan: layers of the mapping network z -> w",
    "r1_gamma": "stylegan: weight of the R1 gradient penalty on real images",
    "r1_every": "stylegan: apply R1 every this many steps (lazy regularisation)",
    "mixing_prob": "stylegan: share of batches generated from two latents mixed at a random layer",
    "augment": "stylegan: DiffAugment for the discriminator, a comma list of color, translation, cutout (unset: none)",
    "scale": "srgan: the upscaling factor (2, 4 or 8)",
    "upsampler": "srgan: direct (one sub-pixel convolution at the input's size makes every output pixel, as in ESPCN "
    "and lightweight SR models; 2.5x faster on a CPU) or stepwise (SRGAN's x2 sub-pixel convolutions at each size)",
    "init_from": "srgan: start the generator from this checkpoint (the GAN stage starts from the PSNR-oriented model)",
    "l1_weight": "pix2pix: weight (lambda) of the L1 loss beside the adversarial loss",
    "adv_weight": "pix2pix / srgan: weight of the adversarial loss; 0 trains no discriminator (the pixel-loss "
    "baselines)",
    "feature_weight": "srgan: weight of the discriminator feature-matching loss, VGG's role when it cannot be "
    "downloaded",
    "channels": "image folders: 1 (grey) or 3 (RGB)",
    "out": "run folder: state.pt (for --resume), log.jsonl, samples/",
    "export": "where the app checkpoint is written; unset: <out>/model",
    "title": "the model's name in the app",
    "n_critic": "discriminator updates per generator update",
    "lr_g": "generator learning rate",
    "lr_d": "discriminator learning rate",
    "beta1": "Adam beta1",
    "beta2": "Adam beta2",
    "g_channels": "generator width at the last layer before the image (doubles at every halving); srgan: its width; "
    "stylegan: the width at full resolution",
    "d_channels": "discriminator width at its first layer (doubles at every halving)",
    "d_norm": "dcgan, wgan-gp, cgan: the discriminator's normalisation: batch (DCGAN's), spectral (Miyato et al. "
    "2018) or none (the WGAN-GP critic's); the other families keep their own",
    "ema_decay": "decay of the exponential moving average of generator weights that is exported",
    "seed": "seeds weights, batches and noise: the same seed and hardware give the same run",
    "device": "cpu, cuda, cuda:1, mps; unset: CUDA if available, else Apple MPS, else the CPU",
    "tensorboard": "also write TensorBoard event files (losses, D(x) and D(G(z)), sample grids) to <out>/tensorboard; "
    "watch with: tensorboard --logdir <out>. Needs pip install tensorboard",
}


def parser() -> argparse.ArgumentParser:
    """The options, one per TrainConfig field; a family-dependent one shows each family's default."""
    return options_parser(
        TrainConfig,
        __doc__,
        HELP,
        choices={"family": FAMILIES, "d_norm": D_NORMS, "upsampler": UPSAMPLERS},
        default_text=lambda name: family_defaults_text(name) if name in FAMILY_FIELDS else None,
    )


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """The run's TrainConfig: a --config recipe (if any) under the flags given."""
    arguments = parser()
    options = parse_options(arguments, TrainConfig, argv)
    if options["tensorboard"] and importlib.util.find_spec("tensorboard") is None:
        arguments.error("--tensorboard needs the tensorboard package: pip install tensorboard (or leave it out)")
    return TrainConfig(**options)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    try:
        exported = train(cfg)
    except TrainingDiverged as err:
        print(f"training diverged: {err}", file=sys.stderr)
        return 2
    if exported:
        print(f"exported {exported}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
