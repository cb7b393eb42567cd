"""Training the evaluation classifiers, whose features replace Inception's offline.

Fashion-MNIST (and labelled image folders): one label per image, `FeatureClassifier`.
Avatars (scripts/prepare_avatars.py): 15 attributes per image, `AttributeClassifier`, tested
on a separately prepared set of held-out seeds (data/avatars-eval).
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .. import checkpoint
from ..data import load_avatar_images, load_dataset, to_model_range
from ..data.avatars import load_avatars
from ..models import AttributeClassifier, FeatureClassifier
from .report import describe_hardware, write_model_card

DEFAULT_AVATARS = "data/avatars-128"
DEFAULT_AVATARS_TEST = "data/avatars-eval"  # seeds 1,000,000 and up: never in a training set
LABEL_SMOOTHING = 0.1


@torch.no_grad()
def accuracy(model: FeatureClassifier, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = sum(
        (model(to_model_range(images[i : i + batch])).argmax(1) == labels[i : i + batch]).sum().item()
        for i in range(0, len(images), batch)
    )
    return correct / len(images)


@torch.no_grad()
def attribute_accuracy(
    model: AttributeClassifier, images: torch.Tensor, labels: torch.Tensor, batch: int = 500
) -> list[float]:
    """(N, C, H, W) uint8 images and (N, A) labels -> the share of images whose attribute a is right, per a."""
    model.eval()
    correct = sum(
        (model.attribute_predictions(model(to_model_range(images[i : i + batch]))) == labels[i : i + batch]).sum(0)
        for i in range(0, len(images), batch)
    )
    return (correct.double() / len(images)).tolist()


def attribute_cross_entropy(
    logits: Sequence[torch.Tensor], labels: torch.Tensor, label_smoothing: float = 0.0
) -> torch.Tensor:
    """Mean over attributes of each attribute's cross-entropy: A logits (B, K_a) and (B, A) labels -> scalar."""
    if len(logits) != labels.shape[1]:
        raise ValueError(f"got logits for {len(logits)} attributes but labels for {labels.shape[1]}")
    losses = [F.cross_entropy(part, labels[:, a], label_smoothing=label_smoothing) for a, part in enumerate(logits)]
    return torch.stack(losses).mean()


def random_shift(
    images: torch.Tensor, generator: torch.Generator, max_shift: int = 2, mode: str = "constant"
) -> torch.Tensor:
    """Pad and randomly crop the whole batch by up to `max_shift` pixels (a light augmentation).

    mode "constant" pads with black (-1), "replicate" with the edge pixels (a flat background)."""
    size = images.shape[-1]
    padded = F.pad(images, [max_shift] * 4, mode=mode, **({"value": -1.0} if mode == "constant" else {}))
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2,), generator=generator).tolist()
    return padded[..., dy : dy + size, dx : dx + size]


