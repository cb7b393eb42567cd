"""Train an evaluation classifier, whose features replace Inception's offline (scripts/evaluate*.py use them).

Examples (each shipped classifier's recipe is its recipe.json):
    python scripts/train_classifier.py --config checkpoints/classifier-fashion/recipe.json
    python scripts/train_classifier.py --dataset fashion-mnist --epochs 6 --export checkpoints/classifier-fashion
    python scripts/train_classifier.py --dataset avatars --data-root data/avatars-128 --test-root data/avatars-eval \\
        --image-size 64 --epochs 6 --export checkpoints/classifier-avatars   # the avatar-attribute classifier
    python scripts/train_classifier.py --dataset folder --data-root my_labelled_images/ --epochs 10
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_demo.training.classifier import DATASET_DEFAULTS, ClassifierConfig, train_classifier  # noqa: E402
from gan_demo.training.options import options_parser, parse_options  # noqa: E402

HELP = {
    "dataset": "fashion-mnist, mnist, cifar10, folder (one sub-folder of images per class, under --data-root), or "
    "avatars (prepared by scripts/prepare_avatars.py: the avatar-attribute classifier, one head per attribute)",
    "data_root": "where the dataset's files are",
    "test_root": "avatars: the prepared held-out avatars it is tested on (never in a training set)",
    "image_size": "the images' side (image folders and avatars are resized to it)",
    "channels": "image folders: 1 (grey) or 3 (RGB)",
    "epochs": "passes over the training images",
    "batch_size": "images per step",
    "lr": "peak learning rate of AdamW's one-cycle schedule",
    "seed": "seeds weights and batches",
    "export": "where the checkpoint (config.json, model.safetensors, README.md) is written",
}


def by_dataset(name: str) -> str | None:
    """A dataset-dependent option's defaults for --help."""
    if name not in DATASET_DEFAULTS["avatars"]:
        return None
    avatars, others = DATASET_DEFAULTS["avatars"][name], DATASET_DEFAULTS["*"].get(name, "unset")
    return str(others) if avatars == others else f"{others}; avatars: {avatars}"


def parse_args(argv: list[str] | None = None) -> ClassifierConfig:
    parser = options_parser(ClassifierConfig, __doc__, HELP, default_text=by_dataset)
    return ClassifierConfig(**parse_options(parser, ClassifierConfig, argv))


def main(argv: list[str] | None = None) -> int:
    print(f"exported {train_classifier(parse_args(argv))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
