"""PSNR and SSIM as the super-resolution literature reports them: on luma, with a border cropped.

Conventions (those of SRCNN, EDSR, ESRGAN and BasicSR's `calculate_psnr/ssim(test_y_channel=True)`):
- an image is RGB in [0, 255]: a numpy array (H, W, 3) (e.g. uint8) or a tensor (3, H, W);
- Y is ITU-R BT.601 luma in [16, 235] (MATLAB's `rgb2ycbcr`), kept unrounded;
- `border` pixels are cropped from every side first, `border = scale` by convention, since no
  method can know what lies beyond the image edge;
- SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, data range 255,
  averaged over the window positions that fit inside the image (MATLAB's 'valid'), without the
  paper's optional downsampling of large images.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

DATA_RANGE = 255.0
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) RGB in [0, 255] -> (..., 1, H, W) BT.601 luma Y in [16, 235]."""
    r, g, b = x.unbind(-3)
    return (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0).unsqueeze(-3)


def psnr(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, *, border: int) -> float:
    """Peak signal-to-noise ratio in dB of Y, `border` pixels cropped; inf for identical images."""
    ya, yb = _luma_pair(a, b, border)
    mse = (ya - yb).square().mean().item()
    return math.inf if mse == 0 else 10 * math.log10(DATA_RANGE**2 / mse)


def ssim(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, *, border: int) -> float:
    """Structural similarity of Y, `border` pixels cropped: 1.0 for identical images."""
    ya, yb = _luma_pair(a, b, border)
    if min(ya.shape) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs {SSIM_WINDOW}x{SSIM_WINDOW} pixels or more after cropping, got {tuple(ya.shape)}")
    taps = torch.arange(SSIM_WINDOW, dtype=torch.float64) - SSIM_WINDOW // 2
    g = torch.exp(-(taps**2) / (2 * SSIM_SIGMA**2))
    g /= g.sum()

    def blur(z: torch.Tensor) -> torch.Tensor:  # separable Gaussian, 'valid': (H, W) -> (H - 10, W - 10)
        z = F.conv2d(z[None, None], g.view(1, 1, -1, 1))
        return F.conv2d(z, g.view(1, 1, 1, -1))[0, 0]

    mu_a, mu_b = blur(ya), blur(yb)
    var_a = blur(ya * ya) - mu_a**2
    var_b = blur(yb * yb) - mu_b**2
    cov = blur(ya * yb) - mu_a * mu_b
    c1, c2 = (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return ssim_map.mean().item()


def _luma(image: np.ndarray | torch.Tensor, border: int) -> torch.Tensor:
    """One RGB image -> its float64 (H - 2 border, W - 2 border) luma."""
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[-1] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB array, got shape {image.shape}")
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
    else:
        if image.dim() != 3 or image.shape[0] != 3:
            raise ValueError(f"expected a (3, H, W) RGB tensor, got shape {tuple(image.shape)}")
        x = image.detach().cpu()
    y = rgb_to_y(x.double())[0]
    return y[border : y.shape[0] - border, border : y.shape[1] - border]


def _luma_pair(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, border: int) -> tuple[torch.Tensor, ...]:
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}")
    ya, yb = _luma(a, border), _luma(b, border)
    if ya.shape != yb.shape:
        raise ValueError(f"images differ in size: {tuple(ya.shape)} vs {tuple(yb.shape)} after cropping")
    if ya.numel() == 0:
        raise ValueError(f"nothing is left after cropping a border of {border} pixels")
    return ya, yb
