"""App startup, API endpoints through gradio_client, and training throughput."""

from __future__ import annotations

import gzip
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import numpy as np
import torch
from served_app import running_app
from torch import nn

from benchmarks.common import (
    CGAN_MODEL,
    CYCLEGAN_MODEL,
    DCGAN_MODEL,
    SR_INPUT,
    SR_MODEL,
    STYLEGAN_MODEL,
    TRANSLATION_MODEL,
    Row,
    fmt_ms,
    log,
    ms,
    test_photo,
    time_calls,
)
from benchmarks.generation import style_mix_grid
from gan_demo import ops
from gan_demo.checkpoint import ModelRegistry
from gan_demo.data import DEBIAN_FASHION_MNIST
from gan_demo.models import DCGANDiscriminator, DCGANGenerator
from gan_demo.training.base import init_weights
from gan_demo.training.config import TrainConfig
from gan_demo.training.dcgan import GANTrainer

if TYPE_CHECKING:
    from gradio_client import Client


# -- startup and endpoints -----------------------------------------------------------------------------------

STARTUP_TARGET_S = 10.0
TRAINING_TARGET_RATIO = 1.3
APP_START_TIMEOUT_S = 120.0


def bench_startup(repeats: int, extra_models: Path | None) -> list[Row]:
    import_gradio = [sys.executable, "-c", "import gradio"]
    log(f"startup: {repeats} x import gradio, {repeats} x app.py ...")
    baseline = time_calls(lambda: subprocess.run(import_gradio, check=True), repeats, warmup=0)
    launches = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as workdir:
            start = time.perf_counter()
            with running_app(extra_models, Path(workdir), APP_START_TIMEOUT_S, poll_s=0.05):
                launches.append(time.perf_counter() - start)
    base_s, ours_s = float(np.median(baseline)), float(np.median(launches))
    return [
        Row(
            "startup: launch to HTTP 200, median",
            f"`import gradio`: {base_s:.2f} s",
            f"`python app.py`: {ours_s:.2f} s",
            f"+{ours_s - base_s:.2f} s over importing gradio",
            f"< {STARTUP_TARGET_S:.0f} s",
            ours_s < STARTUP_TARGET_S,
            {"baseline_median_s": base_s, "median_s": ours_s, "max_s": max(launches)},
        )
    ]


