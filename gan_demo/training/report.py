"""What a run leaves behind for people: loss curves, sample grids, the model card."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import torch

from ..kind import Kind, kind_of


def describe_hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda})"
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def read_log(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_losses(log_path: str | Path, out_path: str | Path, title: str = "") -> None:
    """Loss curves (left) and discriminator outputs on real and generated images (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    if not rows:
        return
    steps = [r["step"] for r in rows]
    has_d = "d_real" in rows[-1]
    fig, axes = plt.subplots(1, 2 if has_d else 1, figsize=(11 if has_d else 6, 3.8), squeeze=False)
    ax_loss = axes[0, 0]
    keys = [k for k in rows[-1] if k not in ("step", "epoch", "images_seen", "train_seconds", "d_real", "d_fake")]
    for key in keys:
        ax_loss.plot(steps, [r.get(key, float("nan")) for r in rows], label=key, linewidth=1)
    values = [r[k] for r in rows for k in keys if k in r]
    if values and min(values) > 0 and max(values) / min(values) > 50:  # e.g. an L1 loss beside an adversarial one
        ax_loss.set_yscale("log")
    ax_loss.set_xlabel("generator step")
    ax_loss.set_title("losses")
    ax_loss.legend()
    if has_d:
        ax_d = axes[0, 1]
        labels = {"d_real": "D(x) real", "d_fake": "D(G(z)) generated"}
        for key, label in labels.items():
            ax_d.plot(steps, [r.get(key, float("nan")) for r in rows], label=label, linewidth=1)
        ax_d.set_xlabel("generator step")
        ax_d.set_title("discriminator output" if "gp" not in rows[-1] else "critic score")
        ax_d.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)


def _recipe_lines(directory: Path, config: dict[str, Any]) -> list[str]:
    """The card's pointer to its recipe.json (the run's options as a file: its last session's), if it has one."""
    if not (directory / "recipe.json").exists():
        return []
    command = f"--config checkpoints/{directory.name}/recipe.json"
    if config.get("role") == "classifier":
        return [
            f"Exact command: `python scripts/train_classifier.py {command}` (flags after it override the file; "
            "`train.py --family classifier --steps N` below is the earlier spelling of its `--epochs N`).",
            "",
        ]
    return [
        f"Exact command: `python scripts/train.py {command}` (the options of the last session below, as a file; "
        "flags after it override them, e.g. `--resume --max-minutes 40` to run it in sessions).",
        "",
    ]


def write_model_card(directory: str | Path) -> None:
    """README.md for a checkpoint directory, from its config.json (training summary and metrics)."""
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    training = config.get("training", {})
    metrics = config.get("metrics", {})
    lines = [
        f"# {config.get('title', directory.name)}",
        "",
        config.get("description", ""),
        "",
        f"- architecture: `{config['architecture']}` {json.dumps(config['kwargs'])}",
    ]
    if kind_of(config) is Kind.SUPER_RESOLUTION:
        crop = training.get("config", {}).get("image_size")
        lines.append(f"- dataset: {config.get('dataset', '?')}, x{config['kwargs'].get('scale')} on {crop} px crops")
    else:
        lines.append(f"- dataset: {config.get('dataset', '?')}, {config.get('image_size')} px")
    if config.get("class_names"):
        lines.append(f"- classes: {', '.join(config['class_names'])}")
    if training:
        paired = training.get("family") in ("pix2pix", "srgan")
        seen = "training pairs (crops for srgan)" if paired else "real images through the discriminator"
        if config.get("role") == "classifier":
            seen = "training images"
        lines += [
            "",
            "## Training",
            "",
            *_recipe_lines(directory, config),
            "The commands that made it (from the repository root; each line is one session, later ones resume):",
            "",
            "```bash",
            *training.get("commands", []),
            "```",
            "",
            f"- steps: {training.get('steps')} of {training.get('planned_steps')} planned"
            f" ({training.get('images_seen', 0):,} {seen})",
            f"- wall time: {training.get('wall_time_s', 0) / 60:.1f} min",
            f"- hardware: {training.get('hardware')}",
            f"- torch {training.get('torch_version')}, precision {training.get('precision')}",
            f"- seed: {training.get('seed')}",
        ]
        final = training.get("final_losses")
        if final:
            lines.append(
                "- final losses (mean of the last logged steps): " + ", ".join(f"{k} {v:.3f}" for k, v in final.items())
            )
    if metrics:
        lines += ["", "## Evaluation", "", "Measured as the main README describes:", ""]
        for k, v in metrics.items():
            if isinstance(v, dict) and all(isinstance(x, dict) for x in v.values()):  # e.g. per held-out photo
                lines.append(f"- {k}:")
                for name, values in v.items():
                    lines.append(f"  - {name}: " + ", ".join(f"{m} {x}" for m, x in values.items()))
            else:
                lines.append(f"- {k}: {v}")
    extras = [
        (name, text)
        for name, text in (
            ("samples.png", "Samples"),
            ("comparison.png", "Comparison on held-out data (scripts/evaluate_paired.py)"),
            ("losses.png", "Loss curves"),
        )
        if (directory / name).exists()
    ]
    for name, text in extras:
        lines += ["", f"## {text}", "", f"![{text}]({name})"]
    (directory / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
