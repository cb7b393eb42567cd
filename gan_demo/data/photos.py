"""Real photographs for x4 super-resolution, gathered offline from installed packages.

Debian's wallpaper packages and the sample images in the scikit-image and scikit-learn wheels hold a
few dozen freely licensed photographs. `prepare_photos` copies them, downscaled, into
`<out>/train` and `<out>/eval` with a manifest of where each came from and under which licence;
`SRPatchSampler` then cuts random (LR, HR) training pairs from the train split, making each LR
patch with `bicubic_downscale`, the same function that evaluation and the app use for "known answer" inputs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from ..imaging import normalize_image
from . import IMAGE_SUFFIXES, to_model_range

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
SPLITS = ("train", "eval")
# Stored sides are cut down to a multiple of this, so a whole eval photo downscales x4 (or x2) exactly.
SIZE_MULTIPLE = 4
APT_PACKAGES = ("lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "mate-backgrounds")
PIP_PACKAGES = ("scikit-image", "scikit-learn")


@dataclass(frozen=True)
class PhotoSource:
    path: Path  # the file as installed
    package: str  # the Debian package, or the pip distribution
    manager: str  # "apt" or "pip"
    licence: str  # SPDX identifier where there is one
    credit: str  # photographer and year, as the package's copyright notes give them

    @property
    def name(self) -> str:
        return self.path.stem


# (file, licence, credit) per package, from /usr/share/doc/<package>/copyright. Only photographs:
# the illustrations and gradients beside them would teach the generator flat colours and hard vector edges.
_LOMIRI_16 = [
    ("Bridge_by_Sander_Klootwijk.jpg", "CC-BY-SA-4.0", "Sander Klootwijk, 2018"),
    ("Dragonfly_by_Bolly.jpg", "CC-BY-SA-4.0", '"Bolly", 2018'),
    ("Picture_0B_by_freespace.jpg", "CC-BY-4.0", 'Trevor "Freespace", 2018'),
    ("Picture_1A_by_freespace.jpg", "CC-BY-4.0", 'Trevor "Freespace", 2018'),
    ("Wine_by_Jakkub_Mede.jpg", "CC-BY-4.0", "Jakub Mede, 2018"),
    ("aitzgorri_by_Aitzol_Berasategi.jpg", "CC-BY-4.0", "Aitzol Berasategi, 2018"),
    ("analogpattern_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0", "Peter Nerlich, 2018"),
    ("free_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0", "Peter Nerlich, 2018"),
    ("friends_by_Aitzol_Berasategi.jpg", "CC-BY-4.0", "Aitzol Berasategi, 2018"),
    ("greentock_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0", "Peter Nerlich, 2018"),
    ("life_by_Aitzol_Berasategi.jpg", "CC-BY-4.0", "Aitzol Berasategi, 2018"),
    ("picosdeeuropa_by_Aitzol_Berasategi.jpg", "CC-BY-4.0", "Aitzol Berasategi, 2018"),
    ("seeding_by_Clements_Engelhardt.jpg", "CC0-1.0", "Clemens Engelhardt, 2018"),
    ("sunset_by_Aitzol_Berasategi.jpg", "CC-BY-4.0", "Aitzol Berasategi, 2018"),
]
# Infinite-Sea_by_Aury88.jpg is left out: a pasted Milky Way under a polygon-gradient overlay with a
# synthetic reflection, soft at full size (upscaled), so not a clean high-resolution target.
_LOMIRI_20 = [("Kleiber_by_Lukas_Baubkus.jpg", "CC-BY-SA-3.0", "Lukas Baubkus, 2021")]
_MATE_NATURE = [
    ("Aqua.jpg", "GPL-2+", "Charles Barbin, 2008"),
    ("Blinds.jpg", "GPL-2+", "Lennart Poettering, Andrea Cimitan, 2008"),
    ("Dune.jpg", "GPL-2+", "Marco Cogoni, 2007; Hylke Bons, 2008"),
    ("FreshFlower.jpg", "GPL-2+", "Jens Ansorg, 2005"),
    ("Garden.jpg", "GPL-2+", "Charles Barbin, 2008"),
    ("GreenMeadow.jpg", "GPL-2+", "Timothy Schellhase, 2005; Lapo Calamandrei, 2008"),
    ("LadyBird.jpg", "GPL-2+", "Charles Barbin, 2008"),
    ("RainDrops.jpg", "GPL-2+", '"blackcombwhistler07", 2008'),
    ("Storm.jpg", "GPL-2+", "Sergey Nazarov, 2008"),
    ("TwoWings.jpg", "GPL-2+", "Charles Barbin, Hylke Bons, 2008"),
    ("Wood.jpg", "GPL-2+", "Jean-François Fortin Tam, 2008"),
    ("YellowFlower.jpg", "GPL-2+", "Charles Barbin, 2008"),
]
# skimage/data/README.txt gives no licences: these come from the docstrings of skimage.data's functions.
# Left out: moon (no licence stated), hubble_deep_field (black sky and sensor noise), clock (motion-blurred
# on purpose), retina/cell/ihc (medical and microscopy), motorcycle_right (the left view shifted by a baseline).
_SKIMAGE = [
    ("astronaut.png", "public domain", "NASA (Eileen Collins)"),
    ("coffee.png", "CC0-1.0", "Rachel Michetti"),
    ("chelsea.png", "CC0-1.0", "Stefan van der Walt"),
    ("rocket.jpg", "public domain", "SpaceX"),
    ("motorcycle_left.png", "unspecified", "Middlebury 2014 stereo dataset (Scharstein et al.)"),
    ("camera.png", "CC0-1.0", "Lav Varshney"),
    ("coins.png", "no known copyright restrictions", "Brooklyn Museum"),
    ("grass.png", "CC0-1.0", "linolafett (DeviantArt)"),
    ("gravel.png", "CC0-1.0", "CC0Textures"),
    ("brick.png", "CC0-1.0", "CC0Textures"),
]
# sklearn/datasets/images/README.txt; its note for flower.jpg names danielbuechele but links to vultilion.
_SKLEARN = [
    ("china.jpg", "CC-BY-2.0", "danielbuechele (Flickr)"),
    ("flower.jpg", "CC-BY-2.0", "vultilion (Flickr)"),
]

# The fixed evaluation photos, most wanted first: a landscape, a flower close-up, an animal, a man-made
# object with fine detail, a face, and a grey photograph; then stand-ins for when packages are missing.
EVAL_PHOTOS = (
    "picosdeeuropa_by_Aitzol_Berasategi",
    "YellowFlower",
    "chelsea",
    "Picture_1A_by_freespace",
    "astronaut",
    "camera",
    "coffee",
    "LadyBird",
    "china",
    "sunset_by_Aitzol_Berasategi",
)


def _package_dir(module: str, folder: str) -> Path:
    """`folder` inside an installed pip package, found without importing the package."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return Path(f"<{module} not installed>") / folder
    return Path(spec.submodule_search_locations[0]) / folder


