"""The 2D playground's training core (GAN Lab, Kahng et al. 2018): toy data, small MLPs, a seeded step function.

No Gradio here: `ToyRun(settings, seed).step("both")` trains in-process, so tests, the API and the page drive
the same code. Every random number (weights, data, noise, the gradient penalty's mixing) comes from the run's
own `torch.Generator`s, so the same seed and settings give the same trajectory, bit for bit.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..training.ema import make_ema, update_ema
from .losses import LOSSES, d_readout, g_loss
from .slots import TRAIN_THREADS, torch_threads
from .toy_nets import mlp
from .updates import discriminator_update

DATASETS = ("ring", "grid", "spiral", "moons", "line", "drawn")
MIXTURES = ("ring", "grid")  # the Gaussian mixtures, whose modes the mode-collapse metrics count
NOISES = ("uniform", "gaussian")
OPTIMIZERS = ("adam", "sgd")
STEP_MODES = ("both", "d", "g")
VIEW = 3.0  # the plane shown and binned: [-VIEW, VIEW]^2
MODE_STD = 0.1  # the standard deviation of each Gaussian of the mixtures
RING_RADIUS = 2.0
GRID_SPACING = 1.0
DRAWN_STD = 0.05  # the spread around each drawn point
MAX_DRAWN_POINTS = 500
EVAL_POINTS = 1024  # fixed real points and fixed noise: the view and the metrics follow the same samples
JS_BINS = 24
ARROW_SAMPLE = 256  # fake points whose gradient norm is averaged into the metric g_grad
METRIC_EVERY = 50  # steps between the JS divergence and mode metrics recorded in the history
# Srivastava et al. 2017 (VEEGAN): a sample is high quality within 3 sigma of its nearest mode. A mode counts
# as covered when it holds at least COVER_SHARE of the share a uniform generator would give it (1/K).
QUALITY_SIGMAS = 3.0
COVER_SHARE = 0.2
# The gradient penalty's weight for 2D points, as in Gulrajani et al.'s own toy experiments ("smaller lambda seems to
# help for toy tasks"): with updates.GP_WEIGHT (10, for images), the critic is so smooth that G needs thousands of
# steps to split its points between the modes.
TOY_GP_WEIGHT = 0.1
LIMITS = {"layers": (1, 6), "width": (2, 256), "batch_size": (1, 1024), "d_steps": (1, 10)}


@dataclass
class ToySettings:
    """Everything the playground's controls set; JSON-able (`dataclasses.asdict`, `ToySettings.from_dict`)."""

    dataset: str = "ring"
    points: list[list[float]] = field(default_factory=list)  # the user's points for dataset "drawn"
    noise_dim: int = 2
    noise: str = "gaussian"
    g_layers: int = 2
    g_width: int = 64
    d_layers: int = 2
    d_width: int = 64
    loss: str = "nonsaturating"
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    optimizer: str = "adam"
    beta1: float = 0.5
    beta2: float = 0.999
    d_steps: int = 1
    batch_size: int = 256
    label_smoothing: float = 0.0
    spectral_norm: bool = False
    r1: float = 0.0  # R1 weight gamma (the penalty is gamma / 2 * E||grad D(x)||^2); 0 = off
    ema: float = 0.0  # decay of the generator's moving average, shown instead of G when > 0; 0 = off

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ToySettings:
        """Settings from a JSON object; unknown names are refused (a typo must not pass silently)."""
        if not isinstance(values, dict):
            raise ValueError(f"settings must be a JSON object, got {type(values).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown settings {', '.join(unknown)}; allowed: {', '.join(sorted(names))}")
        settings = dataclasses.replace(cls(), **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        def choice(name: str, allowed: tuple) -> None:
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}, got {getattr(self, name)!r}")

        def within(name: str, low: float, high: float, integral: bool = False) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if integral and value != int(value):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")

        choice("dataset", DATASETS)
        choice("noise", NOISES)
        choice("noise_dim", (1, 2))
        choice("loss", LOSSES)
        choice("optimizer", OPTIMIZERS)
        for name in ("g_layers", "d_layers"):
            within(name, *LIMITS["layers"], integral=True)
        for name in ("g_width", "d_width"):
            within(name, *LIMITS["width"], integral=True)
        within("batch_size", *LIMITS["batch_size"], integral=True)
        within("d_steps", *LIMITS["d_steps"], integral=True)
        for name in ("g_lr", "d_lr"):
            within(name, 1e-6, 1.0)
        within("beta1", 0.0, 0.999)
        within("beta2", 0.0, 0.9999)
        within("label_smoothing", 0.0, 0.5)
        within("r1", 0.0, 100.0)
        within("ema", 0.0, 0.9999)
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(f"spectral_norm must be true or false, got {self.spectral_norm!r}")
        if self.dataset == "drawn":
            points = np.asarray(self.points, dtype=float) if self.points else np.zeros((0, 2))
            if points.ndim != 2 or points.shape[1] != 2 or not len(points):
                raise ValueError("dataset 'drawn' needs points: a list of [x, y] pairs (click on the view to add)")
            if len(points) > MAX_DRAWN_POINTS or not np.all(np.abs(points) <= VIEW):
                raise ValueError(f"at most {MAX_DRAWN_POINTS} drawn points, each within [-{VIEW}, {VIEW}]")


