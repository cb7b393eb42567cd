"""The lab's image mode: a tiny DCGAN trained live on Fashion-MNIST (or MNIST where installed), seeded and pure.

No Gradio here: `ImageRun(settings, seed).train(steps)` trains in-process, so tests, the benchmark and the page drive
the same code. It reuses the project's DCGAN (gan_demo.models.dcgan) at a width that trains at several steps per
second on a busy 2-core CPU, the lab's losses (gan_demo.lab.losses) and its tricks: batch norm or spectral norm in
D, one-sided label smoothing, separate learning rates for G and D (TTUR), several D steps per G step, R1 or the
WGAN-GP penalty, and an exponential moving average of G. Every random number (weights, batches, noise, penalties)
comes from the run's own `torch.Generator`s: the same seed and settings give the same weights, bit for bit, in one
process.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations

from ..data import is_installed, load_dataset, to_model_range
from ..models import DCGANDiscriminator, DCGANGenerator
from ..training.base import BatchSampler, init_weights
from ..training.ema import make_ema, update_ema
from .losses import LOSSES, g_loss
from .slots import TRAIN_THREADS, torch_threads
from .updates import discriminator_update

DATASETS = ("fashion-mnist", "mnist")
IMAGE_SIZE = 28
LATENT_DIM = 64
# Widths of the DCGAN: G 32 -> 16 channels, D 16 -> 32 (the shipped dcgan-fashion has 64 -> 32 and 64 -> 128):
# small enough to train live on a shared CPU, big enough for garments within a minute or two (see the benchmark).
G_CHANNELS = 16
D_CHANNELS = 16
GRID_SIZE = 64  # fixed latents of the sample grid, 8 x 8
# A run is bounded, so a workshop's server is not held by a forgotten tab (the page states both).
MAX_STEPS = 4000
MAX_SECONDS = 240.0
LIMITS: dict[str, tuple[float, float]] = {
    "g_lr": (1e-6, 0.01),
    "d_lr": (1e-6, 0.01),
    "beta1": (0.0, 0.999),
    "beta2": (0.0, 0.9999),
    "d_steps": (1, 5),
    "batch_size": (8, 256),
    "label_smoothing": (0.0, 0.5),
    "r1": (0.0, 100.0),
    "ema": (0.0, 0.9999),
}
INTEGERS = ("d_steps", "batch_size")
D_NORMS = ("batch", "none")
# The side-by-side comparisons the tutorials make: what runs A and B change in the default settings. Both runs
# start from the same seed, so from the same weights, batches and noise: the setting is the only difference.
COMPARISONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "spectral_norm": ({"d_norm": "none"}, {"d_norm": "none", "spectral_norm": True}),
    "batch_norm": ({"d_norm": "none"}, {}),
    "saturating": ({"loss": "saturating"}, {"loss": "nonsaturating"}),
    "wgan": (
        {"loss": "wgan-clip", "d_norm": "none", "d_steps": 2, "beta2": 0.9},
        {"loss": "wgan-gp", "d_norm": "none", "d_steps": 2, "beta2": 0.9},
    ),
    "ttur": ({}, {"g_lr": 2.5e-4}),
    "label_smoothing": ({}, {"label_smoothing": 0.2}),
    "r1": ({"d_norm": "none"}, {"d_norm": "none", "r1": 1.0}),
    "ema": ({}, {"ema": 0.99}),
}


@dataclass
class ImageSettings:
    """Everything the image mode's controls set; JSON-able (`dataclasses.asdict`). A run keeps its settings:
    new settings mean a new run (two runs compared side by side start from the same weights)."""

    dataset: str = "fashion-mnist"
    loss: str = "nonsaturating"
    d_norm: str = "batch"  # D's normalisation: "batch" (DCGAN's) or "none"
    spectral_norm: bool = False
    # Not DCGAN's 2e-4: this small net learns faster at 1e-3 and stays stable over a whole run (measured, seed 0:
    # FD 10.9 after 60 s, 5.4 at the 240 s bound, 2751 steps).
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    d_steps: int = 1
    batch_size: int = 64
    label_smoothing: float = 0.0
    r1: float = 0.0  # R1 weight gamma (the penalty is gamma / 2 * E||grad D(x)||^2); 0 = off
    ema: float = 0.0  # decay of G's moving average, whose samples are shown when > 0; 0 = off

    def validate(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {self.dataset!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"d_norm must be one of {', '.join(D_NORMS)}, got {self.d_norm!r}")
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(f"spectral_norm must be true or false, got {self.spectral_norm!r}")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a number from {low} to {high}, got {value!r}")
            if name in INTEGERS and value != int(value):
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}, got {value!r}")
        if self.d_norm == "batch" and (self.loss == "wgan-gp" or self.r1):
            # As in the WGAN-GP paper: batch norm mixes the samples, so a per-sample gradient penalty is wrong.
            raise ValueError("the gradient penalty and R1 are per-sample: they need d_norm 'none', not 'batch'")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ImageSettings:
        """Settings from a JSON object; unknown names are refused (a typo must not pass silently)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names) if isinstance(values, dict) else []
        if not isinstance(values, dict) or unknown:
            raise ValueError(f"settings must be a JSON object with keys among {', '.join(sorted(names))}")
        settings = dataclasses.replace(cls(), **values)
        settings.validate()
        return dataclasses.replace(settings, **{name: int(getattr(settings, name)) for name in INTEGERS})


