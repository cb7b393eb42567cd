"""x4 super-resolution inference: tiling, blending, upload decoding, metrics, the known-answer check."""

from __future__ import annotations

import gc
import struct
import time
import weakref
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from gan_demo import imaging, metrics, ops
from gan_demo.checkpoint import load_model
from gan_demo.errors import UserError
from gan_demo.imaging import DecodedImage, decode_upload
from gan_demo.models.srgan import UPSAMPLERS, SRResNet

PHOTO = Path(__file__).resolve().parent.parent / "checkpoints" / "srgan-photo-x4" / "examples" / "astronaut.png"

MAX = imaging.MAX_UPLOAD_PIXELS


def _tiny(seed: int = 0, channels: int = 4, upsampler: str = "stepwise") -> SRResNet:
    """A tiny SRResNet with every weight random (the real init zeroes the tail, which makes it plain bicubic)."""
    torch.manual_seed(seed)
    model = SRResNet(scale=4, channels=channels, num_blocks=1, upsampler=upsampler)
    nn.init.normal_(model.tail.weight, std=0.1)
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def model() -> SRResNet:
    return _tiny()


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth random (H, W, 3) uint8 image: noise enlarged, so bicubic and the model have something to do."""
    noise = torch.rand(1, 3, h // 4 + 2, w // 4 + 2, generator=torch.Generator().manual_seed(seed))
    smooth = torch.nn.functional.interpolate(noise, size=(h, w), mode="bicubic", align_corners=False)
    return (smooth.clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


# --- super_resolve ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tile", [None, 0, 16, 128])
def test_output_is_exactly_four_times_larger(model: SRResNet, tile: int | None) -> None:
    out = ops.super_resolve(model, _photo(37, 53), tile=tile)
    assert out.shape == (148, 212, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("upsampler", UPSAMPLERS)
def test_tiles_agree_with_the_whole_image(upsampler: str) -> None:
    model = _tiny(upsampler=upsampler)
    image = _photo(96, 80)
    whole = ops.super_resolve(model, image, tile=None)
    tiled = ops.super_resolve(model, image, tile=32)
    assert metrics.psnr(tiled, whole, border=0) >= 45
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1  # float rounding only


def test_progress_is_reported_after_each_tile(model: SRResNet) -> None:
    fractions: list[float] = []
    ops.super_resolve(model, _photo(96, 80), tile=32, progress=fractions.append)
    assert len(fractions) == 9 and fractions == sorted(fractions) and fractions[-1] == 1.0


class _NaNInOneTile(nn.Module):
    """Wraps an SR model and returns NaN for its second tile."""

    def __init__(self, inner: SRResNet) -> None:
        super().__init__()
        self.inner, self.scale, self.receptive_radius, self.calls = inner, inner.scale, inner.receptive_radius, 0

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        out = self.inner(lr)
        return torch.full_like(out, float("nan")) if self.calls == 2 else out


def test_a_non_finite_tile_fails_the_request(model: SRResNet) -> None:
    with pytest.raises(RuntimeError, match="NaN"):  # not graph_safe (it counts its calls): run as it is
        ops.super_resolve(_NaNInOneTile(model), _photo(64, 64), tile=32)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3)), np.zeros((0, 8, 3), np.uint8)],
)
def test_super_resolve_rejects_what_is_not_an_rgb_uint8_image(model: SRResNet, bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        ops.super_resolve(model, bad)


def test_negative_tile_is_refused(model: SRResNet) -> None:
    with pytest.raises(ValueError, match="tile"):
        ops.super_resolve(model, _photo(8, 8), tile=-1)


def test_same_input_gives_identical_bytes(model: SRResNet) -> None:
    image = _photo(40, 30)
    assert ops.super_resolve(model, image).tobytes() == ops.super_resolve(model, image).tobytes()


def test_concurrent_requests_match_sequential_ones(model: SRResNet) -> None:
    images = [_photo(48, 40, seed=s) for s in range(8)]
    sequential = [ops.super_resolve(model, img, tile=24) for img in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda img: ops.super_resolve(model, img, tile=24), images))
    for a, b in zip(sequential, concurrent, strict=True):
        assert np.array_equal(a, b)


def test_the_cpu_graph_gives_what_the_model_gives() -> None:
    """The shipped SRGAN on a real photo: super_resolve runs an optimized graph of it on the CPU, which must give the
    model's own pixels (run eagerly on the whole image) to within float rounding, also under concurrent requests."""
    model, _ = load_model(Path(__file__).resolve().parent.parent / "checkpoints" / "srgan-photo-x4")
    with Image.open(PHOTO) as photo:
        image = np.asarray(photo.convert("RGB"))[:96, :128]
    with torch.inference_mode():
        eager = imaging.to_uint8(model(imaging.from_uint8(image)))[0].astype(int)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda img: ops.super_resolve(model, img, tile=48), [image, image, image]))
    assert ops.superres._GRAPHS.get(model, 1) is not model  # the graph was built and passed its check
    assert all(np.array_equal(runs[0], run) for run in runs[1:])
    assert np.abs(runs[0].astype(int) - eager).max() <= 1  # a value on a rounding edge may round the other way


