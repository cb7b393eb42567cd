"""What every training family shares: devices, precision, resumable state, the step loop, logs and export.

A family subclasses `BaseTrainer` and supplies its data and models (`build`),
one optimisation step (`train_step`), a sample grid and the exported model.
Runs behave the same on one CPU, one GPU, or several processes under torchrun
(DistributedDataParallel over NCCL on GPUs, gloo on CPUs), and can be killed at
any moment: `resume=True` continues bit for bit from the last state written.
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
from torch import nn
from torch.nn.utils import parametrize
from tqdm import tqdm

from .. import checkpoint
from ..device import pick_device
from .config import RUN_IDENTITY, TrainConfig
from .report import (
    PROGRESS_KEYS,
    TensorBoardLog,
    describe_hardware,
    plot_losses,
    read_log,
    write_model_card,
    write_timelapse,
)
from .state import load_state, save_state


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
        # A state loaded onto a GPU holds these on it; the sampler's generator lives on the CPU.
        self.perm, self.cursor, self.epoch = state["perm"].cpu(), state["cursor"], state["epoch"]
        self.generator.set_state(state["rng"].cpu())


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


def init_weights(module: nn.Module, generator: torch.Generator | None = None) -> None:
    """DCGAN's and pix2pix's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales
    (drawn from `generator` when given, e.g. `model.apply(partial(init_weights, generator=g))`). Spectrally
    normalised layers keep PyTorch's initialisation: their weights' scale is divided away."""
    if parametrize.is_parametrized(module):
        return
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02, generator=generator)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02, generator=generator)
        nn.init.zeros_(module.bias)


class BaseTrainer:
    description = ""  # one paragraph for the model card, set by each family

    def __init__(self, cfg: TrainConfig, command: str | None = None) -> None:
        self.cfg = cfg
        self.command = command or "python " + shlex.join(sys.argv)
        self.dist = Distributed.from_env()
        if self.dist.world_size > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if cfg.device:
            self.device = torch.device(cfg.device)
        elif torch.cuda.is_available():
            self.device = torch.device("cuda", self.dist.local_rank)
        else:
            self.device = pick_device()  # Apple MPS, else the CPU (or GAN_DEMO_DEVICE)
        self.autocast_dtype = resolve_precision(cfg.precision, self.device)
        if self.device.type == "cuda":  # TF32 matrix units for float32 work: ~10 bits of mantissa are plenty here
            torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        self.out = Path(cfg.out)
        self.state_path = self.out / "state.pt"
        self.log_path = self.out / "log.jsonl"
        torch.manual_seed(cfg.seed + self.dist.rank)

        self.step = 0
        self.train_seconds = 0.0
        self.commands: list[str] = []
        self.build()
        self._load_or_start()
        self.commands.append(self.command)
        self.tensorboard = (
            TensorBoardLog(self.out / "tensorboard", self.step, self.command)
            if cfg.tensorboard and self.dist.is_main
            else None
        )

    # -- what a family provides ----------------------------------------------------------------------------

    def build(self) -> None:
        """Load the data; create the models, optimisers and `self.sampler`."""
        raise NotImplementedError

    def stateful(self) -> dict[str, Any]:
        """Everything with a state_dict that a resumed run needs (models, EMA, optimisers), by name."""
        raise NotImplementedError

    def train_step(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def save_samples(self, path: Path) -> None:
        raise NotImplementedError

    def export_model(self, directory: Path, training: dict[str, Any]) -> None:
        """Write the app checkpoint (checkpoint.save_model) and its samples.png."""
        raise NotImplementedError

    @property
    def images_per_step(self) -> int:
        """Real images through the discriminator per generator step, over every process."""
        return self.cfg.batch_size * self.dist.world_size

    @property
    def images_seen(self) -> int:
        return self.step * self.images_per_step

    # -- shared helpers ------------------------------------------------------------------------------------

    def autocast(self) -> torch.autocast:
        return torch.autocast(
            self.device.type, dtype=self.autocast_dtype or torch.float32, enabled=self.autocast_dtype is not None
        )

    def distributed(self, module: nn.Module) -> nn.Module:
        """`module` wrapped for data-parallel training when there are several processes."""
        if self.dist.world_size == 1:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

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
        changed = [k for k in RUN_IDENTITY if k in saved and saved[k] != getattr(self.cfg, k)]
        if changed:
            raise ValueError(f"cannot resume {self.out}: {', '.join(changed)} differ from the saved run")
        for name, obj in self.stateful().items():
            obj.load_state_dict(state[name])
        samplers = state["sampler"]
        self.sampler.load_state_dict(samplers[self.dist.rank] if self.dist.rank < len(samplers) else samplers[0])
        torch.set_rng_state(state["rng"].cpu())
        self.step = state["step"]
        self.train_seconds = state["train_seconds"]
        self.commands = list(state["commands"])
        if self.dist.is_main:  # rows logged after the last saved state are about to be trained again
            rows = [r for r in read_log(self.log_path) if r["step"] <= self.step]
            self.log_path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def save(self) -> None:
        samplers = [self.sampler.state_dict()]
        if self.dist.world_size > 1:
            samplers = [None] * self.dist.world_size
            dist.all_gather_object(samplers, self.sampler.state_dict())
        if not self.dist.is_main:
            return
        state = {name: obj.state_dict() for name, obj in self.stateful().items()}
        state.update(
            sampler=samplers,
            rng=torch.get_rng_state(),
            step=self.step,
            train_seconds=self.train_seconds,
            commands=self.commands,
            config=json.dumps(dataclasses.asdict(self.cfg)),
        )
        save_state(self.state_path, state)

    # -- the loop ------------------------------------------------------------------------------------------

    def run(self) -> Path | None:
        """Train to cfg.steps (or cfg.max_minutes); returns the exported checkpoint directory on rank 0."""
        cfg = self.cfg
        if self.step >= cfg.steps and self._exported(self.export_directory):
            # A finished run resumed (`--resume` again): nothing to train. Its weights and config.json (which may
            # hold scripts/evaluate.py's metrics) stay as they are; what the run left for people is drawn again.
            if self.tensorboard:
                self.tensorboard.close()
            if not self.dist.is_main:
                return None
            self.write_pictures(self.export_directory)
            return self.export_directory
        deadline = time.monotonic() + cfg.max_minutes * 60 if cfg.max_minutes else math.inf
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not self.dist.is_main, dynamic_ncols=True, mininterval=2)
        window: dict[str, list[float]] = {}
        started = time.monotonic()
        while self.step < cfg.steps and time.monotonic() < deadline:
            values = {k: float(v) for k, v in self.train_step().items()}
            self.step += 1
            bad = [k for k, v in values.items() if not math.isfinite(v)]
            if bad:
                raise TrainingDiverged(
                    f"non-finite {', '.join(bad)} at step {self.step}; the last good state is {self.state_path}. "
                    "Try a lower learning rate or --precision fp32."
                )
            for k, v in values.items():
                window.setdefault(k, []).append(v)
            if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                self._log(window, time.monotonic() - started)
                bar.set_postfix({k: f"{v:.3f}" for k, v in values.items() if k.endswith("loss")})
                window = {}
            if self.dist.is_main and self.step % cfg.sample_every == 0:
                path = self.out / "samples" / f"step_{self.step:07d}.png"
                self.save_samples(path)
                if self.tensorboard:
                    self.tensorboard.image("samples", path, self.step)
            if self.step % cfg.checkpoint_every == 0:
                self._checkpoint(started)
                started = time.monotonic()
            bar.update(1)
        bar.close()
        self._checkpoint(started)
        exported = self.export() if self.dist.is_main else None
        if self.tensorboard:
            self.tensorboard.image("samples", exported / "samples.png", self.step)  # the exported EMA generator's
            self.tensorboard.close()
        if self.dist.world_size > 1:
            dist.barrier()
        return exported

    def _checkpoint(self, started: float) -> None:
        self.train_seconds += time.monotonic() - started
        self.save()

    def _log(self, window: dict[str, list[float]], elapsed: float, **extra: float) -> None:
        if not self.dist.is_main or not window:
            return
        row: dict[str, Any] = {
            "step": self.step,
            "epoch": getattr(self.sampler, "epoch", 0),
            "images_seen": self.images_seen,
        }
        row.update({k: sum(v) / len(v) for k, v in window.items()})
        row.update(extra)
        row["train_seconds"] = round(self.train_seconds + elapsed, 2)
        with self.log_path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        if self.tensorboard:
            self.tensorboard.scalars(row)

    # -- outputs -------------------------------------------------------------------------------------------

    @property
    def export_directory(self) -> Path:
        return Path(self.cfg.export or self.out / "model")

    def _exported(self, directory: Path) -> bool:
        """Whether `directory` holds this run's model as it is now (exported at this step from this run folder)."""
        if not (directory / checkpoint.CONFIG_NAME).exists():
            return False
        training = checkpoint.read_config(directory).get("training", {})
        return training.get("steps") == self.step and training.get("config", {}).get("out") == self.cfg.out

    def export(self) -> Path:
        """Write the exported model with its samples, and the pictures of its training with its card."""
        cfg = self.cfg
        directory = self.export_directory
        rows = read_log(self.log_path)[-10:]
        final: dict[str, list[float]] = {}
        for row in rows:
            for k, v in row.items():
                if k not in PROGRESS_KEYS:
                    final.setdefault(k, []).append(v)
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
            "final_losses": {k: sum(v) / len(v) for k, v in final.items()},
        }
        self.export_model(directory, training)
        self.write_pictures(directory)
        return directory

    def write_pictures(self, directory: Path) -> None:
        """Beside the exported model: the loss curves, the timelapse of the sample grids, and the card."""
        title = f"{self.cfg.title or directory.name} ({self.cfg.family})"
        plot_losses(self.log_path, directory / "losses.png", title=title)
        timelapse = directory / "timelapse.gif"
        write_timelapse(self.out / "samples", timelapse, last_step=self.step, images_per_step=self.images_per_step)
        write_model_card(directory)

    def save_sampling_model(self, directory: Path, training: dict[str, Any], class_names: list[str]) -> None:
        """Export the EMA generator `self.g_ema` of a noise -> image family trained on the ImageDataset `self.data`."""
        self.description += (
            f" Trained on {self.data.name} by scripts/train.py; the weights are the exponential moving average of"
            " the generator's."
        )
        self.save_model(
            self.g_ema,
            directory,
            training,
            task="sample",
            dataset=self.data.name,
            image_size=self.data.image_size,
            image_channels=self.data.channels,
            class_names=class_names,
        )

    def save_model(self, model: nn.Module, directory: Path, training: dict[str, Any], **metadata: Any) -> None:
        """checkpoint.save_model with the card's common fields; `model` may be channels-last."""
        directory.mkdir(parents=True, exist_ok=True)
        checkpoint.save_model(
            model.to(memory_format=torch.contiguous_format),
            directory,
            title=self.cfg.title or directory.name,
            description=self.description,
            family=self.cfg.family,
            training=training,
            **metadata,
        )
        model.to(memory_format=torch.channels_last)
