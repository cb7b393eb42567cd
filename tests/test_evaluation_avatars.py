"""The avatar-attribute classifier, its training, and scripts/evaluate_avatars.py's measurements, on tiny models."""

from __future__ import annotations

import json
import math
from pathlib import Path

import evaluate_avatars
import evaluate_paired
import numpy as np
import pytest
import torch
import train as train_script
import train_classifier as classifier_script

from gan_demo import evaluation, ops
from gan_demo.checkpoint import load_model, read_config, save_model
from gan_demo.data.avatars import ATTRIBUTES, load_avatars
from gan_demo.models import AttributeClassifier, StyleGANGenerator, UNetGenerator
from gan_demo.training.classifier import attribute_cross_entropy

CLASSES = [len(v) for v in ATTRIBUTES.values()]


def tiny_classifier(seed: int = 0) -> AttributeClassifier:
    """Untrained, with its batch-norm statistics measured on flat colours plus noise: freshly initialised
    statistics (mean 0, variance 1) would leave its features almost the same for any image."""
    torch.manual_seed(seed)
    model = AttributeClassifier(attribute_classes=CLASSES, base_channels=4, feature_dim=8)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # a cumulative average: one pass measures the statistics
    with torch.no_grad():
        model.train()(torch.rand(64, 3, 1, 1) * 2 - 1 + 0.1 * torch.randn(64, 3, 16, 16))
    return model.eval()


def tiny_stylegan(seed: int = 0) -> StyleGANGenerator:
    torch.manual_seed(seed)
    return StyleGANGenerator(image_size=16, latent_dim=8, mapping_layers=2, base_channels=4, max_channels=8).eval()


def write_avatars(root: Path, first_seed: int, count: int, size: int) -> Path:
    """A folder laid out like scripts/prepare_avatars.py's: random labels, and pictures whose background and
    a centre square show the first two attributes (so a classifier has something to learn)."""
    rng = np.random.default_rng(first_seed)
    labels = np.stack([rng.integers(k, size=count) for k in CLASSES], axis=1).astype(np.int16)
    images = np.empty((count, size, size, 3), np.uint8)
    images[:] = (labels[:, 0, None, None, None] * 120).astype(np.uint8)
    images[:, size // 4 : -size // 4, size // 4 : -size // 4] = (labels[:, 1, None, None, None] * 40).astype(np.uint8)
    images = np.clip(images + rng.integers(0, 20, images.shape), 0, 255).astype(np.uint8)
    sketches = np.where(rng.random((count, size, size)) < 0.1, 0, 255).astype(np.uint8)
    root.mkdir(parents=True)
    for name, array in (("images", images), ("sketches", sketches), ("attributes", labels)):
        np.save(root / f"{name}.npy", array)
    meta = {"seeds": [first_seed, first_seed + count], "size": size, "attributes": ATTRIBUTES}
    (root / "dataset.json").write_text(json.dumps(meta))
    return root


def as_avatar_classifier(model: AttributeClassifier, size: int = 16) -> evaluation.AvatarClassifier:
    return evaluation.AvatarClassifier(model, "tiny-classifier", size, {"attributes": ATTRIBUTES})


def test_attribute_classifier_shapes_and_strict_round_trip(tmp_path: Path) -> None:
    model = AttributeClassifier(attribute_classes=[3, 5, 2], base_channels=4, feature_dim=8).eval()
    images = torch.rand(4, 3, 64, 64) * 2 - 1
    assert model.embed(images).shape == (4, 8)
    logits = model(images)
    assert logits.shape == (4, 10)
    assert [p.shape[1] for p in model.split_logits(logits)] == [3, 5, 2]
    predictions = model.attribute_predictions(logits)
    assert predictions.shape == (4, 3) and (predictions < torch.tensor([3, 5, 2])).all()
    assert torch.equal(model.classify(model.embed(images)), logits)  # eval mode: no dropout
    save_model(model, tmp_path / "clf", role="classifier")
    loaded, config = load_model(tmp_path / "clf")
    assert config["kwargs"] == {
        "attribute_classes": [3, 5, 2],
        "image_channels": 3,
        "base_channels": 4,
        "feature_dim": 8,
    }
    assert torch.equal(loaded(images), logits)
    with pytest.raises(ValueError, match="attribute_classes"):
        AttributeClassifier(attribute_classes=[3, 1])


def test_attribute_cross_entropy_is_the_mean_over_attributes() -> None:
    logits = (torch.randn(4, 3), torch.randn(4, 5))
    labels = torch.tensor([[0, 1], [2, 4], [1, 0], [0, 3]])
    expected = (
        torch.nn.functional.cross_entropy(logits[0], labels[:, 0])
        + torch.nn.functional.cross_entropy(logits[1], labels[:, 1])
    ) / 2
    assert torch.allclose(attribute_cross_entropy(logits, labels), expected)
    with pytest.raises(ValueError, match="attributes"):
        attribute_cross_entropy(logits, labels[:, :1])


def test_avatars_classifier_trains_from_prepared_folders(tmp_path: Path) -> None:
    train = write_avatars(tmp_path / "train", first_seed=0, count=32, size=32)
    test = write_avatars(tmp_path / "test", first_seed=1000, count=8, size=32)
    argv = ["--dataset", "avatars", "--data-root", str(train), "--test-root", str(test),
            "--image-size", "16", "--epochs", "1", "--batch-size", "8", "--export", str(tmp_path / "clf")]  # fmt: skip
    assert classifier_script.main(argv) == 0
    model, config = load_model(tmp_path / "clf")
    assert config["role"] == "classifier" and config["image_size"] == 16 and config["attributes"] == ATTRIBUTES
    per_attribute = config["metrics"]["test_accuracy_per_attribute"]
    assert list(per_attribute) == list(ATTRIBUTES) and per_attribute["top"]["classes"] == 61
    assert 0 <= config["metrics"]["test_accuracy"] <= 1 and config["training"]["steps"] == 4
    assert "test_accuracy_per_attribute" in (tmp_path / "clf" / "README.md").read_text()
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, sum(CLASSES))
    overlapping = ["--test-root", str(train), "--export", str(tmp_path / "clf2")]
    with pytest.raises(ValueError, match="overlap"):
        classifier_script.main([*argv[:-4], *overlapping])
    with pytest.raises(SystemExit):  # --test-root belongs to the classifier
        train_script.parse_args(["--family", "dcgan", "--test-root", str(test)])