# -- data ----------------------------------------------------------------------------------------------------------


@functools.cache
def mixture_modes(dataset: str) -> torch.Tensor:
    """The centres (K, 2) of a Gaussian mixture: 8 on a circle or a 5 x 5 grid (cached: read, never written)."""
    if dataset == "ring":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return (RING_RADIUS * torch.stack([angles.cos(), angles.sin()], 1)).float()
    if dataset == "grid":
        ticks = torch.arange(-2, 3, dtype=torch.float32) * GRID_SPACING
        return torch.cartesian_prod(ticks, ticks)
    raise ValueError(f"{dataset!r} is no Gaussian mixture; mixtures: {', '.join(MIXTURES)}")


def sample_data(settings: ToySettings, n: int, generator: torch.Generator) -> torch.Tensor:
    """n points (n, 2) of the chosen dataset."""
    name = settings.dataset
    if name in MIXTURES:
        modes = mixture_modes(name)
        pick = torch.randint(len(modes), (n,), generator=generator)
        return modes[pick] + MODE_STD * torch.randn(n, 2, generator=generator)
    if name == "drawn":
        points = torch.tensor(settings.points, dtype=torch.float32)
        pick = torch.randint(len(points), (n,), generator=generator)
        return points[pick] + DRAWN_STD * torch.randn(n, 2, generator=generator)
    t = torch.rand(n, generator=generator)
    jitter = 0.05 * torch.randn(n, 2, generator=generator)
    if name == "spiral":  # one and a half turns out from the centre
        angle = 3 * math.pi * t
        radius = 0.3 + 2.2 * t
        return torch.stack([radius * angle.cos(), radius * angle.sin()], 1) + jitter
    if name == "moons":  # two interleaved half circles (scikit-learn's make_moons), centred
        upper = torch.rand(n, generator=generator) < 0.5
        angle = math.pi * t
        x = torch.where(upper, angle.cos(), 1 - angle.cos())
        y = torch.where(upper, angle.sin(), 0.5 - angle.sin())
        return 1.4 * torch.stack([x - 0.5, y - 0.25], 1) + jitter
    return torch.stack([4 * t - 2, 2 * t - 1], 1) + jitter  # "line": a slanted segment


def sample_noise(settings: ToySettings, n: int, generator: torch.Generator) -> torch.Tensor:
    if settings.noise == "uniform":
        return 2 * torch.rand(n, settings.noise_dim, generator=generator) - 1
    return torch.randn(n, settings.noise_dim, generator=generator)


def noise_grid(settings: ToySettings, lines: int = 15, points_per_line: int = 60) -> torch.Tensor:
    """A regular grid in noise space, (lines, points_per_line, noise_dim): a single line for 1D noise. It spans
    [-1, 1] for uniform noise and [-2, 2] (two standard deviations) for Gaussian noise."""
    span = 1.0 if settings.noise == "uniform" else 2.0
    along = torch.linspace(-span, span, points_per_line)
    if settings.noise_dim == 1:
        return along[None, :, None]
    across = torch.linspace(-span, span, lines)
    rows = torch.stack(torch.meshgrid(across, along, indexing="ij"), -1)  # lines along x
    cols = rows.flip(-1)  # and along y
    return torch.cat([rows, cols], 0)


# -- metrics -------------------------------------------------------------------------------------------------------


def mode_metrics(points: torch.Tensor, modes: torch.Tensor, std: float = MODE_STD) -> dict[str, float]:
    """Modes covered and share of high-quality samples (Srivastava et al. 2017) of points (N, 2) against the
    mixture's centres (K, 2): see QUALITY_SIGMAS and COVER_SHARE."""
    # Plain differences, not torch.cdist: 1024 x 25 distances are too few for its threads to pay.
    distance, nearest = (points.double()[:, None] - modes.double()[None]).norm(dim=-1).min(1)
    good = distance <= QUALITY_SIGMAS * std
    counts = torch.bincount(nearest[good], minlength=len(modes))
    covered = int((counts >= COVER_SHARE * len(points) / len(modes)).sum())
    return {"modes_covered": covered, "modes_total": len(modes), "high_quality": float(good.double().mean())}


