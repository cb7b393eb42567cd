"""Sampling and style-mixing benchmarks."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn

from benchmarks.common import (
    STYLEGAN_MODEL,
    Row,
    fmt_ms,
    log,
    ms,
    time_calls,
)
from gan_demo import ops
from gan_demo.checkpoint import LoadedModel, ModelRegistry
from gan_demo.kind import NOISE_TO_IMAGE

# -- sampling ------------------------------------------------------------------------------------------------

SAMPLE_COUNT = 64
SAMPLING_TARGET_MS = 150.0
STYLE_MIX_SIDE = 4  # rows and columns of the grid
STYLE_MIX_TARGET_S = 1.5


def sampler(loaded: LoadedModel) -> Callable[[list[int]], torch.Tensor]:
    """One image per seed from this model (class 0 for a conditional one)."""
    if loaded.is_conditional:
        return lambda seeds: ops.sample_class(loaded.model, 0, seeds)
    return lambda seeds: ops.sample(loaded.model, seeds)


def bench_sampling(registry: ModelRegistry, repeats: int) -> list[Row]:
    return [bench_sampler(name, sampler(registry.get(name)), repeats) for name in registry.names(kind=NOISE_TO_IMAGE)]


def bench_sampler(name: str, draw: Callable[[list[int]], torch.Tensor], repeats: int) -> Row:
    seeds = list(range(SAMPLE_COUNT))
    log(f"sampling {name}: {repeats} repeats ...")
    baseline = ms(time_calls(lambda: [draw([s]) for s in seeds], repeats))
    ours = ms(time_calls(lambda: draw(seeds), repeats))
    return Row(
        f"sampling {name}: {SAMPLE_COUNT} images, median / p95",
        f"one at a time: {fmt_ms(baseline)}",
        f"one batch: {fmt_ms(ours)}",
        f"{baseline['median_ms'] / ours['median_ms']:.1f}x faster",
        f"p95 < {SAMPLING_TARGET_MS:.0f} ms",
        ours["p95_ms"] < SAMPLING_TARGET_MS,
        {f"baseline_{k}": v for k, v in baseline.items()} | ours,
    )


# -- style mixing --------------------------------------------------------------------------------------------


def style_mix_grid(model: nn.Module, seed: int) -> object:
    """What /style_mix computes: a 4x4 grid of middle-layer mixes with its 8 source images, as one PIL image."""
    from gan_demo import imaging

    seeds = range(seed, seed + 2 * STYLE_MIX_SIDE)
    rows, cols = seeds[:STYLE_MIX_SIDE], seeds[STYLE_MIX_SIDE:]
    return imaging.style_mix_grid(*ops.style_mix(model, rows, cols, ops.style_group_layers(model, "middle")))


def bench_stylemix(registry: ModelRegistry, repeats: int) -> list[Row]:
    model = registry.get(STYLEGAN_MODEL).model
    layers = ops.style_group_layers(model, "middle")
    log(f"style mixing {STYLEGAN_MODEL}: {repeats} repeats ...")

    def one_at_a_time() -> None:  # the same 24 images, each mapped and synthesised on its own
        w = [ops.map_seeds(model, [s]) for s in range(2 * STYLE_MIX_SIDE)]
        for image_w in w:
            ops.synthesize(model, image_w)
        for row in w[:STYLE_MIX_SIDE]:
            for col in w[STYLE_MIX_SIDE:]:
                ws = row[:, None].repeat(1, model.num_ws, 1)
                ws[:, layers] = col[:, None]
                ops.synthesize(model, ws)

    baseline = ms(time_calls(one_at_a_time, repeats))
    seeds = itertools.count(0, 2 * STYLE_MIX_SIDE)
    ours = ms(time_calls(lambda: style_mix_grid(model, next(seeds)), repeats))
    side = STYLE_MIX_SIDE
    return [
        Row(
            f"style mixing {STYLEGAN_MODEL}: {side}x{side} grid + {2 * side} sources, median / p95",
            f"one image at a time: {fmt_ms(baseline)}",
            f"batched, with the grid image: {fmt_ms(ours)}",
            f"{baseline['median_ms'] / ours['median_ms']:.1f}x faster",
            f"p95 < {STYLE_MIX_TARGET_S:.1f} s",
            ours["p95_ms"] < STYLE_MIX_TARGET_S * 1e3,
            {f"baseline_{k}": v for k, v in baseline.items()} | ours,
        )
    ]