def test_frechet_distance_in_classifier_features() -> None:
    classifier = as_avatar_classifier(tiny_classifier())
    generator = torch.Generator().manual_seed(0)
    colours = torch.rand(64, 3, 1, 1, generator=generator) * 2 - 1  # flat colours, like avatar backgrounds
    real = (colours + 0.1 * torch.randn(64, 3, 32, 32, generator=generator)).clamp(-1, 1)
    other = real * 0.3 - 0.5  # darker, less varied
    stats = evaluation.classifier_statistics(classifier, real)
    assert stats[0].shape == (8,)
    assert evaluation.frechet_distance(*stats, *evaluation.classifier_statistics(classifier, real)) < 1e-6
    assert evaluation.frechet_distance(*stats, *evaluation.classifier_statistics(classifier, other)) > 1e-3
    # The evaluation resizes to the classifier's size before it embeds, and predicts from the same features.
    features, labels = evaluate_avatars.features_and_predictions(classifier, real)
    resized = evaluation.resize_images(real, 16)
    assert resized.shape == (64, 3, 16, 16)
    assert torch.allclose(features, evaluation.extract_features(classifier.model, resized), atol=1e-6)
    assert torch.equal(labels, classifier.model.attribute_predictions(classifier.model(resized)))


def test_mixing_agreement_counts_only_pairs_whose_sources_differ() -> None:
    rows = torch.tensor([[0, 1], [1, 1], [2, 0], [0, 0]])
    columns = torch.tensor([[1, 1], [1, 1], [0, 0], [2, 0]])
    mixed = torch.tensor([[0, 0], [1, 1], [0, 1], [1, 0]])
    result = evaluate_avatars.mixing_agreement(rows, columns, mixed, {"shape": 3, "colour": 2})
    shape = result["shape"]
    # Pairs 0, 2 and 3 differ: the mix keeps the row's value in pair 0 and takes the column's in pair 2.
    assert (
        shape["pairs"] == 3
        and shape["kept_row"] == pytest.approx(1 / 3)
        and shape["took_column"] == pytest.approx(1 / 3)
    )
    # Mixes labelled 0, 0, 1 (2/3, 1/3); sources 0, 2, 0, 1, 0, 2 (1/2, 1/6, 1/3): 2/3 * 1/2 + 1/3 * 1/6.
    assert shape["chance"] == pytest.approx(7 / 18)
    colour = result["colour"]  # no pair's sources differ in colour
    assert colour["pairs"] == 0 and math.isnan(colour["kept_row"]) and math.isnan(colour["chance"])
    with pytest.raises(ValueError, match="label sets"):
        evaluate_avatars.mixing_agreement(rows, columns, mixed[:3], {"shape": 3, "colour": 2})


