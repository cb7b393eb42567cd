"""Image-to-image families trained on pairs: pix2pix (sketch -> picture) and srgan (low -> high resolution).

Both train a generator with a pixel loss and, when `adv_weight > 0`, a
discriminator; `adv_weight 0` gives the pixel-loss-only baselines (the L1 pix2pix
model and the PSNR-oriented SRResNet). The learning rate follows a cosine from
its value down to a tenth over the planned steps, computed from the step so a
resumed run continues on the same schedule.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..checkpoint import load_model
from ..data.paired import load_paired_dataset, load_sr_images
from ..data.photos import SRPatchSampler, bicubic_downscale
from ..imaging import grid_image
from ..models import PatchDiscriminator, SRDiscriminator, SRResNet, UNetGenerator
from .base import BaseTrainer, BatchSampler, init_weights
from .ema import make_ema, recalibrate_batchnorm, update_ema
from .losses import d_bce_loss, g_nonsaturating_loss


class PairedTrainer(BaseTrainer):
    """The parts pix2pix and srgan share: optimisers, the LR schedule, EMA, the steps."""

    pixel_weight = 1.0

    def _setup_optimisers(self) -> None:
        cfg = self.cfg
        self.g.to(self.device, memory_format=torch.channels_last)
        self.g_ema = make_ema(self.g)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
        self.g_train = self.distributed(self.g)
        self.adversarial = cfg.adv_weight > 0
        if self.adversarial:
            self.d.to(self.device, memory_format=torch.channels_last)
            self.opt_d = torch.optim.Adam(self.d.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
            self.d_train = self.distributed(self.d)

    def stateful(self) -> dict[str, Any]:
        state = {"g": self.g, "g_ema": self.g_ema, "opt_g": self.opt_g}
        if self.adversarial:
            state.update(d=self.d, opt_d=self.opt_d)
        return state

    def _schedule(self) -> None:
        factor = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(self.step / self.cfg.steps, 1.0)))
        for group in self.opt_g.param_groups:
            group["lr"] = self.cfg.lr_g * factor
        if self.adversarial:
            for group in self.opt_d.param_groups:
                group["lr"] = self.cfg.lr_d * factor

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(condition, target) in [-1, 1], channels-last on the device."""
        raise NotImplementedError

    def discriminate(self, condition: torch.Tensor, image: torch.Tensor, features: bool = False) -> Any:
        raise NotImplementedError

    def train_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        self._schedule()
        condition, target = self.next_batch()
        out: dict[str, torch.Tensor] = {}
        if self.adversarial:
            with torch.no_grad(), self.autocast():
                fake = self.g_train(condition)
            self.opt_d.zero_grad(set_to_none=True)
            with self.autocast():
                real_out = self.discriminate(condition, target).float()
                fake_out = self.discriminate(condition, fake).float()
            d_loss = d_bce_loss(real_out, fake_out)
            d_loss.backward()
            self.opt_d.step()
            out.update(d_loss=d_loss.detach(), d_real=real_out.detach().sigmoid().mean())
            out["d_fake"] = fake_out.detach().sigmoid().mean()

        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.g_train(condition)
        pixel = (fake.float() - target).abs().mean()
        loss = self.pixel_weight * pixel
        out["l1"] = pixel.detach()
        if self.adversarial:
            self.d.requires_grad_(False)
            loss = loss + self.adversarial_terms(condition, target, fake, out)
            self.d.requires_grad_(True)
        loss.backward()
        self.opt_g.step()
        update_ema(self.g_ema, self.g, min(cfg.ema_decay, (1 + self.step) / (10 + self.step)))
        out["g_loss"] = loss.detach()
        return out

    def adversarial_terms(
        self, condition: torch.Tensor, target: torch.Tensor, fake: torch.Tensor, out: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        with self.autocast():
            logits = self.discriminate(condition, fake).float()
        adv = g_nonsaturating_loss(logits)
        out["g_adv"] = adv.detach()
        return self.cfg.adv_weight * adv


class Pix2PixTrainer(PairedTrainer):
    """pix2pix: U-Net generator, conditional PatchGAN, L1 + adversarial loss (lambda = l1_weight)."""

    def build(self) -> None:
        cfg = self.cfg
        self.data = load_paired_dataset(cfg.dataset, data_root=cfg.data_root, image_size=cfg.image_size)
        self.conditions, self.targets = self.data.conditions, self.data.targets
        if len(self.data) < 2:
            raise ValueError(f"pix2pix needs at least 2 pairs, found {len(self.data)}")
        self.held_out = max(1, min(8, len(self.data) // 4))  # the last pairs never train; the sample grid shows them
        self.g = UNetGenerator(
            image_size=cfg.image_size,
            in_channels=self.data.condition_channels,
            out_channels=self.data.target_channels,
            base_channels=cfg.g_channels,
            max_channels=cfg.g_max_channels,
        )
        self.d = PatchDiscriminator(
            in_channels=self.data.condition_channels + self.data.target_channels, base_channels=cfg.d_channels
        )
        self.g.apply(init_weights)
        self.d.apply(init_weights)
        self.pixel_weight = cfg.l1_weight
        self._setup_optimisers()
        self.sampler = BatchSampler(len(self.data) - self.held_out, cfg.batch_size, cfg.seed + self.dist.rank)
        self.description = (
            "pix2pix (Isola et al. 2017): a U-Net generator with skip connections"
            + (
                f", trained with L1 (lambda {cfg.l1_weight:g}) plus the adversarial loss of a 70x70 PatchGAN "
                "discriminator that sees the input beside the output."
                if self.adversarial
                else ", trained with the L1 loss only (no discriminator): the baseline that shows why pix2pix adds "
                "an adversarial loss."
            )
            + f" Trained on {self.data.name} by scripts/train.py; the weights are the exponential moving average."
        )

    def _pair(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        condition = self.conditions[idx].to(self.device).float().div(127.5).sub(1)
        target = self.targets[idx].to(self.device).float().div(127.5).sub(1)
        return condition.contiguous(memory_format=torch.channels_last), target.contiguous(
            memory_format=torch.channels_last
        )

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self._pair(self.sampler.next_indices())

    def discriminate(self, condition: torch.Tensor, image: torch.Tensor, features: bool = False) -> Any:
        return self.d_train(condition, image)

    def _held_out(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self._pair(torch.arange(len(self.data) - self.held_out, len(self.data)))

    def _recalibrate_ema(self) -> None:
        generator = torch.Generator().manual_seed(self.cfg.seed)
        n = len(self.data) - self.held_out

        def batch() -> tuple[torch.Tensor]:
            return (self._pair(torch.randint(0, n, (self.cfg.batch_size,), generator=generator))[0],)

        recalibrate_batchnorm(self.g_ema, batch)

    def save_samples(self, path: Path) -> None:
        """Rows of 8 held-out pairs: the input drawing, the generator's picture, the real picture."""
        self._recalibrate_ema()
        condition, target = self._held_out()
        with torch.no_grad():
            fake = self.g_ema(condition)
        shown = condition.expand(-1, target.shape[1], -1, -1) if condition.shape[1] == 1 else condition
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(torch.cat([shown, fake, target]), nrow=self.held_out).save(path)

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        self._recalibrate_ema()
        self.save_model(
            self.g_ema,
            directory,
            training,
            task="translation",
            dataset=self.data.name,
            image_size=self.cfg.image_size,
            condition=self.data.condition_kind,
        )
        self.save_samples(directory / "samples.png")


class SRGANTrainer(PairedTrainer):
    """SRGAN: an SRResNet generator with the L1 pixel loss; with adv_weight > 0 also a discriminator,
    its adversarial loss and a feature-matching loss on its activations (VGG's role, offline)."""

    def build(self) -> None:
        cfg = self.cfg
        if cfg.image_size % cfg.scale:
            raise ValueError(f"--image-size (the HR patch) must be a multiple of --scale {cfg.scale}")
        self.photos, self.eval_photos, self.data_name = load_sr_images(cfg.dataset, cfg.data_root)
        self.g = SRResNet(scale=cfg.scale, channels=cfg.g_channels, num_blocks=cfg.g_blocks, upsampler=cfg.upsampler)
        if cfg.init_from:
            start, _ = load_model(cfg.init_from)
            self.g.load_state_dict(start.state_dict(), strict=True)
        self.d = SRDiscriminator(base_channels=cfg.d_channels)
        self._setup_optimisers()
        self.sampler = SRPatchSampler(
            self.photos, hr_patch=cfg.image_size, scale=cfg.scale, seed=cfg.seed + self.dist.rank
        )
        self.description = (
            f"SRGAN-family x{cfg.scale} super-resolution (Ledig et al. 2017): an SRResNet generator "
            f"({cfg.g_blocks} residual blocks of {cfg.g_channels} channels, no batch norm, {cfg.upsampler} sub-pixel "
            "upsampling, a bicubic skip) "
            + (
                f"fine-tuned from {Path(cfg.init_from).name if cfg.init_from else 'scratch'} with L1 + "
                f"{cfg.adv_weight:g} x adversarial + {cfg.feature_weight:g} x discriminator feature-matching loss."
                if self.adversarial
                else "trained with the L1 pixel loss only (PSNR-oriented)."
            )
            + f" Trained on {self.data_name} (bicubic x{cfg.scale} LR/HR crop pairs) by scripts/train.py; "
            "the weights are the exponential moving average."
        )

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        lr, hr = self.sampler.sample(self.cfg.batch_size)
        return tuple(x.to(self.device, memory_format=torch.channels_last) for x in (lr, hr))

    def discriminate(self, condition: torch.Tensor, image: torch.Tensor, features: bool = False) -> Any:
        return self.d_train(image, return_features=features) if features else self.d_train(image)

    def adversarial_terms(
        self, condition: torch.Tensor, target: torch.Tensor, fake: torch.Tensor, out: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        with self.autocast():
            logits, fake_features = self.discriminate(condition, fake, features=True)
            with torch.no_grad():
                _, real_features = self.discriminate(condition, target, features=True)
        adv = g_nonsaturating_loss(logits.float())
        feature = sum(F.l1_loss(f.float(), r.float()) for f, r in zip(fake_features, real_features, strict=True))
        feature = feature / len(fake_features)
        out.update(g_adv=adv.detach(), feature=feature.detach())
        return self.cfg.adv_weight * adv + self.cfg.feature_weight * feature

    def _sample_crops(self) -> torch.Tensor:
        """Four fixed HR crops from the held-out photos (training photos for a plain folder)."""
        photos = self.eval_photos or self.photos
        size = self.cfg.image_size
        crops = []
        for photo in photos[:4]:
            top, left = (photo.shape[1] - size) // 2, (photo.shape[2] - size) // 2
            crops.append(photo[:, top : top + size, left : left + size])
        return torch.stack(crops).float().div(127.5).sub(1).to(self.device)

    def save_samples(self, path: Path) -> None:
        """Rows of crops: bicubic x4, the model, the original."""
        hr = self._sample_crops()
        lr = bicubic_downscale(hr, self.cfg.scale)
        with torch.no_grad():
            sr = self.g_ema(lr).clamp(-1, 1)
        bicubic = F.interpolate(lr, scale_factor=self.cfg.scale, mode="bicubic", align_corners=False).clamp(-1, 1)
        rows = torch.stack([bicubic, sr, hr], dim=1).flatten(0, 1)  # (crop, kind) -> one row per crop
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(rows, nrow=3).save(path)

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        # base_model: the PSNR-oriented checkpoint this one was fine-tuned from; the app blends the two.
        base = Path(self.cfg.init_from).name if self.cfg.init_from else None
        self.save_model(
            self.g_ema, directory, training, task="super-resolution", dataset=self.data_name, base_model=base
        )
        self.save_samples(directory / "samples.png")
