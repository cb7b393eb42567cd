"""The restricted loader: checkpoints of other projects are read without running anything from them."""

from __future__ import annotations

import argparse
import builtins
import io
import os
import pickle
import subprocess
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from stylegan_writers import MODULE_SRC_SENTINEL, write_nvidia_pickle, write_rosinality_checkpoint

from gan_demo.importers import safe_pickle
from gan_demo.importers.safe_pickle import (
    ALLOWED_GLOBALS,
    CheckpointReadError,
    EasyDict,
    PersistentObject,
    UnsafeCheckpointError,
)


class _Payload:
    """Unpickles as `function(*args)`: what an attacker's pickle does."""

    def __init__(self, function: Any, *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.function, self.args


def _payloads(target: Path) -> dict[str, _Payload]:
    """Each creates `target` when unpickled normally; the key is the global the file names."""
    return {
        f"{os.system.__module__}.system": _Payload(os.system, f"touch '{target}'"),
        "builtins.eval": _Payload(builtins.eval, f"open({str(target)!r}, 'w').close()"),
        "subprocess.Popen": _Payload(subprocess.Popen, ["touch", str(target)]),
    }


def test_the_payloads_would_create_the_file_if_unpickled_normally(tmp_path: Path) -> None:
    """The control for the refusals below: plain pickle runs them."""
    for name, payload in _payloads(tmp_path / "pwned").items():
        result = pickle.loads(pickle.dumps({"state": payload}))["state"]
        if isinstance(result, subprocess.Popen):
            result.wait()
        assert (tmp_path / "pwned").exists(), name
        (tmp_path / "pwned").unlink()


@pytest.mark.parametrize("where", ["plain pickle", "torch zip", "legacy torch file", "nvidia record", "storage bytes"])
def test_malicious_files_are_refused_naming_the_global_and_nothing_runs(tmp_path: Path, where: str) -> None:
    target = tmp_path / "pwned"
    for name, payload in _payloads(target).items():
        path = tmp_path / "evil.pkl"
        if where == "plain pickle":
            path.write_bytes(pickle.dumps({"G_ema": payload}, protocol=3))
        elif where in ("torch zip", "legacy torch file"):
            checkpoint = {"g_ema": {"w": torch.ones(1)}, "args": payload}
            torch.save(checkpoint, path, _use_new_zipfile_serialization=where == "torch zip")
        elif where == "nvidia record":  # hidden in a network's state
            write_nvidia_pickle(path, "stylegan2_ada_tiny", extra_state={"evil": payload})
        else:  # hidden in the torch.save bytes that NVIDIA pickles carry for each tensor's storage
            buffer = io.BytesIO()
            torch.save(payload, buffer, _use_new_zipfile_serialization=False)
            path.write_bytes(pickle.dumps(_Payload(torch.storage._load_from_bytes, buffer.getvalue()), protocol=3))
        with pytest.raises(UnsafeCheckpointError, match=name.replace(".", r"\.")):
            safe_pickle.load(path)
        assert not target.exists(), (where, name)


def test_nvidia_records_become_data_and_their_source_is_never_run(tmp_path: Path) -> None:
    snapshot = safe_pickle.load(write_nvidia_pickle(tmp_path / "snapshot.pkl", "stylegan2_ada_tiny"))
    g = snapshot["G_ema"]
    assert isinstance(g, PersistentObject) and g.class_name == "Generator"
    assert isinstance(g.init_kwargs["synthesis_kwargs"], EasyDict) and g.init_kwargs["img_resolution"] == 32
    assert snapshot["G"] is g  # one object, as pickled
    state = g.state_dict()
    assert state["synthesis.b4.const"].shape == (16, 4, 4) and "mapping.w_avg" in state
    assert isinstance(g.state["_modules"]["mapping"].state["_modules"]["fc0"].state["weight_gain"], np.float64)
    assert not Path(MODULE_SRC_SENTINEL).exists() and not (tmp_path / MODULE_SRC_SENTINEL).exists()


def test_a_record_that_contains_itself_is_refused(tmp_path: Path) -> None:
    snapshot = safe_pickle.load(write_nvidia_pickle(tmp_path / "snapshot.pkl", "stylegan2_ada_tiny"))
    mapping = snapshot["G_ema"].state["_modules"]["mapping"]
    mapping.state["_modules"]["loop"] = snapshot["G_ema"]
    with pytest.raises(CheckpointReadError, match="contains itself"):
        snapshot["G_ema"].state_dict()


def test_torch_files_load_with_their_argparse_namespace(tmp_path: Path) -> None:
    checkpoint = safe_pickle.load(write_rosinality_checkpoint(tmp_path / "550000.pt"))
    assert isinstance(checkpoint["args"], argparse.Namespace) and checkpoint["args"].size == 32
    assert isinstance(checkpoint["g_ema"]["style.1.weight"], torch.Tensor)
    legacy = safe_pickle.load(write_rosinality_checkpoint(tmp_path / "old.pt", zip_format=False))
    assert legacy["g_ema"].keys() == checkpoint["g_ema"].keys()


def test_truncated_empty_and_foreign_files_get_a_clear_error(tmp_path: Path) -> None:
    good = write_nvidia_pickle(tmp_path / "good.pkl", "stylegan2_ada_tiny").read_bytes()
    zipped = write_rosinality_checkpoint(tmp_path / "good.pt").read_bytes()
    for name, data in {
        "truncated.pkl": good[: len(good) // 2],
        "truncated.pt": zipped[: len(zipped) // 2],
        "empty.pkl": b"",
        "photo.pkl": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "text.pt": b"hello, this is not a checkpoint",
    }.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointReadError, match=name.replace(".", r"\.")):
            safe_pickle.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        safe_pickle.load(tmp_path / "missing.pkl")


def test_the_allowlist_is_one_short_reviewed_list() -> None:
    """Adding a global is a security decision: this test makes it a visible one."""
    assert set(ALLOWED_GLOBALS) == {
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
        ("torch.storage", "_load_from_bytes"),
        ("collections", "OrderedDict"),
        ("builtins", "set"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("torch_utils.persistence", "_reconstruct_persistent_obj"),
        ("dnnlib.util", "EasyDict"),
        ("argparse", "Namespace"),
    }
    assert [argparse.Namespace] == safe_pickle.TORCH_EXTRAS


def test_tensors_views_parameters_and_numpy_values_come_back_as_plain_data() -> None:
    parameter = torch.nn.Parameter(torch.ones(2))
    view = torch.arange(6.0).reshape(2, 3)[:, 1:]
    array = np.broadcast_to(np.asarray(36), [2])  # as StyleGAN3's layers keep their sizes
    data = pickle.dumps({"p": parameter, "v": view, "d": OrderedDict(a=np.float64(2.5)), "a": array}, protocol=3)
    loaded = safe_pickle.loads(data)
    assert loaded["a"].tolist() == [36, 36]
    torch.testing.assert_close(loaded["v"], torch.tensor([[1.0, 2.0], [4.0, 5.0]]))
    assert type(loaded["p"]) is torch.Tensor and not loaded["p"].requires_grad
    assert loaded["d"]["a"] == 2.5 and isinstance(loaded["d"]["a"], np.float64)