def test_a_model_the_graph_cannot_reproduce_runs_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    in_training = _tiny(seed=3).train()  # freezing refuses a module in training mode
    image = _photo(20, 16)
    assert ops.superres._GRAPHS.get(in_training, 1) is in_training
    monkeypatch.setattr(ops.superres, "_GRAPH_TOLERANCE", -1.0)  # now no graph passes the check
    differing = _tiny(seed=4)
    assert ops.superres._GRAPHS.get(differing, 1) is differing
    for model in (in_training, differing):
        with torch.inference_mode():
            eager = imaging.to_uint8(model(imaging.from_uint8(image)))[0]
        assert np.array_equal(ops.super_resolve(model, image), eager)


def test_a_dropped_model_takes_its_graph_with_it() -> None:
    """Each blend the tab makes is a new model: the graphs must not keep them (or themselves) alive."""
    models = [_tiny(seed=5), _tiny(seed=6).train()]  # one with a graph, one run as it is
    for model in models:
        ops.super_resolve(model, _photo(16, 16))
    refs = [weakref.ref(model) for model in models]
    del model, models
    gc.collect()
    assert all(ref() is None for ref in refs)


def test_bicubic_upscale_matches_torch_and_the_untrained_model() -> None:
    image = _photo(600, 20)  # taller than bicubic_upscale's internal tile
    expected = imaging.to_uint8(
        torch.nn.functional.interpolate(imaging.from_uint8(image), scale_factor=4, mode="bicubic", align_corners=False)
    )[0]
    assert np.abs(ops.bicubic_upscale(image, 4).astype(int) - expected.astype(int)).max() <= 1
    assert ops.bicubic_upscale(image[..., 0], 4).shape == (2400, 80)  # grey (H, W) too
    torch.manual_seed(0)
    at_init = SRResNet(scale=4, channels=4, num_blocks=1).eval()  # zero tail: exactly its bicubic skip
    small = image[:40]
    assert np.abs(ops.super_resolve(at_init, small).astype(int) - ops.bicubic_upscale(small, 4).astype(int)).max() <= 1


# --- blend_models -------------------------------------------------------------------------------------------------


def test_blend_ends_are_the_models_and_inputs_stay_untouched() -> None:
    psnr_model, gan_model = _tiny(1), _tiny(2)
    before = {k: v.clone() for k, v in psnr_model.state_dict().items()}
    at_0 = ops.blend_models(psnr_model, gan_model, 0.0).state_dict()
    at_1 = ops.blend_models(psnr_model, gan_model, 1.0).state_dict()
    half = ops.blend_models(psnr_model, gan_model, 0.5)
    for key, value in psnr_model.state_dict().items():
        assert torch.equal(at_0[key], value) and torch.equal(at_1[key], gan_model.state_dict()[key])
        assert torch.allclose(half.state_dict()[key], (value + gan_model.state_dict()[key]) / 2)
        assert torch.equal(value, before[key])
    assert half is not psnr_model and ops.super_resolve(half, _photo(16, 16)).shape == (64, 64, 3)