def available_datasets() -> list[str]:
    """The datasets installed here: Fashion-MNIST (Debian's dataset-fashion-mnist), MNIST where its files are."""
    return [name for name in DATASETS if is_installed(name)]


@functools.lru_cache(maxsize=len(DATASETS))
def training_images(dataset: str) -> torch.Tensor:
    """The training split as uint8 (N, 1, 28, 28), loaded once and shared, read-only, by every run."""
    if dataset not in available_datasets():
        raise ValueError(f"dataset {dataset!r} is not installed here; installed: {', '.join(available_datasets())}")
    return load_dataset(dataset).images


def spectral_normalize(model: nn.Module, generator: torch.Generator) -> None:
    """Spectral norm (Miyato et al. 2018) on every convolution and linear layer of `model`. torch draws the power
    iteration's starting vectors from the global RNG, so they are redrawn from `generator` and iterated again."""
    for module in list(model.modules()):
        if not isinstance(module, (nn.Conv2d, nn.Linear)):
            continue
        parametrizations.spectral_norm(module)
        norm = module.parametrizations.weight[0]
        with torch.no_grad():
            for vector in (norm._u, norm._v):
                vector.copy_(F.normalize(torch.randn(vector.shape, generator=generator), dim=0, eps=norm.eps))
            norm._power_method(norm._reshape_weight_to_matrix(module.parametrizations.weight.original), 15)


