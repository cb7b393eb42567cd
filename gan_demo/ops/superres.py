"""Super-resolution inference: uint8 arrays in and out, tiled, and the known-answer test."""

from __future__ import annotations

import copy
import logging
import math
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .. import imaging, metrics
from ..checkpoint import constructor_kwargs
from ..data.photos import bicubic_downscale
from ..errors import UserError

log = logging.getLogger(__name__)

# Super-resolution. Images are (H, W, 3) uint8 arrays; models map (B, 3, H, W) in [-1, 1] to (B, 3, sH, sW).

# LR pixels per tile side. Each tile also reads `receptive_radius` (29 for the shipped 12-block models) pixels of
# context on each side, so small tiles waste time on overlap. Measured on one core with the shipped model in bfloat16:
# 512x512 in 1.18 s as 4 tiles of 256, 1.34 s untiled, 1.71 s as tiles of 128; a tile of 256 peaks at ~0.5 GB
# (384: ~1 GB), so 2000x2000 stays well under 2 GB.
DEFAULT_TILE = 256
BICUBIC_RADIUS = 2  # LR pixels each side that one bicubic output pixel reads


# CPU inference runs through a frozen TorchScript graph of the model (torch.jit.optimize_for_inference): oneDNN
# convolutions with prepacked weights, activations kept in oneDNN's blocked layout between layers, convolution and
# addition fused. The shipped SRResNet, 256² -> 1024² on one core of an Intel Xeon, medians of 12 interleaved calls:
# 392 ms against 492 ms eager (and 603 ms in bfloat16 autocast, though the CPU has AVX-512 BF16), equal to the eager
# model within 2e-6. TorchScript is deprecated in favour of torch.compile, which here took 36 s to compile for 12 %
# less time; should these functions go, super_resolve runs the model as it is.
_GRAPH_PROBE = (48, 80)  # the checking run's LR size: not the traced one (64²), so a shape baked in would show
_GRAPH_TOLERANCE = 1e-4  # in [-1, 1]; one 8-bit level is 0.008


def _build_graph(model: nn.Module, align: int) -> torch.jit.ScriptModule | None:
    """The model as an optimized frozen graph, trusted only once it reproduces the model at a second size; None for a
    model not marked `graph_safe` (tracing would bake a branch on the input into the graph), when tracing fails (a
    model in training mode) or the graph differs."""
    if not getattr(model, "graph_safe", False):
        return None
    traced_side, (probe_h, probe_w) = 64 * align, (side * align for side in _GRAPH_PROBE)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # TorchScript's deprecation, and tracing's notes on Python values
            graph = torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.trace(model, torch.zeros(1, 3, traced_side, traced_side)))
            )
            probe = torch.rand(1, 3, probe_h, probe_w, generator=torch.Generator().manual_seed(0)) * 2 - 1
            if (graph(probe) - model(probe)).abs().max() <= _GRAPH_TOLERANCE:
                return graph
    except Exception as err:  # noqa: BLE001 (any failure keeps the eager model, which is always right)
        log.info("super-resolution runs %s eagerly: %s", type(model).__name__, type(err).__name__)
    return None


class _Graphs:
    """What runs each model on the CPU: its optimized graph, built at its first use, or the model itself. Entries go
    with their model (a blend's, when the BlendCache evicts it): the values never refer to the keys. Safe to share:
    a frozen graph only reads its weights."""

    def __init__(self) -> None:
        self._graphs: weakref.WeakKeyDictionary[nn.Module, torch.jit.ScriptModule | None] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, model: nn.Module, align: int) -> Callable[[torch.Tensor], torch.Tensor]:
        with self._lock:
            known, graph = model in self._graphs, self._graphs.get(model)
        if not known:
            graph = _build_graph(model, align)  # outside the lock: 0.3 s for the shipped model
            with self._lock:
                self._graphs[model] = graph
        return model if graph is None else graph


_GRAPHS = _Graphs()


