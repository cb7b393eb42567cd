"""Photos for super-resolution: preparation and manifest, folders, the x4 degradation, the patch sampler."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_demo.data import to_model_range
from gan_demo.data.photos import (
    PhotoSource,
    SRPatchSampler,
    bicubic_downscale,
    default_sources,
    load_photos,
    load_sr_folder,
    package_version,
    prepare_photos,
    read_manifest,
)


def _noise_photo(path: Path, size: tuple[int, int], mode: str = "RGB", seed: int = 0) -> Path:
    """A smooth random image (noise upscaled), saved at `path`."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(small).resize(size, Image.BICUBIC).convert(mode).save(path)
    return path


@pytest.fixture
def fake_sources(tmp_path: Path) -> list[PhotoSource]:
    src = tmp_path / "src"
    src.mkdir()
    files = [
        _noise_photo(src / "meadow.jpg", (300, 201)),
        _noise_photo(src / "grey.png", (90, 130), mode="L", seed=1),
        _noise_photo(src / "flower.png", (64, 64), mode="RGBA", seed=2),
        src / "not_installed.jpg",
    ]
    return [PhotoSource(f, "fake-package", "apt", "CC0-1.0", "test") for f in files]


def test_bicubic_downscale_sizes_and_constants() -> None:
    hr = torch.rand(2, 3, 64, 48) * 2 - 1
    assert bicubic_downscale(hr, 4).shape == (2, 3, 16, 12)
    assert bicubic_downscale(hr[0], 4).shape == (3, 16, 12)
    grey = to_model_range(torch.full((1, 3, 32, 32), 100, dtype=torch.uint8))
    assert torch.equal(bicubic_downscale(grey, 4), grey[..., :8, :8])  # an 8-bit level stays exactly that level
    with pytest.raises(ValueError, match="multiples of the scale"):
        bicubic_downscale(torch.zeros(1, 3, 30, 32), 4)


def test_bicubic_downscale_is_the_standard_bicubic(tmp_path: Path) -> None:
    """Within one 8-bit level of PIL's antialiased bicubic (the one MATLAB's imresize also matches)."""
    img = Image.open(_noise_photo(tmp_path / "x.png", (64, 64)))
    ours = bicubic_downscale(torch.from_numpy(np.array(img)).permute(2, 0, 1).float() / 127.5 - 1, 4)
    ours = ((ours + 1) * 127.5).round().permute(1, 2, 0).numpy()
    pil = np.asarray(img.resize((16, 16), Image.BICUBIC), dtype=np.float64)
    assert np.abs(ours - pil).max() <= 1


def _photo(h: int, w: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def test_sampler_shapes_ranges_and_pairing() -> None:
    sampler = SRPatchSampler([_photo(60, 80), _photo(40, 40, 1)], hr_patch=32, generator=torch.Generator())
    lr, hr = sampler.sample(5)
    assert lr.shape == (5, 3, 8, 8) and hr.shape == (5, 3, 32, 32)
    assert lr.dtype == hr.dtype == torch.float32
    assert hr.min() >= -1 and hr.max() <= 1 and lr.min() >= -1 and lr.max() <= 1
    assert torch.equal(lr, bicubic_downscale(hr, 4))
    with pytest.raises(ValueError, match="multiple of scale"):
        SRPatchSampler([_photo(60, 80)], hr_patch=30)
    with pytest.raises(ValueError, match="smaller than hr_patch"):
        SRPatchSampler([_photo(20, 80)], hr_patch=32)


def test_sampler_augments_with_the_eight_symmetries_of_the_square() -> None:
    photo = _photo(16, 16)
    variants = []
    for k in range(4):
        rotated = torch.rot90(photo, k, dims=(1, 2))
        variants += [rotated, rotated.flip(-1)]
    _, hr = SRPatchSampler([photo], hr_patch=16).sample(64)
    seen = set()
    for patch in ((hr + 1) * 127.5).round().to(torch.uint8):
        matches = [i for i, v in enumerate(variants) if torch.equal(patch, v)]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) == 8


def test_sampler_draws_photos_by_area() -> None:
    black, white = torch.zeros(3, 32, 32, dtype=torch.uint8), torch.full((3, 64, 64), 255, dtype=torch.uint8)
    _, hr = SRPatchSampler([black, white], hr_patch=8).sample(2000)
    assert abs((hr[:, 0, 0, 0] > 0).float().mean().item() - 0.8) < 0.04  # 4x the area -> 4/5 of the patches


def test_sampler_is_deterministic_and_resumes_exactly() -> None:
    photos = [_photo(60, 80), _photo(50, 50, 1)]
    a = SRPatchSampler(photos, hr_patch=16, generator=torch.Generator().manual_seed(3))
    b = SRPatchSampler(photos, hr_patch=16, generator=torch.Generator().manual_seed(3))
    c = SRPatchSampler(photos, hr_patch=16, generator=torch.Generator().manual_seed(4))
    first = a.sample(8)
    assert torch.equal(first[1], b.sample(8)[1]) and not torch.equal(first[1], c.sample(8)[1])
    assert torch.equal(first[1], SRPatchSampler(photos, hr_patch=16, seed=3).sample(8)[1])

    state = {k: v.clone() for k, v in a.state_dict().items()}
    expected = a.sample(8)
    resumed = SRPatchSampler(photos, hr_patch=16, generator=torch.Generator())
    resumed.load_state_dict(state)
    got = resumed.sample(8)
    assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])


