"""The training loop for the image GAN families: dcgan, wgan-gp and cgan.

One step is one generator update after `n_critic` discriminator updates. The
loop runs the same on one CPU, one GPU, or several processes under torchrun
(DistributedDataParallel over NCCL on GPUs, gloo on CPUs), and can be killed
at any moment: `resume=True` continues from the last state written.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .. import checkpoint
from ..data import ImageDataset, load_dataset, to_model_range
from ..device import pick_device
from ..imaging import grid_image
from ..models import DCGANDiscriminator, DCGANGenerator, ProjectionDiscriminator
from .ema import make_ema, recalibrate_batchnorm, update_ema
from .losses import d_bce_loss, d_wasserstein_loss, g_nonsaturating_loss, g_wasserstein_loss, gradient_penalty
from .report import describe_hardware, plot_losses, read_log, write_model_card
from .state import load_state, save_state

FAMILIES = ("dcgan", "wgan-gp", "cgan")
# Literature defaults: DCGAN (Radford et al.) and WGAN-GP (Gulrajani et al., Algorithm 1).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "dcgan": {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "n_critic": 1},
    "cgan": {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "n_critic": 1},
    "wgan-gp": {"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5},
}
FAMILY_DESCRIPTIONS = {
    "dcgan": "DCGAN (Radford et al. 2016): a transposed-convolution generator with batch norm against a convolutional "
    "discriminator, trained with the non-saturating BCE loss.",
    "wgan-gp": "WGAN-GP (Gulrajani et al. 2017): the DCGAN generator against a Wasserstein critic without batch norm, "
    "kept 1-Lipschitz by a gradient penalty, with n_critic critic updates per generator update.",
    "cgan": "Conditional GAN: the DCGAN generator with conditional batch norm against a projection discriminator "
    "(Miyato & Koyama 2018) with an auxiliary class loss (Odena et al. 2017).",
}
# Fields that must match when a run is resumed; the rest (steps, intervals) may change.
RUN_IDENTITY = ("family", "dataset", "image_size", "channels", "latent_dim", "g_channels", "d_channels", "batch_size")


@dataclass
class TrainConfig:
    family: str = "dcgan"
    dataset: str = "fashion-mnist"
    data_root: str | None = None
    image_size: int = 32  # for image folders; built-in datasets keep their own size
    channels: int = 3  # for image folders
    out: str = "runs/dcgan"
    export: str | None = None  # checkpoint directory; default <out>/model
    title: str | None = None
    steps: int = 10_000
    batch_size: int = 128
    latent_dim: int = 100
    g_channels: int = 32
    d_channels: int = 64
    lr_g: float | None = None  # None: the family's default
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    n_critic: int | None = None
    gp_weight: float = 10.0
    label_smoothing: float = 0.0
    aux_weight: float = 0.0  # cgan: weight of the auxiliary classification loss
    ema_decay: float = 0.999
    seed: int = 0
    log_every: int = 50
    sample_every: int = 1000
    checkpoint_every: int = 500
    precision: str = "auto"  # auto | bf16 | fp32
    device: str | None = None
    resume: bool = False
    max_minutes: float | None = None  # stop cleanly (state saved, model exported) after this long

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {self.family!r}")
        for key, value in FAMILY_DEFAULTS[self.family].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good state on disk is untouched."""


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls) -> Distributed:
        return cls(
            int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))
        )

    @property
    def is_main(self) -> bool:
        return self.rank == 0


