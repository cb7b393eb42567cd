"""Training the evaluation classifier, whose features replace Inception's offline."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .. import checkpoint
from ..data import load_dataset, to_model_range
from ..models import FeatureClassifier
from .report import describe_hardware, write_model_card


@torch.no_grad()
def accuracy(model: FeatureClassifier, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = sum(
        (model(to_model_range(images[i : i + batch])).argmax(1) == labels[i : i + batch]).sum().item()
        for i in range(0, len(images), batch)
    )
    return correct / len(images)


def random_shift(images: torch.Tensor, generator: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Pad and randomly crop the whole batch by up to `max_shift` pixels (a light augmentation)."""
    size = images.shape[-1]
    padded = F.pad(images, [max_shift] * 4, value=-1.0)
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2,), generator=generator).tolist()
    return padded[..., dy : dy + size, dx : dx + size]


def train_classifier(
    *,
    dataset: str,
    data_root: str | None,
    export: str,
    epochs: int,
    batch_size: int,
    seed: int,
    image_size: int = 28,
    channels: int = 1,
    lr: float = 1e-3,
) -> Path:
    torch.manual_seed(seed)
    started = time.monotonic()
    # Image folders have no test split: the accuracy reported for them is on the training images.
    train, test = (
        load_dataset(dataset, data_root=data_root, split=split, image_size=image_size, channels=channels)
        for split in ("train", "test")
    )
    if train.labels is None or test.labels is None:
        raise ValueError("the evaluation classifier needs a labelled dataset")
    model = FeatureClassifier(image_channels=train.channels, num_classes=len(train.class_names))
    steps_per_epoch = len(train) // batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(train), generator=generator)
        for i in range(steps_per_epoch):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            images = random_shift(to_model_range(train.images[idx]), generator)
            loss = F.cross_entropy(model(images), train.labels[idx], label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        test_acc = accuracy(model, test.images, test.labels)
        print(f"epoch {epoch + 1}/{epochs}: loss {loss.item():.3f}, test accuracy {test_acc:.4f}", flush=True)
    directory = checkpoint.save_model(
        model.eval(),
        export,
        role="classifier",
        title=f"{dataset} evaluation classifier",
        description="Features for the Fréchet distance and predictions for class fidelity (scripts/evaluate.py).",
        dataset=dataset,
        image_size=train.image_size,
        image_channels=train.channels,
        class_names=train.class_names,
        training={
            "commands": ["python " + shlex.join(sys.argv)],
            "steps": epochs * steps_per_epoch,
            "planned_steps": epochs * steps_per_epoch,
            "wall_time_s": round(time.monotonic() - started, 1),
            "hardware": describe_hardware(torch.device("cpu")),
            "torch_version": torch.__version__,
            "precision": "float32",
            "seed": seed,
        },
        metrics={"test_accuracy": round(test_acc, 4)},
    )
    write_model_card(directory)
    return directory
