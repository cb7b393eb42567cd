"""Two unpaired image domains for CycleGAN, in its layout: trainA/ trainB/ (and optionally testA/ testB/).

Any such folder works (horses and zebras, summer and winter, your own photos); the hair-colour
avatars made by `scripts/prepare_avatars.py --hair-domains` add testA_counterpart/ and
testB_counterpart/, each held-out avatar with the other hair colour under the same file name:
the ground truth of its translation, which real unpaired data never has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from . import load_image_folder

DEFAULT_HAIR_DOMAINS = Path("data/hair-64")


@dataclass
class UnpairedDataset:
    train_a: torch.Tensor  # (N_A, C, S, S) uint8
    train_b: torch.Tensor  # (N_B, C, S, S) uint8, unrelated to train_a
    test_a: torch.Tensor | None  # held-out images of each domain, when the folder has testA/ testB/
    test_b: torch.Tensor | None
    counterpart_a: torch.Tensor | None  # test_a[i] in domain B (rendered data only), else None
    counterpart_b: torch.Tensor | None
    domains: dict[str, str]  # {"A": "black hair", "B": "blonde hair"}, or {"A": "A", "B": "B"}
    name: str

    @property
    def channels(self) -> int:
        return self.train_a.shape[1]


def load_unpaired_folder(root: str | Path, image_size: int, channels: int = 3) -> UnpairedDataset:
    """trainA/ and trainB/ under `root` (testA/, testB/ and their *_counterpart/ folders if present), each image
    centre-cropped and resized to `image_size`; file names are matched between a test folder and its counterparts."""
    root = Path(root)
    missing = [name for name in ("trainA", "trainB") if not (root / name).is_dir()]
    if missing:
        raise FileNotFoundError(f"{root} needs the folders trainA/ and trainB/ (CycleGAN's layout); missing: {missing}")

    def folder(name: str) -> torch.Tensor | None:
        path = root / name
        return load_image_folder(path, image_size, channels).images if path.is_dir() else None

    def counterparts(split: str) -> torch.Tensor | None:
        if not (root / f"{split}_counterpart").is_dir():
            return None
        names = sorted(p.name for p in (root / split).iterdir())
        if names != sorted(p.name for p in (root / f"{split}_counterpart").iterdir()):
            raise ValueError(f"{root / split}_counterpart must hold one file per file of {root / split}, same names")
        return folder(f"{split}_counterpart")

    meta_path = root / "dataset.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return UnpairedDataset(
        train_a=folder("trainA"),
        train_b=folder("trainB"),
        test_a=folder("testA"),
        test_b=folder("testB"),
        counterpart_a=counterparts("testA"),
        counterpart_b=counterparts("testB"),
        domains=meta.get("domains", {"A": "A", "B": "B"}),
        name=root.name,
    )


def load_unpaired_dataset(name: str, *, data_root: str | Path | None, image_size: int) -> UnpairedDataset:
    """`hair-avatars` (made by scripts/prepare_avatars.py --hair-domains) or `folder` (trainA/ trainB/ under
    `data_root`)."""
    if name == "hair-avatars":
        root = Path(data_root or DEFAULT_HAIR_DOMAINS)
        if not (root / "dataset.json").exists():
            raise FileNotFoundError(
                f"no hair-domain avatars in {root}: run scripts/prepare_avatars.py --hair-domains --out {root}"
            )
        return load_unpaired_folder(root, image_size)
    if name == "folder":
        if data_root is None:
            raise ValueError("--dataset folder needs --data-root: a folder with trainA/ and trainB/ of images")
        return load_unpaired_folder(data_root, image_size)
    raise ValueError(f"unknown unpaired dataset {name!r}: use hair-avatars or folder")
