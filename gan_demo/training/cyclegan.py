"""CycleGAN (Zhu et al. 2017): unpaired translation between two image domains A and B.

Two generators, G: A -> B and F: B -> A, and two 70x70 PatchGANs, D_A (real A vs F's
output) and D_B (real B vs G's). With no pairs to compare against, G's output is held
to its input by the cycle-consistency loss |F(G(a)) - a| + |G(F(b)) - b| (lambda 10)
and the identity loss |G(b) - b| + |F(a) - a| (0.5 lambda), which keeps colours that
need no change. The adversarial loss is least squares (LSGAN), the discriminators see
generated images from a history pool of 50, and Adam(2e-4, 0.5) keeps its rate for the
first half of the planned steps, then decays it linearly to 0, as the paper's 100 + 100
epochs do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data import to_model_range
from ..data.unpaired import load_unpaired_dataset
from ..imaging import grid_image
from ..models import CycleGANGenerators, PatchDiscriminator
from .base import BaseTrainer, BatchSampler, init_weights
from .ema import make_ema, update_ema
from .losses import d_least_squares_loss, g_least_squares_loss


class ImagePool:
    """Shrivastava et al.'s history of generated images: the discriminator sees a mix of the newest
    and older ones, so it cannot chase only the generator's latest mode.

    Until `size` images are stored, each new image is stored and returned; after that, each is, with
    probability 1/2, returned as is, else swapped for a random stored one. Its state survives a restart.
    """

    def __init__(self, size: int, seed: int) -> None:
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        self.size = size
        self.images: torch.Tensor | None = None  # (n <= size, C, H, W)
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """A batch like `images` (detached) drawn from them and the history."""
        images = images.detach()
        if self.size == 0:
            return images
        out = []
        for image in images:
            stored = 0 if self.images is None else len(self.images)
            if stored < self.size:
                self.images = image[None].clone() if self.images is None else torch.cat([self.images, image[None]])
                out.append(image)
            elif torch.rand((), generator=self.generator) < 0.5:
                i = int(torch.randint(self.size, (), generator=self.generator))
                out.append(self.images[i].clone())
                self.images[i] = image
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        return {"images": self.images, "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.images = state["images"]
        self.generator.set_state(state["rng"].cpu())


class UnpairedSampler:
    """Independent shuffled epochs over each domain: a batch of A never comes with the same B twice."""

    def __init__(self, size_a: int, size_b: int, batch_size: int, seed: int) -> None:
        self.a = BatchSampler(size_a, batch_size, seed)
        self.b = BatchSampler(size_b, batch_size, seed + 1_000_003)

    @property
    def epoch(self) -> int:
        return self.a.epoch

    def next_indices(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.a.next_indices(), self.b.next_indices()

    def state_dict(self) -> dict[str, Any]:
        return {"a": self.a.state_dict(), "b": self.b.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.a.load_state_dict(state["a"])
        self.b.load_state_dict(state["b"])


def generator_pass(g: CycleGANGenerators, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every image the generator losses need: the translations, their cycles back, and each generator fed
    its own target domain (for the identity loss). Each generator runs twice; instance norm is per image,
    so the two inputs of a run are batched together."""
    n = len(real_a)
    fake_b, same_b = g.a_to_b(torch.cat([real_a, real_b])).split([n, len(real_b)])  # G(a), G(b)
    fake_a, same_a = g.b_to_a(torch.cat([real_b, real_a])).split([len(real_b), n])  # F(b), F(a)
    return {
        "fake_b": fake_b,
        "fake_a": fake_a,
        "cycle_a": g.b_to_a(fake_b),  # F(G(a)) ~ a
        "cycle_b": g.a_to_b(fake_a),  # G(F(b)) ~ b
        "same_a": same_a,
        "same_b": same_b,
    }