def blend_models(psnr_model: nn.Module, gan_model: nn.Module, alpha: float) -> nn.Module:
    """Network interpolation (ESRGAN, Wang et al. 2018): a new model with weights (1 - alpha) psnr + alpha gan.

    alpha = 0 is the PSNR-oriented model exactly (smooth, faithful), alpha = 1 the GAN one (sharp textures,
    some invented); in between trades one for the other without retraining. Both must be the same
    architecture built with the same arguments (the GAN fine-tuned from the PSNR model). The inputs are
    only read, so requests may blend concurrently.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    kind = type(psnr_model).__name__
    if type(gan_model) is not type(psnr_model):
        raise ValueError(f"models to blend must share one architecture, got {kind} and {type(gan_model).__name__}")
    if (kwargs := constructor_kwargs(psnr_model)) != (gan_kwargs := constructor_kwargs(gan_model)):
        raise ValueError(f"models to blend must share one architecture, got {kind}({kwargs}) and {kind}({gan_kwargs})")
    blended = copy.deepcopy(psnr_model)  # not a fresh constructor: its init would draw from the global RNG
    gan_state = gan_model.state_dict()
    with torch.no_grad():
        for key, tensor in blended.state_dict().items():
            if tensor.is_floating_point():  # lerp is exact at both ends: alpha 0 and 1 give the inputs bit for bit
                tensor.copy_(torch.lerp(tensor, gan_state[key].to(tensor.device), alpha))
    return blended


class BlendCache:
    """The last `size` blended models (blend_models), kept for the next request with the same models and alpha;
    safe to share between concurrent requests."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._blends: OrderedDict[Hashable, nn.Module] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, psnr_model: nn.Module, gan_model: nn.Module, alpha: float) -> nn.Module:
        """blend_models(psnr_model, gan_model, alpha), from the cache when `key` (naming all three) is in it."""
        with self._lock:
            if key in self._blends:
                self._blends.move_to_end(key)
                return self._blends[key]
        blended = blend_models(psnr_model, gan_model, alpha)  # outside the lock: other requests go on meanwhile
        with self._lock:
            self._blends[key] = blended
            while len(self._blends) > self.size:
                self._blends.popitem(last=False)
        return blended


def tile_count(height: int, width: int, tile: int | None = DEFAULT_TILE) -> int:
    """How many tiles super_resolve cuts an (height, width) image into."""
    return len(_spans(height, tile)) * len(_spans(width, tile))