def default_sources() -> list[PhotoSource]:
    """The curated photographs, wherever their packages put them (those not installed included)."""
    groups = [
        ("lomiri-wallpapers-16.04", "apt", Path("/usr/share/backgrounds"), _LOMIRI_16),
        ("lomiri-wallpapers-20.04", "apt", Path("/usr/share/backgrounds"), _LOMIRI_20),
        ("mate-backgrounds", "apt", Path("/usr/share/backgrounds/mate/nature"), _MATE_NATURE),
        ("scikit-image", "pip", _package_dir("skimage", "data"), _SKIMAGE),
        ("scikit-learn", "pip", _package_dir("sklearn", "datasets/images"), _SKLEARN),
    ]
    return [
        PhotoSource(folder / file, package, manager, licence, credit)
        for package, manager, folder, files in groups
        for file, licence, credit in files
    ]


@cache
def package_version(package: str, manager: str) -> str:
    if manager == "pip":
        try:
            return version(package)
        except PackageNotFoundError:
            return "unknown"
    try:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    except OSError:  # not a Debian system
        return "unknown"
    return result.stdout.strip() or "unknown"


def downscale_photo(img: Image.Image, max_side: int) -> Image.Image:
    """Lanczos-shrink so the longest side is at most `max_side`, then trim to multiples of SIZE_MULTIPLE."""
    if max(img.size) > max_side:
        ratio = max_side / max(img.size)
        img = img.resize((max(1, round(img.width * ratio)), max(1, round(img.height * ratio))), Image.LANCZOS)
    w, h = img.width // SIZE_MULTIPLE * SIZE_MULTIPLE, img.height // SIZE_MULTIPLE * SIZE_MULTIPLE
    return img.crop((0, 0, w, h)) if (w, h) != img.size else img


def read_manifest(root: str | Path) -> dict:
    """The manifest written by `prepare_photos`.

    {"format", "max_side", "resample", "photos": [{"file", "split", "source", "source_sha256", "package",
    "manager", "version", "licence", "credit", "source_size", "size"}]}, sizes as [width, height].
    """
    path = Path(root) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"no {MANIFEST} in {root}: run scripts/prepare_photos.py --out {root}")
    return json.loads(path.read_text())


