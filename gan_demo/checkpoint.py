"""Model directories (config.json + model.safetensors) and the registry of them.

A checkpoint is a folder:
    config.json        architecture name, constructor kwargs, dataset, class names, training summary
    model.safetensors  the weights (for GANs, the EMA generator), loaded with strict=True
Nothing here unpickles: safetensors holds tensors only, and the architecture is
looked up by name in `gan_demo.models.ARCHITECTURES`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from . import __version__
from .device import pick_device
from .kind import Kind, kind_of
from .models import ARCHITECTURES
from .models.config_mixin import ConfigMixin

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
HUB_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")  # "user/repo"; a path like "/models" is not one
DEFAULT_CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
# Models with at least this much weight count against GAN_DEMO_MAX_MODELS (default DEFAULT_MAX_MODELS): e.g.
# RealESRGAN_x4plus (67 MB), a CycleGAN resnet_9blocks (45 MB), StyleGAN2 at 1024 px (120 MB); the shipped ones
# are a few MB each and always stay.
LARGE_MODEL_BYTES = 32 * 2**20
DEFAULT_MAX_MODELS = 2


def constructor_kwargs(model: nn.Module) -> dict[str, Any]:
    """The keyword arguments that rebuild `model`, as it recorded them (models.config_mixin.ConfigMixin)."""
    if not isinstance(model, ConfigMixin):
        raise ValueError(f"{type(model).__name__} does not record its constructor arguments: give it ConfigMixin")
    return dict(model.init_kwargs)


def save_model(model: nn.Module, directory: str | Path, **metadata: Any) -> Path:
    """Write `model` as a checkpoint directory; `metadata` goes into config.json."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "architecture": type(model).__name__,
        "kwargs": constructor_kwargs(model),
        "gan_demo_version": __version__,
        **metadata,
    }
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, directory / WEIGHTS_NAME)
    write_config(directory, config)
    return directory


def read_config(directory: str | Path) -> dict[str, Any]:
    return json.loads((Path(directory) / CONFIG_NAME).read_text(encoding="utf-8"))


def write_config(directory: str | Path, config: dict[str, Any]) -> None:
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    (Path(directory) / CONFIG_NAME).write_text(text, encoding="utf-8")


def build_model(config: dict[str, Any]) -> nn.Module:
    name = config.get("architecture")
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHITECTURES))}")
    return ARCHITECTURES[name](**config.get("kwargs", {}))


