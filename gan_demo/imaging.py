"""The one place tensors become pixels (uint8 arrays, PIL images, grids, GIFs) and uploads become arrays."""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.utils import make_grid

from .device import pick_device
from .errors import UserError

# Images smaller than this are enlarged (nearest neighbour) so a 28 px sample is legible.
DISPLAY_MIN_SIDE = 160
# Uploads above this are refused before their pixels are decoded. x4 super-resolution of 2048 x 2048 already
# makes a 64-megapixel (192 MB) image; Pillow's own decompression-bomb limit (89 megapixels) is far higher.
MAX_UPLOAD_PIXELS = 2048 * 2048


def _sr_max_pixels() -> int:
    """Super-resolution's own limit: on a CPU a 2048² upload takes minutes and a whole core, so 1024² (512² on a
    free CPU Space, SYSTEM=spaces); with an accelerator, the upload limit. GAN_DEMO_SR_MAX_PIXELS overrides."""
    if os.environ.get("GAN_DEMO_SR_MAX_PIXELS"):
        return int(os.environ["GAN_DEMO_SR_MAX_PIXELS"])
    if pick_device().type != "cpu":
        return MAX_UPLOAD_PIXELS
    return 512 * 512 if os.environ.get("SYSTEM") == "spaces" else 1024 * 1024


MAX_SR_PIXELS = _sr_max_pixels()
# The formats an upload may be in. Pillow reads more, some through external programs (EPS runs Ghostscript).
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")
_HIGH_BIT_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_EXIF_ORIENTATION = 0x0112
_EIGHT_BIT_MODE = {"1": "L", "PA": "RGBA"}  # and "RGB" for every other mode


