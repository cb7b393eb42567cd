"""What a run leaves behind for people: loss curves, sample grids, the model card."""

from __future__ import annotations

import functools
import json
import os
import platform
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from .. import imaging
from ..kind import Kind, kind_of

PROGRESS_KEYS = ("step", "epoch", "images_seen", "train_seconds")  # the log's bookkeeping, beside the losses
D_OUTPUTS = {"d_real": "D(x) real", "d_fake": "D(G(z)) generated"}  # mean discriminator outputs, as logged
SAMPLE_GRID = re.compile(r"step_(\d+)\.png")  # the grids a run saves every sample_every steps, in <out>/samples/
# The timelapse of those grids in the checkpoint (timelapse.gif) stays under TIMELAPSE_BYTES: the first of these
# (frames, long side in pixels) that fits. Legible frames come first: fewer frames before smaller ones.
TIMELAPSE_BYTES = 1_500_000
TIMELAPSE_SHAPES = ((24, 480), (24, 400), (24, 320), (16, 320), (12, 320), (12, 240), (8, 200))
TIMELAPSE_FRAME_MS, TIMELAPSE_LAST_MS = 350, 2000  # the trained model's grid stays longest
LABEL_STRIP = 20  # pixels above each frame's grid for its step


@functools.cache
def label_font() -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=13)


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
    keys = [k for k in rows[-1] if k not in (*PROGRESS_KEYS, *D_OUTPUTS)]
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
        for key, label in D_OUTPUTS.items():
            ax_d.plot(steps, [r.get(key, float("nan")) for r in rows], label=label, linewidth=1)
        ax_d.set_xlabel("generator step")
        ax_d.set_title("discriminator output" if "gp" not in rows[-1] else "critic score")
        ax_d.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)


def sample_grids(samples: Path, last_step: int) -> dict[int, Path]:
    """The run's saved sample grids up to `last_step` (a killed run may have left later ones), by step."""
    found = {int(m[1]): p for p in samples.glob("step_*.png") if (m := SAMPLE_GRID.fullmatch(p.name))}
    return {step: found[step] for step in sorted(found) if step <= last_step}


def spread(count: int, most: int) -> list[int]:
    """At most `most` indices into `count` items, evenly spaced, the first and the last always among them."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def timelapse_frame(grid: Path, label: str, side: int, width: int) -> Image.Image:
    """One frame, `width` wide: the grid, reduced to at most `side` pixels, under a white strip with `label`."""
    with Image.open(grid) as image:
        image = image.convert("RGB")
    scale = min(1.0, side / max(image.size))
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (max(width, image.width), image.height + LABEL_STRIP), "white")
    frame.paste(image, (0, LABEL_STRIP))
    ImageDraw.Draw(frame).text((4, LABEL_STRIP // 2), label, fill="black", font=label_font(), anchor="lm")
    return frame


def write_timelapse(samples: Path, out_path: Path, *, last_step: int, images_per_step: int) -> list[int]:
    """timelapse.gif: the run's sample grids over training (fixed noise, so the same samples in every frame),
    evenly spaced ones ending on the last, each labelled with its step and the real images seen by then; it loops.
    As many frames, as large, as TIMELAPSE_SHAPES and TIMELAPSE_BYTES allow (the same choice every time).
    Returns the steps shown; without grids, writes nothing (and removes an older file, which would be of another
    run)."""
    grids = sample_grids(samples, last_step)
    if not grids:
        out_path.unlink(missing_ok=True)
        return []
    for most, side in TIMELAPSE_SHAPES:
        steps = [list(grids)[i] for i in spread(len(grids), most)]
        labels = [f"step {step:,} · {step * images_per_step:,} images" for step in steps]
        width = max(int(label_font().getlength(label)) for label in labels) + 8  # every frame one size
        frames = [timelapse_frame(grids[step], label, side, width) for step, label in zip(steps, labels, strict=True)]
        gif = imaging.gif_bytes(frames, frame_ms=TIMELAPSE_FRAME_MS, bounce=False, last_ms=TIMELAPSE_LAST_MS)
        if len(gif) <= TIMELAPSE_BYTES:
            break
    out_path.write_bytes(gif)
    return steps


def tensorboard_tag(key: str) -> str:
    """The TensorBoard tag of a log.jsonl field: losses, discriminator outputs and progress each get a section."""
    if key in D_OUTPUTS:
        return f"discriminator/{D_OUTPUTS[key]}"
    if key in PROGRESS_KEYS:
        return f"progress/{key}"
    return f"loss/{key}" if key.endswith("loss") else f"train/{key}"  # penalties (gp, r1), auxiliary terms


class TensorBoardLog:
    """TensorBoard event files beside log.jsonl (scripts/train.py --tensorboard): every logged row's values,
    the sample grids, and the command of each session. Needs the optional tensorboard package."""

    def __init__(self, directory: Path, step: int, command: str) -> None:
        from torch.utils.tensorboard import SummaryWriter  # imported only when asked for: an optional dependency

        # A resumed run trains the steps after its saved state again: drop their events, as log.jsonl drops its rows.
        self.writer = SummaryWriter(str(directory), purge_step=step + 1 if step else None)
        self.writer.add_text("command", command, step)

    def scalars(self, row: dict[str, float]) -> None:
        for key, value in row.items():
            if key != "step":
                self.writer.add_scalar(tensorboard_tag(key), value, row["step"])

    def image(self, tag: str, path: Path, step: int) -> None:
        self.writer.add_image(tag, np.asarray(Image.open(path).convert("RGB")), step, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()


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
            elif isinstance(v, dict):  # e.g. the SWD per level, class fidelity per class
                lines.append(f"- {k}: " + ", ".join(f"{m} {x}" for m, x in v.items()))
            else:
                lines.append(f"- {k}: {v}")
    extras = [
        (name, text)
        for name, text in (
            ("samples.png", "Samples"),
            ("comparison.png", "Comparison on held-out data (scripts/evaluate_paired.py)"),
            ("losses.png", "Loss curves"),
            ("timelapse.gif", "Samples over training (the same noise at evenly spaced steps)"),
        )
        if (directory / name).exists()
    ]
    for name, text in extras:
        lines += ["", f"## {text}", "", f"![{text}]({name})"]
    (directory / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
