"""Importing StyleGAN2 generators: NVIDIA's StyleGAN2-ADA pickles and rosinality's .pt files reproduce the reference
implementations' outputs (goldens made by running their code on tiny random-weight networks), and the imported
models work in the app's sampling, interpolation and style-mixing paths."""

from __future__ import annotations

import hashlib
import json
import pickletools
from pathlib import Path

import pytest
import torch
from conftest import shown
from stylegan_writers import (
    MODULE_SRC_SENTINEL,
    NVIDIA_GOLDENS,
    ROSINALITY_GOLDEN,
    load_golden,
    write_nvidia_pickle,
    write_rosinality_checkpoint,
)

from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry, load_model, save_model
from gan_demo.importers import CheckpointReadError, convert, safe_pickle, stylegan
from gan_demo.importers.safe_pickle import ALLOWED_GLOBALS, PersistentObject
from gan_demo.kind import Kind, kind_of
from gan_demo.models import ARCHITECTURES, OfficialStyleGAN2Generator
from gan_demo.models.stylegan2_official import config_f_channels, upsample_2x

TOLERANCE = 1e-4  # max abs difference to the reference, fp32


def _check_against_golden(model: OfficialStyleGAN2Generator, golden: dict[str, torch.Tensor]) -> None:
    labels = golden.get("labels")
    with torch.no_grad():
        for tag, psi in (("psi1", 1.0), ("psi07", 0.7)):
            if f"img_const_{tag}" not in golden:
                continue
            w = model.map(golden["z"], psi, labels)
            if f"w_{tag}" in golden:
                assert (w - golden[f"w_{tag}"]).abs().max() <= TOLERANCE
            ws = w[:, None].expand(-1, model.num_ws, -1)
            assert (model.synthesis(ws, "const") - golden[f"img_const_{tag}"]).abs().max() <= TOLERANCE
            if f"img_none_{tag}" in golden:
                assert (model.synthesis(ws, "none") - golden[f"img_none_{tag}"]).abs().max() <= TOLERANCE


@pytest.mark.parametrize("name", NVIDIA_GOLDENS)
def test_nvidia_pickle_reproduces_stylegan2_ada(name: str, tmp_path: Path) -> None:
    """Unconditional, and class-conditional (c_dim 3) with conv_clamp 0.5 so that the clamp acts."""
    source = write_nvidia_pickle(tmp_path / "network-snapshot-000000.pkl", name)
    out = convert(source, tmp_path / "model")
    model, config = load_model(out)
    _, golden, metadata = load_golden(name)
    _check_against_golden(model, golden)
    kwargs = json.loads(metadata["init_kwargs"])
    assert model.num_classes == kwargs["c_dim"] and model.latent_dim == kwargs["z_dim"]
    assert config["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert config["source"]["format"] == "stylegan2-ada" and "non-commercial" in config["source"]["licence"]
    assert config["task"] == "sample" and config["dataset"] == "tiny-32x32"
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "network-snapshot-000000.pkl" in card and config["source"]["sha256"] in card
    assert not Path(MODULE_SRC_SENTINEL).exists()  # the records' module_src was never executed


def test_the_conditional_golden_depends_on_conv_clamp(tmp_path: Path) -> None:
    """Without clamping the conditional model misses its golden, so that golden checks conv_clamp."""
    model, _ = load_model(convert(write_nvidia_pickle(tmp_path / "c.pkl", "stylegan2_ada_tiny_cond"), tmp_path / "m"))
    assert model.conv_clamp == 0.5
    for layer in model.modules():
        if hasattr(layer, "conv_clamp"):
            layer.conv_clamp = None
    _, golden, _ = load_golden("stylegan2_ada_tiny_cond")
    with torch.no_grad():
        w = model.map(golden["z"], 1.0, golden["labels"])
        image = model.synthesis(w[:, None].expand(-1, model.num_ws, -1), "const")
    assert (image - golden["img_const_psi1"]).abs().max() > 0.1


@pytest.mark.parametrize(("latent_avg", "zip_format"), [(True, True), (False, True), (True, False)])
def test_rosinality_checkpoint_reproduces_stylegan2_pytorch(tmp_path: Path, latent_avg: bool, zip_format: bool) -> None:
    """Converted-style (g_ema + latent_avg) and training-style (+ args, no latent_avg) files, zip and legacy."""
    source = write_rosinality_checkpoint(tmp_path / "550000.pt", latent_avg=latent_avg, zip_format=zip_format)
    model, config = load_model(convert(source, tmp_path / "model"))
    tensors, golden, _ = load_golden(ROSINALITY_GOLDEN)
    if latent_avg:
        assert torch.equal(model.w_avg, tensors["latent_avg"])
        _check_against_golden(model, golden)
    else:  # the mean of 4096 mapped z's from seed 0, as the reference's mapping computes it
        assert (model.w_avg - golden["mean_w_4096_seed0"]).abs().max() <= TOLERANCE
        assert "mean w estimated" in config["description"]
        _check_against_golden(model, {k: v for k, v in golden.items() if "psi07" not in k})
    assert config["source"]["format"] == "rosinality"


def test_formats_can_be_forced_and_mismatches_are_explained(tmp_path: Path) -> None:
    source = write_rosinality_checkpoint(tmp_path / "g.pt")
    with pytest.raises(ValueError, match="unknown format 'stylegan9'"):
        convert(source, tmp_path / "a", format="stylegan9")
    with pytest.raises(CheckpointReadError, match="not a stylegan2-ada file"):
        convert(source, tmp_path / "b", format="stylegan2-ada")
    with pytest.raises(ValueError, match="--arch may be stylegan2"):
        convert(source, tmp_path / "c", arch="resnet_9blocks")
    checkpoint = safe_pickle.load(source)
    del checkpoint["g_ema"]["convs.0.conv.weight"]
    torch.save(checkpoint, tmp_path / "broken.pt")
    with pytest.raises(CheckpointReadError, match=r"missing blocks\.8\.conv0\.weight"):
        convert(tmp_path / "broken.pt", tmp_path / "d")
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointReadError, match="is no known format"):
        convert(tmp_path / "other.pt", tmp_path / "e")


