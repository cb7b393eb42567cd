"""The repository as a Hugging Face Space and its models on the Hub: the README's front matter, and a checkpoint
pushed by scripts/push_model.py loaded back by repo id with HF_HUB_OFFLINE=1 from a local mirror of the Hub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch
import yaml
from packaging.specifiers import SpecifierSet

from gan_demo.checkpoint import ModelRegistry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import push_model  # noqa: E402  (scripts/push_model.py)

COMMIT = "0" * 39 + "1"


def front_matter() -> dict[str, Any]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n"), "the Space's YAML block must open the README"
    return yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))


def test_readme_front_matter_makes_the_repository_a_space() -> None:
    meta = front_matter()
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert (ROOT / meta["app_file"]).exists()
    for key in ("title", "emoji", "colorFrom", "colorTo", "license", "short_description"):
        assert meta[key], key
    assert len(meta["short_description"]) <= 60  # the Hub's limit
    requirement = next(
        line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("gradio")
    )
    assert meta["sdk_version"] in SpecifierSet(requirement.removeprefix("gradio")), (
        "the Space's Gradio is a required one"
    )


class LocalHub:
    """The two calls push_model makes, writing the upload where huggingface_hub's cache keeps a downloaded repo
    (models--user--name/snapshots/<commit>/, refs/main): a local mirror that HF_HUB_OFFLINE=1 reads."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.created: list[str] = []

    def create_repo(self, repo_id: str, **options: object) -> None:
        self.created.append(repo_id)

    def upload_folder(self, *, repo_id: str, folder_path: str, commit_message: str) -> str:
        repo = self.cache / f"models--{repo_id.replace('/', '--')}"
        (repo / "refs").mkdir(parents=True)
        (repo / "refs" / "main").write_text(COMMIT)
        snapshot = repo / "snapshots" / COMMIT
        snapshot.mkdir(parents=True)
        for path in Path(folder_path).iterdir():
            (snapshot / path.name).write_bytes(path.read_bytes())
        return f"https://huggingface.co/{repo_id}/commit/{COMMIT}"


def test_push_then_load_by_repo_id_offline(tiny_checkpoints: Path, tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub-cache")
    url = push_model.push(tiny_checkpoints / "tiny-dcgan", "workshop/tiny-dcgan", api=hub)
    assert hub.created == ["workshop/tiny-dcgan"] and url.endswith(COMMIT)

    card = (hub.cache / "models--workshop--tiny-dcgan" / "snapshots" / COMMIT / "README.md").read_text()
    meta = yaml.safe_load(card.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert meta["library_name"] == "pytorch" and "gan" in meta["tags"]
    assert meta["pipeline_tag"] == "unconditional-image-generation"

    load = (
        "import json, torch; from gan_demo.checkpoint import ModelRegistry; "
        "r = ModelRegistry([], device='cpu'); r.add('workshop/tiny-dcgan'); m = r.get('workshop/tiny-dcgan').model; "
        "g = torch.Generator().manual_seed(0); z = torch.randn(2, m.latent_dim, generator=g); "
        "print(json.dumps(m(z).flatten()[:8].tolist()))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(hub.cache), "PYTHONPATH": str(ROOT)}
    loaded = subprocess.run([sys.executable, "-c", load], env=env, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-2000:]

    model = ModelRegistry([tiny_checkpoints], device="cpu").get("tiny-dcgan").model
    z = torch.randn(2, model.latent_dim, generator=torch.Generator().manual_seed(0))
    assert json.loads(loaded.stdout) == torch.as_tensor(model(z).flatten()[:8]).tolist()
