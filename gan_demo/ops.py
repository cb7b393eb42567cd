"""Inference as pure functions: tensors in, images in [-1, 1] out (super-resolution: uint8 arrays in and out).

Every random draw comes from a `torch.Generator` seeded per image, never from
torch's global RNG, so one seed always gives one image, whichever other
requests run at the same time and whatever else is in the batch.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps
from torch import nn

from . import imaging, metrics
from .checkpoint import constructor_kwargs
from .data.photos import bicubic_downscale

MAX_SEED = 2**32 - 1


def latents_from_seeds(seeds: Sequence[int], latent_dim: int, truncation: float = 1.0) -> torch.Tensor:
    """One standard-normal latent per seed, shrunk towards the mean (0) by `truncation` ψ.

    (N,) seeds -> (N, latent_dim). ψ = 1 samples the full prior; smaller ψ trades
    diversity for typical, cleaner images; ψ = 0 gives every seed the mean latent.
    """
    z = torch.stack([torch.randn(latent_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
    return z * truncation


@torch.inference_mode()
def generate(model: nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """(N, latent_dim) latents (and (N,) labels) -> (N, C, H, W) images on the CPU."""
    device = next(model.parameters()).device
    labels = labels.to(device) if labels is not None else None
    return model(z.to(device), labels).float().cpu()


def sample(model: nn.Module, seeds: Sequence[int], truncation: float = 1.0, noise_mode: str = "const") -> torch.Tensor:
    """One image per seed from an unconditional generator (for a StyleGAN, ψ truncates towards the mean w)."""
    if is_style_based(model):
        return synthesize(model, map_seeds(model, seeds, truncation), noise_mode, seeds)
    return generate(model, latents_from_seeds(seeds, model.latent_dim, truncation))


def sample_class(model: nn.Module, class_index: int, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """One image of class `class_index` per seed from a conditional generator."""
    labels = torch.full((len(seeds),), class_index, dtype=torch.long)
    return generate(model, latents_from_seeds(seeds, model.latent_dim, truncation), labels)


def class_grid(model: nn.Module, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """Every class for every seed: (num_classes * len(seeds), C, H, W), one row per class.

    The same latent across a row's neighbours shows what the noise controls
    (pose, thickness) and what the label controls (the kind of garment).
    """
    z = latents_from_seeds(seeds, model.latent_dim, truncation)
    labels = torch.arange(model.num_classes).repeat_interleave(len(seeds))
    return generate(model, z.repeat(model.num_classes, 1), labels)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of a and b (D,) at fractions t (T,) -> (T, D)."""
    a_unit, b_unit = a / a.norm(), b / b.norm()
    omega = torch.arccos((a_unit * b_unit).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:  # nearly parallel: slerp and lerp coincide
        return torch.lerp(a, b, t[:, None])
    t = t[:, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def interpolate_latents(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    """`steps` latents from a to b inclusive: (D,), (D,) -> (steps, D)."""
    if method not in ("lerp", "slerp"):
        raise ValueError(f"method must be 'lerp' or 'slerp', got {method!r}")
    t = torch.linspace(0, 1, steps)
    return torch.lerp(a, b, t[:, None]) if method == "lerp" else slerp(a, b, t)


def interpolate(
    model: nn.Module,
    seed_a: int,
    seed_b: int,
    steps: int,
    method: str = "slerp",
    truncation: float = 1.0,
    class_index: int | None = None,
    space: str = "z",
) -> torch.Tensor:
    """Frames walking the latent space from seed_a's image to seed_b's: (steps, C, H, W).

    A StyleGAN can walk Z (each frame's z goes through the mapping network) or W (a straight
    walk between the two w's, which the mapping network has made closer to linear in the image).
    """
    if space not in ("z", "w"):
        raise ValueError(f"space must be 'z' or 'w', got {space!r}")
    if is_style_based(model):
        if space == "w":
            w = map_seeds(model, [seed_a, seed_b], truncation)
            return synthesize(model, interpolate_latents(w[0], w[1], steps, method))
        z = latents_from_seeds([seed_a, seed_b], model.latent_dim)
        return synthesize(model, map_latents(model, interpolate_latents(z[0], z[1], steps, method), truncation))
    if space == "w":
        raise ValueError("only StyleGAN models have a W space")
    z = latents_from_seeds([seed_a, seed_b], model.latent_dim, truncation)
    path = interpolate_latents(z[0], z[1], steps, method)
    labels = None
    if getattr(model, "num_classes", 0) > 0:
        labels = torch.full((steps,), class_index or 0, dtype=torch.long)
    return generate(model, path, labels)


# ---------------------------------------------------------------------------------------------------------------------
# StyleGAN: the mapping network, W space, per-layer styles. Styles are (N, D) w's or (N, num_ws, D) per-layer w's.

STYLE_GROUPS = {"coarse": (4, 8), "middle": (16, 32), "fine": (64, 1024)}  # the resolutions each group styles


def is_style_based(model: nn.Module) -> bool:
    return hasattr(model, "synthesis") and hasattr(model, "num_ws")


def layer_resolution(layer: int) -> int:
    """The resolution a style layer works at: layers 2k and 2k + 1 at 4 * 2^k (the StyleGAN paper's grouping)."""
    return 4 * 2 ** (layer // 2)


def style_group_layers(model: nn.Module, group: str) -> range:
    """The style layers of a group (coarse 4-8 px, middle 16-32 px, fine 64 px and up) for this model."""
    if group not in STYLE_GROUPS:
        raise ValueError(f"group must be one of {', '.join(STYLE_GROUPS)}, got {group!r}")
    low, high = STYLE_GROUPS[group]
    layers = [i for i in range(model.num_ws) if low <= layer_resolution(i) <= high]
    return range(layers[0], layers[-1] + 1) if layers else range(0)


@torch.inference_mode()
def map_latents(model: nn.Module, z: torch.Tensor, truncation: float = 1.0) -> torch.Tensor:
    """z (N, D) -> w (N, D) through the mapping network, then ψ-truncated towards the mean w (on the CPU)."""
    device = next(model.parameters()).device
    return model.map(z.to(device), truncation).float().cpu()


def map_seeds(model: nn.Module, seeds: Sequence[int], truncation: float = 1.0) -> torch.Tensor:
    """One w per seed: (N,) -> (N, D). ψ = 0 gives every seed the mean w."""
    return map_latents(model, latents_from_seeds(seeds, model.latent_dim), truncation)


@torch.inference_mode()
def synthesize(
    model: nn.Module, ws: torch.Tensor, noise_mode: str = "const", noise_seeds: Sequence[int] | None = None
) -> torch.Tensor:
    """w's (N, D), or per-layer w's (N, num_ws, D), -> images (N, C, H, W) on the CPU.

    "random" noise is drawn from one generator per image seeded by `noise_seeds`, so it is
    reproducible; "const" uses the model's stored noise maps and "none" turns noise off.
    """
    ws = ws[:, None].expand(-1, model.num_ws, -1) if ws.ndim == 2 else ws
    param = next(model.parameters())
    generators = None
    if noise_mode == "random":
        if noise_seeds is None or len(noise_seeds) != len(ws):
            raise ValueError("random noise needs one noise seed per image")
        generators = [torch.Generator().manual_seed(int(s)) for s in noise_seeds]
    return model.synthesis(ws.to(param.device, param.dtype), noise_mode, generators).float().cpu()


def style_mix(
    model: nn.Module,
    row_seeds: Sequence[int],
    column_seeds: Sequence[int],
    layers: range,
    truncation: float = 1.0,
    noise_mode: str = "const",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The StyleGAN paper's style-mixing figure.

    Each mixed image takes the row source's w at every layer except `layers`, where it takes the
    column source's (and the row source's noise). Returns the row sources (R, C, H, W), the
    column sources (K, C, H, W) and the mixed images (R, K, C, H, W). An empty `layers` gives
    each row its own image; all layers give the column's (with "const" or "none" noise).
    """
    if layers.step != 1 or layers.start < 0 or layers.stop > model.num_ws:
        raise ValueError(f"layers must be a range within 0..{model.num_ws}, got {layers}")
    rows, cols = map_seeds(model, row_seeds, truncation), map_seeds(model, column_seeds, truncation)
    n_rows, n_cols = len(rows), len(cols)
    ws = rows[:, None, None].repeat(1, n_cols, model.num_ws, 1)  # (R, K, num_ws, D)
    ws[:, :, layers] = cols[None, :, None]
    sources = torch.cat([rows, cols])
    source_seeds = [*row_seeds, *column_seeds]
    source_images = synthesize(model, sources, noise_mode, source_seeds)
    mixed_seeds = [s for s in row_seeds for _ in range(n_cols)]
    mixed = synthesize(model, ws.flatten(0, 1), noise_mode, mixed_seeds)
    return source_images[:n_rows], source_images[n_rows:], mixed.unflatten(0, (n_rows, n_cols))


def truncation_sweep(model: nn.Module, seed: int, psis: Sequence[float], noise_mode: str = "const") -> torch.Tensor:
    """One seed at several ψ: (len(psis), C, H, W). ψ = 0 is the mean w's image, ψ = 1 the seed's own."""
    w = map_seeds(model, [seed])[0]
    ws = torch.stack([model.w_avg.float().cpu().lerp(w, psi) for psi in psis])
    return synthesize(model, ws, noise_mode, [seed] * len(psis))


# ---------------------------------------------------------------------------------------------------------------------
# Super-resolution. Images are (H, W, 3) uint8 arrays; models map (B, 3, H, W) in [-1, 1] to (B, 3, sH, sW).

# LR pixels per tile side. Each tile also reads `receptive_radius` (30 for the shipped 12-block models) pixels of
# context on each side, so small tiles waste time on overlap. Measured on 2 CPU cores with the shipped size:
# 256x256 in one call 0.9 s vs 1.6 s as 4 tiles of 128; 512x512 4.1 s as 4 tiles of 256 (untiled 4.4 s, 128: 9.2 s);
# a tile of 256 peaks at ~0.5 GB (384: ~1 GB), so 2000x2000 stays well under 2 GB.
DEFAULT_TILE = 256
BICUBIC_RADIUS = 2  # LR pixels each side that one bicubic output pixel reads


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
    # Not cached: a blend takes milliseconds, a super-resolution about a second.
    blended = copy.deepcopy(psnr_model)  # not a fresh constructor: its init would draw from the global RNG
    gan_state = gan_model.state_dict()
    with torch.no_grad():
        for key, tensor in blended.state_dict().items():
            if tensor.is_floating_point():  # lerp is exact at both ends: alpha 0 and 1 give the inputs bit for bit
                tensor.copy_(torch.lerp(tensor, gan_state[key].to(tensor.device), alpha))
    return blended


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
) -> np.ndarray:
    """Apply `fn` ((1, C, h, w) in [-1, 1] -> (1, C, scale h, scale w)) to (H, W, C) uint8 tile by tile.

    Each tile is run with `radius` pixels of context on each side (as far as the image goes) and only its
    centre is kept, so the result equals one call on the whole image while memory stays that of one tile.
    """
    if tile is not None and tile < 0:
        raise ValueError(f"tile must be a positive number of pixels, or 0/None for no tiling, got {tile}")
    h, w, channels = pixels.shape
    out = np.empty((h * scale, w * scale, channels), dtype=np.uint8)
    tiles = [(rows, cols) for rows in _spans(h, tile) for cols in _spans(w, tile)]
    for done, ((top, bottom), (left, right)) in enumerate(tiles, start=1):
        y0, y1, x0, x1 = max(0, top - radius), min(h, bottom + radius), max(0, left - radius), min(w, right + radius)
        x = imaging.from_uint8(pixels[y0:y1, x0:x1]).to(device, dtype, memory_format=torch.channels_last)
        y = fn(x)  # (1, C, y1 - y0, x1 - x0) -> (1, C, s(y1 - y0), s(x1 - x0)); channels-last: ~1.5x faster on CPU
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
    return _upscale_tiled(
        model, rgb, scale=model.scale, radius=model.receptive_radius, tile=tile, progress=progress,
        device=param.device, dtype=param.dtype,
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
    out = _upscale_tiled(bicubic, pixels[..., None] if grey else pixels, scale=scale, radius=BICUBIC_RADIUS, tile=512)
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
    if min(h, w) < 2 * scale + metrics.SSIM_WINDOW:
        raise ValueError(f"the image must be at least {2 * scale + metrics.SSIM_WINDOW} pixels wide and high")
    original = np.ascontiguousarray(rgb[:h, :w])
    lr = imaging.to_uint8(bicubic_downscale(imaging.from_uint8(original), scale))[0]  # already on 8-bit levels
    results = {"bicubic": bicubic_upscale(lr, scale), "model": super_resolve(model, lr, tile=tile, progress=progress)}
    scores = {
        name: {"psnr": metrics.psnr(sr, original, border=scale), "ssim": metrics.ssim(sr, original, border=scale)}
        for name, sr in results.items()
    }
    return {"original": original, "lr": lr, **results, "metrics": scores}


# ---------------------------------------------------------------------------------------------------------------------
# Image-to-image translation (pix2pix): a drawing in, a picture out, at the model's resolution.


def fit_square(pixels: np.ndarray, size: int, fill: int = 255) -> np.ndarray:
    """(H, W[, C]) uint8 -> (size, size[, C]): padded with `fill` to a centred square, so the aspect ratio
    is kept, then resized with antialiasing (a thick pen stroke on a big canvas becomes a line of the
    width the model trained on)."""
    h, w = pixels.shape[:2]
    side = max(h, w)
    square = np.full((side, side, *pixels.shape[2:]), fill, dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = pixels
    return np.asarray(Image.fromarray(square).resize((size, size), Image.LANCZOS if side > size else Image.BICUBIC))


@torch.inference_mode()
def translate(model: nn.Module, conditions: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(S, S) or (B, S, S) uint8 drawings (or (B, C, S, S) uint8) at the model's size -> (B, 3, S, S) in [-1, 1].

    The model runs in eval mode (no dropout), so one drawing always gives the same picture.
    """
    x = torch.as_tensor(conditions)
    x = x[None] if x.dim() == 2 else x
    x = x[:, None] if x.dim() == 3 else x  # (B, S, S) -> (B, 1, S, S)
    expected = (model.in_channels, model.image_size, model.image_size)
    if x.dtype != torch.uint8 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"expected uint8 drawings of shape (B, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
    param = next(model.parameters())
    x = x.float().div(127.5).sub(1)
    return model(x.to(param.device, param.dtype)).float().cpu()


# ---------------------------------------------------------------------------------------------------------------------
# Unpaired translation (CycleGAN): an image of one domain in, the other domain's version and the cycle back out.


def fit_crop(pixels: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 -> (size, size, 3): centre-cropped to a square and resized, as the training images were."""
    if pixels.shape[:2] == (size, size):
        return pixels
    return np.asarray(ImageOps.fit(Image.fromarray(pixels), (size, size), Image.BICUBIC))


@torch.inference_mode()
def cycle_translate(
    model: nn.Module, images: np.ndarray | torch.Tensor, direction: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, W, 3) or (B, 3, H, W) uint8 images -> (translated, reconstructed), each (B, 3, H, W) in [-1, 1].

    `model` is a CycleGANGenerators; `direction` "AtoB" runs G then F (the cycle back), "BtoA" F then G.
    Instance norm and no dropout at inference: one image always gives the same result, whatever the batch.
    """
    x = torch.as_tensor(images)
    x = x.permute(2, 0, 1)[None] if x.dim() == 3 else x  # (H, W, 3) -> (1, 3, H, W)
    if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != model.channels:
        raise ValueError(f"expected uint8 images (B, {model.channels}, H, W) or (H, W, 3), got {tuple(x.shape)}")
    forward = model.generator(direction)
    backward = model.generator("BtoA" if direction == "AtoB" else "AtoB")
    param = next(model.parameters())
    translated = forward(x.to(param.device, param.dtype).div(127.5).sub(1))
    return translated.float().cpu(), backward(translated).float().cpu()
