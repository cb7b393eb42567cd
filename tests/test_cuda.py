"""The CUDA path: every shipped generator gives on the GPU what it gives on the CPU.

Skipped without a GPU (as in CI). Needs only torch, numpy and Pillow, so it also runs
where Gradio is not installed: python -m pytest --noconftest tests/test_cuda.py
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from gan_demo import ops
from gan_demo.checkpoint import DEFAULT_CHECKPOINT_DIR, ModelRegistry

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
REGISTRIES = {}


def registry(device: str) -> ModelRegistry:
    if device not in REGISTRIES:
        REGISTRIES[device] = ModelRegistry([DEFAULT_CHECKPOINT_DIR], device=device)
    return REGISTRIES[device]


def run(name: str, device: str) -> np.ndarray:
    loaded = registry(device).get(name)
    model, task = loaded.model, loaded.config.get("task", "sample")
    if task == "super-resolution":
        photo = np.asarray(Image.open(DEFAULT_CHECKPOINT_DIR / "srgan-photo-x4/examples/astronaut.png").convert("RGB"))
        return ops.super_resolve(model, photo[:64, :64]).astype(np.float32) / 127.5 - 1
    if task == "translation":
        sketch = DEFAULT_CHECKPOINT_DIR / "pix2pix-edges2avatars/examples/sketch-seed-1000000.png"
        drawing = np.asarray(Image.open(sketch).convert("L").resize((model.image_size,) * 2))
        return ops.translate(model, drawing).numpy()
    if loaded.is_conditional:
        return ops.class_grid(model, [1, 2]).numpy()
    return ops.sample(model, [1, 2, 3]).numpy()


@pytest.mark.parametrize("name", ModelRegistry([DEFAULT_CHECKPOINT_DIR], device="cpu").names())
def test_gpu_matches_cpu(name: str) -> None:
    assert registry("cuda").get(name).device.type == "cuda"
    cpu, gpu = run(name, "cpu"), run(name, "cuda")
    assert cpu.shape == gpu.shape
    # TF32 convolutions on the GPU round differently; a wrong kernel path would be far off.
    assert np.abs(cpu - gpu).mean() < 0.01, f"{name}: mean |cpu - gpu| = {np.abs(cpu - gpu).mean():.4f}"
