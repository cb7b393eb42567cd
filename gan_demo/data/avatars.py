"""Cartoon avatars (Avataaars, drawn by python_avatars and rasterised by resvg) with their sketches.

A seed fully determines an avatar: numpy's generator picks every attribute uniformly, so
`prepare_avatars` can rebuild any dataset from a seed range, and labels are the indices into
`ATTRIBUTES`. The renderer is a training extra: this module imports without it, so a trained
model's labels and `load_avatars` work where python_avatars is not installed.
"""

from __future__ import annotations

import functools
import io
import json
import os
import time
from dataclasses import dataclass
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch

from .sketch import SKETCH_VERSION, drawing_from_avatar

# Spelled out here, not read from the library's enums, so label indices stay put when a new
# python_avatars version adds parts. Names are the library's enum names in lower case, except where noted.
ATTRIBUTES: dict[str, list[str]] = {
    "background_color": ["blue", "black", "white"],  # the library calls its blue DEFAULT
    "skin_color": ["tanned", "yellow", "pale", "light", "brown", "dark_brown", "black"],
    # HairType then HatType; HairType's HAT (a black hat over coloured hair) is "hat_over_hair".
    "top": [
        "none", "big_hair", "bob", "bun", "caesar_side_part", "caesar", "curly", "curvy", "dreads", "frida", "frizzle",
        "fro_band", "fro", "long_not_too_long", "mia_wallace", "shaggy_mullet", "shaggy", "shaved_sides", "short_curly",
        "short_dreads_1", "short_dreads_2", "short_flat", "short_round", "short_waved", "sides", "straight_1",
        "straight_2", "straight_strand", "astronaut", "braids", "bride", "buzzcut", "cornrows", "curly_2", "dreadlocks",
        "einstein_hair", "elvis", "evil_spike", "half_shaved", "hat_over_hair", "long_hair_curly", "loose_hair",
        "mohawk", "mowgli", "pixie", "pompadour", "quiff", "twist_long_hair", "twist_long_hair_2", "wick", "wild",
        "hat", "hijab", "turban", "winter_hat_1", "winter_hat_2", "winter_hat_3", "winter_hat_4", "chef_cap", "jedi",
        "gladiator_helmet"
    ],
    "hair_color": [
        "auburn", "black", "blonde", "blonde_golden", "brown", "brown_dark", "pastel_pink", "platinum", "red",
        "silver_gray"
    ],
    "hat_color": [
        "black", "blue_01", "blue_02", "blue_03", "gray_01", "gray_02", "heather", "pastel_blue", "pastel_green",
        "pastel_orange", "pastel_yellow", "pink", "red", "white"
    ],
    "eyebrows": [
        "none", "angry_natural", "angry", "default_natural", "default", "flat_natural", "frown_natural",
        "raised_excited_natural", "raised_excited", "sad_concerned_natural", "sad_concerned", "unibrow_natural",
        "up_down_natural", "up_down"
    ],
    "eyes": [
        "closed", "cry", "default", "eye_roll", "happy", "heart", "side", "squint", "surprised", "wink_wacky", "wink",
        "x_dizzy"
    ],
    "nose": ["default", "small", "wide"],
    "mouth": [
        "concerned", "default", "disbelief", "eating", "grimace", "sad", "scream_open", "serious", "smile", "tongue",
        "twinkle", "vomit", "big_smile"
    ],
    "facial_hair": [
        "none", "beard_light", "beard_magestic", "beard_medium", "moustache_fancy", "moustache_magnum",
        "einstein_moustache", "wick_beard"
    ],
    "facial_hair_color": [
        "auburn", "black", "blonde", "blonde_golden", "brown", "brown_dark", "pastel_pink", "platinum", "red",
        "silver_gray"
    ],
    "accessory": [
        "none", "eyepatch", "kurt", "prescription_1", "prescription_2", "round", "sunglasses", "wayfarers",
        "sunglasses_2", "wayfarers_2"
    ],
    "clothing": [
        "none", "blazer_shirt", "blazer_sweater", "collar_sweater", "graphic_shirt", "hoodie", "overall",
        "shirt_crew_neck", "shirt_scoop_neck", "shirt_v_neck", "astronaut_suit", "bond_suit", "chef", "gladiator",
        "jedi_robe", "shirt_wick"
    ],
    "clothing_color": [
        "black", "blue_01", "blue_02", "blue_03", "gray_01", "gray_02", "heather", "pastel_blue", "pastel_green",
        "pastel_orange", "pastel_yellow", "pink", "red", "white"
    ],
    # Shown only on a graphic_shirt. CUSTOM_TEXT is left out: text would depend on the machine's fonts.
    "shirt_graphic": [
        "none", "bat", "bear", "cumbia", "deer", "diamond", "hola", "pizza", "resist", "selena", "skull_outline",
        "skull"
    ],
}  # fmt: skip
# The library's canvas is 264 x 280 with the body cut off at the bottom edge; widening it to a
# 280 x 280 square (8 px each side) keeps every face at the same place and scale.
_SVG_HEADER = 'width="264px" height="280px" viewBox="0 0 264 280"'
_SQUARE_VIEWBOX = "-8 0 280 280"
LICENCE = (
    "Avataaars artwork by Pablo Stanley (https://avataaars.com: free for personal and commercial use; "
    "some parts from https://blush.design), rendered with python_avatars (MIT) and resvg_py (MIT; resvg "
    "Apache-2.0/MIT)."
)


