"""The 2D playground's frames, drawn with numpy and PIL (fast enough for several frames a second, no matplotlib).

A frame is the view of the plane (D's decision as a heatmap, real points, fake points, G's warped noise grid,
G's gradient on the fake points: each layer optional) above two small plots of the history (losses; D(x) and
D(G(z))). The page, the GIF and the `lab_2d` API all show these same frames.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from .losses import PROBABILITY_LOSSES
from .slots import TRAIN_THREADS, torch_threads
from .toy import VIEW, ToyRun

LAYERS = ("heatmap", "real", "fake", "manifold", "arrows")
VIEW_SIZE = 480  # pixels of the square view
PLOT_HEIGHT = 150
HEATMAP_RESOLUTION = 64  # D is evaluated on this grid, then enlarged smoothly
SHOWN_POINTS = 512  # of the fixed view samples, per kind
ARROW_POINTS = 96
ARROW_PX_PER_UNIT = 12.0  # an arrow's length in pixels per unit of gradient norm: small arrows = vanishing gradients
ARROW_MAX_PX = 48.0
REAL = (26, 150, 65)  # green, as in GAN Lab
FAKE = (136, 65, 157)  # purple
MANIFOLD = (90, 90, 90)
ARROW = (40, 40, 40)
# Heatmap tints: D says "fake" (purple) ... unsure (white) ... "real" (green).
TINT_FAKE = np.array([214, 188, 226], dtype=np.float32)
TINT_REAL = np.array([186, 228, 179], dtype=np.float32)
WHITE = np.array([255, 255, 255], dtype=np.float32)
PLOT_COLOURS = {"d_loss": (33, 102, 172), "g_loss": (214, 96, 77), "d_real": REAL, "d_fake": FAKE}
PLOT_LABELS = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))"}


def to_pixels(points: torch.Tensor | np.ndarray, size: int = VIEW_SIZE) -> np.ndarray:
    """Plane coordinates (N, 2) -> pixel coordinates (N, 2), y up."""
    xy = np.asarray(points, dtype=np.float64)
    scale = size / (2 * VIEW)
    return np.stack([(xy[:, 0] + VIEW) * scale, (VIEW - xy[:, 1]) * scale], 1)


def to_plane(x_px: float, y_px: float, size: int = VIEW_SIZE) -> tuple[float, float] | None:
    """A pixel of the frame -> the point of the plane under it, or None below the view (on the plots)."""
    if not (0 <= x_px < size and 0 <= y_px < size):
        return None
    scale = 2 * VIEW / size
    return round(x_px * scale - VIEW, 3), round(VIEW - y_px * scale, 3)


def heatmap(values: np.ndarray, probability: bool, size: int = VIEW_SIZE) -> Image.Image:
    """D's readout (R, R) as tints: probabilities as they are; a critic's scores, which have no fixed scale,
    centred on their mean and scaled by their largest deviation in this frame."""
    if probability:
        p = values
    else:
        centred = values - values.mean()
        p = 0.5 + 0.5 * centred / max(float(np.abs(centred).max()), 1e-12)
    p = np.nan_to_num(p, nan=0.5)[..., None].astype(np.float32)
    towards = np.where(p >= 0.5, TINT_REAL, TINT_FAKE)
    rgb = WHITE + (towards - WHITE) * np.sqrt(np.abs(2 * p - 1))  # sqrt: small leanings stay visible
    return Image.fromarray(rgb.astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)


def _dots(draw: ImageDraw.ImageDraw, pixels: np.ndarray, colour: tuple[int, int, int], radius: float) -> None:
    for x, y in pixels[np.isfinite(pixels).all(1)]:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _arrows(draw: ImageDraw.ImageDraw, starts: np.ndarray, gradients: np.ndarray) -> None:
    for (x, y), (gx, gy) in zip(starts, gradients, strict=True):
        norm = math.hypot(gx, gy)
        if not math.isfinite(norm) or norm * ARROW_PX_PER_UNIT < 1.5:
            continue
        length = min(norm * ARROW_PX_PER_UNIT, ARROW_MAX_PX)
        dx, dy = gx / norm * length, -gy / norm * length  # y flips on screen
        tip = (x + dx, y + dy)
        draw.line([(x, y), tip], fill=ARROW, width=1)
        head = min(5.0, length / 2)
        for turn in (2.6, -2.6):  # two strokes of the head, about 150 degrees back from the shaft
            c, s = math.cos(turn), math.sin(turn)
            back = ((dx * c - dy * s) / length * head, (dx * s + dy * c) / length * head)
            draw.line([tip, (tip[0] + back[0], tip[1] + back[1])], fill=ARROW, width=1)


def view_image(run: ToyRun, layers: Collection[str] = LAYERS, size: int = VIEW_SIZE) -> Image.Image:
    """The plane with the chosen LAYERS."""
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown layers {', '.join(sorted(unknown))}; allowed: {', '.join(LAYERS)}")
    if "heatmap" in layers:
        values = run.decision(HEATMAP_RESOLUTION).numpy()
        image = heatmap(values, run.settings.loss in PROBABILITY_LOSSES, size)
    else:
        image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    if "manifold" in layers:
        for line in run.manifold().numpy():
            pixels = to_pixels(line, size)
            if np.isfinite(pixels).all():
                draw.line([tuple(p) for p in pixels], fill=MANIFOLD, width=1)
    if "real" in layers:
        _dots(draw, to_pixels(run.view_real[:SHOWN_POINTS], size), REAL, 2.2)
    fake = run.fake_points()
    if "fake" in layers:
        _dots(draw, to_pixels(fake[:SHOWN_POINTS], size), FAKE, 2.2)
    if "arrows" in layers:
        shown = fake[:ARROW_POINTS]
        _arrows(draw, to_pixels(shown, size), run.generator_gradients(shown).numpy())
    draw.text((6, 4), f"step {run.step_count}", fill="black", font=_font(13))
    return image


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def plot_image(
    history: Sequence[dict], keys: Sequence[str], width: int, height: int = PLOT_HEIGHT, title: str = ""
) -> Image.Image:
    """Line plot of history columns over steps; at most one point per pixel column (every k-th row)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = _font(11)
    left, top, right, bottom = 38, 16, width - 6, height - 16
    draw.rectangle((left, top, right, bottom), outline=(200, 200, 200))
    draw.text((left, 2), title, fill="black", font=font)
    stride = max(1, math.ceil(len(history) / max(right - left, 1)))
    rows = history[::stride]
    columns = {k: np.array([np.nan if r.get(k) is None else r[k] for r in rows], dtype=np.float64) for k in keys}
    finite = np.concatenate([c[np.isfinite(c)] for c in columns.values()]) if rows else np.zeros(0)
    if len(finite):
        low, high = float(finite.min()), float(finite.max())
        if high - low < 1e-6:
            low, high = low - 0.5, high + 0.5
        draw.text((left - 4, top), f"{high:.3g}", fill="black", font=font, anchor="ra")
        draw.text((left - 4, bottom), f"{low:.3g}", fill="black", font=font, anchor="rd")
        steps = np.array([r["step"] for r in rows], dtype=np.float64)
        first, last = steps[0], max(steps[-1], steps[0] + 1)
        xs = left + (steps - first) / (last - first) * (right - left)
        for key, values in columns.items():
            ys = bottom - (values - low) / (high - low) * (bottom - top)
            keep = np.isfinite(ys)
            if keep.sum() >= 2:
                draw.line(list(zip(xs[keep], ys[keep], strict=True)), fill=PLOT_COLOURS[key], width=1)
        draw.text((right, bottom + 2), f"step {int(steps[-1])}", fill="black", font=font, anchor="ra")
    x = left
    for key in keys:  # the legend, after the title
        label = PLOT_LABELS[key]
        draw.text((x, bottom + 2), label, fill=PLOT_COLOURS[key], font=font)
        x += int(font.getlength(label)) + 10
    return image


def frame(run: ToyRun, layers: Collection[str] = LAYERS, size: int = VIEW_SIZE) -> Image.Image:
    """The view above the two plots: the image the page shows on every refresh."""
    out = Image.new("RGB", (size, size + PLOT_HEIGHT), "white")
    with torch_threads(TRAIN_THREADS):
        out.paste(view_image(run, layers, size), (0, 0))
    half = size // 2
    d_title = "D's P(real)" if run.settings.loss in PROBABILITY_LOSSES else "critic score"
    out.paste(plot_image(run.history, ("d_loss", "g_loss"), half, title="losses"), (0, size))
    out.paste(plot_image(run.history, ("d_real", "d_fake"), size - half, title=d_title), (half, size))
    return out