@pytest.mark.parametrize(
    "other", [lambda: _tiny(channels=8), lambda: _tiny(upsampler="direct"), lambda: nn.Conv2d(3, 3, 1)]
)
def test_blend_refuses_different_architectures(other) -> None:
    with pytest.raises(ValueError, match="architecture"):
        ops.blend_models(_tiny(), other(), 0.5)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_blend_refuses_alpha_outside_0_1(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        ops.blend_models(_tiny(), _tiny(1), alpha)


# --- decode_upload and super_resolve_image -------------------------------------------------------------------------


def _save(img: Image.Image, path: Path, **kwargs) -> Path:
    img.save(path, **kwargs)
    return path


def test_rgba_keeps_its_alpha_through_super_resolution(model: SRResNet, tmp_path: Path) -> None:
    rgba = np.dstack([_photo(20, 30), np.tile(np.linspace(0, 255, 30, dtype=np.uint8), (20, 1))])
    decoded = decode_upload(_save(Image.fromarray(rgba, "RGBA"), tmp_path / "a.png"), max_pixels=MAX)
    assert np.array_equal(decoded.rgb, rgba[..., :3]) and np.array_equal(decoded.alpha, rgba[..., 3])
    assert not decoded.grayscale and decoded.notes == [] and decoded.size == (30, 20)
    out = ops.super_resolve_image(model, decoded)
    assert out.mode == "RGBA" and out.size == (120, 80)
    assert np.array_equal(np.asarray(out)[..., 3], ops.bicubic_upscale(rgba[..., 3], 4))


def test_opaque_alpha_is_dropped(tmp_path: Path) -> None:
    rgba = Image.fromarray(_photo(8, 8)).convert("RGBA")
    assert decode_upload(_save(rgba, tmp_path / "a.png"), max_pixels=MAX).alpha is None


def test_grey_uploads_come_back_grey(model: SRResNet, tmp_path: Path) -> None:
    grey = Image.fromarray(_photo(12, 10)[..., 0])
    decoded = decode_upload(_save(grey, tmp_path / "l.png"), max_pixels=MAX)
    assert decoded.grayscale and decoded.alpha is None and decoded.rgb.shape == (12, 10, 3)
    assert ops.super_resolve_image(model, decoded).mode == "L"
    la = Image.merge("LA", (grey, Image.new("L", grey.size, 128)))
    decoded = decode_upload(_save(la, tmp_path / "la.png"), max_pixels=MAX)
    assert decoded.grayscale and (decoded.alpha == 128).all()
    out = ops.super_resolve_image(model, decoded)
    assert out.mode == "LA" and out.size == (40, 48)


def test_16_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    deep = Image.fromarray(np.full((6, 6), 40000, dtype=np.uint16))
    decoded = decode_upload(_save(deep, tmp_path / "deep.png"), max_pixels=MAX)
    assert decoded.grayscale and (decoded.rgb == round(40000 / 65535 * 255)).all()
    assert decoded.notes == ["upload_16_bit"]


def test_palette_transparency_becomes_alpha(tmp_path: Path) -> None:
    palette = Image.new("P", (4, 2))
    palette.putpalette([255, 0, 0, 0, 0, 255])
    palette.putpixel((0, 0), 1)
    decoded = decode_upload(_save(palette, tmp_path / "p.png", transparency=0), max_pixels=MAX)
    assert decoded.alpha is not None and decoded.alpha[0, 0] == 255 and (decoded.alpha.ravel()[1:] == 0).all()
    assert tuple(decoded.rgb[0, 0]) == (0, 0, 255)


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # red
    decoded = decode_upload(_save(cmyk, tmp_path / "c.jpg", quality=95), max_pixels=MAX)
    assert decoded.rgb.shape == (16, 16, 3) and "upload_cmyk" in decoded.notes
    assert np.abs(decoded.rgb[8, 8].astype(int) - (255, 0, 0)).max() < 10


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.fromarray(_photo(20, 40))
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    decoded = decode_upload(_save(img, tmp_path / "r.jpg", exif=exif), max_pixels=MAX)
    assert decoded.size == (20, 40) and decoded.notes == ["upload_exif"]


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animated_images_give_their_first_frame(tmp_path: Path, fmt: str) -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue", "lime")]
    path = _save(frames[0], tmp_path / f"anim.{fmt.lower()}", format=fmt, save_all=True, append_images=frames[1:])
    decoded = decode_upload(path, max_pixels=MAX)
    assert np.abs(decoded.rgb[4, 4].astype(int) - (255, 0, 0)).max() <= 2  # lossy WebP is nearly exact
    assert decoded.notes == ["upload_animated"]


def test_every_kind_of_source_is_accepted(tmp_path: Path) -> None:
    img = Image.fromarray(_photo(8, 8))
    path = _save(img, tmp_path / "x.png")
    for source in (path, str(path), path.read_bytes(), img):
        assert np.array_equal(decode_upload(source, max_pixels=MAX).rgb, np.asarray(img))


def _unreadable_files(folder: Path) -> list[Path]:
    png = _save(Image.fromarray(_photo(64, 64)), folder / "full.png").read_bytes()
    contents = {
        "cut.png": png[: len(png) // 2],  # truncated in the middle of its pixels
        "noise.png": np.random.default_rng(0).bytes(5000),
        "notes.txt": b"hello, not an image\n",
        "empty.png": b"",
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    ppm = _save(Image.new("RGB", (8, 8)), folder / "x.ppm")  # Pillow reads PPM; uploads may not be one
    return [folder / name for name in contents] + [ppm]


def test_unreadable_files_fail_clearly(tmp_path: Path) -> None:
    for path in _unreadable_files(tmp_path):
        with pytest.raises(UserError) as err:
            decode_upload(path, max_pixels=MAX)
        assert (err.value.code, err.value.values["name"]) == ("unreadable", path.name)
    with pytest.raises(UserError) as err:
        decode_upload(b"GIF89a", max_pixels=MAX)
    assert (err.value.code, err.value.values["name"]) == ("unreadable", "the upload")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but holds no pixels: only decoding would notice."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [3000, 20000])  # above our limit; then above Pillow's decompression-bomb limit too
def test_too_large_images_are_refused_from_the_header(side: int) -> None:
    start = time.perf_counter()
    with pytest.raises(UserError) as err:
        decode_upload(_png_header_only(side, side), max_pixels=MAX)
    assert time.perf_counter() - start < 0.5
    assert err.value.code == "too_large" and err.value.values["limit"] == MAX
    # Pillow's own decompression-bomb limit stops the larger one as it opens: reported as over our limit
    assert err.value.values["size"] == {3000: "3000 × 3000", 20000: "> 2048 × 2048"}[side]


def test_max_pixels_is_exact(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (10, 20)), tmp_path / "x.png")
    assert decode_upload(path, max_pixels=200).size == (10, 20)
    with pytest.raises(UserError) as err:
        decode_upload(path, max_pixels=199)
    assert err.value.values["size"] == "10 × 20" and err.value.values["pixels"] == 200


# --- metrics ------------------------------------------------------------------------------------------------------


def test_identical_images_score_inf_and_one() -> None:
    image = _photo(32, 32)
    assert metrics.psnr(image, image, border=4) == float("inf")
    assert metrics.ssim(image, image, border=4) == pytest.approx(1.0)


def test_psnr_of_a_uniform_grey_offset() -> None:
    a, b = np.zeros((20, 20, 3), np.uint8), np.full((20, 20, 3), 10, np.uint8)
    luma_step = 10 * (65.481 + 128.553 + 24.966) / 255  # BT.601: grey 10 moves Y by 10 * 219 / 255
    assert metrics.psnr(a, b, border=4) == pytest.approx(20 * np.log10(255 / luma_step))
    assert metrics.psnr(torch.from_numpy(a).permute(2, 0, 1), torch.from_numpy(b).permute(2, 0, 1), border=4) == (
        metrics.psnr(a, b, border=4)
    )


def test_metrics_match_scikit_image() -> None:
    skm = pytest.importorskip("skimage.metrics")
    clean = _photo(64, 48)
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
    weights = np.array([65.481, 128.553, 24.966]) / 255

    def luma(x: np.ndarray) -> np.ndarray:
        return (16 + x.astype(np.float64) @ weights)[4:-4, 4:-4]

    expected_ssim = skm.structural_similarity(
        luma(clean), luma(noisy), gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert metrics.ssim(clean, noisy, border=4) == pytest.approx(expected_ssim, abs=1e-9)
    expected_psnr = skm.peak_signal_noise_ratio(luma(clean), luma(noisy), data_range=255)
    assert metrics.psnr(clean, noisy, border=4) == pytest.approx(expected_psnr, abs=1e-9)


def test_metrics_refuse_mismatched_sizes() -> None:
    with pytest.raises(ValueError, match="differ"):
        metrics.psnr(_photo(20, 20), _photo(20, 24), border=0)


# --- known_answer -------------------------------------------------------------------------------------------------


def test_known_answer_scores_model_and_bicubic(model: SRResNet) -> None:
    progress: list[float] = []
    result = ops.known_answer(model, _photo(70, 53), tile=8, progress=progress.append)
    assert result["original"].shape == result["bicubic"].shape == result["model"].shape == (68, 52, 3)
    assert result["lr"].shape == (17, 13, 3) and progress[-1] == 1.0
    for name in ("bicubic", "model"):
        assert np.isfinite(result["metrics"][name]["psnr"]) and 0 < result["metrics"][name]["ssim"] <= 1
    assert result["metrics"]["bicubic"]["psnr"] > 20  # a smooth image: bicubic gets close


def test_known_answer_of_an_untrained_model_is_bicubic() -> None:
    torch.manual_seed(0)
    at_init = SRResNet(scale=4, channels=4, num_blocks=1).eval()  # zero tail: output = its bicubic skip
    scores = ops.known_answer(at_init, _photo(64, 64))["metrics"]
    assert scores["model"]["psnr"] == pytest.approx(scores["bicubic"]["psnr"], abs=0.01)


def test_known_answer_checks_scale_and_size(model: SRResNet) -> None:
    with pytest.raises(ValueError, match="x4"):
        ops.known_answer(model, _photo(64, 64), scale=2)
    with pytest.raises(UserError) as err:
        ops.known_answer(model, _photo(12, 64))
    assert err.value.code == "too_small_known" and err.value.values["side"] == 20


def test_decoded_image_round_trip(model: SRResNet) -> None:
    decoded = DecodedImage(_photo(9, 7), None, False)
    out = ops.super_resolve_image(model, decoded, tile=4)
    assert out.mode == "RGB" and out.size == (28, 36)