def test_marginal_distances() -> None:
    a = torch.tensor([[0], [1], [0], [1]])
    assert evaluate_avatars.marginal_distances(a, a.flip(0), {"x": 2}) == {"x": 0.0}
    assert evaluate_avatars.marginal_distances(a, torch.full((4, 1), 2), {"x": 3}) == {"x": 1.0}


def test_style_mixing_labels_pair_each_mix_with_its_sources() -> None:
    model, classifier = tiny_stylegan(), as_avatar_classifier(tiny_classifier())
    # No layer from the column: every mix is its row source's image (same w's, same noise seed).
    rows, columns, mixed = evaluate_avatars.style_mixing_labels(model, classifier, range(0), 6, 2, 1.0)
    assert rows.shape == columns.shape == mixed.shape == (6, len(ATTRIBUTES))
    assert torch.equal(mixed, rows)
    # Every layer from the column, with the stored noise: every mix is its column source's image.
    everything = range(model.num_ws)
    rows, columns, mixed = evaluate_avatars.style_mixing_labels(model, classifier, everything, 8, 2, 1.0, 0, "const")
    assert torch.equal(mixed, columns)
    assert torch.equal(rows[0], rows[1]) and torch.equal(columns[0], columns[2])  # pair r * grid + k: row r, column k


def test_evaluate_avatars_end_to_end_updates_the_cards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoints = tmp_path / "checkpoints"
    save_model(tiny_stylegan(), checkpoints / "tiny-stylegan", task="sample", dataset="avatars", image_size=16)
    for i, name in enumerate(("tiny-pix2pix", "tiny-l1")):
        torch.manual_seed(i)
        unet = UNetGenerator(image_size=32, base_channels=4, max_channels=8).eval()
        save_model(unet, checkpoints / name, task="translation", dataset="avatars", image_size=32)
    save_model(tiny_classifier(), tmp_path / "clf", role="classifier", image_size=16, attributes=ATTRIBUTES)
    heldout = write_avatars(tmp_path / "heldout", first_seed=1000, count=8, size=16)
    avatars = write_avatars(tmp_path / "eval", first_seed=1000, count=4, size=32)
    floor = write_avatars(tmp_path / "floor", first_seed=1002, count=6, size=32)  # seeds 1002-1003 are evaluated
    argv = ["--checkpoints", str(checkpoints), "--classifier", str(tmp_path / "clf"), "--stylegan", "tiny-stylegan",
            "--heldout", str(heldout), "--avatars", str(avatars), "--floor-avatars", str(floor), "--num-samples", "4",
            "--truncations", "1.0", "0.5", "--mix-pairs", "4", "--mix-grid", "2", "--update-cards",
            "--device", "cpu"]  # fmt: skip
    assert evaluate_avatars.main(argv) == 0
    out = capsys.readouterr().out
    assert "| StyleGAN, ψ = 0.5 |" in out and "| coarse layers from the column |" in out and "| tiny-l1 |" in out
    assert "No fine layers at 16 px" in out
    metrics = read_config(checkpoints / "tiny-stylegan")["metrics"]
    assert metrics["frechet_distance"] >= 0 and metrics["frechet_distance_psi0.5"] >= 0
    assert set(metrics["style_mixing_coarse"]) == {"top", "accessory", "hair_color", "skin_color", "clothing_color",
                                                   "background_color"}  # fmt: skip
    assert "style_mixing_middle" in (checkpoints / "tiny-stylegan" / "README.md").read_text()
    translation = read_config(checkpoints / "tiny-pix2pix")["metrics"]
    assert translation["frechet_distance"] >= 0 and translation["frechet_distance_floor"] >= 0 and "psnr" in translation
    classifier_metrics = read_config(tmp_path / "clf")["metrics"]
    assert 0 <= classifier_metrics["accuracy_64px_renders"] <= 1


def test_other_real_avatars_leave_out_the_evaluated_seeds(tmp_path: Path) -> None:
    root = write_avatars(tmp_path / "floor", first_seed=10, count=6, size=8)
    images = evaluate_paired.other_real_avatars(root, range(10, 13), 3)
    expected = load_avatars(root).images[3:6].float() / 127.5 - 1
    assert torch.allclose(images, expected)
    with pytest.raises(ValueError, match="need 4"):
        evaluate_paired.other_real_avatars(root, range(10, 13), 4)


def test_sample_images_are_reproducible() -> None:
    model = tiny_stylegan()
    images = evaluate_avatars.sample_images(model, 3, 1.0)
    assert images.shape == (3, 3, 16, 16)
    assert torch.equal(images[1:], ops.sample(model, [1, 2], 1.0, noise_mode="random"))
