"""The one place tensors become pixels: uint8 arrays, PIL images, grids and GIFs."""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.utils import make_grid

# Images smaller than this are enlarged (nearest neighbour) so a 28 px sample is legible.
DISPLAY_MIN_SIDE = 160


def normalize_image(img: Image.Image, mode: str) -> Image.Image:
    """Any decoded image -> `mode` ("L" or "RGB"), upright and 8-bit.

    Applies the EXIF orientation, scales 16/32-bit greys to 8 bits (a plain convert
    would clip them to white), composites transparency onto white, and converts
    palette and CMYK images through RGB.
    """
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        pixels = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if img.mode.startswith("I;16") or pixels.max() > 255 else 255.0
        img = Image.fromarray(np.clip(pixels / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return img.convert("RGB").convert(mode) if img.mode not in ("L", "RGB") else img.convert(mode)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(B, C, H, W) in [-1, 1] -> (B, H, W, C) uint8."""
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).numpy()


def to_pil(image: np.ndarray, min_side: int = DISPLAY_MIN_SIDE) -> Image.Image:
    """(H, W, C) uint8 -> PIL image, enlarged by a whole factor to at least `min_side`."""
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    scale = max(1, math.ceil(min_side / max(pil.size)))
    return pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST) if scale > 1 else pil


def to_pil_list(images: torch.Tensor, min_side: int = DISPLAY_MIN_SIDE) -> list[Image.Image]:
    return [to_pil(img, min_side) for img in to_uint8(images)]


def grid_image(images: torch.Tensor, nrow: int, min_side: int = 0, padding: int = 2) -> Image.Image:
    """(B, C, H, W) in [-1, 1] -> one PIL grid with `nrow` images per row."""
    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=padding, normalize=True, value_range=(-1, 1))
    return to_pil((grid * 255).round().to(torch.uint8).permute(1, 2, 0).numpy(), min_side)


def gif_bytes(frames: list[Image.Image], frame_ms: int = 80, bounce: bool = True) -> bytes:
    """An endlessly looping GIF; `bounce` plays the frames forward then back."""
    sequence = frames + frames[-2:0:-1] if bounce and len(frames) > 2 else frames
    buffer = io.BytesIO()
    sequence[0].save(buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()


def labelled_grid(images: torch.Tensor, row_labels: list[str], ncol: int, cell: int = 84) -> Image.Image:
    """A grid with one row per label and the label written to its left.

    (rows * ncol, C, H, W) in [-1, 1] -> PIL image; each image is enlarged to `cell` pixels.
    """
    from PIL import ImageDraw, ImageFont

    pad = 2
    tiles = torch.nn.functional.interpolate(images.float().cpu(), size=(cell, cell), mode="nearest")
    grid = grid_image(tiles, nrow=ncol, padding=pad).convert("RGB")
    font = ImageFont.load_default(size=max(12, cell // 6))
    margin = max(int(font.getlength(label)) for label in row_labels) + 12
    canvas = Image.new("RGB", (grid.width + margin, grid.height), "white")
    canvas.paste(grid, (margin, 0))
    draw = ImageDraw.Draw(canvas)
    for row, label in enumerate(row_labels):
        y = pad + row * (cell + pad) + cell // 2
        draw.text((margin - 6, y), label, fill="black", font=font, anchor="rm")
    return canvas
