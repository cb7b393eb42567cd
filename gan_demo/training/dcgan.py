"""The DCGAN-based families: dcgan, wgan-gp and cgan (noise -> image, one trainer).

One step is one generator update after `n_critic` discriminator updates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data import ImageDataset, load_dataset, to_model_range
from ..imaging import grid_image
from ..models import DCGANDiscriminator, DCGANGenerator, ProjectionDiscriminator
from .base import BaseTrainer, BatchSampler, init_weights
from .config import TrainConfig
from .ema import make_ema, recalibrate_batchnorm, update_ema
from .losses import d_bce_loss, d_wasserstein_loss, g_nonsaturating_loss, g_wasserstein_loss, gradient_penalty

FAMILY_DESCRIPTIONS = {
    "dcgan": "DCGAN (Radford et al. 2016): a transposed-convolution generator with batch norm against a convolutional "
    "discriminator, trained with the non-saturating BCE loss.",
    "wgan-gp": "WGAN-GP (Gulrajani et al. 2017): the DCGAN generator against a Wasserstein critic without batch norm, "
    "kept 1-Lipschitz by a gradient penalty, with n_critic critic updates per generator update.",
    "cgan": "Conditional GAN: the DCGAN generator with conditional batch norm against a projection discriminator "
    "(Miyato & Koyama 2018) with an auxiliary class loss (Odena et al. 2017).",
}


def build_models(cfg: TrainConfig, data: ImageDataset) -> tuple[nn.Module, nn.Module]:
    common = {"image_size": data.image_size, "image_channels": data.channels}
    if cfg.family == "cgan":
        if data.labels is None:
            raise ValueError("cgan needs a labelled dataset (for a folder: one sub-folder per class)")
        n = len(data.class_names)
        g = DCGANGenerator(latent_dim=cfg.latent_dim, base_channels=cfg.g_channels, num_classes=n, **common)
        d = ProjectionDiscriminator(base_channels=cfg.d_channels, num_classes=n, norm=cfg.d_norm, **common)
        return g, d
    g = DCGANGenerator(latent_dim=cfg.latent_dim, base_channels=cfg.g_channels, **common)
    return g, DCGANDiscriminator(base_channels=cfg.d_channels, norm=cfg.d_norm, **common)


class GANTrainer(BaseTrainer):
    """Noise -> image GANs: dcgan, wgan-gp and cgan."""

    def build(self) -> None:
        cfg = self.cfg
        self.description = FAMILY_DESCRIPTIONS[cfg.family]
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
        self.g_train, self.d_train = self.distributed(self.g), self.distributed(self.d)

        # Fixed noise for the sample grids: 64 latents, or 8 per class with one row per class.
        fixed = torch.randn(64, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(self.device)
        self.fixed_z, self.fixed_labels = fixed, None
        if self.num_classes:
            self.fixed_z = fixed[:8].repeat(self.num_classes, 1)
            self.fixed_labels = torch.arange(self.num_classes, device=self.device).repeat_interleave(8)

    def stateful(self) -> dict[str, Any]:
        return {"g": self.g, "d": self.d, "g_ema": self.g_ema, "opt_g": self.opt_g, "opt_d": self.opt_d}

    @property
    def images_per_step(self) -> int:  # each generator step follows n_critic discriminator steps
        return super().images_per_step * self.cfg.n_critic

    # -- one step ------------------------------------------------------------------------------------------

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self.sampler.next_indices().to(self.images.device)
        real = to_model_range(self.images[idx].to(self.device, non_blocking=True))
        labels = self.labels[idx].to(self.device) if self.num_classes else None
        return real.contiguous(memory_format=torch.channels_last), labels

    def _noise(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.cfg.latent_dim, device=self.device)
        labels = torch.randint(0, self.num_classes, (n,), device=self.device) if self.num_classes else None
        return z, labels

    def train_step(self) -> dict[str, torch.Tensor]:
        metrics: dict[str, torch.Tensor] = {}
        for _ in range(self.cfg.n_critic):
            metrics.update(self.discriminator_step())
        metrics.update(self.generator_step())
        return metrics

    def discriminator_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        real, real_labels = self._real_batch()
        z, fake_labels = self._noise(real.shape[0])
        with torch.no_grad(), self.autocast():
            fake = self.g_train(z, fake_labels)
        self.opt_d.zero_grad(set_to_none=True)
        out: dict[str, torch.Tensor] = {}
        with self.autocast():
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
        with self.autocast():
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

    # -- outputs -------------------------------------------------------------------------------------------

    def _recalibrate_ema(self) -> None:
        recalibrate_batchnorm(self.g_ema, lambda: self._noise(256))

    def save_samples(self, path: Path) -> None:
        self._recalibrate_ema()
        with torch.no_grad():
            images = self.g_ema(self.fixed_z, self.fixed_labels)
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(images, nrow=8).save(path)

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        self._recalibrate_ema()
        self.save_sampling_model(directory, training, self.data.class_names if self.num_classes else [])
        self.save_samples(directory / "samples.png")