class ImageRun:
    """One training run: G, D, their optimizers, the fixed latents of the sample grid and the history of every step.

    One step is `d_steps` updates of D, then one of G. `train` stops at MAX_STEPS steps or MAX_SECONDS of training.
    """

    def __init__(self, settings: ImageSettings, seed: int = 0) -> None:
        settings.validate()
        self.settings = settings
        self.seed = seed
        self.images = training_images(settings.dataset)
        init_rng = torch.Generator().manual_seed(seed)
        self.rng = torch.Generator().manual_seed(seed + 1)  # noise and penalties
        self.sampler = BatchSampler(len(self.images), settings.batch_size, seed + 2)
        self.fixed_z = torch.randn(GRID_SIZE, LATENT_DIM, generator=torch.Generator().manual_seed(seed + 3))

        self.g = DCGANGenerator(latent_dim=LATENT_DIM, image_size=IMAGE_SIZE, base_channels=G_CHANNELS)
        self.d = DCGANDiscriminator(image_size=IMAGE_SIZE, base_channels=D_CHANNELS, norm=settings.d_norm)
        self.g.apply(functools.partial(init_weights, generator=init_rng))
        self.d.apply(functools.partial(init_weights, generator=init_rng))
        if settings.spectral_norm:
            spectral_normalize(self.d, init_rng)
        # channels_last lets oneDNN pick its fast kernels: twice the speed of the transposed convolutions on a CPU.
        self.g.to(memory_format=torch.channels_last)
        self.d.to(memory_format=torch.channels_last)
        self.g_ema = make_ema(self.g) if settings.ema > 0 else None
        betas = (settings.beta1, settings.beta2)
        self.g_opt = torch.optim.Adam(self.g.parameters(), lr=settings.g_lr, betas=betas, foreach=True)
        self.d_opt = torch.optim.Adam(self.d.parameters(), lr=settings.d_lr, betas=betas, foreach=True)
        self.step_count = 0
        self.seconds = 0.0  # training time so far, the bound's clock
        self.history: list[dict[str, float | int]] = []

    @property
    def done(self) -> bool:
        return self.step_count >= MAX_STEPS or self.seconds >= MAX_SECONDS

    def _noise(self) -> torch.Tensor:
        return torch.randn(self.settings.batch_size, LATENT_DIM, generator=self.rng)

    def _d_step(self) -> tuple[float, float, float]:
        s = self.settings
        real = to_model_range(self.images[self.sampler.next_indices()]).contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            fake = self.g(self._noise())
        return discriminator_update(
            self.d,
            self.d_opt,
            real,
            fake,
            loss=s.loss,
            label_smoothing=s.label_smoothing,
            r1=s.r1,
            generator=self.rng,
        )

    def _g_step(self) -> float:
        self.d.requires_grad_(False)  # G's update needs gradients through D, not for it
        loss = g_loss(self.settings.loss, self.d(self.g(self._noise())))
        self.g_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.g_opt.step()
        self.d.requires_grad_(True)
        if self.g_ema is not None:
            update_ema(self.g_ema, self.g, self.settings.ema)
        return loss.item()

    def step(self) -> dict[str, float | int]:
        """One step; returns its row of the history: losses, mean D(x) and D(G(z)) on its last D batch (the
        probability of "real" for the probability losses, the critic's score otherwise), training seconds."""
        if self.done:
            raise ValueError(f"the run has reached its bound ({MAX_STEPS} steps or {MAX_SECONDS:.0f} s): reset it")
        start = time.perf_counter()
        # One thread, as in the 2D playground: ops this small run 4-10x slower, not faster, split over two threads
        # on a busy machine (measured at load 11), and RunSlots lets about one run per core train at once.
        with torch_threads(TRAIN_THREADS):
            for _ in range(self.settings.d_steps):
                d_value, d_real, d_fake = self._d_step()
            g_value = self._g_step()
        self.seconds += time.perf_counter() - start
        self.step_count += 1
        row = {"step": self.step_count, "d_loss": d_value, "g_loss": g_value, "d_real": d_real, "d_fake": d_fake}
        row["seconds"] = round(self.seconds, 3)
        self.history.append(row)
        return row

    def train(self, steps: int, seconds: float | None = None) -> list[dict[str, float | int]]:
        """Up to `steps` steps, fewer when `seconds` of wall time have passed or the run reaches its bound."""
        start = time.perf_counter()
        rows = []
        while len(rows) < steps and not self.done:
            rows.append(self.step())
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        return rows

    def shown_generator(self) -> nn.Module:
        """The moving average of G when EMA is on (what it is for), else G itself."""
        if self.g_ema is None:
            return self.g
        for mine, live in zip(self.g_ema.buffers(), self.g.buffers(), strict=True):
            mine.copy_(live)  # the EMA weights borrow G's batch-norm statistics (close, as the weights are)
        return self.g_ema

    @torch.inference_mode()
    def samples(self, z: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] of the fixed grid latents (or of `z`), with batch-norm statistics."""
        g = self.shown_generator()
        was_training = g.training
        g.eval()
        try:
            return g(self.fixed_z if z is None else z)
        finally:
            g.train(was_training)


def comparison(name: str, **common: Any) -> tuple[ImageSettings, ImageSettings]:
    """Runs A's and B's settings of COMPARISONS[name], with `common` (e.g. dataset, batch_size) in both."""
    if name not in COMPARISONS:
        raise ValueError(f"unknown comparison {name!r}; allowed: {', '.join(COMPARISONS)}")
    a, b = COMPARISONS[name]
    return ImageSettings.from_dict({**a, **common}), ImageSettings.from_dict({**b, **common})


def train_in_turn(runs: list[ImageRun], seconds: float) -> int:
    """Train the runs one step each, in turn, until `seconds` have passed (at least one round): each run gets the
    same number of steps, until one reaches its bound. Returns the rounds trained."""
    start = time.perf_counter()
    rounds = 0
    while any(not run.done for run in runs):
        for run in runs:
            if not run.done:
                run.step()
        rounds += 1
        if time.perf_counter() - start >= seconds:
            break
    return rounds