@functools.cache
def _library_options() -> dict[str, list]:
    """ATTRIBUTES with each name replaced by the python_avatars enum member it stands for."""
    import python_avatars as pa

    enums = {
        "background_color": [pa.BackgroundColor], "skin_color": [pa.SkinColor], "top": [pa.HairType, pa.HatType],
        "hair_color": [pa.HairColor], "hat_color": [pa.ClothingColor], "eyebrows": [pa.EyebrowType],
        "eyes": [pa.EyeType], "nose": [pa.NoseType], "mouth": [pa.MouthType], "facial_hair": [pa.FacialHairType],
        "facial_hair_color": [pa.HairColor], "accessory": [pa.AccessoryType], "clothing": [pa.ClothingType],
        "clothing_color": [pa.ClothingColor], "shirt_graphic": [pa.ClothingGraphic],
    }  # fmt: skip
    lookup = {name: {k.lower(): m for e in es for k, m in e.__members__.items()} for name, es in enums.items()}
    lookup["background_color"]["blue"] = pa.BackgroundColor.DEFAULT
    lookup["top"]["hat_over_hair"] = pa.HairType.HAT  # "hat" is HatType's HAT, which came later
    missing = [f"{name} {v!r}" for name, values in ATTRIBUTES.items() for v in values if v not in lookup[name]]
    if missing:
        raise RuntimeError(f"python_avatars {pa.__version__} lacks {', '.join(missing)}")
    return {name: [lookup[name][value] for value in values] for name, values in ATTRIBUTES.items()}


def avatar_svg(attributes: dict[str, int]) -> str:
    """SVG text of the avatar with these attribute indices, on a square canvas without background."""
    import python_avatars as pa

    chosen = {name: _library_options()[name][index] for name, index in attributes.items()}
    svg = pa.Avatar(style=pa.AvatarStyle.TRANSPARENT, shirt_text="", **chosen).render()
    if _SVG_HEADER not in svg:
        raise RuntimeError("python_avatars' SVG template changed: update _SVG_HEADER in gan_demo/data/avatars.py")
    return svg.replace(_SVG_HEADER, f'width="280" height="280" viewBox="{_SQUARE_VIEWBOX}"', 1)