def load_model(directory: str | Path, device: torch.device | str = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model from config.json and load its weights strictly, in eval mode."""
    directory = Path(directory)
    config = read_config(directory)
    model = build_model(config)
    model.load_state_dict(load_file(directory / WEIGHTS_NAME), strict=True)
    return model.to(device).eval().requires_grad_(False), config


@dataclass
class LoadedModel:
    name: str
    model: nn.Module
    config: dict[str, Any]
    device: torch.device

    @property
    def title(self) -> str:
        return self.config.get("title", self.name)

    @property
    def class_names(self) -> list[str]:
        return list(self.config.get("class_names", []))

    @property
    def kind(self) -> Kind:
        return kind_of(self.config)

    @property
    def is_conditional(self) -> bool:
        return self.kind is Kind.CONDITIONAL


def is_generator_config(config: dict[str, Any]) -> bool:
    return config.get("role", "generator") == "generator"


def model_bytes(model: nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])


class ModelRegistry:
    """Finds checkpoint directories, loads each on first use and keeps it; of the large models (at least
    LARGE_MODEL_BYTES) at most `max_models` stay loaded, the least recently used is let go first."""

    def __init__(
        self,
        roots: list[str | Path] | None = None,
        device: torch.device | str | None = None,
        max_models: int | None = None,
    ) -> None:
        self.device = pick_device(str(device) if device else None)
        self.max_models = max_models if max_models is not None else _env_max_models()
        if self.max_models < 1:
            raise ValueError(f"max_models must be at least 1, got {self.max_models}")
        self._dirs: dict[str, Path] = {}
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        for root in roots if roots is not None else [DEFAULT_CHECKPOINT_DIR]:
            self.add(root)

    def add(self, source: str | Path) -> list[str]:
        """Add a checkpoint directory, a folder of them, a Hugging Face Hub repo id, or an official checkpoint
        file of another project (see gan_demo.importers), converted once into `converted_dir()`."""
        path = Path(source)
        if not path.exists() and isinstance(source, str) and HUB_REPO_ID.fullmatch(source):
            path = _download_from_hub(source)
            self._dirs[source] = path
            return [source]
        if path.is_file():
            name = _file_model_name(path)
            self._dirs[name] = _converted(path, title=name)
            return [name]
        if (path / CONFIG_NAME).exists():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(p.parent for p in path.glob(f"*/{CONFIG_NAME}"))
        else:
            raise FileNotFoundError(f"no checkpoint at {source}")
        added = []
        for directory in candidates:
            if (directory / WEIGHTS_NAME).exists() and is_generator_config(read_config(directory)):
                self._dirs[directory.name] = directory
                added.append(directory.name)
        return added

    def names(self, *, kind: Kind | Iterable[Kind] | None = None) -> list[str]:
        """Model names, in the order they were added; optionally only those of one kind (or of any of several)."""
        if kind is None:
            return list(self._dirs)
        kinds = {kind} if isinstance(kind, Kind) else set(kind)
        return [n for n in self._dirs if self.kind(n) in kinds]

    def kind(self, name: str) -> Kind:
        return kind_of(self.config(name))

    def config(self, name: str) -> dict[str, Any]:
        return read_config(self.directory(name))

    def get(self, name: str) -> LoadedModel:
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
            else:
                model, config = load_model(self.directory(name), self.device)
                # Convolution weights channels-last, oneDNN's fast layout on a CPU: the StyleGAN 1.4x and the
                # SRResNet 1.8x faster on one core, the same images to float rounding.
                model = model.to(memory_format=torch.channels_last)
                self._loaded[name] = LoadedModel(name, model, config, self.device)
                self._unload_beyond_limit()
            return self._loaded[name]

    def loaded(self) -> list[str]:
        """The models in memory, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def _unload_beyond_limit(self) -> None:
        """Drop the least recently used large models until at most max_models remain (requests that still hold
        one finish with it; the next get() loads it again)."""
        large = [n for n, m in self._loaded.items() if model_bytes(m.model) >= LARGE_MODEL_BYTES]
        for name in large[: max(0, len(large) - self.max_models)]:
            del self._loaded[name]
        if len(large) > self.max_models and self.device.type == "cuda":
            torch.cuda.empty_cache()

    def directory(self, name: str) -> Path:
        """The checkpoint directory of `name` (a Hub download for a repo id)."""
        if name not in self._dirs:
            raise KeyError(f"unknown model {name!r}; available: {', '.join(self._dirs) or 'none'}")
        return self._dirs[name]


def _env_max_models() -> int:
    value = os.environ.get("GAN_DEMO_MAX_MODELS", str(DEFAULT_MAX_MODELS))
    if not value.isdigit():
        raise ValueError(f"GAN_DEMO_MAX_MODELS must be a whole number of models (at least 1), got {value!r}")
    return int(value)


def converted_dir() -> Path:
    """Where official checkpoint files are converted to, one folder per file's sha256 (~/.cache/gan_demo/converted)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gan_demo" / "converted"


def _file_model_name(path: Path) -> str:
    """RealESRGAN_x4plus.pth -> "RealESRGAN_x4plus"; horse2zebra_pretrained/latest_net_G.pth ->
    "horse2zebra_pretrained-latest_net_G": a file named after its training step also takes its folder's name."""
    generic = re.fullmatch(r"(latest|\d+)_net_G(_[AB])?|network-snapshot-\d+|\d+", path.stem)
    return f"{path.resolve().parent.name}-{path.stem}" if generic else path.stem


def _converted(path: Path, title: str) -> Path:
    """The app checkpoint of the official file `path`, converted on first use (nothing in the file runs)."""
    from .importers import convert, sha256  # the importers build on this module

    target = converted_dir() / sha256(path)
    if not (target / WEIGHTS_NAME).exists():
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}-{threading.get_ident()}")
        try:
            convert(path, partial)
            write_config(partial, {**read_config(partial), "title": title})
            partial.replace(target)  # whole or not at all, also when another process converts the same file
        except OSError:
            if not (target / WEIGHTS_NAME).exists():
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return target


def _download_from_hub(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id, allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, "*.md", "*.png"]))
