"""Upload a trained checkpoint directory to the Hugging Face Hub, with a model card the Hub understands.

    python scripts/push_model.py checkpoints/dcgan-fashion you/dcgan-fashion            # needs `hf auth login`
    python scripts/push_model.py checkpoints/dcgan-fashion you/dcgan-fashion --dry-run out/   # only write it

The card is the checkpoint's README.md with YAML metadata in front (library_name, tags, datasets, metrics from
config.json), so the Hub lists the model under its family and dataset. The app then loads it by repo id:
`GAN_DEMO_MODELS=you/dcgan-fashion python app.py` (ModelRegistry downloads config.json, the weights, the card and
its pictures; HF_HUB_OFFLINE=1 uses the local cache only).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan_demo.kind import Kind, kind_of  # noqa: E402

IMAGE_TO_IMAGE = (Kind.SUPER_RESOLUTION, Kind.TRANSLATION)
# What is uploaded: what ModelRegistry reads, the card and its pictures, and the recipe that trains it again.
UPLOAD_PATTERNS = ("config.json", "model.safetensors", "README.md", "*.png", "*.gif", "recipe.json")
# Dataset names of config.json -> Hub dataset ids (where the data set is on the Hub).
HUB_DATASETS = {"fashion-mnist": "zalando-datasets/fashion_mnist"}


def card_metadata(config: dict[str, Any]) -> dict[str, Any]:
    """The model card's YAML metadata from a checkpoint's config.json."""
    dataset = config.get("dataset")
    metrics = config.get("metrics", {})
    metadata: dict[str, Any] = {
        "library_name": "pytorch",
        "pipeline_tag": "image-to-image" if kind_of(config) in IMAGE_TO_IMAGE else "unconditional-image-generation",
        "tags": ["gan", "gan_demo", *(t for t in (config.get("family"), config.get("architecture")) if t)],
        "license": "other",
    }
    if dataset in HUB_DATASETS:  # the Hub expects dataset ids; the app's own data sets (avatars, photos) have none
        metadata["datasets"] = [HUB_DATASETS[dataset]]
    names = [k for k, v in metrics.items() if isinstance(v, (int, float)) and math.isfinite(v) and k != "num_samples"]
    if names:
        metadata["metrics"] = names
    return metadata


def card_text(folder: Path, config: dict[str, Any]) -> str:
    """README.md with the metadata block in front (an existing block is replaced)."""
    import yaml

    readme = (folder / "README.md").read_text(encoding="utf-8") if (folder / "README.md").exists() else ""
    if readme.startswith("---\n"):
        readme = readme.split("\n---\n", 1)[1].lstrip("\n")
    body = readme or f"# {config.get('title', folder.name)}\n"
    return f"---\n{yaml.safe_dump(card_metadata(config), sort_keys=False, allow_unicode=True)}---\n\n{body}"


def stage(folder: Path, out: Path) -> Path:
    """The files to upload, with the card, in `out` (created; must be empty or absent)."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if not (folder / "model.safetensors").exists():
        raise FileNotFoundError(f"{folder} has no model.safetensors: not a checkpoint directory")
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    for pattern in UPLOAD_PATTERNS:
        for path in folder.glob(pattern):
            shutil.copy2(path, out / path.name)
    (out / "README.md").write_text(card_text(folder, config), encoding="utf-8")
    return out


def push(folder: Path, repo_id: str, api: Any = None, private: bool = False) -> str:
    """Stage `folder` and upload it as the model repo `repo_id`; returns the commit's URL."""
    import tempfile

    from huggingface_hub import HfApi

    api = api or HfApi()
    with tempfile.TemporaryDirectory() as staging:
        stage(folder, Path(staging) / "upload")
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id, folder_path=str(Path(staging) / "upload"), commit_message="Upload from gan_demo"
        )
    return str(getattr(info, "commit_url", info))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a checkpoint directory (config.json + model.safetensors)")
    parser.add_argument("repo_id", help="the Hub model repo, user/name")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--dry-run", type=Path, metavar="OUT", help="only write the files to upload into OUT")
    args = parser.parse_args()
    if args.dry_run:
        print(stage(args.folder, args.dry_run))
    else:
        print(push(args.folder, args.repo_id, private=args.private))


if __name__ == "__main__":
    main()
