"""The one restricted loader for checkpoints written by other projects: nothing in a file is ever run.

Two kinds of file come in:

- torch zip files (.pt/.pth, torch >= 1.6) and legacy torch.save files: read by
  `torch.load(..., weights_only=True)`, torch's own restricted unpickler, with the few extra classes
  of TORCH_EXTRAS (rosinality's training files hold an argparse.Namespace of their options);
- plain pickles, such as NVIDIA's StyleGAN2-ADA / StyleGAN3 `network-snapshot-*.pkl`: read by
  `RestrictedUnpickler`, which resolves only the globals of ALLOWED_GLOBALS. NVIDIA pickles each
  network as `torch_utils.persistence._reconstruct_persistent_obj(meta)`, where meta holds the source of
  the module that defines it; normal unpickling executes that source. Here the call is answered by
  `PersistentObject`, a record of the class name, init_kwargs and state (with its tensors); the source
  is dropped unread. Their tensors arrive as `torch.storage._load_from_bytes(bytes)`, whose bytes are a
  torch.save file of their own: they go through torch's weights-only loader too.

Any other global is refused with UnsafeCheckpointError naming it (e.g. "posix.system" for os.system),
before anything is created; a truncated or foreign file gives CheckpointReadError.
"""

from __future__ import annotations

import _compat_pickle
import argparse
import collections
import contextlib
import io
import pickle
import pickletools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch


class UnsafeCheckpointError(ValueError):
    """The file asks for a global outside the allowlist: loading it normally could run code."""


class CheckpointReadError(ValueError):
    """The file is truncated, or is neither a pickle nor a torch checkpoint."""


class EasyDict(dict):
    """Stands in for dnnlib.util.EasyDict (NVIDIA's attribute dict) as a plain dict."""


@dataclass
class PersistentObject:
    """What NVIDIA's `_reconstruct_persistent_obj(meta)` would have rebuilt, as data: the class name, its
    constructor arguments and the module's `__dict__` (parameters, buffers and child modules)."""

    class_name: str
    init_args: tuple[Any, ...] = ()
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def state_dict(self, prefix: str = "", _parents: tuple[int, ...] = ()) -> dict[str, torch.Tensor]:
        """The tensors by their dotted names, as `nn.Module.state_dict()` would list them."""
        if id(self) in _parents:  # a pickle can make a record its own child; a module cannot be
            raise CheckpointReadError(f"the module record {prefix.rstrip('.')} contains itself")
        tensors: dict[str, torch.Tensor] = {}
        for group in ("_parameters", "_buffers"):
            for name, value in (self.state.get(group) or {}).items():
                if isinstance(value, torch.Tensor):
                    tensors[prefix + name] = value.detach()
        for name, child in (self.state.get("_modules") or {}).items():
            if isinstance(child, PersistentObject):
                tensors.update(child.state_dict(f"{prefix}{name}.", (*_parents, id(self))))
        return tensors


def _persistent_record(meta: dict[str, Any]) -> PersistentObject:
    if not isinstance(meta, dict) or meta.get("type") != "class" or not isinstance(meta.get("state"), dict):
        raise CheckpointReadError("a torch_utils.persistence record without a class state")
    state = meta["state"]
    return PersistentObject(
        class_name=str(meta.get("class_name")),
        init_args=tuple(state.get("_init_args") or ()),
        init_kwargs=dict(state.get("_init_kwargs") or {}),
        state=state,
    )


def _storage_from_bytes(data: bytes) -> Any:
    return _torch_load(data)


def _rebuild_tensor(
    storage: Any, offset: int, size: tuple[int, ...], stride: tuple[int, ...], requires_grad: bool, *_: Any
) -> torch.Tensor:
    # torch._utils._rebuild_tensor_v2 without the backward hooks and metadata a pickle could carry.
    return torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, collections.OrderedDict())


def _rebuild_parameter(data: torch.Tensor, requires_grad: bool, *_: Any) -> torch.Tensor:
    return data


_numpy_core = np._core if hasattr(np, "_core") else np.core  # numpy 2 renamed numpy.core

# The reviewed allowlist: (module, name) in a pickle -> what the restricted unpickler uses for it.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    # tensors (their storages through torch's weights-only loader)
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
    # containers and numbers (nn.Module keeps a set; NVIDIA's layers keep numpy float64 gains, StyleGAN3's numpy
    # arrays of sizes and cutoffs: rebuilt from their raw bytes, or from items that passed through this list)
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("numpy.core.multiarray", "scalar"): _numpy_core.multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_core.multiarray.scalar,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_core.multiarray._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # other projects' classes, as records of data: their code is never imported
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _persistent_record,
    ("dnnlib.util", "EasyDict"): EasyDict,
    ("argparse", "Namespace"): argparse.Namespace,
}
# What torch.load(weights_only=True) needs beyond its own tensor and container globals.
TORCH_EXTRAS = [argparse.Namespace]