class GeneratorPass(nn.Module):
    """`generator_pass` as one forward, so DistributedDataParallel sees one forward per backward."""

    def __init__(self, g: CycleGANGenerators) -> None:
        super().__init__()
        self.g = g

    def forward(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
        return generator_pass(self.g, real_a, real_b)


class DiscriminatorPair(nn.Module):
    """D_A and D_B in one forward (for DistributedDataParallel): each on its own domain's batch."""

    def __init__(self, d_a: PatchDiscriminator, d_b: PatchDiscriminator) -> None:
        super().__init__()
        self.d_a, self.d_b = d_a, d_b

    def forward(self, images_a: torch.Tensor, images_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.d_a(images_a), self.d_b(images_b)


def generator_losses(
    images: dict[str, torch.Tensor],
    real_a: torch.Tensor,
    real_b: torch.Tensor,
    d_a: nn.Module,
    d_b: nn.Module,
    *,
    cycle_weight: float,
    identity_weight: float,
) -> dict[str, torch.Tensor]:
    """The generators' objective: LSGAN terms for G and F, lambda x cycle L1, identity_weight x lambda x identity
    L1 (both summed over the two directions, as in the paper). "g_loss" is the total."""
    adv = g_least_squares_loss(d_b(images["fake_b"])) + g_least_squares_loss(d_a(images["fake_a"]))
    cycle = F.l1_loss(images["cycle_a"], real_a) + F.l1_loss(images["cycle_b"], real_b)
    identity = F.l1_loss(images["same_b"], real_b) + F.l1_loss(images["same_a"], real_a)
    total = adv + cycle_weight * cycle + identity_weight * cycle_weight * identity
    return {"g_loss": total, "g_adv": adv, "cycle": cycle, "identity": identity}


class CycleGANTrainer(BaseTrainer):
    def build(self) -> None:
        cfg = self.cfg
        if cfg.image_size % 4 or cfg.image_size < 32:  # the PatchGAN's four 4x4 convolutions need 32 px
            raise ValueError(f"cyclegan needs --image-size >= 32 and divisible by 4, got {cfg.image_size}")
        self.data = load_unpaired_dataset(cfg.dataset, data_root=cfg.data_root, image_size=cfg.image_size)
        self.g = CycleGANGenerators(
            channels=self.data.channels, base_channels=cfg.g_channels, num_blocks=cfg.g_blocks, norm="instance"
        )
        self.d_a, self.d_b = (
            PatchDiscriminator(in_channels=self.data.channels, base_channels=cfg.d_channels, norm="instance")
            for _ in range(2)
        )
        for module in (self.g, self.d_a, self.d_b):
            module.apply(init_weights)
            module.to(self.device, memory_format=torch.channels_last)
        self.g_ema = make_ema(self.g) if cfg.ema_decay > 0 else None
        # One optimiser for both generators and one for both discriminators, as the official code does.
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam([*self.d_a.parameters(), *self.d_b.parameters()], lr=cfg.lr_d, betas=betas)
        self.g_train = self.distributed(GeneratorPass(self.g))
        self.d_train = self.distributed(DiscriminatorPair(self.d_a, self.d_b))
        seed = cfg.seed + self.dist.rank
        self.pool_a, self.pool_b = ImagePool(cfg.pool_size, seed), ImagePool(cfg.pool_size, seed + 1)
        self.sampler = UnpairedSampler(len(self.data.train_a), len(self.data.train_b), cfg.batch_size, seed)
        self.description = (
            f"CycleGAN (Zhu et al. 2017): two ResNet generators ({cfg.g_blocks} residual blocks, {cfg.g_channels} "
            "channels at full resolution, instance norm), A -> B and B -> A, trained without pairs against two "
            f"70x70 PatchGANs with the least-squares GAN loss, cycle-consistency (lambda {cfg.cycle_weight:g}) and "
            f"identity ({cfg.identity_weight:g} lambda) losses and a history pool of {cfg.pool_size} generated images; "
            f"domain A = {self.data.domains['A']}, B = {self.data.domains['B']}. Trained on {self.data.name} by "
            "scripts/train.py"
            + ("; the weights are the exponential moving average." if self.g_ema is not None else ".")
        )

    def stateful(self) -> dict[str, Any]:
        state = {
            "g": self.g, "d_a": self.d_a, "d_b": self.d_b, "opt_g": self.opt_g, "opt_d": self.opt_d,
            "pool_a": self.pool_a, "pool_b": self.pool_b,
        }  # fmt: skip
        if self.g_ema is not None:
            state["g_ema"] = self.g_ema
        return state

    def _schedule(self) -> None:
        """The paper's schedule: constant for the first half of the planned steps, then linearly to 0."""
        factor = min(1.0, 2.0 * (1.0 - self.step / self.cfg.steps))
        for opt, lr in ((self.opt_g, self.cfg.lr_g), (self.opt_d, self.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * max(factor, 0.0)

    def _images(self, images: torch.Tensor) -> torch.Tensor:
        return to_model_range(images.to(self.device)).contiguous(memory_format=torch.channels_last)

    def train_step(self) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        self._schedule()
        idx_a, idx_b = self.sampler.next_indices()
        real_a, real_b = self._images(self.data.train_a[idx_a]), self._images(self.data.train_b[idx_b])

        # Generators first (as the official code does), against the current discriminators, whose weights
        # are frozen here: the raw modules, not the data-parallel wrapper, as nothing of theirs is trained.
        for d in (self.d_a, self.d_b):
            d.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            images = self.g_train(real_a, real_b)
            images = {k: v.float() for k, v in images.items()}
            out = generator_losses(
                images,
                real_a,
                real_b,
                self.d_a,
                self.d_b,
                cycle_weight=cfg.cycle_weight,
                identity_weight=cfg.identity_weight,
            )
        out["g_loss"].backward()
        self.opt_g.step()
        for d in (self.d_a, self.d_b):
            d.requires_grad_(True)
        if self.g_ema is not None:
            update_ema(self.g_ema, self.g, min(cfg.ema_decay, (1 + self.step) / (10 + self.step)))

        # Discriminators: real images against generated ones from the history pools.
        fake_a, fake_b = self.pool_a.query(images["fake_a"]), self.pool_b.query(images["fake_b"])
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            out_a, out_b = self.d_train(torch.cat([real_a, fake_a]), torch.cat([real_b, fake_b]))
        (real_out_a, fake_out_a), (real_out_b, fake_out_b) = out_a.float().chunk(2), out_b.float().chunk(2)
        d_loss = d_least_squares_loss(real_out_a, fake_out_a) + d_least_squares_loss(real_out_b, fake_out_b)
        d_loss.backward()
        self.opt_d.step()
        out = {k: v.detach() for k, v in out.items()}
        out.update(
            d_loss=d_loss.detach(),
            d_real=torch.cat([real_out_a, real_out_b]).detach().mean(),
            d_fake=torch.cat([fake_out_a, fake_out_b]).detach().mean(),
        )
        return out

    @property
    def generator(self) -> CycleGANGenerators:
        return self.g_ema if self.g_ema is not None else self.g

    def _sample_inputs(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Four fixed images of each domain: the first held-out ones (training ones without testA/ testB/)."""
        data = self.data
        a = data.test_a if data.test_a is not None else data.train_a
        b = data.test_b if data.test_b is not None else data.train_b
        counterparts = [None if c is None else self._images(c[:4]) for c in (data.counterpart_a, data.counterpart_b)]
        return self._images(a[:4]), self._images(b[:4]), *counterparts

    @torch.no_grad()
    def save_samples(self, path: Path) -> None:
        """Up to eight columns (four of A, four of B); rows: the input, its translation, the cycle back, and for
        rendered data the true counterpart."""
        real_a, real_b, true_b, true_a = self._sample_inputs()
        g, training = self.generator, self.generator.training
        images = generator_pass(g.eval(), real_a, real_b)
        g.train(training)
        rows = [
            torch.cat([real_a, real_b]),
            torch.cat([images["fake_b"], images["fake_a"]]),
            torch.cat([images["cycle_a"], images["cycle_b"]]),
        ]
        if true_b is not None and true_a is not None:
            rows.append(torch.cat([true_b, true_a]))
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(torch.cat(rows).float(), nrow=len(rows[0])).save(path)

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        self.save_model(
            self.generator,
            directory,
            training,
            task="unpaired-translation",
            dataset=self.data.name,
            image_size=self.cfg.image_size,
            domains=self.data.domains,
        )
        self.save_samples(directory / "samples.png")