def test_the_options_of_nvidias_converted_tf_pickles_are_understood(tmp_path: Path) -> None:
    """Converted TF pickles carry every option legacy.py writes and fp16 settings; the StyleGAN3 repository's
    StyleGAN2 files (stylegan2-ffhq-1024x1024.pkl ...) pass the synthesis options beside z_dim."""
    snapshot = safe_pickle.load(write_nvidia_pickle(tmp_path / "s.pkl", "stylegan2_ada_tiny"))
    kwargs = snapshot["G_ema"].init_kwargs
    kwargs["mapping_kwargs"].update(embed_features=None, layer_features=None, activation="lrelu", w_avg_beta=0.995)
    kwargs["synthesis_kwargs"].update(
        num_fp16_res=4, resample_filter=[1, 3, 3, 1], use_noise=True, activation="lrelu", fused_modconv_default=True
    )
    model, _ = stylegan.convert_nvidia(snapshot)
    _check_against_golden(model, load_golden("stylegan2_ada_tiny")[1])
    kwargs.update(kwargs.pop("synthesis_kwargs"))  # the StyleGAN3 repository's StyleGAN2 keeps them at the top
    model, _ = stylegan.convert_nvidia(snapshot)
    _check_against_golden(model, load_golden("stylegan2_ada_tiny")[1])


def test_a_pickle_without_a_tracked_mean_w_gets_an_estimate(tmp_path: Path) -> None:
    """w_avg_beta=None leaves no mapping.w_avg: it becomes the mean of 4096 mapped latents of random classes,
    which agrees with the mean over an independent, larger sample (std of w is about 1 here; its error 0.02)."""
    snapshot = safe_pickle.load(write_nvidia_pickle(tmp_path / "s.pkl", "stylegan2_ada_tiny_cond"))
    del snapshot["G_ema"].state["_modules"]["mapping"].state["_buffers"]["w_avg"]
    model, metadata = stylegan.convert_nvidia(snapshot)
    assert "mean w estimated" in metadata["description"]
    generator = torch.Generator().manual_seed(123)
    z = torch.randn(20000, model.latent_dim, generator=generator)
    labels = torch.randint(3, (20000,), generator=generator)
    with torch.no_grad():
        assert (model.w_avg - model.map(z, labels=labels).mean(0)).abs().max() < 0.06


def test_stylegan3_and_other_architectures_are_refused_with_the_reason(tmp_path: Path) -> None:
    source = write_nvidia_pickle(tmp_path / "s.pkl", "stylegan2_ada_tiny")
    snapshot = safe_pickle.load(source)  # give its synthesis network StyleGAN3's Fourier-feature input
    synthesis = snapshot["G_ema"].state["_modules"]["synthesis"]
    synthesis.state["_modules"]["input"] = PersistentObject(
        "SynthesisInput", state={"_buffers": {"freqs": torch.zeros(4, 2)}}
    )
    with pytest.raises(ValueError, match="StyleGAN3"):
        stylegan.convert_nvidia(snapshot)
    snapshot = safe_pickle.load(source)
    snapshot["G_ema"].init_kwargs["synthesis_kwargs"]["architecture"] = "resnet"
    with pytest.raises(ValueError, match="architecture is 'resnet'; this importer supports 'skip'"):
        stylegan.convert_nvidia(snapshot)