def _matches(out: Path, max_side: int, wanted: list[dict]) -> bool:
    try:
        manifest = read_manifest(out)
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    keys = wanted[0].keys() if wanted else ()  # everything known before decoding: sources, splits, licences
    have = [{k: p.get(k) for k in keys} for p in manifest.get("photos", [])]
    return (
        manifest.get("format") == MANIFEST_FORMAT
        and manifest.get("max_side") == max_side
        and have == [{k: p[k] for k in keys} for p in wanted]
        and all((out / p["file"]).exists() for p in wanted)
    )


def prepare_photos(
    out: str | Path,
    *,
    max_side: int = 1200,
    eval_count: int = 6,
    sources: Sequence[PhotoSource] | None = None,
    eval_names: Sequence[str] = EVAL_PHOTOS,
) -> Path:
    """Copy the available photos into `out/train` and `out/eval` as PNG, with `out/manifest.json`.

    The default 1200 px longest side shrinks most wallpaper JPEGs (2.5-6K) 2-5x, which averages away
    their JPEG blocking and demosaicing softness so the HR targets are clean (the common practice behind
    DIV2K-like sets), yet leaves each photo ~60 distinct 128 px patches and the set under 100 MB in memory.
    The eval split is the first `eval_count` of `eval_names` that are available; it never enters training.
    Nothing is rewritten when the manifest already lists the same sources, splits and size.
    """
    if max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels, got {max_side}")
    out = Path(out)
    sources = default_sources() if sources is None else list(sources)
    present = [s for s in sources if s.path.is_file()]
    if not present:
        raise FileNotFoundError(
            "none of the photographs were found: install them with "
            f"`apt-get install {' '.join(APT_PACKAGES)}` and/or `pip install {' '.join(PIP_PACKAGES)}`"
        )
    if missing := [s for s in sources if not s.path.is_file()]:
        packages = sorted({s.package for s in missing})
        warnings.warn(f"skipping {len(missing)} photos not installed (from {', '.join(packages)})", stacklevel=2)
    names = [s.name for s in present]
    if len(set(names)) != len(names):
        raise ValueError(f"two sources share a file name: {sorted(n for n in names if names.count(n) > 1)}")
    eval_set = [n for n in eval_names if n in names][:eval_count]

    # Hash every source first: that is all the idempotency check needs, and it is fast.
    raw = {s.name: s.path.read_bytes() for s in present}
    entries = []
    for s in present:
        split = "eval" if s.name in eval_set else "train"
        entries.append({
            "file": f"{split}/{s.name}.png", "split": split, "source": str(s.path),
            "source_sha256": hashlib.sha256(raw[s.name]).hexdigest(), "package": s.package, "manager": s.manager,
            "version": package_version(s.package, s.manager), "licence": s.licence, "credit": s.credit,
        })  # fmt: skip
    if _matches(out, max_side, entries):
        return out

    (out / MANIFEST).unlink(missing_ok=True)  # a run killed half-way must not look complete
    kept = []
    for s, entry in zip(present, entries, strict=True):
        try:
            with Image.open(io.BytesIO(raw[s.name])) as img:
                photo = normalize_image(img, "RGB")
                source_size = list(photo.size)
                photo = downscale_photo(photo, max_side)
        except (OSError, UnidentifiedImageError, ValueError) as err:  # truncated or not an image after all
            warnings.warn(f"skipping {s.path}: {err}", stacklevel=2)
            continue
        (out / entry["split"]).mkdir(parents=True, exist_ok=True)
        photo.save(out / entry["file"])
        kept.append({**entry, "source_size": source_size, "size": list(photo.size)})
    if not any(e["split"] == "train" for e in kept):
        raise ValueError(f"all {len(kept)} readable photos are in the eval split: lower eval_count")
    # Drop PNGs of an earlier run that this one no longer lists (another max_side, a package removed).
    listed = {e["file"] for e in kept}
    for split in SPLITS:
        for stale in (out / split).glob("*.png"):
            if f"{split}/{stale.name}" not in listed:
                stale.unlink()
    manifest = {"format": MANIFEST_FORMAT, "max_side": max_side, "resample": "lanczos", "photos": kept}
    tmp = out / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    os.replace(tmp, out / MANIFEST)  # written last and atomically: a manifest means every file is complete
    return out


def _to_tensor(img: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).contiguous()  # (H, W, 3) -> (3, H, W)


