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
from dataclasses import dataclass
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


@dataclass
class ClassifierConfig:
    """Options of scripts/train_classifier.py. None in image_size, channels, data_root or test_root: the
    dataset's value in DATASET_DEFAULTS."""

    dataset: str = "fashion-mnist"  # or mnist, cifar10, folder (labelled sub-folders), avatars (attributes)
    data_root: str | None = None
    test_root: str | None = None  # avatars: the prepared held-out avatars it is tested on
    image_size: int | None = None
    channels: int | None = None
    epochs: int = 6
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    export: str = "runs/classifier/model"

    def __post_init__(self) -> None:
        for key, value in DATASET_DEFAULTS.get(self.dataset, DATASET_DEFAULTS["*"]).items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.test_root is not None and self.dataset != "avatars":
            raise ValueError(f"test_root is for the avatars dataset (a held-out set), not {self.dataset!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive, got {self.epochs} and {self.batch_size}")


# The one source of the dataset-dependent options ("*": every dataset but avatars).
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "avatars": {"image_size": 64, "channels": 3, "data_root": DEFAULT_AVATARS, "test_root": DEFAULT_AVATARS_TEST},
    "*": {"image_size": 28, "channels": 3},  # image folders; the built-in datasets keep their own
}


@dataclass
class _Task:
    """What differs between the two classifiers; train_classifier runs either."""

    model: nn.Module
    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    report: Callable[[], str]  # after each epoch: the test accuracy, which `metadata` then records
    metadata: Callable[[], dict[str, Any]]  # config.json's title, description, metrics ... after training
    padding: str = "constant"


def train_classifier(cfg: ClassifierConfig) -> Path:
    """The Fashion-MNIST (or labelled image folder) classifier; for dataset "avatars", the attribute classifier."""
    torch.manual_seed(cfg.seed)  # the initial weights of a training run, which owns the process
    started = time.monotonic()
    task = _attribute_task(cfg) if cfg.dataset == "avatars" else _class_task(cfg)
    training = fit(
        task.model, task.images, task.labels, task.loss, task.report, epochs=cfg.epochs,
        batch_size=cfg.batch_size, seed=cfg.seed, lr=cfg.lr, started=started, padding=task.padding,
    )  # fmt: skip
    return export_classifier(task.model, cfg.export, training, **task.metadata())


def _class_task(cfg: ClassifierConfig) -> _Task:
    # Image folders have no test split: the accuracy reported for them is on the training images.
    train, test = (
        load_dataset(
            cfg.dataset, data_root=cfg.data_root, split=split, image_size=cfg.image_size, channels=cfg.channels
        )
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

    def loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)

    def metadata() -> dict[str, Any]:
        return {
            "title": f"{cfg.dataset} evaluation classifier",
            "description": "Features for the Fréchet distance and predictions for class fidelity "
            "(scripts/evaluate.py).",
            "dataset": cfg.dataset,
            "image_size": train.image_size,
            "image_channels": train.channels,
            "class_names": train.class_names,
            "metrics": {"test_accuracy": round(test_acc, 4)},
        }

    return _Task(model, train.images, train.labels, loss, report, metadata)


def load_labelled_avatars(root: str | Path, image_size: int) -> tuple[torch.Tensor, torch.Tensor, range, dict]:
    """Prepared avatars resized to `image_size` (antialiased): (N, 3, S, S) uint8 images, (N, A) labels,
    their seeds and the dataset's metadata."""
    avatars = load_avatars(root)
    images = (
        avatars.images if avatars.images.shape[-1] == image_size else load_avatar_images(Path(root), image_size).images
    )
    return images, avatars.attributes, avatars.seeds, avatars.meta


def _attribute_task(cfg: ClassifierConfig) -> _Task:
    """AttributeClassifier on prepared avatars, tested on held-out avatars; per-attribute accuracy in the card."""
    data_root, test_root, image_size = str(cfg.data_root), str(cfg.test_root), int(cfg.image_size or 0)
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

    def loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return attribute_cross_entropy(model.split_logits(logits), targets, LABEL_SMOOTHING)

    def metadata() -> dict[str, Any]:
        per_attribute = {
            name: {"accuracy": round(acc, 4), "classes": len(meta["attributes"][name])}
            for name, acc in zip(names, test_acc, strict=True)
        }
        return {
            "title": "Avatar attribute classifier",
            "description": (
                "A small CNN with one head per avatar attribute (hair/hat, colours, eyes, mouth, accessory, clothing "
                "...). Its penultimate features replace Inception's in the avatars' Fréchet distance, and its "
                "predictions check what style mixing takes from each source (scripts/evaluate_avatars.py). Trained on "
                f"{len(images):,} avatars (seeds {seeds.start}-{seeds.stop - 1}) resized to {image_size} px."
            ),
            "dataset": f"avatars ({Path(data_root).name})",
            "image_size": image_size,
            "image_channels": 3,
            "attributes": meta["attributes"],
            "metrics": {
                "test_accuracy": round(sum(test_acc) / len(test_acc), 4),
                "test_set": f"{Path(test_root).name}: {len(test_images):,} avatars, seeds {test_seeds.start}-"
                f"{test_seeds.stop - 1}",
                "test_accuracy_per_attribute": per_attribute,
            },
        }

    return _Task(model, images, labels, loss, report, metadata, padding="replicate")