def _spans(length: int, tile: int | None) -> list[tuple[int, int]]:
    """[0, length) cut into the fewest spans of at most `tile` (all of it if no tile), of near-equal size."""
    n = math.ceil(length / tile) if tile else 1
    edges = [round(k * length / n) for k in range(n + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _upscale_tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    pixels: np.ndarray,
    *,
    scale: int,
    radius: int,
    tile: int | None,
    progress: Callable[[float], None] | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    align: int = 1,
    channels_last: bool = True,
) -> np.ndarray:
    """Apply `fn` ((1, C, h, w) in [-1, 1] -> (1, C, scale h, scale w)) to (H, W, C) uint8 tile by tile.

    Each tile is run with `radius` pixels of context on each side (as far as the image goes) and only its
    centre is kept, so the result equals one call on the whole image while memory stays that of one tile.
    Tiles start on multiples of `align`, for models that fold align x align pixel blocks into channels. Tiles go in
    channels-last (convolutions ~1.5x faster on CPU) unless `channels_last` is False (torch's bicubic is slower so).
    """
    if tile is not None and tile < 0:
        raise ValueError(f"tile must be a positive number of pixels, or 0/None for no tiling, got {tile}")
    h, w, channels = pixels.shape
    out = np.empty((h * scale, w * scale, channels), dtype=np.uint8)
    tiles = [(rows, cols) for rows in _spans(h, tile) for cols in _spans(w, tile)]
    for done, ((top, bottom), (left, right)) in enumerate(tiles, start=1):
        y0, x0 = max(0, top - radius) // align * align, max(0, left - radius) // align * align
        y1, x1 = min(h, bottom + radius), min(w, right + radius)
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        x = imaging.from_uint8(pixels[y0:y1, x0:x1]).to(device, dtype, memory_format=memory_format)
        y = fn(x)  # (1, C, y1 - y0, x1 - x0) -> (1, C, s(y1 - y0), s(x1 - x0))
        y = y[..., (top - y0) * scale : (bottom - y0) * scale, (left - x0) * scale : (right - x0) * scale]
        if not torch.isfinite(y).all():
            raise RuntimeError(
                f"the model produced NaN or infinite values for rows {top}-{bottom}, columns {left}-{right} "
                "of the image: its weights may be corrupt"
            )
        out[top * scale : bottom * scale, left * scale : right * scale] = imaging.to_uint8(y)[0]
        if progress is not None:
            progress(done / len(tiles))
    return out


def _check_pixels(pixels: np.ndarray, what: str, *, grey_ok: bool = False) -> None:
    colour = isinstance(pixels, np.ndarray) and pixels.ndim == 3 and pixels.shape[2] == 3
    grey = grey_ok and isinstance(pixels, np.ndarray) and pixels.ndim == 2
    if not (colour or grey) or pixels.dtype != np.uint8 or pixels.size == 0:
        got = f"{pixels.shape} {pixels.dtype}" if isinstance(pixels, np.ndarray) else type(pixels).__name__
        raise ValueError(f"{what} must be a non-empty (H, W, 3){' or (H, W)' * grey_ok} uint8 array, got {got}")


@torch.inference_mode()
def super_resolve(
    model: nn.Module,
    rgb: np.ndarray,
    *,
    tile: int | None = DEFAULT_TILE,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """(H, W, 3) uint8 -> (scale H, scale W, 3) uint8 through a super-resolution model, on the model's device.

    `tile` bounds the LR tile side (0 or None: the whole image in one call); tiles overlap by the model's
    `receptive_radius`, so the result is that of one call up to float rounding. `progress(fraction)` is
    called after each tile. Raises RuntimeError if the model outputs NaN or infinity.
    """
    _check_pixels(rgb, "rgb")
    param = next(model.parameters())
    align = getattr(model, "size_multiple", 1)
    run = _GRAPHS.get(model, align) if param.device.type == "cpu" and param.dtype == torch.float32 else model
    return _upscale_tiled(
        run, rgb, scale=model.scale, radius=model.receptive_radius, tile=tile, progress=progress,
        device=param.device, dtype=param.dtype, align=align,
    )  # fmt: skip


@torch.inference_mode()
def bicubic_upscale(pixels: np.ndarray, scale: int) -> np.ndarray:
    """(H, W, 3) or (H, W) uint8 -> the same `scale` times larger by bicubic interpolation.

    The convention of SRResNet's bicubic skip (torch, align_corners=False, clamped and rounded), so it
    is the fair baseline for the models; tiled to keep memory small on large images.
    """
    _check_pixels(pixels, "pixels", grey_ok=True)
    grey = pixels.ndim == 2
    bicubic = partial(F.interpolate, scale_factor=scale, mode="bicubic", align_corners=False)
    pixels = pixels[..., None] if grey else pixels
    out = _upscale_tiled(bicubic, pixels, scale=scale, radius=BICUBIC_RADIUS, tile=512, channels_last=False)
    return out[..., 0] if grey else out


def super_resolve_image(
    model: nn.Module,
    decoded: imaging.DecodedImage,
    *,
    tile: int | None = DEFAULT_TILE,
    progress: Callable[[float], None] | None = None,
) -> Image.Image:
    """An upload from `imaging.decode_upload` -> its super-resolved PIL image.

    Colour goes through the model; transparency, which the model never saw in training, is enlarged
    bicubically and put back ("RGBA"). A grey upload comes back grey ("L" or "LA").
    """
    rgb = super_resolve(model, decoded.rgb, tile=tile, progress=progress)
    alpha = bicubic_upscale(decoded.alpha, model.scale) if decoded.alpha is not None else None
    return imaging.assemble_image(rgb, alpha, grayscale=decoded.grayscale)


def bicubic_image(decoded: imaging.DecodedImage, scale: int) -> Image.Image:
    """The baseline beside super_resolve_image: the same upload enlarged bicubically, shaped like its result
    (transparency and greyness kept)."""
    alpha = bicubic_upscale(decoded.alpha, scale) if decoded.alpha is not None else None
    return imaging.assemble_image(bicubic_upscale(decoded.rgb, scale), alpha, grayscale=decoded.grayscale)


def known_answer(
    model: nn.Module,
    rgb: np.ndarray,
    scale: int = 4,
    *,
    tile: int | None = DEFAULT_TILE,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Shrink an image the way training did, enlarge it back, and score the result against the original.

    `rgb` (H, W, 3) uint8 is cropped (top left) to sides divisible by `scale`, which must be the model's.
    Returns {"original", "lr", "bicubic", "model"}: (H, W, 3) uint8 images (lr is scale times smaller), and
    "metrics": {"bicubic": {"psnr", "ssim"}, "model": {"psnr", "ssim"}}, on Y with `scale` pixels of border
    cropped (see gan_demo.metrics).
    """
    if scale != model.scale:
        raise ValueError(f"this model enlarges x{model.scale}, not x{scale}")
    _check_pixels(rgb, "rgb")
    h, w = rgb.shape[0] // scale * scale, rgb.shape[1] // scale * scale
    if min(h, w) < 2 * scale + metrics.SSIM_WINDOW:  # two pixels after the border crop, and the SSIM window
        side = math.ceil((2 * scale + metrics.SSIM_WINDOW) / scale) * scale
        height, width = rgb.shape[:2]
        raise UserError("too_small_known", scale=scale, side=side, width=width, height=height)
    original = np.ascontiguousarray(rgb[:h, :w])
    lr = imaging.to_uint8(bicubic_downscale(imaging.from_uint8(original), scale))[0]  # already on 8-bit levels
    results = {"bicubic": bicubic_upscale(lr, scale), "model": super_resolve(model, lr, tile=tile, progress=progress)}
    scores = {
        name: {"psnr": metrics.psnr(sr, original, border=scale), "ssim": metrics.ssim(sr, original, border=scale)}
        for name, sr in results.items()
    }
    return {"original": original, "lr": lr, **results, "metrics": scores}