def test_prepare_photos_writes_manifest_and_keeps_eval_out_of_train(
    tmp_path: Path, fake_sources: list[PhotoSource]
) -> None:
    out = tmp_path / "photos"
    with pytest.warns(UserWarning, match="skipping 1 photos not installed"):
        prepare_photos(out, max_side=128, eval_count=1, sources=fake_sources, eval_names=("nope", "grey", "meadow"))
    manifest = read_manifest(out)
    by_name = {Path(p["file"]).stem: p for p in manifest["photos"]}
    assert sorted(by_name) == ["flower", "grey", "meadow"] and manifest["max_side"] == 128
    assert by_name["grey"]["split"] == "eval" and (out / "eval/grey.png").exists()
    assert not (out / "train/grey.png").exists()
    meadow = by_name["meadow"]
    assert meadow["source_size"] == [300, 201] and meadow["size"] == [128, 84]  # 128 x 85.8 -> multiple of 4
    assert meadow["source_sha256"] == hashlib.sha256(fake_sources[0].path.read_bytes()).hexdigest()
    assert meadow["licence"] == "CC0-1.0" and meadow["package"] == "fake-package" and meadow["version"] == "unknown"

    train, held_out = load_photos(out, "train"), load_photos(out, "eval")
    assert [tuple(t.shape) for t in held_out] == [(3, 128, 88)]  # 88.6 x 128, trimmed to 88
    assert len(train) == 2 and all(t.dtype == torch.uint8 and t.shape[0] == 3 for t in train)
    assert not any(t.shape == held_out[0].shape and torch.equal(t, held_out[0]) for t in train)
    assert len(load_sr_folder(out)) == 2  # a prepared folder gives its train split only


def test_prepare_photos_is_idempotent_and_follows_changes(tmp_path: Path, fake_sources: list[PhotoSource]) -> None:
    out, present = tmp_path / "photos", fake_sources[:3]
    prepare_photos(out, max_side=128, eval_count=1, sources=present, eval_names=("grey",))
    stamp = (out / "manifest.json").stat().st_mtime_ns, (out / "train/meadow.png").stat().st_mtime_ns
    prepare_photos(out, max_side=128, eval_count=1, sources=present, eval_names=("grey",))
    assert ((out / "manifest.json").stat().st_mtime_ns, (out / "train/meadow.png").stat().st_mtime_ns) == stamp

    prepare_photos(out, max_side=128, eval_count=1, sources=present, eval_names=("meadow",))
    assert (out / "eval/meadow.png").exists() and not (out / "train/meadow.png").exists()
    assert (out / "train/grey.png").exists() and not (out / "eval/grey.png").exists()  # stale copies removed
    assert {p["file"] for p in json.loads((out / "manifest.json").read_text())["photos"]} == {
        "eval/meadow.png", "train/grey.png", "train/flower.png",
    }  # fmt: skip


def test_prepare_photos_without_sources_says_what_to_install(tmp_path: Path) -> None:
    missing = [PhotoSource(tmp_path / "gone.jpg", "mate-backgrounds", "apt", "GPL-2+", "")]
    with pytest.raises(FileNotFoundError, match="apt-get install lomiri-wallpapers-16.04"):
        prepare_photos(tmp_path / "out", sources=missing)
    with pytest.raises(FileNotFoundError, match="prepare_photos.py"):
        load_photos(tmp_path / "out")


def test_load_sr_folder_recurses_and_skips_broken_files(tmp_path: Path) -> None:
    (tmp_path / "a/b").mkdir(parents=True)
    _noise_photo(tmp_path / "a/one.jpg", (200, 100))
    _noise_photo(tmp_path / "a/b/two.png", (40, 30), mode="L")
    (tmp_path / "a/b/broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.warns(UserWarning, match="broken.jpg"):
        photos = load_sr_folder(tmp_path / "a", max_side=64)
    assert [tuple(p.shape) for p in photos] == [(3, 28, 40), (3, 32, 64)]  # b/two.png, then one.jpg
    assert torch.equal(photos[0][0], photos[0][2])  # grey becomes RGB
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no readable images"):
        load_sr_folder(tmp_path / "empty")


@pytest.mark.skipif(not Path("/usr/share/backgrounds").is_dir(), reason="no wallpaper packages installed")
def test_curated_wallpapers_exist_where_their_packages_are_installed(tmp_path: Path) -> None:
    wallpapers = [s for s in default_sources() if s.manager == "apt"]
    installed = [s for s in wallpapers if package_version(s.package, "apt") != "unknown"]
    assert all(s.path.is_file() for s in installed), [str(s.path) for s in installed if not s.path.is_file()]
    if not installed:
        pytest.skip("none of the wallpaper packages is installed")
    prepare_photos(tmp_path, max_side=64, eval_count=1, sources=installed[:2], eval_names=[installed[0].name])
    photos = read_manifest(tmp_path)["photos"]
    assert [p["split"] for p in photos] == ["eval", "train"] and all(max(p["size"]) <= 64 for p in photos)
    assert photos[0]["version"] != "unknown" and photos[0]["licence"]