def endpoint_calls(
    registry: ModelRegistry, workdir: Path
) -> dict[str, tuple[Callable[[int], tuple], Callable[[int], object]]]:
    """Endpoint -> (its client arguments for a seed, the same work done in this process by ops)."""
    from gradio_client import handle_file
    from PIL import Image

    from gan_demo.data.sketch import clean_drawing

    dcgan = registry.get(DCGAN_MODEL).model
    cgan = registry.get(CGAN_MODEL)
    sneaker = cgan.class_names.index("Sneaker")
    sr = registry.get(SR_MODEL).model
    pix2pix = registry.get(TRANSLATION_MODEL).model
    stylegan = registry.get(STYLEGAN_MODEL).model
    photo, drawing = test_photo(SR_INPUT), np.full((512, 512), 255, dtype=np.uint8)
    drawing[100:400:25, 100:400] = 0  # a few pen strokes
    Image.fromarray(photo).save(workdir / "photo.png")
    Image.fromarray(drawing).save(workdir / "drawing.png")
    calls = {
        "/sample": (
            lambda seed: (DCGAN_MODEL, seed, 16, 1.0),
            lambda seed: ops.sample(dcgan, range(seed, seed + 16)),
        ),
        "/interpolate": (
            lambda seed: (DCGAN_MODEL, seed, seed + 1, 16, "slerp", 1.0, "z"),
            lambda seed: ops.interpolate(dcgan, seed, seed + 1, 16, "slerp"),
        ),
        "/conditional": (
            lambda seed: (CGAN_MODEL, "Sneaker", seed, 8, 1.0),
            lambda seed: ops.sample_class(cgan.model, sneaker, range(seed, seed + 8)),
        ),
        "/super_resolve": (  # a 256x256 photo -> 1024x1024, GAN model at alpha 0.8 (a blend each call)
            lambda seed: (handle_file(str(workdir / "photo.png")), SR_MODEL, 0.8, False),
            lambda seed: ops.super_resolve(ops.blend_models(sr, sr, 0.8), photo),
        ),
        "/style_mix": (  # 4 row seeds x 4 column seeds, the middle layers from the columns, with the headers
            lambda seed: (
                STYLEGAN_MODEL,
                ", ".join(map(str, range(seed, seed + 4))),
                ", ".join(map(str, range(seed + 4, seed + 8))),
                "middle",
                0,
                0,
                1.0,
                "const",
            ),
            lambda seed: style_mix_grid(stylegan, seed),
        ),
        "/translate": (  # a 512x512 drawing -> one 128x128 avatar, with the L1-only model's beside it
            lambda seed: (TRANSLATION_MODEL, "drawing", None, handle_file(str(workdir / "drawing.png"))),
            lambda seed: ops.translate(pix2pix, ops.fit_square(clean_drawing(drawing), pix2pix.image_size)),
        ),
    }
    if CYCLEGAN_MODEL in registry.names():  # a 256x256 upload -> one 64 px translation and its cycle back
        cyclegan = registry.get(CYCLEGAN_MODEL)
        calls["/cyclegan"] = (
            lambda seed: (handle_file(str(workdir / "photo.png")), "AtoB", CYCLEGAN_MODEL),
            lambda seed: ops.cycle_translate(
                cyclegan.model, ops.fit_crop(photo, cyclegan.config["image_size"]), "AtoB"
            ),
        )
    return calls


def bench_endpoints(registry: ModelRegistry, repeats: int, extra_models: Path | None) -> list[Row]:
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as workdir, running_app(extra_models, Path(workdir)) as url:
        calls = endpoint_calls(registry, Path(workdir))
        downloads = Path(workdir) / "downloads"
        client = Client(url, verbose=False, download_files=downloads, analytics_enabled=False)
        return [bench_endpoint(client, url, api_name, *call, repeats) for api_name, call in calls.items()]


def raw_http_call(http: httpx.Client, url: str, api_name: str, arguments: tuple) -> None:
    """One call the way the browser's JavaScript client makes it: POST the inputs, read the SSE answer.

    Unlike gradio_client, this does not download the result images; a browser fetches those in parallel.
    """
    endpoint = f"{url.rstrip('/')}/gradio_api/call{api_name}"
    event_id = http.post(endpoint, json={"data": list(arguments)}).json()["event_id"]
    answer = http.get(f"{endpoint}/{event_id}").text
    if "event: complete" not in answer:
        raise RuntimeError(f"{api_name} did not complete: {answer[-300:]}")


def bench_endpoint(
    client: Client,
    url: str,
    api_name: str,
    arguments: Callable[[int], tuple],
    direct: Callable[[int], object],
    repeats: int,
) -> Row:
    log(f"endpoint {api_name}: {repeats} calls ...")
    seeds = itertools.count(1000)  # a new seed per call: no cached answers
    baseline = ms(time_calls(lambda: direct(next(seeds)), repeats))
    ours = ms(time_calls(lambda: client.predict(*arguments(next(seeds)), api_name=api_name), repeats))
    raw: dict[str, float] = {}
    measured = f"gradio_client (with file up- and downloads): {fmt_ms(ours)}"
    if not any(isinstance(a, dict) for a in arguments(0)):  # raw HTTP here only for calls without file uploads
        with httpx.Client(timeout=60) as http:
            raw = ms(time_calls(lambda: raw_http_call(http, url, api_name, arguments(next(seeds))), repeats))
        measured += f"; raw HTTP POST + SSE: {fmt_ms(raw)}"
    return Row(
        f"endpoint {api_name}: p50 / p95",
        f"ops call in-process: {fmt_ms(baseline)}",
        measured,
        f"+{ours['median_ms'] - baseline['median_ms']:.0f} ms app + HTTP overhead",
        numbers={f"baseline_{k}": v for k, v in baseline.items()} | ours | {f"raw_{k}": v for k, v in raw.items()},
    )