def python3_name(module: str, name: str) -> tuple[str, str]:
    """A global as Python 3 knows it: protocol-2 pickles (torch.save's) name Python 2 modules, "__builtin__.eval"."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle.Unpickler that resolves only ALLOWED_GLOBALS and has no persistent ids."""

    def find_class(self, module: str, name: str) -> Any:
        module, name = python3_name(module, name)
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafeCheckpointError(
                f"the file asks for {module}.{name}, which could run code; "
                f"allowed: {', '.join(f'{m}.{n}' for m, n in ALLOWED_GLOBALS)}"
            )
        return ALLOWED_GLOBALS[(module, name)]

    def persistent_load(self, pid: Any) -> Any:
        raise CheckpointReadError("a plain pickle with persistent ids is not a checkpoint format this app reads")


def loads(data: bytes) -> Any:
    """Unpickle `data` with the restricted unpickler."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def load(path: str | Path) -> Any:
    """Read a checkpoint file (torch zip, legacy torch.save or plain pickle) without running code from it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        if zipfile.is_zipfile(path):
            return _torch_load(path)
        with path.open("rb") as f:
            first = RestrictedUnpickler(f).load()
        # A legacy torch.save file starts with a pickled magic number; torch's own loader reads the rest.
        return _torch_load(path) if _is_torch_magic(first) else first
    except UnsafeCheckpointError as e:
        raise UnsafeCheckpointError(f"refused to load {path.name}: {e}") from None
    except CheckpointReadError as e:
        raise CheckpointReadError(f"{path.name}: {e}") from None
    except (pickle.UnpicklingError, EOFError, RuntimeError, ValueError, TypeError, AttributeError, LookupError) as e:
        raise CheckpointReadError(
            f"{path.name} is not a readable checkpoint (expected a .pkl pickle or a torch .pt/.pth file; "
            f"it may be truncated): {type(e).__name__}: {e}"
        ) from None


def _torch_load(source: Path | bytes) -> Any:
    """torch.load(weights_only=True) with TORCH_EXTRAS; a refused global becomes UnsafeCheckpointError naming it."""
    try:
        with torch.serialization.safe_globals(TORCH_EXTRAS):
            return torch.load(source if isinstance(source, Path) else io.BytesIO(source), "cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        refused = re.search(r"GLOBAL ([\w.]+)", str(e))
        if refused is None:
            raise
        data = source.read_bytes() if isinstance(source, Path) else source
        raise UnsafeCheckpointError(
            f"the file asks for {_exact_name(refused[1], data)}, which could run code"
        ) from None


def _exact_name(reported: str, data: bytes) -> str:
    """The global as the file names it: torch's message shortens some ("eval" for builtins.eval) and renames
    others to their Python 2 names ("commands.Popen" for subprocess.Popen)."""
    short = reported.rsplit(".", 1)[-1]
    named = (".".join(python3_name(*g)) for g in _globals_named_in(data) if g[1] == short)
    return next(named, reported)


def _globals_named_in(data: bytes) -> list[tuple[str, str]]:
    """(module, name) of each GLOBAL / STACK_GLOBAL in the pickles of a torch file, read by opcode, never run.
    Only for messages: STACK_GLOBAL's operands are tracked through the strings pushed and memoised."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".pkl"))
    stream = io.BytesIO(data)
    names: list[tuple[str, str]] = []
    strings: list[str] = []  # the strings pushed so far, directly or from the memo
    memo: dict[int, str | None] = {}
    top: str | None = None  # what the last opcode pushed, if a string
    with contextlib.suppress(Exception):  # a damaged pickle: the names found before the damage
        while stream.tell() < len(data):  # a legacy torch file is several pickles in a row
            for op, arg, _ in pickletools.genops(stream):
                if op.name == "GLOBAL":
                    names.append(tuple(arg.split(" ", 1)))
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    names.append((strings[-2], strings[-1]))
                if op.name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                    memo[len(memo) if op.name == "MEMOIZE" else arg] = top
                    continue
                is_string = "UNICODE" in op.name or op.name.endswith("STRING")
                top = str(arg) if is_string else memo.get(arg) if op.name.endswith("GET") else None
                if top is not None:
                    strings.append(top)
    return names


def _is_torch_magic(obj: Any) -> bool:
    return type(obj) is int and obj == torch.serialization.MAGIC_NUMBER
