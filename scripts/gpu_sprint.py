"""A GPU sprint for the avatar StyleGAN: render the data, train for a few minutes, hand back what a later call needs.

Written for a GPU lent briefly (issue 12: 15 minutes in all, start included, runs of under 10 minutes) on a machine
that starts bare, reaches no network, and returns at most 8 files of 16 MiB (64 MiB together) per call:
- the avatars are rendered there (`prepare_avatars`, all cores), since the prepared data is larger than what a call
  can carry; python-avatars and resvg-py travel as wheels;
- training is `scripts/train.py` on `checkpoints/stylegan-avatars/recipe.json` with a batch that fills the chip, on
  the data held on the GPU, in bfloat16 autocast and channels-last (the trainer's CUDA path), stopped cleanly by
  --minutes with its state saved; a second call on the same warm machine resumes from it;
- what comes back (--to): the exported checkpoint as one tar; the run folder (state.pt, log.jsonl, sample grids) as a
  tar cut into parts under 16 MiB, with their SHA-256 in `run.json`; and `sprint.json`, the images per second against
  the shipped CPU run's. A later call on a fresh machine resumes from those parts (--state-from).

Examples (on the GPU machine, from the repository root; README "A GPU sprint" has the whole device command):
    python scripts/gpu_sprint.py --minutes 7 --to "$OUT"
    python scripts/gpu_sprint.py --minutes 7 --to "$OUT" --state-from sprint/   # a run carried from an earlier call
    python scripts/gpu_sprint.py --device cpu --batch-size 4 --count 16 --to /tmp/s -- --steps 2   # a CPU dry run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_demo.data.avatars import prepare_avatars  # noqa: E402

RECIPE = ROOT / "checkpoints" / "stylegan-avatars" / "recipe.json"
SHIPPED = ROOT / "checkpoints" / "stylegan-avatars" / "config.json"
PART_BYTES = 15 * 2**20  # under the 16 MiB a returned file may have


def split_file(path: Path, folder: Path, part_bytes: int = PART_BYTES) -> list[Path]:
    """`path` (folder/<stem>.tar, say) cut into folder/<name>.000, .001, ... of at most `part_bytes`, and
    folder/<stem>.json naming them with the whole file's SHA-256."""
    parts, digest = [], hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(part_bytes):
            digest.update(chunk)
            part = folder / f"{path.name}.{len(parts):03d}"
            part.write_bytes(chunk)
            parts.append(part)
    manifest = {"file": path.name, "parts": [p.name for p in parts], "sha256": digest.hexdigest()}
    (folder / f"{path.stem}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return parts


def join_file(manifest_path: Path, destination: Path) -> Path:
    """The file split_file described in `manifest_path`, put together from the parts beside it at
    destination/<its name>; refused if a part is missing or the result's SHA-256 differs."""
    folder = manifest_path.parent
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    target = destination / Path(manifest["file"]).name
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for name in manifest["parts"]:
            chunk = (folder / Path(name).name).read_bytes()
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != manifest["sha256"]:
        target.unlink()
        raise ValueError(f"the parts in {folder} do not make the file they were cut from (SHA-256 differs)")
    return target


def images_per_second(log: Path) -> float:
    """Images per second of the run's training time, from its last log.jsonl record."""
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    return last["images_seen"] / last["train_seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", type=Path, required=True, help="where the tar, the state's parts and sprint.json go")
    parser.add_argument("--minutes", type=float, default=7.0, help="training time of this call (the state is kept)")
    parser.add_argument("--state-from", type=Path, help="a folder of run parts from an earlier call, to resume")
    parser.add_argument("--batch-size", type=int, default=256, help="images per step (the recipe's 32 suits a CPU)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--count", type=int, default=50000, help="avatars to render (seeds 0 onwards), as shipped")
    parser.add_argument("--data-root", type=Path, default=ROOT / "data" / "avatars-64")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "stylegan-avatars-gpu", help="the run folder")
    parser.add_argument("train_args", nargs="*", help="after --: more scripts/train.py options, e.g. --steps 2")
    args = parser.parse_args(argv)

    prepare_avatars(args.data_root, first_seed=0, count=args.count, size=64, workers=os.cpu_count() or 1)
    args.out.mkdir(parents=True, exist_ok=True)
    args.to.mkdir(parents=True, exist_ok=True)
    if args.state_from and not (args.out / "state.pt").exists():  # a fresh machine: the run comes from the parts
        with tarfile.open(join_file(args.state_from / "run.json", args.to)) as tar:
            tar.extractall(args.out, filter="data")  # "data": nothing outside args.out, no links or devices
    export = args.out / "model"
    command = [
        sys.executable, str(ROOT / "scripts" / "train.py"), "--config", str(RECIPE), "--device", args.device,
        "--data-root", str(args.data_root), "--batch-size", str(args.batch_size), "--out", str(args.out),
        "--export", str(export), "--max-minutes", str(args.minutes), "--resume", *args.train_args,
    ]  # fmt: skip
    print("$", shlex.join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)

    with tarfile.open(args.to / "stylegan-avatars.tar", "w") as tar:
        tar.add(export, arcname="stylegan-avatars")
    run = args.to / "run.tar"
    with tarfile.open(run, "w") as tar:
        for item in sorted(args.out.iterdir()):
            if item != export:
                tar.add(item, arcname=item.name)
    parts = split_file(run, args.to)
    run.unlink()
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))["training"]
    report = {
        "images_per_second": round(images_per_second(args.out / "log.jsonl"), 1),
        "shipped_cpu_images_per_second": round(shipped["images_seen"] / shipped["wall_time_s"], 1),
        "shipped_cpu_hardware": shipped["hardware"],
        "run_parts": len(parts),
    }
    (args.to / "sprint.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
