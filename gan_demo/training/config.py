"""One configuration dataclass for every training family, the families' defaults, and recipes (JSON files of
options, e.g. checkpoints/<name>/recipe.json); scripts/train.py builds its options and --help from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAMILIES = ("dcgan", "wgan-gp", "cgan", "pix2pix", "srgan", "stylegan", "cyclegan")
_ADAM_GAN = {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "n_critic": 1}
_NOISE = {
    "image_size": 32, "latent_dim": 100, "g_channels": 32, "g_max_channels": 128, "adv_weight": 1.0, "g_blocks": 8,
    "d_norm": "batch",
}  # fmt: skip
D_NORMS = ("batch", "spectral", "none")  # dcgan, wgan-gp, cgan: the discriminator's normalisation
# The one source of the fields that depend on the family (TrainConfig leaves them None): every family sets every
# one of FAMILY_FIELDS. Literature defaults: DCGAN (Radford et al.), WGAN-GP (Gulrajani et al., Algorithm 1),
# pix2pix (Isola et al.), SRGAN (Ledig et al.; Adam with beta1 0.9) with pix2pix-sized batches for a CPU,
# StyleGAN2 (Karras et al. 2020: Adam(0, 0.99) at 2e-3, here a 256-d latent for small images).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "dcgan": {**_NOISE, **_ADAM_GAN, "dataset": "fashion-mnist", "batch_size": 128},
    "cgan": {**_NOISE, **_ADAM_GAN, "dataset": "fashion-mnist", "batch_size": 128},
    "wgan-gp": {
        **_NOISE, "lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5, "d_norm": "none",
        "dataset": "fashion-mnist", "batch_size": 128,
    },
    "pix2pix": {**_NOISE, **_ADAM_GAN, "dataset": "avatars", "batch_size": 16, "image_size": 128},
    "srgan": {
        **_NOISE, **_ADAM_GAN, "beta1": 0.9, "dataset": "photos", "batch_size": 16, "image_size": 128,
        "adv_weight": 0.0,
    },
    "stylegan": {
        **_NOISE, "lr_g": 2e-3, "lr_d": 2e-3, "beta1": 0.0, "beta2": 0.99, "n_critic": 1, "dataset": "avatars",
        "batch_size": 32, "image_size": 64, "latent_dim": 256, "g_channels": 64, "g_max_channels": 256,
    },
    # CycleGAN (Zhu et al. 2017): Adam(2e-4, 0.5); the ResNet generator at 32 channels and 6 blocks for a CPU.
    "cyclegan": {
        **_NOISE, **_ADAM_GAN, "dataset": "hair-avatars", "batch_size": 1, "image_size": 64, "g_channels": 32,
        "g_blocks": 6,
    },
}  # fmt: skip
FAMILY_FIELDS = tuple(FAMILY_DEFAULTS["dcgan"])
# Fields that must match when a run is resumed; the rest (steps, intervals, rates) may change.
RUN_IDENTITY = (
    "family", "dataset", "image_size", "channels", "latent_dim", "g_channels", "d_channels", "batch_size",
    "g_blocks", "g_max_channels", "scale", "upsampler", "init_from", "mapping_layers", "pool_size", "d_norm",
)  # fmt: skip


@dataclass
class TrainConfig:
    family: str = "dcgan"
    # None in the fields of FAMILY_FIELDS: the family's value in FAMILY_DEFAULTS.
    dataset: str | None = None
    data_root: str | None = None
    image_size: int | None = None  # image folders, pix2pix resolution, srgan HR patch size
    channels: int = 3  # for image folders
    out: str = "runs/dcgan"
    export: str | None = None  # checkpoint directory; default <out>/model
    title: str | None = None
    steps: int = 10_000
    batch_size: int | None = None
    latent_dim: int | None = None
    g_channels: int | None = None
    d_channels: int = 64
    d_norm: str | None = None  # dcgan, wgan-gp, cgan: one of D_NORMS
    g_blocks: int | None = None  # srgan (default 8), cyclegan (default 6): residual blocks
    g_max_channels: int | None = None  # pix2pix: the U-Net's widest level; stylegan: the widest layers
    mapping_layers: int = 8  # stylegan: depth of the mapping network z -> w
    scale: int = 4  # srgan: upscaling factor
    upsampler: str = "direct"  # srgan: one of models.srgan.UPSAMPLERS (direct: 2.5x faster on a CPU than stepwise)
    init_from: str | None = None  # srgan: start the generator from this checkpoint (the PSNR-oriented model)
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    n_critic: int | None = None
    gp_weight: float = 10.0
    label_smoothing: float = 0.0
    aux_weight: float = 0.0  # cgan: weight of the auxiliary classification loss
    l1_weight: float = 100.0  # pix2pix: lambda of the L1 loss; srgan: the pixel loss weight is 1
    adv_weight: float | None = None  # pix2pix / srgan: weight of the adversarial loss; 0 trains no discriminator
    feature_weight: float = 1.0  # srgan: discriminator feature-matching loss (with adv_weight > 0)
    r1_gamma: float = 0.05  # stylegan: weight of the R1 penalty on real images
    r1_every: int = 16  # stylegan: lazy regularisation, the R1 penalty every this many steps
    mixing_prob: float = 0.9  # stylegan: share of batches trained with two latents (style-mixing regularisation)
    augment: str = ""  # stylegan: DiffAugment policy for D's inputs, e.g. "color,translation,cutout"
    cycle_weight: float = 10.0  # cyclegan: lambda of the cycle-consistency loss
    identity_weight: float = 0.5  # cyclegan: the identity loss's weight, as a multiple of cycle_weight
    pool_size: int = 50  # cyclegan: generated images kept to show the discriminators (0: only the newest)
    ema_decay: float = 0.999
    seed: int = 0
    log_every: int = 50
    sample_every: int = 1000
    checkpoint_every: int = 500
    precision: str = "auto"  # auto | bf16 | fp32
    device: str | None = None
    resume: bool = False
    max_minutes: float | None = None  # stop cleanly (state saved, model exported) after this long
    tensorboard: bool = False  # also write TensorBoard event files to <out>/tensorboard (optional dependency)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        for key, value in FAMILY_DEFAULTS[self.family].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"d_norm must be one of {', '.join(D_NORMS)}, got {self.d_norm!r}")
        if self.family == "wgan-gp" and self.d_norm == "batch":
            raise ValueError("wgan-gp's critic cannot use batch norm (the gradient penalty is per sample): "
                             "use d_norm none or spectral")  # fmt: skip


def family_defaults_text(name: str) -> str:
    """A family-dependent field's defaults for --help: "128; pix2pix, srgan: 16; stylegan: 32"."""
    by_value: dict[Any, list[str]] = {}
    for family in FAMILIES:
        by_value.setdefault(FAMILY_DEFAULTS[family][name], []).append(family)
    (common, _), *others = sorted(by_value.items(), key=lambda item: -len(item[1]))
    exceptions = "; ".join(f"{', '.join(families)}: {value:g}" if isinstance(value, float) else
                           f"{', '.join(families)}: {value}" for value, families in others)  # fmt: skip
    shown = f"{common:g}" if isinstance(common, float) else str(common)
    return f"{shown}; {exceptions}" if exceptions else shown
