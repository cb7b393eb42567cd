"""Training: a trainer per family (dcgan.py: dcgan, wgan-gp, cgan; paired.py: pix2pix, srgan; stylegan.py;
cyclegan.py), the
evaluation classifiers (classifier.py), and `train`, which runs any family's TrainConfig."""

from __future__ import annotations

from pathlib import Path

import torch.distributed as dist

from .base import BaseTrainer
from .config import TrainConfig
from .cyclegan import CycleGANTrainer
from .dcgan import GANTrainer
from .paired import Pix2PixTrainer, SRGANTrainer
from .stylegan import StyleGANTrainer

TRAINERS: dict[str, type[BaseTrainer]] = {
    "dcgan": GANTrainer,
    "wgan-gp": GANTrainer,
    "cgan": GANTrainer,
    "pix2pix": Pix2PixTrainer,
    "srgan": SRGANTrainer,
    "stylegan": StyleGANTrainer,
    "cyclegan": CycleGANTrainer,
}


def make_trainer(cfg: TrainConfig, command: str | None = None) -> BaseTrainer:
    return TRAINERS[cfg.family](cfg, command)


def train(cfg: TrainConfig, command: str | None = None) -> Path | None:
    trainer = make_trainer(cfg, command)
    try:
        return trainer.run()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
