"""The stylegan family: StyleGAN2's generator and residual discriminator with the logistic loss,
lazy R1 regularisation, style-mixing regularisation, a tracked mean w and an EMA generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..data import load_dataset, to_model_range
from ..imaging import grid_image
from ..models import StyleGANDiscriminator, StyleGANGenerator
from .augment import diff_augment, parse_policy
from .base import BaseTrainer, BatchSampler
from .ema import make_ema, update_ema
from .losses import d_bce_loss, g_nonsaturating_loss, r1_penalty

W_AVG_DECAY = 0.995  # the running mean of w follows the last few hundred batches
SAMPLE_TRUNCATION = 0.7  # the second sample grid, with the truncation trick


class StyleGANTrainer(BaseTrainer):
    def build(self) -> None:
        cfg = self.cfg
        self.data = load_dataset(cfg.dataset, data_root=cfg.data_root, image_size=cfg.image_size, channels=cfg.channels)
        fits = self.data.images.numel() < 2**30  # then batches are slices on the accelerator, not copies
        self.images = self.data.images.to(self.device if fits else "cpu")
        common = {"image_size": self.data.image_size, "image_channels": self.data.channels}
        self.g = StyleGANGenerator(
            latent_dim=cfg.latent_dim,
            mapping_layers=cfg.mapping_layers,
            base_channels=cfg.g_channels,
            max_channels=cfg.g_max_channels,
            **common,
        ).to(self.device)
        self.d = StyleGANDiscriminator(base_channels=cfg.d_channels, max_channels=cfg.g_max_channels, **common)
        self.d.to(self.device)
        self.augment = parse_policy(cfg.augment)
        self.g_ema = make_ema(self.g)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
        self.sampler = BatchSampler(len(self.data), cfg.batch_size, cfg.seed + self.dist.rank)
        self.g_train, self.d_train = self.distributed(self.g), self.distributed(self.d)
        self.fixed_z = torch.randn(64, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed))
        self.fixed_z = self.fixed_z.to(self.device)
        g_params = sum(p.numel() for p in self.g.parameters())
        self.description = (
            "StyleGAN2 (Karras et al. 2020): a mapping network z -> w "
            f"({cfg.mapping_layers} layers, {cfg.latent_dim}-d) and a synthesis network from a learned 4x4 constant "
            f"with {self.g.num_ws} per-layer styles (modulated convolutions with weight demodulation), per-pixel "
            f"noise and skip toRGB outputs; {g_params / 1e6:.2f} M generator parameters. Trained against a residual "
            "discriminator with minibatch standard deviation, the non-saturating logistic loss, lazy R1 "
            f"(gamma {cfg.r1_gamma}, every {cfg.r1_every} steps) and style-mixing regularisation "
            f"(p = {cfg.mixing_prob})"
            + (f"; D sees its inputs through DiffAugment ({', '.join(self.augment)})." if self.augment else ".")
        )

    def stateful(self) -> dict[str, Any]:
        return {"g": self.g, "d": self.d, "g_ema": self.g_ema, "opt_g": self.opt_g, "opt_d": self.opt_d}

    def _real_batch(self) -> torch.Tensor:
        idx = self.sampler.next_indices().to(self.images.device)
        return to_model_range(self.images[idx].to(self.device, non_blocking=True))

    def _mixed_ws(self, n: int) -> torch.Tensor:
        """(n, num_ws, D) per-layer latents; with probability mixing_prob two latents swap at a random layer,
        so no layer can rely on its neighbours sharing its style (style-mixing regularisation)."""
        g, num_ws = self.g, self.g.num_ws
        w = g.mapping(torch.randn(n, self.cfg.latent_dim, device=self.device))
        ws = w[:, None].repeat(1, num_ws, 1)
        if torch.rand(()) < self.cfg.mixing_prob:
            w2 = g.mapping(torch.randn(n, self.cfg.latent_dim, device=self.device))
            cutoff = int(torch.randint(1, num_ws, ()))
            ws[:, cutoff:] = w2[:, None]
        return ws

    def discriminate(self, images: torch.Tensor) -> torch.Tensor:
        """D's logits for images seen through the run's augmentation (differentiable, so G learns through it)."""
        return self.d_train(diff_augment(images, self.augment))

    def _fake(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        ws = self._mixed_ws(n)
        return self.g.synthesis(ws, noise_mode="random"), ws

    def train_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        out: dict[str, torch.Tensor] = {}
        # Discriminator: logistic loss, plus R1 on reals every r1_every steps (scaled to keep its weight).
        real = self._real_batch()
        with torch.no_grad(), self.autocast():
            fake, _ = self._fake(real.shape[0])
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            real_out, fake_out = self.discriminate(real).float(), self.discriminate(fake).float()
        d_loss = d_bce_loss(real_out, fake_out)
        loss = d_loss
        if cfg.r1_gamma and self.step % cfg.r1_every == 0:
            r1 = r1_penalty(self.discriminate, real)  # in fp32: a double backward
            loss = loss + cfg.r1_gamma / 2 * r1 * cfg.r1_every
            out["r1"] = r1.detach()
        loss.backward()
        self.opt_d.step()
        out.update(d_loss=d_loss.detach(), d_real=real_out.detach().sigmoid().mean())
        out["d_fake"] = fake_out.detach().sigmoid().mean()

        # Generator: non-saturating loss; the mean w and the EMA follow it.
        self.opt_g.zero_grad(set_to_none=True)
        self.d.requires_grad_(False)
        with self.autocast():
            fake, ws = self._fake(cfg.batch_size)
            g_loss = g_nonsaturating_loss(self.discriminate(fake).float())
        g_loss.backward()
        self.d.requires_grad_(True)
        self.opt_g.step()
        with torch.no_grad():
            self.g.w_avg.lerp_(ws[:, 0].float().mean(0), 1 - W_AVG_DECAY)
            update_ema(self.g_ema, self.g, min(cfg.ema_decay, (1 + self.step) / (10 + self.step)))
            self.g_ema.w_avg.copy_(self.g.w_avg)
        out["g_loss"] = g_loss.detach()
        return out

    def save_samples(self, path: Path, truncation: float = 1.0) -> None:
        with torch.no_grad():
            images = self.g_ema(self.fixed_z, truncation=truncation)
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(images, nrow=8).save(path)

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        self.save_sampling_model(directory, training, class_names=[])
        self.save_samples(directory / "samples.png")
        self.save_samples(directory / f"samples_psi{SAMPLE_TRUNCATION}.png", truncation=SAMPLE_TRUNCATION)
