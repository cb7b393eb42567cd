"""scripts/gpu_sprint.py on the CPU with a tiny network: what a GPU call hands back, and a fresh machine resuming it."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import gpu_sprint  # scripts/gpu_sprint.py (conftest puts scripts/ on the path)
import pytest

from gan_demo.checkpoint import load_model

TINY = ["--steps", "2", "--g-channels", "4", "--g-max-channels", "8", "--d-channels", "4", "--log-every", "1"]


def test_split_parts_join_back_and_a_changed_part_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "run.tar"
    whole.write_bytes(bytes(range(256)) * 41)  # 10,496 bytes: parts of 4,000, 4,000 and 2,496
    parts = gpu_sprint.split_file(whole, tmp_path, part_bytes=4000)
    assert [p.stat().st_size for p in parts] == [4000, 4000, 2496]
    (joined := tmp_path / "joined").mkdir()
    assert gpu_sprint.join_file(tmp_path / "run.json", joined).read_bytes() == whole.read_bytes()
    parts[1].write_bytes(b"x" * 4000)
    with pytest.raises(ValueError, match="SHA-256"):
        gpu_sprint.join_file(tmp_path / "run.json", joined)
    assert not (joined / "run.tar").exists()


def test_a_sprint_hands_back_a_checkpoint_and_a_run_a_fresh_machine_resumes(tmp_path: Path) -> None:
    common = ["--device", "cpu", "--batch-size", "2", "--count", "4", "--data-root", str(tmp_path / "avatars")]
    first, second = tmp_path / "first", tmp_path / "second"  # each call's $OUT
    assert gpu_sprint.main([*common, "--out", str(tmp_path / "run"), "--to", str(first), "--", *TINY]) == 0
    assert all(p.stat().st_size < 16 * 2**20 for p in first.iterdir()) and len(list(first.iterdir())) <= 8
    with tarfile.open(first / "stylegan-avatars.tar") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    _, config = load_model(tmp_path / "unpacked" / "stylegan-avatars")
    assert config["training"]["steps"] == 2 and json.loads((first / "sprint.json").read_text())["images_per_second"]

    # Another machine: no data, no run folder; the run comes from the first call's parts and goes on from step 2.
    args = ["--out", str(tmp_path / "run-elsewhere"), "--to", str(second), "--state-from", str(first)]
    assert gpu_sprint.main([*common, *args, "--", *TINY[:1], "3", *TINY[2:]]) == 0
    log = [json.loads(line) for line in (tmp_path / "run-elsewhere" / "log.jsonl").read_text().splitlines()]
    assert [record["step"] for record in log] == [1, 2, 3]  # the first call's log came along
