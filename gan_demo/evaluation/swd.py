"""Multi-scale sliced Wasserstein distance (SWD) of Karras et al. 2018 (ProGAN, section 5 and Table 1).

A realism metric that needs no learned features: it compares the distributions of local image patches.
Each image's Laplacian pyramid is built (level 0: the full-resolution detail, ... the last: the low-pass
residual); 128 neighbourhoods of 7 x 7 pixels are taken from every level of every image; each set's
descriptors at a level are normalised per colour channel (mean 0, std 1); and the two sets' descriptor
distributions are compared by the sliced Wasserstein distance: the mean, over 512 random unit directions,
of the 1-D Wasserstein-1 distance between the projections (sorted, differenced). Reported x 10^3 per level,
and averaged over the levels, as the paper does. Fine levels catch noise, blur and texture; coarse ones shape.

As in the official implementation (tkarras/progressive_growing_of_gans, metrics/sliced_wasserstein.py):
the pyramid uses OpenCV's 5-tap binomial filter with mirrored borders, neighbourhood centres keep the
whole 7 x 7 window inside the image, and images are quantised to 8 bits first (real images are 8-bit).
Levels go down to 14 px, twice the neighbourhood: for sizes that are powers of two that is the paper's
16 px, and Fashion-MNIST's 28 px images get the levels 28 and 14 (a 7 px level would hold one window per
image; upscaling to 32 px first would only add interpolation that both sets share).

Unlike the official code, every set is measured with the same seeded neighbourhood positions and directions,
so identical sets score exactly 0 and a run is reproducible; sets must hold the same number of images.
Memory stays bounded: the pyramid and the descriptors are computed in batches of images, and only the
projections on SWD_CHUNK directions are held (for the reference set and one candidate at a time).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

SWD_NEIGHBOURHOOD = 7  # descriptor side, in pixels
SWD_PER_IMAGE = 128  # descriptors per image and level
SWD_DIRECTIONS = 512  # random projections per level (the official code: 4 repeats of 128)
SWD_MIN_LEVEL = 2 * SWD_NEIGHBOURHOOD  # the coarsest level's side is at least this
SWD_CHUNK = 64  # directions projected and sorted at once: memory is 2 x images x 128 x SWD_CHUNK floats
SWD_BATCH = 500  # images per batch when building pyramids and descriptors
_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16  # cv2.pyrDown's filter (its outer product)


class SlicedWasserstein(NamedTuple):
    """SWD x 10^3 at each Laplacian-pyramid level (keyed by its side in pixels, finest first)."""

    levels: dict[int, float]

    @property
    def average(self) -> float:
        return sum(self.levels.values()) / len(self.levels)

    def as_metrics(self) -> dict[str, float]:
        """For a card's config.json, to 4 significant digits: {"28 px": ..., "14 px": ..., "average": ...}."""
        values = {**{f"{size} px": v for size, v in self.levels.items()}, "average": self.average}
        return {k: float(f"{v:.4g}") for k, v in values.items()}


def swd_levels(size: int) -> list[int]:
    """The sides of the pyramid levels measured for size x size images: halving while at least SWD_MIN_LEVEL."""
    if size < SWD_MIN_LEVEL:
        raise ValueError(f"the SWD needs images of at least {SWD_MIN_LEVEL} px, got {size} px")
    levels = []
    while size >= SWD_MIN_LEVEL:
        levels.append(size)
        size = (size + 1) // 2
    return levels