def _grey_to_8bit(img: Image.Image) -> Image.Image:
    """16/32-bit grey -> "L", scaled to its full range (a plain convert would clip it to white)."""
    pixels = np.asarray(img, dtype=np.float64)
    peak = 65535.0 if img.mode.startswith("I;16") or pixels.max() > 255 else 255.0
    return Image.fromarray(np.clip(pixels / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def _eight_bit(img: Image.Image) -> Image.Image:
    """Any decoded image -> "L", "LA", "RGB" or "RGBA" at 8 bits per channel, its transparency kept."""
    if img.mode in _HIGH_BIT_GREY:
        return _grey_to_8bit(img)
    if img.mode in ("L", "LA", "RGB", "RGBA"):
        return img
    if img.mode == "P" and "transparency" in img.info:
        return img.convert("RGBA")
    return img.convert(_EIGHT_BIT_MODE.get(img.mode, "RGB"))  # palettes, CMYK, YCbCr, LAB, HSV: RGB


def normalize_image(img: Image.Image, mode: str) -> Image.Image:
    """Any decoded image -> `mode` ("L" or "RGB"), upright and 8-bit.

    Applies the EXIF orientation, scales 16/32-bit greys to 8 bits (a plain convert
    would clip them to white), composites transparency onto white, and converts
    palette and CMYK images through RGB.
    """
    img = _eight_bit(ImageOps.exif_transpose(img))
    if img.mode in ("LA", "RGBA"):
        img = Image.alpha_composite(Image.new("RGBA", img.size, "white"), img.convert("RGBA"))
    return img.convert(mode)


@dataclass
class DecodedImage:
    """An uploaded image, upright and 8-bit, with its colour and its transparency apart."""

    rgb: np.ndarray  # (H, W, 3) uint8; a grey image has three equal channels
    alpha: np.ndarray | None  # (H, W) uint8, or None when the image is fully opaque
    grayscale: bool  # no colour in the source: results should be shown grey too
    notes: list[str] = field(default_factory=list)  # what decoding changed: keys of gan_demo.ui.text.NOTES

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as PIL gives it."""
        return self.rgb.shape[1], self.rgb.shape[0]


def decode_upload(source: str | Path | bytes | Image.Image, *, max_pixels: int) -> DecodedImage:
    """Decode an upload (a path, its bytes, or an image PIL already opened) for the models.

    Raises UserError "too_large" (values name, size, pixels, limit) when the image has more than `max_pixels`
    pixels (checked from the header, before any pixel is decoded), or "unreadable" (name) when it is not a
    readable image in one of UPLOAD_FORMATS (corrupt, truncated, another format). Animated images give their
    first frame; the EXIF orientation is applied; 16/32-bit greys are scaled to 8 bits; CMYK and palettes become
    RGB; transparency is returned as `alpha` (None when there is none or it is fully opaque).
    """
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")
    name = Path(source).name if isinstance(source, (str, Path)) else "the upload"
    if isinstance(source, Image.Image):
        return _decode(source, name, max_pixels)
    try:
        img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source, formats=UPLOAD_FORMATS)
    except Image.DecompressionBombError:  # far above any sane max_pixels; Pillow read the size from the header
        side = math.isqrt(max_pixels)
        raise UserError("too_large", name=name, size=f"> {side} × {side}", pixels=None, limit=max_pixels) from None
    except FileNotFoundError:
        raise
    except Exception as err:  # Pillow raises many kinds on hostile files; none of them may reach the user raw
        raise UserError("unreadable", name=name) from err
    with img:
        return _decode(img, name, max_pixels)


def _decode(img: Image.Image, name: str, max_pixels: int) -> DecodedImage:
    width, height = img.size  # from the header: Image.open decodes no pixels
    if width * height > max_pixels:
        raise UserError("too_large", name=name, size=f"{width} × {height}", pixels=width * height, limit=max_pixels)
    notes = []
    try:
        if getattr(img, "is_animated", False):
            img.seek(0)
            notes.append("upload_animated")
        img.load()  # decodes the pixels: a truncated or corrupt file fails here
        if img.getexif().get(_EXIF_ORIENTATION, 1) in range(2, 9):
            notes.append("upload_exif")
        img = ImageOps.exif_transpose(img)
        if img.mode in _HIGH_BIT_GREY:
            notes.append(f"upload_{16 if img.mode.startswith('I;16') else 32}_bit")
        elif img.mode == "CMYK":
            notes.append("upload_cmyk")
        img = _eight_bit(img)
    except MemoryError:
        raise
    except Exception as err:
        raise UserError("unreadable", name=name) from err
    alpha = np.array(img.getchannel("A")) if img.mode in ("LA", "RGBA") else None
    if alpha is not None and alpha.min() == 255:
        alpha = None  # opaque: no transparency worth carrying through
    return DecodedImage(np.array(img.convert("RGB")), alpha, img.mode in ("L", "LA"), notes)


def from_uint8(pixels: np.ndarray) -> torch.Tensor:
    """(H, W, C) uint8 -> (1, C, H, W) float in [-1, 1]: the inverse of `to_uint8`."""
    # torch.tensor copies: decoded images are often read-only arrays, which torch.from_numpy warns about.
    return torch.tensor(pixels, dtype=torch.float32).permute(2, 0, 1)[None].div_(127.5).sub_(1.0)


def assemble_image(rgb: np.ndarray, alpha: np.ndarray | None = None, *, grayscale: bool = False) -> Image.Image:
    """(H, W, 3) uint8 colour and optional (H, W) uint8 alpha -> PIL "RGB"/"RGBA", or "L"/"LA" if `grayscale`."""
    img = Image.fromarray(rgb, "RGB")
    if grayscale:
        img = img.convert("L")
    if alpha is not None:
        img.putalpha(Image.fromarray(alpha, "L"))
    return img


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


def gif_bytes(frames: list[Image.Image], frame_ms: int = 80, bounce: bool = True, last_ms: int | None = None) -> bytes:
    """An endlessly looping GIF; `bounce` plays the frames forward then back; `last_ms` holds the last frame.

    Frames of more than 256 colours in all share one palette (fast octree over the frames stacked), undithered: 4x
    faster to encode than PIL's own per-frame median cut (43 vs 190 ms for 12 frames of 192 px), 40 % smaller, and
    no dither noise crawling between frames. Fewer colours (grey grids) are left to PIL, which keeps each exactly.
    """
    rgb = [frame.convert("RGB") for frame in frames]
    stack = Image.new("RGB", (max(f.width for f in rgb), sum(f.height for f in rgb)))
    for i, frame in enumerate(rgb):
        stack.paste(frame, (0, sum(f.height for f in rgb[:i])))
    if stack.getcolors(256) is None:
        palette = stack.quantize(256, method=Image.Quantize.FASTOCTREE)
        rgb = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in rgb]
    sequence = rgb + rgb[-2:0:-1] if bounce and len(rgb) > 2 else rgb
    durations = [frame_ms] * len(sequence)
    if last_ms is not None:
        durations[-1] = last_ms
    buffer = io.BytesIO()
    sequence[0].save(buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=durations, loop=0)
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


def style_mix_grid(rows: torch.Tensor, columns: torch.Tensor, mixed: torch.Tensor, gap: int = 8) -> Image.Image:
    """The style-mixing figure: column sources along the top, row sources down the left, mixes inside.

    rows (R, C, H, W), columns (K, C, H, W), mixed (R, K, C, H, W), all in [-1, 1] -> one PIL image,
    with a white gap setting the sources apart from the mixes.
    """
    n_rows, n_cols, channels, height, width = mixed.shape
    top = grid_image(columns, nrow=n_cols)
    left = grid_image(rows, nrow=1)
    body = grid_image(mixed.flatten(0, 1), nrow=n_cols)
    corner = width + 2  # one cell and its padding
    canvas = Image.new(body.mode, (corner + gap + body.width, corner + gap + body.height), "white")
    canvas.paste(top, (corner + gap, 0))
    canvas.paste(left, (0, corner + gap))
    canvas.paste(body, (corner + gap, corner + gap))
    scale = max(1, math.ceil(DISPLAY_MIN_SIDE * 2 / max(canvas.size)))  # legible when the grid is small
    return canvas.resize((canvas.width * scale, canvas.height * scale), Image.NEAREST) if scale > 1 else canvas


def enlarge(image: Image.Image, min_side: int) -> Image.Image:
    """A PIL image enlarged by the smallest whole factor that brings its long side to at least `min_side`
    (nearest neighbour: every generated pixel stays a crisp square)."""
    scale = max(1, math.ceil(min_side / max(image.size)))
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST) if scale > 1 else image
