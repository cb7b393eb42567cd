"""CycleGAN: the ResNet generator (official key layout), the 70x70 PatchGAN, the image pool, the losses,
the hair-colour domains, and scripts/train.py --family cyclegan runs (exact resume, export, inference)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import train as train_script
from conftest import TINY_CYCLEGAN, unpaired_domains
from PIL import Image

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model
from gan_demo.data.unpaired import load_unpaired_folder
from gan_demo.kind import Kind
from gan_demo.models import CycleGANGenerators, PatchDiscriminator, ResnetGenerator
from gan_demo.training.cyclegan import (
    CycleGANTrainer,
    ImagePool,
    generator_losses,
    generator_pass,
)
from gan_demo.training.losses import d_least_squares_loss, g_least_squares_loss
from gan_demo.training.state import load_state

TINY = [*TINY_CYCLEGAN, "--d-channels", "4", "--batch-size", "2", "--log-every", "1", "--checkpoint-every", "1"]
TINY += ["--precision", "fp32", "--pool-size", "3"]


# --- models ------------------------------------------------------------------------------------------------------


def test_resnet_generator_keeps_the_size_and_range() -> None:
    g = ResnetGenerator(base_channels=4, num_blocks=2).eval()
    y = g(torch.rand(2, 3, 16, 24) * 2 - 1)
    assert y.shape == (2, 3, 16, 24) and y.abs().max() <= 1
    with pytest.raises(ValueError, match="multiples of 4"):
        g(torch.zeros(1, 3, 18, 16))
    with pytest.raises(ValueError, match="norm must be one of"):
        ResnetGenerator(norm="group")


def test_resnet_generator_has_the_official_state_dict_keys() -> None:
    """The layer order of junyanz/pytorch-CycleGAN-and-pix2pix's ResnetGenerator, so its weights load strictly."""
    keys = list(ResnetGenerator(base_channels=4, num_blocks=2).state_dict())
    blocks = [f"model.{i}.conv_block.{j}.{p}" for i in (10, 11) for j in (1, 5) for p in ("weight", "bias")]
    layers = [f"model.{i}.{p}" for i in (1, 4, 7) for p in ("weight", "bias")]
    ups = [f"model.{i}.{p}" for i in (12, 15, 19) for p in ("weight", "bias")]
    assert keys == layers + blocks + ups  # instance norm without affine parameters holds no state

    paper = ResnetGenerator()  # 64 channels, 9 blocks: the official horse2zebra generator
    assert "model.26.weight" in paper.state_dict()
    assert sum(p.numel() for p in paper.parameters()) == 11_378_179  # the official "Total number of parameters"

    batch = ResnetGenerator(base_channels=4, num_blocks=1, norm="batch", use_dropout=True).state_dict()
    assert "model.1.bias" not in batch and "model.2.running_mean" in batch  # batch norm: no conv bias
    assert "model.10.conv_block.6.weight" in batch  # the dropout shifts the block's second conv by one


def test_cyclegan_generators_hold_both_directions() -> None:
    g = CycleGANGenerators(base_channels=4, num_blocks=1)
    assert list(g.state_dict())[0] == "a_to_b.model.1.weight"
    assert g.generator("BtoA") is g.b_to_a
    x = torch.zeros(1, 3, 8, 8)
    assert torch.equal(g(x, "AtoB"), g.a_to_b(x))
    with pytest.raises(ValueError, match="direction must be one of"):
        g.generator("sideways")


def test_patch_discriminator_sees_70x70_patches() -> None:
    d = PatchDiscriminator(in_channels=3, base_channels=4, norm="batch").eval()  # instance norm would mix all
    x = torch.zeros(1, 3, 128, 128, requires_grad=True)
    out = d(x)
    assert out.shape == (1, 1, 14, 14)
    out[0, 0, 7, 7].backward()
    rows, cols = x.grad[0].abs().sum(0).nonzero().unbind(1)
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (70, 70)
    instance = PatchDiscriminator(in_channels=3, base_channels=4, norm="instance")
    assert instance(torch.rand(2, 3, 64, 64)).shape == (2, 1, 6, 6)
    assert PatchDiscriminator(in_channels=4, base_channels=4)(torch.rand(2, 1, 32, 32), torch.rand(2, 3, 32, 32)).shape


# --- the image pool and the losses ----------------------------------------------------------------------------------