def load_photos(root: str | Path, split: str = "train") -> list[torch.Tensor]:
    """The prepared photos of one split, each a (3, H, W) uint8 tensor, in manifest order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    root = Path(root)
    photos = []
    for entry in read_manifest(root)["photos"]:
        if entry["split"] == split:
            with Image.open(root / entry["file"]) as img:
                photos.append(_to_tensor(img.convert("RGB")))
    return photos


def load_sr_folder(root: str | Path, *, max_side: int | None = None) -> list[torch.Tensor]:
    """Every readable image under `root` (recursively) as (3, H, W) uint8, optionally Lanczos-shrunk.

    A folder made by `prepare_photos` gives its train split only, so its eval photos cannot leak into training.
    """
    root = Path(root)
    if (root / MANIFEST).exists():
        return load_photos(root, "train")
    photos = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            with Image.open(path) as img:
                img = normalize_image(img, "RGB")
        except (OSError, UnidentifiedImageError, ValueError) as err:  # truncated or not an image after all
            warnings.warn(f"skipping {path}: {err}", stacklevel=2)
            continue
        photos.append(_to_tensor(downscale_photo(img, max_side) if max_side else img))
    if not photos:
        raise FileNotFoundError(f"no readable images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {root}")
    return photos


def bicubic_downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, 3, H, W) or (3, H, W) in [-1, 1] -> the same at H/scale x W/scale: the x`scale` degradation.

    Antialiased bicubic (Keys a = -0.5, like PIL's and MATLAB's imresize that made DIV2K's LR images),
    clamped and rounded to the 256 levels of an 8-bit image, as a real low-resolution input would be.
    """
    h, w = hr.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(f"image sides must be multiples of the scale {scale}, got {h}x{w}")
    batched = hr if hr.dim() == 4 else hr.unsqueeze(0)
    lr = F.interpolate(
        batched.float(), size=(h // scale, w // scale), mode="bicubic", antialias=True, align_corners=False
    )
    lr = ((lr.clamp(-1, 1) + 1) * 127.5).round() / 127.5 - 1
    return lr if hr.dim() == 4 else lr.squeeze(0)


class SRPatchSampler:
    """Random (LR, HR) patch pairs from (3, H, W) uint8 photos, reproducible from its generator.

    Each pair: a photo drawn with probability proportional to its area, a uniformly placed `hr_patch`
    square crop, one of the 8 flips/90° rotations, and its LR made by `bicubic_downscale`.
    Randomness comes only from `generator` (else one seeded with `seed`), whose state `state_dict` holds.
    """

    def __init__(
        self,
        photos: Sequence[torch.Tensor],
        *,
        hr_patch: int = 128,
        scale: int = 4,
        generator: torch.Generator | None = None,
        seed: int = 0,
    ) -> None:
        if hr_patch % scale:
            raise ValueError(f"hr_patch ({hr_patch}) must be a multiple of scale ({scale})")
        if not photos:
            raise ValueError("SRPatchSampler needs at least one photo")
        if small := [tuple(p.shape[-2:]) for p in photos if min(p.shape[-2:]) < hr_patch]:
            raise ValueError(f"photos smaller than hr_patch={hr_patch}: {small}; use a smaller patch")
        self.photos = [p if p.shape[0] == 3 else p.expand(3, -1, -1) for p in photos]  # grey -> RGB
        self.hr_patch, self.scale = hr_patch, scale
        self.generator = generator if generator is not None else torch.Generator().manual_seed(seed)
        self.weights = torch.tensor([float(p.shape[-1] * p.shape[-2]) for p in self.photos])

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> lr (B, 3, P/scale, P/scale), hr (B, 3, P, P), both float in [-1, 1] on the CPU."""
        g, p = self.generator, self.hr_patch
        which = torch.multinomial(self.weights, batch_size, replacement=True, generator=g)
        u = torch.rand(batch_size, 2, generator=g)  # crop position as a fraction of the free room
        flips = torch.randint(0, 2, (batch_size, 3), generator=g)  # horizontal, vertical, transpose
        patches = []
        for i, k in enumerate(which.tolist()):
            photo = self.photos[k]
            top = int(u[i, 0] * (photo.shape[1] - p + 1))
            left = int(u[i, 1] * (photo.shape[2] - p + 1))
            patch = photo[:, top : top + p, left : left + p]
            if flips[i, 0]:
                patch = patch.flip(-1)
            if flips[i, 1]:
                patch = patch.flip(-2)
            if flips[i, 2]:  # with the flips, gives all 8 rotations and reflections of the square
                patch = patch.transpose(-1, -2)
            patches.append(patch)
        hr = to_model_range(torch.stack(patches))  # (B, 3, P, P)
        return bicubic_downscale(hr, self.scale), hr  # (B, 3, P/s, P/s), (B, 3, P, P)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.generator.set_state(state["generator"])


__all__ = [
    "EVAL_PHOTOS",
    "PhotoSource",
    "SRPatchSampler",
    "bicubic_downscale",
    "default_sources",
    "load_photos",
    "load_sr_folder",
    "prepare_photos",
    "read_manifest",
]