def fit(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    report: Callable[[], str],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    lr: float,
    started: float,
    padding: str = "constant",
) -> dict[str, Any]:
    """AdamW with a one-cycle schedule over `epochs` shuffled passes of (N, C, H, W) uint8 `images`;
    prints the loss and `report()` after each epoch. Returns the training summary for config.json
    (wall time since the `started` time.monotonic())."""
    steps_per_epoch = len(images) // batch_size
    if steps_per_epoch < 1 or epochs < 1:
        raise ValueError(
            f"need epochs >= 1 and at least one batch of {batch_size}, got {epochs=}, {len(images)} images"
        )
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        started = time.monotonic()
        perm = torch.randperm(len(images), generator=generator)
        for i in range(steps_per_epoch):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            batch = random_shift(to_model_range(images[idx]), generator, mode=padding)
            loss = loss_fn(model(batch), labels[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        seconds = time.monotonic() - started
        print(f"epoch {epoch + 1}/{epochs} ({seconds:.0f} s): loss {loss.item():.3f}, {report()}", flush=True)
    steps = epochs * steps_per_epoch
    return {
        "commands": ["python " + shlex.join(sys.argv)],
        "steps": steps,
        "planned_steps": steps,
        "images_seen": steps * batch_size,
        "wall_time_s": round(time.monotonic() - started, 1),
        "hardware": describe_hardware(torch.device("cpu")),
        "torch_version": torch.__version__,
        "precision": "float32",
        "seed": seed,
    }


def export_classifier(model: nn.Module, export: str, training: dict[str, Any], **metadata: Any) -> Path:
    """Save a trained classifier as a checkpoint directory (role "classifier") with its model card."""
    directory = checkpoint.save_model(model.eval(), export, role="classifier", training=training, **metadata)
    write_model_card(directory)
    return directory


def train_classifier(
    *,
    dataset: str,
    data_root: str | None,
    export: str,
    epochs: int,
    batch_size: int,
    seed: int,
    image_size: int | None = 28,
    channels: int = 1,
    lr: float = 1e-3,
    test_root: str | None = None,
) -> Path:
    """The Fashion-MNIST (or labelled image folder) classifier; for dataset "avatars", the attribute classifier."""
    if dataset == "avatars":
        return train_attribute_classifier(
            data_root=data_root or DEFAULT_AVATARS,
            test_root=test_root or DEFAULT_AVATARS_TEST,
            export=export,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            image_size=image_size or 64,
            lr=lr,
        )
    torch.manual_seed(seed)
    started = time.monotonic()
    # Image folders have no test split: the accuracy reported for them is on the training images.
    train, test = (
        load_dataset(dataset, data_root=data_root, split=split, image_size=image_size or 28, channels=channels)
        for split in ("train", "test")
    )
    if train.labels is None or test.labels is None:
        raise ValueError("the evaluation classifier needs a labelled dataset")
    model = FeatureClassifier(image_channels=train.channels, num_classes=len(train.class_names))
    test_acc = 0.0

    def report() -> str:
        nonlocal test_acc
        test_acc = accuracy(model, test.images, test.labels)
        return f"test accuracy {test_acc:.4f}"

    def loss_fn(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)

    training = fit(
        model,
        train.images,
        train.labels,
        loss_fn,
        report,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        lr=lr,
        started=started,
    )
    return export_classifier(
        model,
        export,
        training,
        title=f"{dataset} evaluation classifier",
        description="Features for the Fréchet distance and predictions for class fidelity (scripts/evaluate.py).",
        dataset=dataset,
        image_size=train.image_size,
        image_channels=train.channels,
        class_names=train.class_names,
        metrics={"test_accuracy": round(test_acc, 4)},
    )


def load_labelled_avatars(root: str | Path, image_size: int) -> tuple[torch.Tensor, torch.Tensor, range, dict]:
    """Prepared avatars resized to `image_size` (antialiased): (N, 3, S, S) uint8 images, (N, A) labels,
    their seeds and the dataset's metadata."""
    avatars = load_avatars(root)
    images = (
        avatars.images if avatars.images.shape[-1] == image_size else load_avatar_images(Path(root), image_size).images
    )
    return images, avatars.attributes, avatars.seeds, avatars.meta


def train_attribute_classifier(
    *,
    data_root: str,
    test_root: str,
    export: str,
    epochs: int,
    batch_size: int,
    seed: int,
    image_size: int = 64,
    lr: float = 1e-3,
) -> Path:
    """AttributeClassifier on prepared avatars, tested on held-out avatars; per-attribute accuracy in the card."""
    torch.manual_seed(seed)
    started = time.monotonic()
    images, labels, seeds, meta = load_labelled_avatars(data_root, image_size)
    test_images, test_labels, test_seeds, test_meta = load_labelled_avatars(test_root, image_size)
    if test_meta["attributes"] != meta["attributes"]:
        raise ValueError(f"{test_root} and {data_root} label different attributes: prepare both with one version")
    if range(max(seeds.start, test_seeds.start), min(seeds.stop, test_seeds.stop)):
        raise ValueError(f"the test avatars ({test_root}, seeds {test_seeds}) overlap the training ones ({seeds})")
    names = list(meta["attributes"])
    model = AttributeClassifier(attribute_classes=[len(v) for v in meta["attributes"].values()])
    test_acc = [0.0] * len(names)

    def report() -> str:
        nonlocal test_acc
        test_acc = attribute_accuracy(model, test_images, test_labels)
        worst = sorted(zip(test_acc, names, strict=True))[:3]
        return (
            f"mean test accuracy {sum(test_acc) / len(test_acc):.4f} (lowest: "
            + ", ".join(f"{n} {a:.3f}" for a, n in worst)
            + ")"
        )

    def loss_fn(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return attribute_cross_entropy(model.split_logits(logits), targets, LABEL_SMOOTHING)

    training = fit(
        model,
        images,
        labels,
        loss_fn,
        report,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        lr=lr,
        started=started,
        padding="replicate",
    )
    per_attribute = {
        name: {"accuracy": round(acc, 4), "classes": len(meta["attributes"][name])}
        for name, acc in zip(names, test_acc, strict=True)
    }
    return export_classifier(
        model,
        export,
        training,
        title="Avatar attribute classifier",
        description=(
            "A small CNN with one head per avatar attribute (hair/hat, colours, eyes, mouth, accessory, clothing ...). "
            "Its penultimate features replace Inception's in the avatars' Fréchet distance, and its predictions "
            "check what style mixing takes from each source (scripts/evaluate_avatars.py). Trained on "
            f"{len(images):,} avatars (seeds {seeds.start}-{seeds.stop - 1}) resized to {image_size} px."
        ),
        dataset=f"avatars ({Path(data_root).name})",
        image_size=image_size,
        image_channels=3,
        attributes=meta["attributes"],
        metrics={
            "test_accuracy": round(sum(test_acc) / len(test_acc), 4),
            "test_set": f"{Path(test_root).name}: {len(test_images):,} avatars, seeds {test_seeds.start}-"
            f"{test_seeds.stop - 1}",
            "test_accuracy_per_attribute": per_attribute,
        },
    )