def _binomial_blur(images: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """5 x 5 binomial filter per channel, mirrored borders (scipy's 'mirror' is torch's 'reflect')."""
    channels = images.shape[1]
    kernel = (torch.outer(_BINOMIAL, _BINOMIAL) * gain).to(images).expand(channels, 1, 5, 5)
    return F.conv2d(F.pad(images, (2, 2, 2, 2), mode="reflect"), kernel, groups=channels)


def pyramid_down(images: torch.Tensor) -> torch.Tensor:
    """cv2.pyrDown: (B, C, H, W) -> (B, C, ceil(H/2), ceil(W/2)), blurred then every other pixel."""
    return _binomial_blur(images)[..., ::2, ::2]


def pyramid_up(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """cv2.pyrUp to `size` (twice the side, or one less): zeros between the pixels, then the filter x 4."""
    upsampled = images.new_zeros(*images.shape[:2], *size)
    upsampled[..., ::2, ::2] = images
    return _binomial_blur(upsampled, gain=4.0)


def laplacian_pyramid(images: torch.Tensor, num_levels: int) -> list[torch.Tensor]:
    """(B, C, H, W) -> [the detail at H, at H/2, ..., the low-pass image at H / 2^(num_levels - 1)]."""
    pyramid = [images]
    for _ in range(1, num_levels):
        finer = pyramid[-1]
        coarser = pyramid_down(finer)
        pyramid[-1] = finer - pyramid_up(coarser, finer.shape[-2:])
        pyramid.append(coarser)
    return pyramid


def blurred(images: torch.Tensor) -> torch.Tensor:
    """The "soft" reference: (N, C, H, W) images in [-1, 1] halved and enlarged back (bilinear, antialiased)."""
    height, width = images.shape[-2:]
    half = F.interpolate(images, size=(height // 2, width // 2), mode="bilinear", antialias=True)
    return F.interpolate(half, size=(height, width), mode="bilinear", antialias=True).clamp(-1, 1)


class _Level(NamedTuple):
    """What every set shares at one pyramid level: its index, neighbourhood centres (N, P, 2) as (y, x),
    and unit projection directions (C * 49, D)."""

    index: int
    centres: torch.Tensor
    units: torch.Tensor


def _neighbourhoods(level: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) level, (B, P, 2) centres -> (B * P, C, 49) descriptors."""
    b, c, h, w = level.shape
    r = torch.arange(-(SWD_NEIGHBOURHOOD // 2), SWD_NEIGHBOURHOOD // 2 + 1)
    ys = centres[..., 0, None, None] + r[:, None]  # (B, P, 7, 1)
    xs = centres[..., 1, None, None] + r[None, :]  # (B, P, 1, 7)
    index = (ys * w + xs).reshape(b, 1, -1).expand(b, c, -1)  # (B, C, P * 49)
    patches = level.reshape(b, c, h * w).gather(2, index).reshape(b, c, -1, SWD_NEIGHBOURHOOD**2)
    return patches.transpose(1, 2).reshape(-1, c, SWD_NEIGHBOURHOOD**2)


def _descriptors(images: torch.Tensor, level: _Level, batch: int) -> Iterator[torch.Tensor]:
    """The (B * P, C, 49) descriptors of `images` at `level`, batch by batch, from images quantised to 8 bits."""
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch].float().clamp(-1, 1).add(1).mul(127.5).round()
        detail = laplacian_pyramid(chunk, level.index + 1)[level.index]
        yield _neighbourhoods(detail, level.centres[start : start + batch])


def _channel_statistics(images: torch.Tensor, level: _Level, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation (C, 1) of the set's descriptors at `level`, per channel."""
    total = torch.zeros(2, images.shape[1], dtype=torch.float64)  # per channel: sum, sum of squares
    count = 0
    for d in _descriptors(images, level, batch):
        total += torch.stack([d.sum((0, 2)), d.square().sum((0, 2))]).double()
        count += d.shape[0] * d.shape[2]
    mean = total[0] / count
    std = (total[1] / count - mean.square()).clamp(min=0).sqrt().clamp(min=1e-8)  # a flat set: no division by 0
    return mean.float()[:, None], std.float()[:, None]


def _sorted_projections(
    images: torch.Tensor, level: _Level, statistics: tuple[torch.Tensor, torch.Tensor], columns: slice, batch: int
) -> torch.Tensor:
    """(D, N * P): the normalised descriptors projected on the directions `columns`, each row sorted."""
    mean, std = statistics
    units = level.units[:, columns]
    rows = torch.cat([units.T @ ((d - mean) / std).flatten(1).T for d in _descriptors(images, level, batch)], dim=1)
    rows.numpy().sort(axis=1)  # in place; numpy's vectorised sort is a few times faster than torch's on a CPU
    return rows


@torch.inference_mode()
def sliced_wasserstein(
    reference: torch.Tensor,
    candidates: Sequence[torch.Tensor],
    seed: int = 0,
    directions: int = SWD_DIRECTIONS,
    batch: int = SWD_BATCH,
) -> list[SlicedWasserstein]:
    """The multi-scale SWD (x 10^3) between a reference set and each candidate set of images.

    Every set is (N, C, H, W) in [-1, 1], all of one shape; the reference's projections are sorted once for
    all candidates. The same `seed` draws the same neighbourhoods and directions: the result is
    deterministic, and a candidate identical to the reference scores 0.
    """
    shape = tuple(reference.shape)
    wrong = [tuple(c.shape) for c in candidates if tuple(c.shape) != shape]
    if len(shape) != 4 or shape[-1] != shape[-2] or wrong:
        raise ValueError(f"need square (N, C, H, W) image sets of one shape, got {shape} and {wrong}")
    if directions < 1:
        raise ValueError(f"directions must be positive, got {directions}")
    n, channels = shape[:2]
    generator = torch.Generator().manual_seed(seed)
    sets = [reference.cpu(), *(c.cpu() for c in candidates)]
    results: list[dict[int, float]] = [{} for _ in candidates]
    for index, side in enumerate(swd_levels(shape[-1])):
        half = SWD_NEIGHBOURHOOD // 2  # centres keep the whole window inside the level
        centres = torch.randint(half, side - half, (n, SWD_PER_IMAGE, 2), generator=generator)
        units = torch.randn(channels * SWD_NEIGHBOURHOOD**2, directions, generator=generator)
        level = _Level(index, centres, units / units.norm(dim=0, keepdim=True))
        statistics = [_channel_statistics(images, level, batch) for images in sets]
        totals = [0.0] * len(candidates)
        for start in range(0, directions, SWD_CHUNK):
            columns = slice(start, start + SWD_CHUNK)
            ref = _sorted_projections(sets[0], level, statistics[0], columns, batch)
            for i, (images, stats) in enumerate(zip(sets[1:], statistics[1:], strict=True)):
                rows = _sorted_projections(images, level, stats, columns, batch)
                totals[i] += float((rows - ref).abs().mean(1).double().sum())
        for i, total in enumerate(totals):
            results[i][side] = total / directions * 1e3
    return [SlicedWasserstein(levels) for levels in results]


def swd_table(rows: dict[str, SlicedWasserstein]) -> str:
    """A markdown table of SWDs x 10^3: one row per named image set, a column per level and the average."""
    sides = list(next(iter(rows.values())).levels)
    lines = [
        "| images | " + " | ".join(f"SWD {side} px ↓" for side in sides) + " | SWD average ↓ |",
        "|---|" + "---:|" * (len(sides) + 1),
    ]
    for name, swd in rows.items():
        cells = [f"{swd.levels[side]:.3f}" for side in sides]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {swd.average:.3f} |")
    return "\n".join(lines)


FLOOR = "real vs real (floor)"  # other real images against the reference: what a perfect generator scores
BLURRED = "blurred real"  # those halved and enlarged back: what soft pictures score


def swd_against_real(
    reference: torch.Tensor, candidates: dict[str, torch.Tensor], others: torch.Tensor | None, seed: int = 0
) -> dict[str, SlicedWasserstein]:
    """The SWD of each named candidate set (cut to the reference's count) against the real `reference` images, and
    given `others`, as many other real images, of them (FLOOR) and of them blurred (BLURRED). In one pass, so the
    reference's projections are sorted once."""
    sets = dict(candidates)
    if others is not None:
        sets.update({FLOOR: others, BLURRED: blurred(others)})
    count = len(reference)
    distances = sliced_wasserstein(reference, [images[:count] for images in sets.values()], seed=seed)
    return dict(zip(sets, distances, strict=True))


def swd_metrics(distances: dict[str, SlicedWasserstein], name: str) -> dict[str, dict[str, float]]:
    """A model's card metrics: its SWD per level and, where measured, the floor's and the blurred reference's."""
    keys = {name: "swd_x1e3", FLOOR: "swd_x1e3_floor", BLURRED: "swd_x1e3_blurred_real"}
    return {key: distances[label].as_metrics() for label, key in keys.items() if label in distances}
