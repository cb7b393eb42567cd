"""Training options: one source of defaults per family, --help made from it, and recipe files (--config)."""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import pytest
import train as train_script
import train_classifier as classifier_script
from conftest import ROOT

from gan_demo.training.config import FAMILIES, FAMILY_DEFAULTS, FAMILY_FIELDS, TrainConfig

CARDS = sorted((ROOT / "checkpoints").glob("*/README.md"))
SESSION_FLAGS = {"--resume": 0, "--max-minutes": 1}  # how each session ran, not what it trained: not in a recipe


def last_card_command(card: Path) -> list[str]:
    """The arguments of the card's last training command, without the per-session flags."""
    block = card.read_text(encoding="utf-8").split("```bash\n", 1)[1].split("```", 1)[0]
    args = shlex.split(block.strip().splitlines()[-1])[2:]  # after "python scripts/train.py"
    kept, i = [], 0
    while i < len(args):
        if args[i] in SESSION_FLAGS:
            i += 1 + SESSION_FLAGS[args[i]]
            continue
        kept.append(args[i])
        i += 1
    return kept


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.parent.name)
def test_each_shipped_checkpoint_has_a_recipe_that_gives_its_cards_command(card: Path) -> None:
    recipe = card.parent / "recipe.json"
    text = card.read_text(encoding="utf-8")
    assert f"--config checkpoints/{card.parent.name}/recipe.json" in text
    args = last_card_command(card)
    if args[:2] == ["--family", "classifier"]:  # the classifier's earlier spelling: --steps were epochs
        args = ["--epochs" if a == "--steps" else a for a in args[2:]]
        assert classifier_script.parse_args(["--config", str(recipe)]) == classifier_script.parse_args(args)
    else:
        assert train_script.parse_args(["--config", str(recipe)]) == train_script.parse_args(args)


def test_flags_override_the_recipe_and_unknown_options_are_refused(tmp_path: Path) -> None:
    recipe = ROOT / "checkpoints" / "stylegan-avatars" / "recipe.json"
    cfg = train_script.parse_args(["--config", str(recipe), "--steps", "5", "--r1-gamma", "0.5"])
    from_file = json.loads(recipe.read_text(encoding="utf-8"))
    assert (cfg.steps, cfg.r1_gamma) == (5, 0.5)
    assert (cfg.augment, cfg.g_channels, cfg.batch_size) == (from_file["augment"], 32, 32)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"family": "dcgan", "stepz": 3}))
    with pytest.raises(ValueError, match="unknown options stepz"):
        train_script.parse_args(["--config", str(bad)])


def test_every_family_sets_every_family_field_and_help_shows_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(FAMILY_DEFAULTS) == set(FAMILIES)
    for family, defaults in FAMILY_DEFAULTS.items():
        assert set(defaults) == set(FAMILY_FIELDS), family
        cfg = TrainConfig(family=family)
        assert {name: getattr(cfg, name) for name in FAMILY_FIELDS} == defaults  # nothing else fills them
    unset = {f.name for f in dataclasses.fields(TrainConfig) if f.default is None}
    assert set(FAMILY_FIELDS) <= unset
    with pytest.raises(SystemExit):
        train_script.parse_args(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "images (pairs) per step (default: 128; pix2pix, srgan: 16; stylegan: 32; cyclegan: 1)" in shown
    assert "generator learning rate (default: 0.0002; wgan-gp: 0.0001; stylegan: 0.002)" in shown
    assert "else Apple MPS" in shown


def test_a_resumed_run_refuses_a_recipe_that_changes_what_it_trains(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.json"
    options = {"family": "dcgan", "out": str(tmp_path / "run"), "steps": 2, "g_channels": 4, "d_channels": 8,
               "batch_size": 8, "latent_dim": 16, "log_every": 1}  # fmt: skip
    recipe.write_text(json.dumps(options))
    assert train_script.main(["--config", str(recipe)]) == 0
    assert train_script.main(["--config", str(recipe), "--steps", "3", "--resume"]) == 0  # steps may grow
    recipe.write_text(json.dumps({**options, "g_channels": 8}))
    with pytest.raises(ValueError, match="g_channels differ"):
        train_script.main(["--config", str(recipe), "--steps", "4", "--resume"])


def test_the_discriminator_norm_is_checked_against_the_family() -> None:
    assert TrainConfig(family="wgan-gp", d_norm="spectral").d_norm == "spectral"
    with pytest.raises(ValueError, match="wgan-gp's critic cannot use batch norm"):
        TrainConfig(family="wgan-gp", d_norm="batch")
    with pytest.raises(ValueError, match="d_norm must be one of batch, spectral, none, got 'layer'"):
        TrainConfig(family="dcgan", d_norm="layer")