# -- training ------------------------------------------------------------------------------------------------


def torchvision_fashion_root(directory: Path) -> Path:
    """The layout torchvision.datasets.FashionMNIST reads: ROOT/FashionMNIST/raw/ with uncompressed IDX files."""
    raw = directory / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in DEBIAN_FASHION_MNIST.glob("*.gz"):
        with gzip.open(gz) as src, (raw / gz.stem).open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return directory


def textbook_images_per_s(cfg: TrainConfig, data_root: Path, steps: int, warmup: int) -> float:
    """The loop of PyTorch's examples/dcgan/main.py, with gan_demo's generator and discriminator."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    dataset = datasets.FashionMNIST(
        str(data_root),
        train=True,
        download=False,
        transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]),
    )
    loader = DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True, num_workers=2)
    net_g = DCGANGenerator(latent_dim=cfg.latent_dim, image_size=28, image_channels=1, base_channels=cfg.g_channels)
    net_d = nn.Sequential(
        DCGANDiscriminator(image_size=28, image_channels=1, base_channels=cfg.d_channels), nn.Sigmoid()
    )
    net_g.apply(init_weights)
    net_d.apply(init_weights)
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))

    batches = iter(loader)  # warmup + steps < one epoch of 468 batches
    start = 0.0
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        real, _ = next(batches)
        b = real.size(0)
        net_d.zero_grad()
        label = torch.full((b,), 1.0)
        err_d_real = criterion(net_d(real).view(-1), label)
        err_d_real.backward()
        fake = net_g(torch.randn(b, cfg.latent_dim))
        label.fill_(0.0)
        err_d_fake = criterion(net_d(fake.detach()).view(-1), label)
        err_d_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        label.fill_(1.0)
        err_g = criterion(net_d(fake).view(-1), label)
        err_g.backward()
        opt_g.step()
    elapsed = time.perf_counter() - start
    del batches  # shut the loader's worker processes down before the next measurement
    return steps * cfg.batch_size / elapsed


def trainer_images_per_s(cfg: TrainConfig, steps: int, warmup: int) -> tuple[float, str]:
    """gan_demo's Trainer, one discriminator and one generator step at a time; also returns its precision."""
    trainer = GANTrainer(cfg, command="scripts/benchmark.py")
    for _ in range(warmup):
        trainer.discriminator_step()
        trainer.generator_step()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.discriminator_step()
        trainer.generator_step()
    elapsed = time.perf_counter() - start
    precision = str(trainer.autocast_dtype or torch.float32).removeprefix("torch.")
    return steps * cfg.batch_size / elapsed, precision


def bench_training(steps: int, warmup: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(family="dcgan", dataset="fashion-mnist", batch_size=128, out=str(Path(tmp) / "run"))
        log(f"training: textbook loop, {warmup} + {steps} steps ...")
        baseline = textbook_images_per_s(cfg, torchvision_fashion_root(Path(tmp) / "data"), steps, warmup)
        log(f"training: gan_demo Trainer, {warmup} + {steps} steps ...")
        ours, precision = trainer_images_per_s(cfg, steps, warmup)
    ratio = ours / baseline
    return [
        Row(
            f"training dcgan, batch {cfg.batch_size}, {steps} steps after {warmup} warm-up, "
            f"{os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads",
            f"textbook loop (fp32, DataLoader 2 workers): {baseline:.0f} img/s",
            f"gan_demo Trainer ({precision}, channels_last, in-memory data): {ours:.0f} img/s",
            f"{ratio:.2f}x",
            f">= {TRAINING_TARGET_RATIO}x",
            ratio >= TRAINING_TARGET_RATIO,
            {"baseline_images_per_s": baseline, "images_per_s": ours, "ratio": ratio},
        )
    ]