def test_image_pool_fills_then_swaps_half_the_time_and_resumes_exactly() -> None:
    assert torch.equal(ImagePool(0, seed=0).query(torch.ones(2, 1, 1, 1)), torch.ones(2, 1, 1, 1))
    pool = ImagePool(4, seed=0)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # while filling, each image goes in and comes back
    assert torch.equal(pool.images, first)
    returned, new = [], []
    for step in range(50):
        batch = torch.full((2, 1, 1, 1), 100.0 + step)
        returned.append(pool.query(batch).flatten())
        new.append(batch.flatten())
    returned, new = torch.cat(returned), torch.cat(new)
    swapped = (returned != new).double().mean().item()
    assert 0.3 < swapped < 0.7  # about half come from the history
    history = set(first.flatten().tolist()) | set(new.tolist())
    assert set(returned.tolist()) <= history and len(pool.images) == 4

    state = pool.state_dict()
    again = ImagePool(4, seed=123)
    again.load_state_dict({k: v.clone() for k, v in state.items()})
    batch = torch.full((3, 1, 1, 1), -1.0)
    assert torch.equal(pool.query(batch), again.query(batch))
    with pytest.raises(ValueError, match="pool size"):
        ImagePool(-1, seed=0)


def test_least_squares_losses_on_known_outputs() -> None:
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert d_least_squares_loss(ones, zeros).item() == 0  # a perfect discriminator
    assert d_least_squares_loss(zeros, ones).item() == 1  # 0.5 * (1 + 1)
    assert g_least_squares_loss(ones).item() == 0 and g_least_squares_loss(zeros).item() == 1
    assert g_least_squares_loss(torch.full((1, 1, 2, 2), 3.0)).item() == 4


@pytest.mark.parametrize("shift", [0.0, 0.25])
def test_cycle_and_identity_losses_on_known_generators(shift: float) -> None:
    """G and F both add `shift`: a cycle adds 2 shift (L1 2 shift per direction), a generator fed its own
    target domain adds shift (L1 shift per direction); a discriminator that always says "real" (1) adds no
    adversarial loss, one that always says "fake" (0) adds 1 per direction."""
    g = SimpleNamespace(a_to_b=lambda x: x + shift, b_to_a=lambda x: x + shift)
    real_a, real_b = torch.rand(2, 3, 8, 8), torch.rand(3, 3, 8, 8)
    images = generator_pass(g, real_a, real_b)
    assert torch.allclose(images["fake_b"], real_a + shift) and torch.allclose(images["cycle_b"], real_b + 2 * shift)
    real_d = lambda x: torch.ones(len(x), 1, 2, 2)  # noqa: E731
    fake_d = lambda x: torch.zeros(len(x), 1, 2, 2)  # noqa: E731
    out = generator_losses(images, real_a, real_b, real_d, fake_d, cycle_weight=10, identity_weight=0.5)
    assert out["cycle"].item() == pytest.approx(4 * shift)
    assert out["identity"].item() == pytest.approx(2 * shift)
    assert out["g_adv"].item() == 1  # D_A says real, D_B says fake
    assert out["g_loss"].item() == pytest.approx(1 + 10 * 4 * shift + 0.5 * 10 * 2 * shift)


# --- data and training runs ----------------------------------------------------------------------------------------


def _train(out: Path, data: Path, *args: str, steps: int) -> Path:
    export = out.parent / f"{out.name}-model"
    argv = ["--out", str(out), "--export", str(export), "--steps", str(steps), "--data-root", str(data)]
    assert train_script.main([*argv, *TINY, *args]) == 0
    return export


def test_unpaired_folder_layout(tmp_path: Path) -> None:
    data = load_unpaired_folder(unpaired_domains(tmp_path / "d"), image_size=16)
    assert data.train_a.shape == (6, 3, 16, 16) and data.test_b.shape == (2, 3, 16, 16)
    assert data.counterpart_a.shape == data.counterpart_b.shape == (2, 3, 16, 16)
    assert data.domains == {"A": "A", "B": "B"}
    (tmp_path / "d" / "testA_counterpart" / "1.png").rename(tmp_path / "d" / "testA_counterpart" / "9.png")
    with pytest.raises(ValueError, match="same names"):
        load_unpaired_folder(tmp_path / "d", image_size=16)
    (tmp_path / "e" / "trainA").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="trainB"):
        load_unpaired_folder(tmp_path / "e", image_size=16)