# -- the imported model in the app ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> OfficialStyleGAN2Generator:
    folder = tmp_path_factory.mktemp("imported")
    model, _ = load_model(convert(write_nvidia_pickle(folder / "g.pkl", "stylegan2_ada_tiny"), folder / "model"))
    return model


def test_style_mixing_with_an_imported_model_at_the_last_and_first_layer(imported: OfficialStyleGAN2Generator) -> None:
    n = imported.num_ws
    for noise in ("const", "random", "none"):  # crossover after the last layer: each mix is its row source
        rows, _, mixed = ops.style_mix(imported, [1, 2], [3, 4, 5], range(n, n), noise_mode=noise)
        torch.testing.assert_close(mixed, rows[:, None].expand_as(mixed), atol=1e-5, rtol=0)
    for noise in ("const", "none"):  # crossover at layer 0: each mix is its column source
        _, cols, mixed = ops.style_mix(imported, [1, 2], [3, 4, 5], range(0, n), noise_mode=noise)
        torch.testing.assert_close(mixed, cols[None].expand_as(mixed), atol=1e-5, rtol=0)
    rows, cols, mixed = ops.style_mix(imported, [1], [2], ops.style_group_layers(imported, "middle"))
    assert (mixed[0, 0] - rows[0]).abs().mean() > 1e-3 and (mixed[0, 0] - cols[0]).abs().mean() > 1e-3


def test_imported_models_truncate_to_w_avg_and_draw_reproducible_noise(imported: OfficialStyleGAN2Generator) -> None:
    images = ops.sample(imported, [1, 2, 3], truncation=0.0)
    torch.testing.assert_close(images, ops.synthesize(imported, imported.w_avg[None]).expand_as(images))
    first, again = ops.sample(imported, [5, 6], noise_mode="random"), ops.sample(imported, [5, 6], noise_mode="random")
    torch.testing.assert_close(first, again, atol=0, rtol=0)
    assert (first - ops.sample(imported, [5, 6], noise_mode="const")).abs().max() > 1e-3


def test_a_1024px_model_works_in_the_app_with_18_style_layers(tmp_path: Path) -> None:
    """The app's sampling, W interpolation and style-mixing paths with a 1024 px generator (few channels)."""
    model = OfficialStyleGAN2Generator(
        image_size=1024, latent_dim=8, w_dim=8, mapping_layers=2, channels=[4] * 7 + [2, 2]
    )
    save_model(model, tmp_path / "ffhq", task="sample", title="tiny 1024")
    registry = ModelRegistry([tmp_path])
    assert registry.names(kind=Kind.STYLEGAN) == ["ffhq"]
    loaded = registry.get("ffhq").model
    assert loaded.num_ws == 18 and ops.is_style_based(loaded)
    assert ops.sample(loaded, [1]).shape == (1, 3, 1024, 1024)
    assert ops.interpolate(loaded, 1, 2, 2, space="w").shape == (2, 3, 1024, 1024)
    assert ops.style_group_layers(loaded, "fine") == range(8, 18)
    rows, _, mixed = ops.style_mix(loaded, [1], [2], range(18, 18))
    torch.testing.assert_close(mixed[:, 0], rows)


def test_conditional_imported_models_need_labels_and_sample_by_class(tmp_path: Path) -> None:
    model, config = load_model(
        convert(write_nvidia_pickle(tmp_path / "c.pkl", "stylegan2_ada_tiny_cond"), tmp_path / "m")
    )
    assert config["class_names"] == ["0", "1", "2"]
    assert kind_of(config) == Kind.CONDITIONAL  # the class tab's, whose calls give labels
    from gan_demo.ui.conditional import ConditionalTab

    tab = ConditionalTab(ModelRegistry([tmp_path]))
    gallery, grid = tab.conditional("m", "2", 1, 2, 1.0, None)
    assert tab.names == ["m"] and len(gallery) == 2 and shown(grid).size[0] > 0
    with pytest.raises(ValueError, match="class-conditional"):
        model.map(torch.zeros(1, model.latent_dim))
    images = ops.sample_class(model, 2, [1, 2])
    assert images.shape == (2, 3, 32, 32) and not torch.equal(images, ops.sample_class(model, 0, [1, 2]))


