"""Checks shared by the importers of plain state dicts: the loaded object holds tensors, and they fit the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from .safe_pickle import CheckpointReadError


def state_dict(obj: Any, what: str) -> dict[str, torch.Tensor]:
    """`obj` as {name: tensor}, or CheckpointReadError saying that `what` was expected."""
    if not isinstance(obj, Mapping) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        found = f"a {type(obj).__name__}" + (f" with keys {', '.join(map(str, list(obj)[:6]))}" if obj else "")
        raise CheckpointReadError(f"expected {what} (a dict of tensors), found {found}")
    return {str(k): v for k, v in obj.items()}


def load_strict(model: nn.Module, state: dict[str, torch.Tensor], what: str) -> nn.Module:
    """Load `state` into `model` with every key and shape matching, or say which do not (in eval mode)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k}: {tuple(state[k].shape)} (expected {tuple(v.shape)})"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or shapes:
        parts = [
            f"{label} {', '.join(items[:5])}{' ...' if len(items) > 5 else ''}"
            for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", shapes))
            if items
        ]
        raise CheckpointReadError(f"the weights do not fit {what}: {'; '.join(parts)}")
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    return model.eval().requires_grad_(False)
