"""Line drawings: edges of a picture, training-time sketch augmentation, and cleaning a user's drawing.

Every function takes and returns (H, W[, C]) uint8 arrays; a drawing is (H, W) uint8 with black
lines (0) on white paper (255). Used by the app at run time, so only numpy and torch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

# Bump when drawing_from_avatar's output changes: prepared avatar datasets then render again.
SKETCH_VERSION = 1
# extract_edges, tuned on 128 px avatars and scaled with the picture's size.
BLUR_SIGMA = 0.6  # pixels at 128 px: smooths the renderer's anti-aliasing, keeps 2 px apart lines apart
INK_LOW, INK_HIGH = 0.06, 0.12  # colour-gradient strengths that start and saturate a line
PHOTO_QUANTILE = 0.8  # busy pictures (photos) raise INK_LOW to 3/4 of this quantile of their gradients
RIDGE = 0.5  # a pixel is line only where its gradient is at least this fraction of its neighbourhood's peak


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of (1, C, H, W), as two 1-D passes: big pictures get wide kernels."""
    radius = math.ceil(3 * sigma)
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (t / sigma) ** 2)
    kernel = (kernel / kernel.sum()).repeat(x.shape[1], 1, 1, 1)  # (C, 1, 1, K)
    x = F.pad(x, (radius,) * 4, mode="replicate")
    x = F.conv2d(x, kernel, groups=x.shape[1])
    return F.conv2d(x, kernel.transpose(2, 3), groups=x.shape[1])


def _to_float(image: np.ndarray) -> torch.Tensor:
    """(H, W), (H, W, 1|2|3|4) uint8 -> (1, C, H, W) float in [0, 1], any alpha composited onto white."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 2, 3, 4)):
        raise ValueError(f"expected an (H, W) or (H, W, 1-4) uint8 image, got {image.dtype} {image.shape}")
    x = torch.from_numpy(np.array(image, copy=True)).float().div_(255)
    x = (x[..., None] if x.ndim == 2 else x).permute(2, 0, 1)[None]  # (H, W, C) -> (1, C, H, W)
    if x.shape[1] in (2, 4):  # transparent = white paper
        alpha = x[:, -1:]
        x = x[:, :-1] * alpha + (1 - alpha)
    return x


def _to_uint8(ink: torch.Tensor) -> np.ndarray:
    """(H, W) ink in [0, 1] -> black-on-white (H, W) uint8."""
    return (1 - ink.clamp(0, 1)).mul(255).round().to(torch.uint8).numpy()


def _edge_ink(image: np.ndarray, silhouette: np.ndarray | None = None) -> torch.Tensor:
    """(H, W) ink in [0, 1]: ~1.5 px lines (at 128 px) along every boundary between colours."""
    x = _to_float(image)
    x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
    if silhouette is not None:  # one more channel, whose only edge is the figure's outline
        x = torch.cat([x, _to_float(silhouette)], 1)
    scale = min(x.shape[-2:]) / 128  # lines look the same after resizing to 128 px
    x = _blur(x, max(0.5, BLUR_SIGMA * scale))
    # Sobel on each colour channel (so equal-luminance colours still part), combined as one magnitude.
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4
    weight = torch.stack([sobel, sobel.T])[:, None].repeat(x.shape[1], 1, 1, 1)  # (2C, 1, 3, 3): d/dx, d/dy
    grad = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), weight, groups=x.shape[1])
    magnitude = grad.square().sum(1)[0].sqrt()  # (H, W); a sharp black-white edge peaks near 1.7
    # Photos have texture everywhere: there, only their strongest fifth of gradients may become lines.
    k = max(1, int(PHOTO_QUANTILE * magnitude.numel()))
    low = max(INK_LOW, 0.75 * magnitude.flatten().kthvalue(k).values.item())
    strength = (magnitude - low) / (INK_HIGH - INK_LOW)
    # Keep the crest of each gradient ridge, so a line is as thin for strong edges as for weak ones.
    radius = max(1, round(scale))
    peak = F.max_pool2d(magnitude[None, None], (1, 2 * radius + 1), 1, (0, radius))  # separable: rows, then
    peak = F.max_pool2d(peak, (2 * radius + 1, 1), 1, (radius, 0))[0, 0]  # columns, fast for big radii
    crest = (magnitude / peak.clamp_min(1e-6) - RIDGE) / (1 - RIDGE) * 2
    return strength.clamp(0, 1) * crest.clamp(0, 1)


def extract_edges(image: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3) uint8 picture -> (H, W) uint8 line drawing, black lines on white.

    Colour-gradient edges (Sobel on blurred RGB), thinned to the crest of each edge and softly
    thresholded: on a flat-shaded cartoon that is one clean outline per boundary; on a photo,
    the strongest edges only. Deterministic; the blur and line width scale with the size.
    """
    return _to_uint8(_edge_ink(image))