def test_cyclegan_resume_is_exact_and_the_export_translates_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = unpaired_domains(tmp_path / "domains")
    straight = _train(tmp_path / "a", data, steps=4)

    train_step = CycleGANTrainer.train_step

    def dying(self: CycleGANTrainer) -> dict[str, torch.Tensor]:
        if self.step == 2:
            raise KeyboardInterrupt  # like a session that ends mid-run
        return train_step(self)

    with monkeypatch.context() as patch:
        patch.setattr(CycleGANTrainer, "train_step", dying)
        with pytest.raises(KeyboardInterrupt):
            _train(tmp_path / "b", data, steps=4)
    resumed = _train(tmp_path / "b", data, "--resume", steps=4)
    for a, b in zip(
        load_model(straight)[0].state_dict().values(), load_model(resumed)[0].state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    state_a, state_b = load_state(tmp_path / "a" / "state.pt"), load_state(tmp_path / "b" / "state.pt")
    for name in ("d_a", "d_b"):
        for key, value in state_a[name].items():
            assert torch.equal(value, state_b[name][key]), (name, key)
    assert torch.equal(state_a["pool_a"]["images"], state_b["pool_a"]["images"])
    assert len(state_a["pool_a"]["images"]) == 3  # the pool holds --pool-size images

    rows = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert {"g_loss", "g_adv", "cycle", "identity", "d_loss", "d_real", "d_fake"} <= set(rows[0])
    model, config = load_model(resumed)
    assert config["task"] == "unpaired-translation" and config["domains"] == {"A": "A", "B": "B"}
    assert isinstance(model, CycleGANGenerators) and config["image_size"] == 32
    with Image.open(resumed / "samples.png") as samples:  # 4 rows: input, translation, cycle, counterpart
        assert samples.height == 4 * 32 + 5 * 2
    registry = ModelRegistry([resumed], device="cpu")
    assert registry.names(kind=Kind.UNPAIRED_TRANSLATION) == [resumed.name]
    image = np.zeros((32, 32, 3), np.uint8)
    translated, reconstructed = ops.cycle_translate(registry.get(resumed.name).model, image, "BtoA")
    assert translated.shape == reconstructed.shape == (1, 3, 32, 32) and translated.abs().max() <= 1
    with pytest.raises(ValueError, match="uint8"):
        ops.cycle_translate(model, image.astype(np.float32), "AtoB")


def test_cyclegan_learning_rate_is_constant_then_linear_to_zero() -> None:
    trainer = CycleGANTrainer.__new__(CycleGANTrainer)  # only the schedule: no data, no models
    trainer.cfg = SimpleNamespace(steps=4, lr_g=1e-3, lr_d=2e-3)
    trainer.opt_g = torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    trainer.opt_d = torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    rates = []
    for step in range(5):
        trainer.step = step
        trainer._schedule()
        rates.append((trainer.opt_g.param_groups[0]["lr"], trainer.opt_d.param_groups[0]["lr"]))
    assert rates == [(1e-3, 2e-3), (1e-3, 2e-3), (1e-3, 2e-3), (5e-4, 1e-3), (0.0, 0.0)]


def test_hair_domains_differ_only_in_hair_colour(tmp_path: Path) -> None:
    pytest.importorskip("python_avatars")
    pytest.importorskip("resvg_py")
    from gan_demo.data.avatars import (
        ATTRIBUTES,
        HAIR_SPLIT_SEEDS,
        HAIR_TOPS,
        hair_domain_attributes,
        prepare_hair_domains,
    )

    a, b = hair_domain_attributes(7, "A"), hair_domain_attributes(7, "B")
    assert {k for k in a if a[k] != b[k]} == {"hair_color"}
    assert ATTRIBUTES["hair_color"][a["hair_color"]] == "black" and ATTRIBUTES["top"][a["top"]] in HAIR_TOPS
    assert not {"none", "hat", "hijab", "hat_over_hair"} & set(HAIR_TOPS)
    starts = sorted(HAIR_SPLIT_SEEDS.values())
    assert all(
        later - earlier >= 1_000_000 for earlier, later in zip(starts, starts[1:], strict=False)
    )  # disjoint seeds
    with pytest.raises(ValueError, match="domain must be"):
        hair_domain_attributes(7, "C")

    root = prepare_hair_domains(tmp_path / "hair", train_count=2, test_count=1, size=16)
    data = load_unpaired_folder(root, image_size=16)
    assert data.domains == {"A": "black hair", "B": "blonde hair"} and data.train_a.shape == (2, 3, 16, 16)
    assert not torch.equal(data.test_a, data.counterpart_a)  # the hair colour changed
    assert sorted(p.name for p in (root / "testB_counterpart").iterdir()) == [f"{HAIR_SPLIT_SEEDS['testB']}.png"]
