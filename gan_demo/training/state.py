"""Resumable training state: tensors and plain values only, written atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch


def save_state(path: str | Path, state: dict[str, Any]) -> None:
    """Write to a temporary file in the same folder, then rename over the old state.

    A kill at any moment leaves either the previous state or the new one, never half a file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_state(path: str | Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    # weights_only=True: the state holds tensors, numbers, strings and dicts; nothing to unpickle.
    return torch.load(path, map_location=device, weights_only=True)