def drawing_from_avatar(
    image: np.ndarray, rng: np.random.Generator, silhouette: np.ndarray | None = None
) -> np.ndarray:
    """extract_edges with the variation of real sketches, so hand drawings are in distribution.

    Random stroke width (1.5 or 2.5 px at 128 px), a smooth elastic wobble and shift of the lines,
    and sometimes a few small gaps. All randomness comes from `rng`. `silhouette`, the (H, W) uint8
    coverage of the figure (a renderer's alpha), adds its outline where figure and background share a colour.
    """
    ink = _edge_ink(image, silhouette)[None, None]  # (1, 1, H, W)
    h, w = ink.shape[-2:]
    scale = min(h, w) / 128
    # Stroke width: as extracted (~1.5 px) or dilated by 1 px (~2.5 px). Thinner breaks faint lines
    # into dots, thicker fills in eyes and glasses.
    if rng.random() < 0.5:
        widen = max(1, round(scale))
        ink = F.max_pool2d(F.pad(ink, (widen // 2, widen - widen // 2) * 2), widen + 1, 1)
    # Elastic wobble: random displacements on a coarse 5x5 grid, smoothly upsampled, plus a shift.
    coarse = torch.from_numpy(rng.normal(0, 1.2, size=(1, 2, 5, 5))).float()
    shift = torch.from_numpy(rng.uniform(-2, 2, size=(1, 2, 1, 1))).float()
    offset = (F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True) + shift) * scale
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    grid = torch.stack([(xs + offset[0, 0]) / (w - 1), (ys + offset[0, 1]) / (h - 1)], -1)[None] * 2 - 1
    ink = F.grid_sample(ink, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    # Gaps: half the drawings lose up to 4 short pieces of line, as if the pen skipped.
    lines = torch.nonzero(ink[0, 0] > 0.5)
    if len(lines) and rng.random() < 0.5:
        picks = torch.from_numpy(rng.integers(len(lines), size=rng.integers(1, 5)))
        for y, x in lines[picks].tolist():
            r = max(1, round(rng.uniform(1, 2.5) * scale))
            ink[..., max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1] = 0
    return _to_uint8(ink[0, 0])


def clean_drawing(image: np.ndarray) -> np.ndarray:
    """A user's drawing (sketchpad output, photo of paper, any colour) -> (H, W) uint8 black on white.

    Transparent pixels are paper; any ink clearly darker or more colourful than the paper becomes
    black (a yellow line is as much a line as a black one); a drawing that is mostly dark (white
    chalk on black) is inverted first. An empty canvas comes back all white.
    """
    x = _to_float(image)[0]  # (C, H, W), transparency already white
    # How much each pixel differs from white paper in its strongest channel: colour counts as ink.
    ink = 1 - x.amin(0)
    if ink.median() > 0.5:  # mostly dark: light lines on a dark ground
        ink = x.amax(0)
    paper = ink.median()
    # Soft threshold relative to the paper: faint smudges and grey paper vanish, strokes turn black.
    return _to_uint8((ink - paper - 0.1) / 0.25)