class BatchSampler:
    """Shuffled epochs over an in-memory dataset, with a state that survives a restart."""

    def __init__(self, size: int, batch_size: int, seed: int) -> None:
        self.size, self.batch_size = size, batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.perm = torch.randperm(size, generator=self.generator)
        self.cursor = 0
        self.epoch = 0

    def next_indices(self) -> torch.Tensor:
        if self.cursor + self.batch_size > self.size:
            self.perm = torch.randperm(self.size, generator=self.generator)
            self.cursor = 0
            self.epoch += 1
        indices = self.perm[self.cursor : self.cursor + self.batch_size]
        self.cursor += self.batch_size
        return indices

    def state_dict(self) -> dict[str, Any]:
        return {"perm": self.perm, "cursor": self.cursor, "epoch": self.epoch, "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.perm, self.cursor, self.epoch = state["perm"], state["cursor"], state["epoch"]
        self.generator.set_state(state["rng"])


def cpu_supports_bf16() -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and any(flag in cpuinfo.read_text() for flag in (" avx512_bf16", " amx_bf16"))


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype, or None for plain float32."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    return torch.bfloat16 if device.type == "cpu" and cpu_supports_bf16() else None


def build_models(cfg: TrainConfig, data: ImageDataset) -> tuple[nn.Module, nn.Module]:
    common = {"image_size": data.image_size, "image_channels": data.channels}
    if cfg.family == "cgan":
        if data.labels is None:
            raise ValueError("cgan needs a labelled dataset (for a folder: one sub-folder per class)")
        n = len(data.class_names)
        g = DCGANGenerator(latent_dim=cfg.latent_dim, base_channels=cfg.g_channels, num_classes=n, **common)
        d = ProjectionDiscriminator(base_channels=cfg.d_channels, num_classes=n, **common)
        return g, d
    norm = "none" if cfg.family == "wgan-gp" else "batch"
    g = DCGANGenerator(latent_dim=cfg.latent_dim, base_channels=cfg.g_channels, **common)
    return g, DCGANDiscriminator(base_channels=cfg.d_channels, norm=norm, **common)


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Trainer:
    def __init__(self, cfg: TrainConfig, command: str | None = None) -> None:
        self.cfg = cfg
        self.command = command or "python " + shlex.join(sys.argv)
        self.dist = Distributed.from_env()
        if self.dist.world_size > 1 and not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            dist.init_process_group(backend)
        if cfg.device:
            self.device = torch.device(cfg.device)
        elif torch.cuda.is_available():
            self.device = torch.device("cuda", self.dist.local_rank)
        else:
            self.device = pick_device()  # Apple MPS, else the CPU (or GAN_DEMO_DEVICE)
        self.autocast_dtype = resolve_precision(cfg.precision, self.device)
        self.out = Path(cfg.out)
        self.state_path = self.out / "state.pt"
        self.log_path = self.out / "log.jsonl"

        torch.manual_seed(cfg.seed + self.dist.rank)
        self.data = load_dataset(cfg.dataset, data_root=cfg.data_root, image_size=cfg.image_size, channels=cfg.channels)
        # Keep small datasets on the accelerator: batches are then slices, not copies.
        fits = self.data.images.numel() < 2**30
        self.images = self.data.images.to(self.device if fits else "cpu")
        self.labels = self.data.labels.to(self.images.device) if self.data.labels is not None else None
        self.num_classes = len(self.data.class_names) if cfg.family == "cgan" else 0

        self.g, self.d = build_models(cfg, self.data)
        self.g.apply(init_weights)
        self.d.apply(init_weights)
        # channels_last lets oneDNN / cuDNN pick their fastest convolution kernels.
        self.g.to(self.device, memory_format=torch.channels_last)
        self.d.to(self.device, memory_format=torch.channels_last)
        self.g_ema = make_ema(self.g)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
        self.sampler = BatchSampler(len(self.data), cfg.batch_size, cfg.seed + self.dist.rank)
        self.step = 0
        self.train_seconds = 0.0
        self.commands: list[str] = []
        self._load_or_start()
        self.commands.append(self.command)

        self.g_train, self.d_train = self.g, self.d
        if self.dist.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.g_train = nn.parallel.DistributedDataParallel(self.g, device_ids=ids)
            self.d_train = nn.parallel.DistributedDataParallel(self.d, device_ids=ids)

        # Fixed noise for the sample grids: 64 latents, or 8 per class with one row per class.
        fixed = torch.randn(64, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(self.device)
        self.fixed_z, self.fixed_labels = fixed, None
        if self.num_classes:
            self.fixed_z = fixed[:8].repeat(self.num_classes, 1)
            self.fixed_labels = torch.arange(self.num_classes, device=self.device).repeat_interleave(8)

    # -- state ---------------------------------------------------------------------------------------------

    def _load_or_start(self) -> None:
        if self.state_path.exists() and not self.cfg.resume:
            raise FileExistsError(f"{self.state_path} exists: pass --resume to continue it, or choose another --out")
        if not self.cfg.resume or not self.state_path.exists():
            if self.dist.is_main:
                self.out.mkdir(parents=True, exist_ok=True)
                self.log_path.unlink(missing_ok=True)
            return
        state = load_state(self.state_path, self.device)
        saved = json.loads(state["config"])
        changed = [k for k in RUN_IDENTITY if saved.get(k) != getattr(self.cfg, k)]
        if changed:
            raise ValueError(f"cannot resume {self.out}: {', '.join(changed)} differ from the saved run")
        self.g.load_state_dict(state["g"])
        self.d.load_state_dict(state["d"])
        self.g_ema.load_state_dict(state["g_ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sampler.load_state_dict(
            state["sampler"][self.dist.rank] if self.dist.rank < len(state["sampler"]) else state["sampler"][0]
        )
        torch.set_rng_state(state["rng"].cpu())
        self.step = state["step"]
        self.train_seconds = state["train_seconds"]
        self.commands = list(state["commands"])

    def save(self) -> None:
        samplers = [self.sampler.state_dict()]
        if self.dist.world_size > 1:
            samplers = [None] * self.dist.world_size
            dist.all_gather_object(samplers, self.sampler.state_dict())
        if not self.dist.is_main:
            return
        save_state(
            self.state_path,
            {
                "g": self.g.state_dict(),
                "d": self.d.state_dict(),
                "g_ema": self.g_ema.state_dict(),
                "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(),
                "sampler": samplers,
                "rng": torch.get_rng_state(),
                "step": self.step,
                "train_seconds": self.train_seconds,
                "commands": self.commands,
                "config": json.dumps(dataclasses.asdict(self.cfg)),
            },
        )

    # -- one step ------------------------------------------------------------------------------------------

    def _autocast(self) -> torch.autocast:
        return torch.autocast(
            self.device.type, dtype=self.autocast_dtype or torch.float32, enabled=self.autocast_dtype is not None
        )

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self.sampler.next_indices().to(self.images.device)
        real = to_model_range(self.images[idx].to(self.device, non_blocking=True))
        labels = self.labels[idx].to(self.device) if self.num_classes else None
        return real.contiguous(memory_format=torch.channels_last), labels

    def _noise(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.cfg.latent_dim, device=self.device)
        labels = torch.randint(0, self.num_classes, (n,), device=self.device) if self.num_classes else None
        return z, labels

    def discriminator_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        real, real_labels = self._real_batch()
        z, fake_labels = self._noise(real.shape[0])
        with torch.no_grad(), self._autocast():
            fake = self.g_train(z, fake_labels)
        self.opt_d.zero_grad(set_to_none=True)
        out: dict[str, torch.Tensor] = {}
        with self._autocast():
            if cfg.family == "cgan":
                real_out, class_logits = self.d.forward_with_classes(real, real_labels)
                fake_out = self.d_train(fake, fake_labels)
            else:
                real_out, fake_out = self.d_train(real), self.d_train(fake)
        real_out, fake_out = real_out.float(), fake_out.float()  # losses in fp32
        if cfg.family == "wgan-gp":
            gp = gradient_penalty(self.d_train, real, fake.float())  # outside autocast: double backward in fp32
            loss = d_wasserstein_loss(real_out, fake_out) + cfg.gp_weight * gp
            out["gp"] = gp.detach()
        else:
            loss = d_bce_loss(real_out, fake_out, cfg.label_smoothing)
            if cfg.family == "cgan" and cfg.aux_weight:
                d_aux = F.cross_entropy(class_logits.float(), real_labels)
                loss = loss + cfg.aux_weight * d_aux
                out["d_aux"] = d_aux.detach()
            real_out, fake_out = real_out.sigmoid(), fake_out.sigmoid()  # logged as probabilities D(x), D(G(z))
        out["d_real"], out["d_fake"] = real_out.detach().mean(), fake_out.detach().mean()
        loss.backward()
        self.opt_d.step()
        out["d_loss"] = loss.detach()
        return out

    def generator_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        z, labels = self._noise(cfg.batch_size)
        self.opt_g.zero_grad(set_to_none=True)
        self.d.requires_grad_(False)  # no discriminator weight gradients in the generator's step
        with self._autocast():
            fake = self.g_train(z, labels)
            if cfg.family == "cgan":
                logits, class_logits = self.d.forward_with_classes(fake, labels)
                loss = g_nonsaturating_loss(logits.float())
                if cfg.aux_weight:
                    loss = loss + cfg.aux_weight * F.cross_entropy(class_logits.float(), labels)
            elif cfg.family == "wgan-gp":
                loss = g_wasserstein_loss(self.d(fake).float())
            else:
                loss = g_nonsaturating_loss(self.d(fake).float())
        loss.backward()
        self.d.requires_grad_(True)
        self.opt_g.step()
        # Warm-up: early on the average would be dominated by the random initial weights.
        update_ema(self.g_ema, self.g, min(self.cfg.ema_decay, (1 + self.step) / (10 + self.step)))
        return {"g_loss": loss.detach()}

    # -- the loop ------------------------------------------------------------------------------------------

    def run(self) -> Path | None:
        """Train to cfg.steps (or cfg.max_minutes); returns the exported checkpoint directory on rank 0."""
        cfg = self.cfg
        deadline = time.monotonic() + cfg.max_minutes * 60 if cfg.max_minutes else math.inf
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not self.dist.is_main, dynamic_ncols=True, mininterval=2)
        window: dict[str, list[float]] = {}
        started = time.monotonic()
        while self.step < cfg.steps and time.monotonic() < deadline:
            metrics: dict[str, torch.Tensor] = {}
            for _ in range(cfg.n_critic):
                metrics.update(self.discriminator_step())
            metrics.update(self.generator_step())
            self.step += 1
            values = {k: float(v) for k, v in metrics.items()}
            bad = [k for k in ("d_loss", "g_loss", "gp") if k in values and not math.isfinite(values[k])]
            if bad:
                raise TrainingDiverged(
                    f"non-finite {', '.join(bad)} at step {self.step}; the last good state is {self.state_path}. "
                    "Try a lower learning rate or --precision fp32."
                )
            for k, v in values.items():
                window.setdefault(k, []).append(v)
            if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                self._log(window, time.monotonic() - started)
                bar.set_postfix(d=f"{values['d_loss']:.3f}", g=f"{values['g_loss']:.3f}")
                window = {}
            if self.dist.is_main and self.step % cfg.sample_every == 0:
                self.save_samples(self.out / "samples" / f"step_{self.step:07d}.png")
            if self.step % cfg.checkpoint_every == 0:
                self._checkpoint(started)
                started = time.monotonic()
            bar.update(1)
        bar.close()
        self._checkpoint(started)
        exported = self.export() if self.dist.is_main else None
        if self.dist.world_size > 1:
            dist.barrier()
        return exported

    def _checkpoint(self, started: float) -> None:
        self.train_seconds += time.monotonic() - started
        self.save()

    def _log(self, window: dict[str, list[float]], elapsed: float) -> None:
        if not self.dist.is_main or not window:
            return
        row = {"step": self.step, "epoch": self.sampler.epoch, "images_seen": self.images_seen}
        row.update({k: sum(v) / len(v) for k, v in window.items()})
        row["train_seconds"] = round(self.train_seconds + elapsed, 2)
        with self.log_path.open("a") as f:
            f.write(json.dumps(row) + "\n")

    @property
    def images_seen(self) -> int:
        return self.step * self.cfg.n_critic * self.cfg.batch_size * self.dist.world_size

    # -- outputs -------------------------------------------------------------------------------------------

    def _recalibrate_ema(self) -> None:
        recalibrate_batchnorm(self.g_ema, lambda: self._noise(256))

    def save_samples(self, path: Path) -> None:
        self._recalibrate_ema()
        with torch.no_grad():
            images = self.g_ema(self.fixed_z, self.fixed_labels)
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(images, nrow=8).save(path)

    def export(self) -> Path:
        """Write the EMA generator as an app checkpoint with its samples, loss curve and card."""
        cfg = self.cfg
        directory = Path(cfg.export or self.out / "model")
        self._recalibrate_ema()
        rows = read_log(self.log_path)[-10:]
        final = {
            k: sum(r[k] for r in rows) / len(rows)
            for k in ("d_loss", "g_loss", "d_real", "d_fake")
            if rows and k in rows[0]
        }
        training = {
            "family": cfg.family,
            "commands": self.commands,
            "steps": self.step,
            "planned_steps": cfg.steps,
            "images_seen": self.images_seen,
            "wall_time_s": round(self.train_seconds, 1),
            "hardware": describe_hardware(self.device)
            + (f" x{self.dist.world_size} processes" if self.dist.world_size > 1 else ""),
            "torch_version": torch.__version__,
            "precision": str(self.autocast_dtype or torch.float32).removeprefix("torch."),
            "seed": cfg.seed,
            "config": dataclasses.asdict(cfg),
            "final_losses": final,
        }
        checkpoint.save_model(
            self.g_ema.to(memory_format=torch.contiguous_format),
            directory,
            title=cfg.title or directory.name,
            description=f"{FAMILY_DESCRIPTIONS[cfg.family]} Trained on {self.data.name} by scripts/train.py; "
            "the weights are the exponential moving average of the generator's.",
            family=cfg.family,
            dataset=self.data.name,
            image_size=self.data.image_size,
            image_channels=self.data.channels,
            class_names=self.data.class_names if self.num_classes else [],
            training=training,
        )
        self.g_ema.to(memory_format=torch.channels_last)
        self.save_samples(directory / "samples.png")
        plot_losses(self.log_path, directory / "losses.png", title=f"{directory.name} ({cfg.family})")
        write_model_card(directory)
        return directory


def train(cfg: TrainConfig, command: str | None = None) -> Path | None:
    trainer = Trainer(cfg, command)
    try:
        return trainer.run()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