def test_synthesis_refuses_wrong_style_shapes_and_noise_modes(imported: OfficialStyleGAN2Generator) -> None:
    with pytest.raises(ValueError, match=r"ws must be \(batch, 8, 16\)"):
        imported.synthesis(torch.zeros(1, 18, 16))
    with pytest.raises(ValueError, match="noise_mode"):
        imported.synthesis(torch.zeros(1, 8, 16), noise_mode="loud")


def test_architecture_is_registered_and_config_f_has_nvidias_widths() -> None:
    assert ARCHITECTURES["OfficialStyleGAN2Generator"] is OfficialStyleGAN2Generator
    assert config_f_channels(1024) == [512, 512, 512, 512, 512, 256, 128, 64, 32]
    with pytest.raises(ValueError, match="channels must be 3 positive widths"):
        OfficialStyleGAN2Generator(image_size=16, channels=[4, 4])


def test_fir_upsampling_keeps_a_constant_image_constant_away_from_the_border() -> None:
    """The [1, 3, 3, 1] filter with gain 4 interpolates: a constant stays constant inside, and a single pixel
    spreads as the outer product of [1, 3, 3, 1] / 4 (NVIDIA's upsample2d)."""
    up = upsample_2x(torch.ones(1, 1, 8, 8))
    torch.testing.assert_close(up[..., 2:-2, 2:-2], torch.ones(1, 1, 12, 12))
    impulse = torch.zeros(1, 1, 5, 5)
    impulse[..., 2, 2] = 1
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 4
    torch.testing.assert_close(upsample_2x(impulse)[0, 0, 3:7, 3:7], torch.outer(taps, taps))


def test_the_fixture_pickle_names_only_allowlisted_globals(tmp_path: Path) -> None:
    """The writer embeds no code: the only globals in its pickle are the restricted loader's allowlist."""
    data = write_nvidia_pickle(tmp_path / "g.pkl", "stylegan2_ada_tiny").read_bytes()
    names = {tuple(arg.split(" ", 1)) for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
    assert names <= set(ALLOWED_GLOBALS)
    assert {("torch_utils.persistence", "_reconstruct_persistent_obj"), ("dnnlib.util", "EasyDict")} <= names


def test_the_style_mixing_tab_offers_and_serves_an_imported_model(tmp_path: Path) -> None:
    """The tab finds an imported generator by its config alone and draws its grid, fine layers included."""
    from gan_demo.ui.stylemix import StyleMixTab

    convert(write_nvidia_pickle(tmp_path / "ffhq.pkl", "stylegan2_ada_tiny"), tmp_path / "models" / "ffhq")
    tab = StyleMixTab(ModelRegistry([tmp_path / "models"]))
    assert tab.names == ["ffhq"] and tab.num_ws("ffhq") == 8
    grid, caption = tab.style_mix("ffhq", "1, 2", "3", "custom", 6, 7, 0.7, "const", None)
    assert max(shown(grid).size) >= 640 and "6–7" in caption


def test_large_batches_run_in_chunks_with_the_same_images(imported: OfficialStyleGAN2Generator) -> None:
    """Memory is bounded by synthesising a few images per pass (2 at 1024 px); the images do not change."""
    ws = ops.map_seeds(imported, [1, 2, 3, 4, 5])[:, None].expand(-1, imported.num_ws, -1)
    for noise in ("const", "random"):
        generators = [torch.Generator().manual_seed(s) for s in range(5)] if noise == "random" else None
        whole = imported.synthesis(ws, noise, generators)
        imported.max_pixels_per_pass = 2 * 32 * 32  # 2 images of 32 px per pass
        try:
            generators = [torch.Generator().manual_seed(s) for s in range(5)] if noise == "random" else None
            torch.testing.assert_close(imported.synthesis(ws, noise, generators), whole, atol=1e-5, rtol=0)
        finally:
            del imported.max_pixels_per_pass  # back to the class's bound


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_an_imported_model_gives_on_cuda_what_it_gives_on_the_cpu(imported: OfficialStyleGAN2Generator) -> None:
    """Noise comes from per-image CPU generators, so even "random" noise is the same on both devices."""
    for noise in ("const", "random"):
        cpu = ops.sample(imported, [1, 2, 3], truncation=0.7, noise_mode=noise)
        try:
            gpu = ops.sample(imported.to("cuda"), [1, 2, 3], truncation=0.7, noise_mode=noise)
        finally:
            imported.to("cpu")
        # TF32 convolutions on the GPU round differently; a wrong kernel path would be far off.
        assert (gpu - cpu).abs().mean() < 0.01 * cpu.abs().mean()