def js_divergence(real: torch.Tensor, fake: torch.Tensor, bins: int = JS_BINS) -> float:
    """Jensen-Shannon divergence (bits, 0 to 1) between the histograms of two point sets over the view."""
    edges = np.linspace(-VIEW, VIEW, bins + 1)

    def density(points: torch.Tensor) -> np.ndarray:
        xy = points.detach().double().clamp(-VIEW, VIEW).numpy()
        counts, _, _ = np.histogram2d(xy[:, 0], xy[:, 1], bins=[edges, edges])
        return counts.ravel() / max(len(xy), 1)

    p, q = density(real), density(fake)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        keep = a > 0
        return float(np.sum(a[keep] * np.log2(a[keep] / m[keep])))

    return (kl(p) + kl(q)) / 2


# -- the run -------------------------------------------------------------------------------------------------------

ARCHITECTURE_G = ("noise_dim", "g_layers", "g_width")
ARCHITECTURE_D = ("d_layers", "d_width", "spectral_norm")


class ToyRun:
    """One training run: G, D, their optimizers, fixed view samples and the history of every step.

    `update(settings)` applies new settings while it runs: the data, loss, learning rates, betas, batch size and
    the tricks change in place, keeping the weights; a new architecture of G (noise, layers, width) or of D
    (layers, width, spectral norm) gives that network new weights, and a new optimizer type new optimizers.
    """

    def __init__(self, settings: ToySettings, seed: int = 0) -> None:
        settings.validate()
        self.seed = seed
        self.settings = settings
        self.rng = torch.Generator().manual_seed(seed)  # training: data, noise, penalties
        self.init_rng = torch.Generator().manual_seed(seed + 1)  # weights, also after an architecture change
        self.view_rng = torch.Generator().manual_seed(seed + 2)  # the fixed real points and noise of the view
        self.step_count = 0
        self.history: list[dict[str, float | int | None]] = []
        self._new_view_samples()
        self._new_g()
        self._new_d()

    # construction

    def _new_view_samples(self) -> None:
        self.view_real = sample_data(self.settings, EVAL_POINTS, self.view_rng)
        self.view_noise = sample_noise(self.settings, EVAL_POINTS, self.view_rng)

    def _new_g(self) -> None:
        s = self.settings
        self.g = mlp(s.noise_dim, s.g_width, s.g_layers, 2, generator=self.init_rng)
        self.g_ema = make_ema(self.g)
        self.g_opt = self._optimizer(self.g, s.g_lr)

    def _new_d(self) -> None:
        s = self.settings
        self.d = mlp(2, s.d_width, s.d_layers, 1, generator=self.init_rng, spectral=s.spectral_norm)
        self.d_opt = self._optimizer(self.d, s.d_lr)

    def _optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        s = self.settings
        if s.optimizer == "adam":
            return torch.optim.Adam(model.parameters(), lr=lr, betas=(s.beta1, s.beta2), foreach=True)
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=s.beta1, foreach=True)

    def update(self, settings: ToySettings) -> None:
        settings.validate()
        old, self.settings = self.settings, settings
        changed = {f.name for f in dataclasses.fields(settings) if getattr(old, f.name) != getattr(settings, f.name)}
        if changed & {"dataset", "points", "noise", "noise_dim"}:
            self._new_view_samples()
        if changed & set(ARCHITECTURE_G):
            self._new_g()
        elif old.ema == 0 < settings.ema:  # the average starts from G as it is now
            self.g_ema.load_state_dict(self.g.state_dict())
        if changed & set(ARCHITECTURE_D):
            self._new_d()
        if "optimizer" in changed:
            self.g_opt, self.d_opt = self._optimizer(self.g, settings.g_lr), self._optimizer(self.d, settings.d_lr)
        for opt, lr in ((self.g_opt, settings.g_lr), (self.d_opt, settings.d_lr)):
            for group in opt.param_groups:
                group["lr"] = lr
                if settings.optimizer == "adam":
                    group["betas"] = (settings.beta1, settings.beta2)
                else:
                    group["momentum"] = settings.beta1

    # training

    def _d_step(self) -> tuple[float, float, float]:
        s = self.settings
        real = sample_data(s, s.batch_size, self.rng)
        with torch.no_grad():
            fake = self.g(sample_noise(s, s.batch_size, self.rng))
        return discriminator_update(
            self.d, self.d_opt, real, fake, loss=s.loss, label_smoothing=s.label_smoothing, r1=s.r1,
            gp_weight=TOY_GP_WEIGHT, generator=self.rng,
        )  # fmt: skip

    def _g_step(self) -> float:
        s = self.settings
        fake = self.g(sample_noise(s, s.batch_size, self.rng))
        loss = g_loss(s.loss, self.d(fake).squeeze(1))
        self.g_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.g_opt.step()
        if s.ema > 0:
            update_ema(self.g_ema, self.g, s.ema)
        return float(loss.detach())

    def step(self, mode: str = "both") -> dict[str, float | int | None]:
        """One training step: "both" = d_steps updates of D, then one of G; "d" or "g" = one update of that network.
        Returns the step's row of the history: losses, mean D(x) and D(G(z)) on its batch, and every METRIC_EVERY
        steps the view's metrics (`sample_metrics`)."""
        if mode not in STEP_MODES:
            raise ValueError(f"step mode must be one of {', '.join(STEP_MODES)}, got {mode!r}")
        row: dict[str, float | int | None] = {"step": self.step_count + 1, "mode": mode}
        row.update(d_loss=None, g_loss=None, d_real=None, d_fake=None)
        with torch_threads(TRAIN_THREADS):
            if mode in ("both", "d"):
                for _ in range(self.settings.d_steps if mode == "both" else 1):
                    row["d_loss"], row["d_real"], row["d_fake"] = self._d_step()
            if mode in ("both", "g"):
                row["g_loss"] = self._g_step()
        self.step_count += 1
        if self.step_count % METRIC_EVERY == 0:
            row.update(self.sample_metrics())
        self.history.append(row)
        return row

    def train(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    # what the view shows

    def shown_generator(self) -> nn.Module:
        """The moving average of G when EMA is on (what it is for), else G itself."""
        return self.g_ema if self.settings.ema > 0 else self.g

    @torch.no_grad()
    def fake_points(self) -> torch.Tensor:
        return self.shown_generator()(self.view_noise)

    @torch.no_grad()
    def manifold(self) -> torch.Tensor:
        """G's image of a regular grid of noise: (lines, points_per_line, 2)."""
        grid = noise_grid(self.settings)
        return self.shown_generator()(grid.reshape(-1, grid.shape[-1])).reshape(*grid.shape[:2], 2)

    def decision(self, resolution: int) -> torch.Tensor:
        """D's readout over the view, (resolution, resolution), row 0 at the top (y = +VIEW)."""
        ticks = torch.linspace(-VIEW, VIEW, resolution)
        ys, xs = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")
        self.d.eval()
        with torch.no_grad():
            out = self.d(torch.stack([xs, ys], -1).reshape(-1, 2))
        self.d.train()
        return d_readout(self.settings.loss, out).reshape(resolution, resolution)

    def generator_gradients(self, points: torch.Tensor) -> torch.Tensor:
        """The direction G's loss pushes each fake point: -d g_loss / d x, (N, 2)."""
        x = points.detach().clone().requires_grad_(True)
        self.d.eval()
        (grad,) = torch.autograd.grad(g_loss(self.settings.loss, self.d(x).squeeze(1)) * len(x), x)
        self.d.train()
        return -grad

    def sample_metrics(self) -> dict[str, float | int]:
        """JS divergence of the view's fake points from its real points and, for the mixtures, the mode metrics."""
        with torch_threads(TRAIN_THREADS):
            fake = self.fake_points()
            # How hard G's loss pulls its points: near 0 while far from the data = vanishing gradients.
            g_grad = float(self.generator_gradients(fake[:ARROW_SAMPLE]).norm(dim=1).mean())
            result: dict[str, float | int] = {"js": js_divergence(self.view_real, fake), "g_grad": g_grad}
            if self.settings.dataset in MIXTURES:
                result.update(mode_metrics(fake, mixture_modes(self.settings.dataset)))
        return result

    def metrics(self) -> dict[str, float | int | str | None]:
        """The step, the last step's losses and D outputs, and the sample metrics now."""
        last = self.history[-1] if self.history else {}
        result: dict[str, float | int | str | None] = {"step": self.step_count}
        result.update({key: last.get(key) for key in ("d_loss", "g_loss", "d_real", "d_fake")})
        result.update(self.sample_metrics())
        return result