def random_attributes(seed: int) -> dict[str, int]:
    """Each attribute drawn uniformly, in ATTRIBUTES order, from numpy's generator for `seed`."""
    rng = np.random.default_rng(seed)
    return {name: int(rng.integers(len(values))) for name, values in ATTRIBUTES.items()}


def render_avatar(seed: int, size: int = 128) -> tuple[np.ndarray, dict[str, int]]:
    """The avatar for `seed` as a (size, size, 3) uint8 RGB array on its background colour, and its labels."""
    image, _, attributes = _render(seed, size)
    return image, attributes


def _render(seed: int, size: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """render_avatar plus the figure's (size, size) uint8 coverage (alpha), which outlines it on any background."""
    attributes = random_attributes(seed)
    image, alpha = render_attributes(attributes, size)
    return image, alpha, attributes


def render_attributes(attributes: dict[str, int], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The avatar with these attribute indices: (size, size, 3) uint8 RGB on its background, and its alpha."""
    import resvg_py
    from PIL import Image

    # Fonts are never needed (no text parts), so skip the system's: the pixels then depend on nothing local.
    png = resvg_py.svg_to_bytes(svg_string=avatar_svg(attributes), width=size, height=size, skip_system_fonts=True)
    with Image.open(io.BytesIO(bytes(png))) as img:
        figure = img.convert("RGBA")
    background = str(_library_options()["background_color"][attributes["background_color"]].value)
    image = Image.alpha_composite(Image.new("RGBA", figure.size, background), figure).convert("RGB")
    return np.asarray(image), np.asarray(figure)[..., 3]


def _render_chunk(job: tuple[range, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seeds, size = job
    images = np.empty((len(seeds), size, size, 3), np.uint8)
    sketches = np.empty((len(seeds), size, size), np.uint8)
    labels = np.empty((len(seeds), len(ATTRIBUTES)), np.int16)
    for i, seed in enumerate(seeds):
        images[i], silhouette, attributes = _render(seed, size)
        labels[i] = list(attributes.values())
        # Its own generator per avatar, so a sketch does not depend on chunking or worker count. The
        # silhouette keeps the outline where clothes or hair have the background's colour.
        sketches[i] = drawing_from_avatar(images[i], np.random.default_rng(seed), silhouette=silhouette)
    return images, sketches, labels


def _worker_init() -> None:
    torch.set_num_threads(1)  # the workers are the parallelism


def _dataset_meta(first_seed: int, count: int, size: int) -> dict:
    return {
        "seeds": [first_seed, first_seed + count],
        "size": size,
        "attributes": ATTRIBUTES,
        "python_avatars_version": version("python_avatars"),
        "resvg_py_version": version("resvg_py"),
        "sketch_version": SKETCH_VERSION,
        "licence": LICENCE,
    }


def prepare_avatars(out: str | Path, *, first_seed: int, count: int, size: int = 128, workers: int = 1) -> Path:
    """Render avatars for seeds [first_seed, first_seed + count) with their sketches into `out`.

    Writes images.npy (N, size, size, 3) uint8, sketches.npy (N, size, size) uint8,
    attributes.npy (N, len(ATTRIBUTES)) int16 and dataset.json. Does nothing when `out` already
    holds this exact dataset. dataset.json is written last, so its presence marks a complete set.
    """
    if count < 1 or size < 8 or workers < 1:
        raise ValueError(f"need count >= 1, size >= 8 and workers >= 1, got {count=}, {size=}, {workers=}")
    out = Path(out)
    meta = _dataset_meta(first_seed, count, size)
    meta_path = out / "dataset.json"
    files = {"images": (count, size, size, 3), "sketches": (count, size, size), "attributes": (count, len(ATTRIBUTES))}
    complete = meta_path.exists() and all((out / f"{name}.npy").exists() for name in files)
    if complete and json.loads(meta_path.read_text()) == meta:
        print(f"{out}: already prepared ({count} avatars at {size} px)")
        return out
    out.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    # Memory-mapped temporary files: a 30k-avatar set need not fit in memory.
    dtypes = {"images": np.uint8, "sketches": np.uint8, "attributes": np.int16}
    arrays = {
        name: np.lib.format.open_memmap(out / f"{name}.tmp.npy", mode="w+", dtype=dtypes[name], shape=shape)
        for name, shape in files.items()
    }
    chunk = max(1, min(256, count // (8 * workers)))
    starts = range(first_seed, first_seed + count, chunk)
    jobs = [(range(s, min(s + chunk, first_seed + count)), size) for s in starts]
    start, done, reported = time.perf_counter(), 0, 0
    # spawn, not fork: a forked child of a process that has used torch's OpenMP threads can hang.
    pool = get_context("spawn").Pool(workers, initializer=_worker_init) if workers > 1 else None
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 128 px sketches gain nothing from threads, and lose 20x on a busy machine
    try:
        results = pool.imap(_render_chunk, jobs) if pool else map(_render_chunk, jobs)
        for (seeds, _), (images, sketches, labels) in zip(jobs, results, strict=True):
            i = seeds.start - first_seed
            arrays["images"][i : i + len(seeds)] = images
            arrays["sketches"][i : i + len(seeds)] = sketches
            arrays["attributes"][i : i + len(seeds)] = labels
            done += len(seeds)
            if done * 10 // count > reported or done == count:
                reported = done * 10 // count
                rate = done / (time.perf_counter() - start)
                print(f"{out}: {done}/{count} avatars ({rate:.0f}/s)", flush=True)
    finally:
        torch.set_num_threads(threads)
        if pool:
            pool.close()
            pool.join()
    for array in arrays.values():
        array.flush()
    arrays.clear()  # closes the memory maps
    for name in files:
        os.replace(out / f"{name}.tmp.npy", out / f"{name}.npy")
    tmp = out / "dataset.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(tmp, meta_path)
    return out


# Two CycleGAN domains that differ in hair colour only. The tops whose hair takes the hair colour over a
# visible area: no hats, no bald or shaved heads, nor the few hair types the library draws in a fixed colour
# (straight_2, shaved_sides) or almost hides (sides, mohawk, hat_over_hair, astronaut).
HAIR_DOMAINS = {"A": "black", "B": "blonde"}
HAIR_TOPS = [
    t for t in ATTRIBUTES["top"][: ATTRIBUTES["top"].index("hat")]
    if t not in ("none", "shaved_sides", "straight_2", "sides", "mohawk", "hat_over_hair", "astronaut")
]  # fmt: skip
# Each split's seeds start here (disjoint ranges, far above the 0-29999 the avatar classifier trained on).
HAIR_SPLIT_SEEDS = {"trainA": 2_000_000, "trainB": 3_000_000, "testA": 4_000_000, "testB": 5_000_000}


def hair_domain_attributes(seed: int, domain: str) -> dict[str, int]:
    """The avatar for `seed` in hair domain "A" or "B": random attributes, a top from HAIR_TOPS, the domain's
    hair colour. The same seed in the other domain is its counterpart: identical except for the hair colour."""
    if domain not in HAIR_DOMAINS:
        raise ValueError(f"domain must be one of {sorted(HAIR_DOMAINS)}, got {domain!r}")
    attributes = random_attributes(seed)
    top = HAIR_TOPS[int(np.random.default_rng([seed, 1]).integers(len(HAIR_TOPS)))]
    attributes["top"] = ATTRIBUTES["top"].index(top)
    attributes["hair_color"] = ATTRIBUTES["hair_color"].index(HAIR_DOMAINS[domain])
    return attributes


def prepare_hair_domains(out: str | Path, *, train_count: int, test_count: int, size: int = 64) -> Path:
    """Render the hair-colour domains as PNGs in CycleGAN's layout: trainA/ trainB/ testA/ testB/, each from
    its own seed range (HAIR_SPLIT_SEEDS), and testA_counterpart/ testB_counterpart/: each test avatar with
    the other hair colour, under the same file name (the ground truth; never used for training).

    Avatars are drawn at 128 px and resized to `size` as the avatar classifier's images were.
    dataset.json, written last, marks a complete folder; one that holds this exact request is left alone.
    """
    from PIL import Image

    from .paired import _resize

    if train_count < 1 or test_count < 1 or size < 8:
        raise ValueError(f"need train_count, test_count >= 1 and size >= 8, got {train_count=}, {test_count=}, {size=}")
    out = Path(out)
    counts = {"trainA": train_count, "trainB": train_count, "testA": test_count, "testB": test_count}
    meta = {
        "domains": {d: f"{colour} hair" for d, colour in HAIR_DOMAINS.items()},
        "splits": {split: [HAIR_SPLIT_SEEDS[split], HAIR_SPLIT_SEEDS[split] + n] for split, n in counts.items()},
        "counterparts": {"testA_counterpart": "testA in domain B", "testB_counterpart": "testB in domain A"},
        "size": size,
        "hair_tops": HAIR_TOPS,
        **{k: v for k, v in _dataset_meta(0, 0, size).items() if k.endswith("_version") or k == "licence"},
    }
    meta_path = out / "dataset.json"
    if meta_path.exists() and json.loads(meta_path.read_text()) == meta:
        print(f"{out}: already prepared")
        return out
    meta_path.unlink(missing_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start, done, total = time.perf_counter(), 0, sum(counts.values()) + 2 * test_count
    try:
        for split, (first, stop) in meta["splits"].items():
            domain = split[-1]
            other = "B" if domain == "A" else "A"
            jobs = [(split, domain)] + ([(f"{split}_counterpart", other)] if split.startswith("test") else [])
            for folder, hair in jobs:
                (out / folder).mkdir(parents=True, exist_ok=True)
                for seed in range(first, stop):
                    image, _ = render_attributes(hair_domain_attributes(seed, hair), 128)
                    small = _resize(torch.from_numpy(image.copy()).permute(2, 0, 1)[None], size)[0].permute(1, 2, 0)
                    Image.fromarray(small.numpy()).save(out / folder / f"{seed}.png")
                done += stop - first
                rate = done / (time.perf_counter() - start)
                print(f"{out}/{folder}: {stop - first} avatars ({done}/{total}, {rate:.0f}/s)", flush=True)
    finally:
        torch.set_num_threads(threads)
    tmp = out / "dataset.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(tmp, meta_path)
    return out


@dataclass
class AvatarDataset:
    images: torch.Tensor  # (N, 3, H, W) uint8
    sketches: torch.Tensor  # (N, 1, H, W) uint8, black lines (0) on white (255)
    attributes: torch.Tensor  # (N, len(ATTRIBUTES)) int64 indices into meta["attributes"]
    seeds: range
    meta: dict

    def __len__(self) -> int:
        return len(self.images)


def load_avatars(root: str | Path) -> AvatarDataset:
    """A folder written by `prepare_avatars`, as in-memory uint8 tensors."""
    root = Path(root)
    meta_path = root / "dataset.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"{meta_path} not found: prepare it with scripts/prepare_avatars.py --out {root}")
    meta = json.loads(meta_path.read_text())

    def load(name: str, *axes: int) -> torch.Tensor:
        # Memory-mapped, then one copy straight into the (transposed) layout the tensors use.
        array = np.load(root / f"{name}.npy", mmap_mode="r")
        return torch.from_numpy(np.array(array.transpose(axes) if axes else array, order="C"))

    return AvatarDataset(
        images=load("images", 0, 3, 1, 2),  # (N, H, W, 3) -> (N, 3, H, W)
        sketches=load("sketches")[:, None],  # (N, H, W) -> (N, 1, H, W)
        attributes=load("attributes").long(),
        seeds=range(*meta["seeds"]),
        meta=meta,
    )
