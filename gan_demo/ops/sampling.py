"""Noise -> image inference: sampling, interpolation, classes, and StyleGAN's W space and style mixing.

Every random draw comes from a `torch.Generator` seeded per image, never from
torch's global RNG, so one seed always gives one image, whichever other
requests run at the same time and whatever else is in the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

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
    return generate(model, interpolate_latents(z[0], z[1], steps, method))


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
