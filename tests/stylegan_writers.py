"""The project's own writers of StyleGAN checkpoints in their official formats, for the import tests.

- `write_nvidia_pickle`: a pickle with the structure of NVIDIA's network-snapshot-*.pkl: a dict whose
  networks are `torch_utils.persistence._reconstruct_persistent_obj(meta)` records (class name, module
  __dict__ with parameters, buffers and child records, init kwargs in a `dnnlib.util.EasyDict`,
  numpy float64 gains, nn.Module's set), tensors pickled as torch pickles them. No NVIDIA source is
  embedded: `module_src` holds `MODULE_SRC`, which would create a file if anything executed it.
- `write_rosinality_checkpoint`: torch.save of {"g_ema", "latent_avg", "args"} as rosinality's scripts write.

The weights and the reference outputs come from tests/fixtures/import/*.safetensors (see `load_golden`).

    python tests/stylegan_writers.py OUT_DIR   # writes the three fixture files, e.g. to try scripts/convert.py
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import types
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
NVIDIA_GOLDENS = ("stylegan2_ada_tiny", "stylegan2_ada_tiny_cond")
ROSINALITY_GOLDEN = "stylegan2_rosinality_tiny"
BUFFERS = ("resample_filter", "noise_const", "w_avg")  # NVIDIA's buffers; every other tensor is a Parameter
# What NVIDIA's pickles carry as module_src; here a sentinel that touches MODULE_SRC_SENTINEL if ever executed.
MODULE_SRC_SENTINEL = "gan_demo_module_src_was_executed"
MODULE_SRC = f"open({MODULE_SRC_SENTINEL!r}, 'w').close()\n"


def load_golden(name: str) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, str]]:
    """(official state dicts by prefix "G_ema." / "g_ema.", reference outputs, metadata) of a golden file."""
    with safe_open(FIXTURES / f"{name}.safetensors", "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
        metadata = f.metadata()
    golden = {k.removeprefix("golden."): v for k, v in tensors.items() if k.startswith("golden.")}
    return {k: v for k, v in tensors.items() if not k.startswith("golden.")}, golden, metadata


class _Record:
    """Pickles as NVIDIA's persistent objects do: `_reconstruct_persistent_obj(meta)`."""

    def __init__(self, reconstruct: Any, meta: dict[str, Any]) -> None:
        self.reconstruct, self.meta = reconstruct, meta

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return self.reconstruct, (self.meta,)


@contextmanager
def _nvidia_names() -> Iterator[tuple[Any, type[dict]]]:
    """Make `torch_utils.persistence._reconstruct_persistent_obj` and `dnnlib.util.EasyDict` resolvable by pickle
    while writing: pickle stores functions and classes by name, so these placeholders write exactly those names."""

    def _reconstruct_persistent_obj(meta: dict[str, Any]) -> None:
        raise RuntimeError("a placeholder for writing; never called")

    easy_dict = type("EasyDict", (dict,), {"__module__": "dnnlib.util"})
    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    modules = {
        name: types.ModuleType(name) for name in ("torch_utils", "torch_utils.persistence", "dnnlib", "dnnlib.util")
    }
    modules["torch_utils.persistence"]._reconstruct_persistent_obj = _reconstruct_persistent_obj
    modules["dnnlib.util"].EasyDict = easy_dict
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield _reconstruct_persistent_obj, easy_dict
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name)
            else:
                sys.modules[name] = module


def _easy(value: Any, easy_dict: type[dict]) -> Any:
    return easy_dict({k: _easy(v, easy_dict) for k, v in value.items()}) if isinstance(value, dict) else value


def nvidia_records(
    state: dict[str, torch.Tensor],
    classes: dict[str, str],
    init_kwargs: dict[str, Any],
    reconstruct: Any,
    easy_dict: type[dict],
    extra_state: dict[str, Any] | None = None,
) -> _Record:
    """The persistent-object tree of a network: one record per module in `classes` ({"": "Generator", ...})."""

    def record(prefix: str) -> _Record:
        dot = f"{prefix}." if prefix else ""
        own = {k[len(dot) :]: v for k, v in state.items() if k.startswith(dot) and "." not in k[len(dot) :]}
        children = [p for p in classes if p.startswith(dot) and p != prefix and "." not in p[len(dot) :]]
        module_state = {
            "training": False,
            "_parameters": OrderedDict(
                (k, torch.nn.Parameter(v, requires_grad=False)) for k, v in own.items() if k not in BUFFERS
            ),
            "_buffers": OrderedDict((k, v) for k, v in own.items() if k in BUFFERS),
            "_non_persistent_buffers_set": set(),
            "_modules": OrderedDict((c[len(dot) :], record(c)) for c in children),
            "_init_args": (),
            "_init_kwargs": _easy(init_kwargs if prefix == "" else {}, easy_dict),
        }
        if "weight" in own:  # as NVIDIA's layers keep their gains: numpy float64
            module_state["weight_gain"] = np.float64(1 / np.sqrt(own["weight"][0].numel()))
        if prefix == "":
            module_state.update(extra_state or {})
        meta = {"type": "class", "version": 4, "module_src": MODULE_SRC, "class_name": classes[prefix]}
        return _Record(reconstruct, {**meta, "state": module_state})

    return record("")


def write_nvidia_pickle(path: Path, golden: str, extra_state: dict[str, Any] | None = None) -> Path:
    """A network-snapshot-style pickle of the golden's G_ema (also as "G"), like NVIDIA's training loop writes."""
    tensors, _, metadata = load_golden(golden)
    state = {k.removeprefix("G_ema."): v for k, v in tensors.items()}
    with _nvidia_names() as (reconstruct, easy_dict):
        network = nvidia_records(
            state,
            json.loads(metadata["classes"]),
            json.loads(metadata["init_kwargs"]),
            reconstruct,
            easy_dict,
            extra_state,
        )
        snapshot = {"G": network, "D": None, "G_ema": network, "augment_pipe": None,
                    "training_set_kwargs": {"path": "~/datasets/tiny-32x32.zip"}}  # fmt: skip
        path.write_bytes(pickle.dumps(snapshot, protocol=3))  # NVIDIA's files are protocol 3 (Python 3.7)
    return path


def write_rosinality_checkpoint(path: Path, *, latent_avg: bool = True, zip_format: bool = True) -> Path:
    """rosinality's checkpoint of the golden's g_ema: training-style with args, converted-style with latent_avg."""
    tensors, _, _ = load_golden(ROSINALITY_GOLDEN)
    checkpoint: dict[str, Any] = {
        "g_ema": {k.removeprefix("g_ema."): v for k, v in tensors.items() if k.startswith("g_ema.")},
        "args": argparse.Namespace(size=32, latent=16, n_mlp=3, channel_multiplier=2, r1=10.0, path="ffhq-lmdb"),
    }
    if latent_avg:
        checkpoint["latent_avg"] = tensors["latent_avg"]
    torch.save(checkpoint, path, _use_new_zipfile_serialization=zip_format)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in NVIDIA_GOLDENS:
        print(write_nvidia_pickle(out / f"{name}.pkl", name))
    print(write_rosinality_checkpoint(out / f"{ROSINALITY_GOLDEN}.pt"))
