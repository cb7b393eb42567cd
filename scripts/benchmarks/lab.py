"""The training lab: image mode and the 2D playground."""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from served_app import running_app

from benchmarks.common import (
    DCGAN_MODEL,
    Row,
    log,
    ms,
    time_calls,
)
from gan_demo.checkpoint import load_model
from gan_demo.data import load_dataset, to_model_range
from gan_demo.evaluation import extract_features, feature_statistics, frechet_distance
from gan_demo.imaging import grid_image
from gan_demo.lab.images import LATENT_DIM, ImageRun, ImageSettings
from gan_demo.lab.slots import TRAIN_THREADS

if TYPE_CHECKING:
    from gradio_client import Client


# -- lab: image mode -------------------------------------------------------------------------------------------

LAB_FD_MARKS_S = (30.0, 60.0, 90.0)  # training seconds after which the samples are measured
LAB_FD_SAMPLES = 2000
LAB_BATCH = 64


def bench_lab_images(checkpoints: Path, grids: Path | None) -> list[Row]:
    """The image mode's default run (seed 0): steps/s and the FD of 2000 samples from fixed noise after each mark;
    with `grids`, the sample grid the page shows at each mark is saved there (lab-images-<seconds>s.png)."""
    classifier, _ = load_model(checkpoints / "classifier-fashion")
    real = feature_statistics(
        extract_features(classifier, to_model_range(load_dataset("fashion-mnist", split="test").images))
    )
    z = torch.randn(LAB_FD_SAMPLES, LATENT_DIM, generator=torch.Generator().manual_seed(1234))
    run = ImageRun(ImageSettings(batch_size=LAB_BATCH), seed=0)

    def fd() -> float:
        return frechet_distance(*feature_statistics(extract_features(classifier, run.samples(z))), *real)

    untrained = fd()
    curve = []
    for mark in LAB_FD_MARKS_S:
        run.train(10**9, seconds=mark - run.seconds)
        curve.append((run.seconds, run.step_count, fd()))
        if grids:
            grids.mkdir(parents=True, exist_ok=True)
            grid_image(run.samples(), nrow=8, min_side=256).save(grids / f"lab-images-{mark:.0f}s.png")
        log(f"lab_images: {run.seconds:.0f} s, {run.step_count} steps, FD {curve[-1][2]:.2f}")
    rate = run.step_count / run.seconds
    threads = f"{os.cpu_count()} CPU cores, {TRAIN_THREADS} torch thread"
    points = ", ".join(f"{s:.0f} s ({n} steps): {d:.2f}" for s, n, d in curve)
    return [
        Row(
            f"lab image mode: training steps/s (tiny DCGAN, batch {LAB_BATCH}, {threads})",
            "",
            f"{rate:.1f} steps/s ({rate * LAB_BATCH:.0f} img/s)",
            "",
            numbers={"steps_per_s": rate},
        ),
        Row(
            f"lab image mode: FD (classifier-fashion features, {LAB_FD_SAMPLES} samples) after training",
            f"untrained G: {untrained:.1f}",
            points,
            "the shipped dcgan-fashion: 2.35 after 43 min",
            numbers={"untrained_fd": untrained, **{f"fd_{s:.0f}s": d for s, _, d in curve}},
        ),
    ]


# -- the lab's 2D playground --------------------------------------------------------------------------------

LAB_2D_STEPS = 600
LAB_2D_TARGET = 300.0
LAB_VIEW_TARGET = 5.0
LAB_VIEW_SECONDS = 10.0
LAB_RUNS = 4
LAB_SAMPLE_CALLS = 30
LAB_SAMPLE_RATIO = 2.0


def lab_2d_steps_per_s(threads: int) -> float:
    """Training steps/s of the default playground settings (MLPs 2 x 64, batch 256, Adam) on `threads` threads."""
    from gan_demo.lab import toy

    shipped = toy.TRAIN_THREADS
    toy.TRAIN_THREADS = threads  # each step sets it for itself
    try:
        run = toy.ToyRun(toy.ToySettings(), seed=0)
        run.train(20)  # warm-up
        start = time.perf_counter()
        run.train(LAB_2D_STEPS)
        return LAB_2D_STEPS / (time.perf_counter() - start)
    finally:
        toy.TRAIN_THREADS = shipped


def lab_view_updates_per_s(url: str) -> float:
    """Press play in chromium and count the view's new images over LAB_VIEW_SECONDS."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})  # every tab in the tab bar
        page.goto(url)
        page.get_by_role("tab", name="Training lab").click()
        page.locator("#lab-view img").wait_for(timeout=120_000)
        page.locator("#lab-play").click()
        page.wait_for_timeout(2000)  # the first ticks
        changes = page.evaluate(
            """ms => new Promise(done => {
                const img = () => document.querySelector('#lab-view img');
                let last = img().src, n = 0;
                const poll = setInterval(() => { if (img().src !== last) { last = img().src; n++; } }, 20);
                setTimeout(() => { clearInterval(poll); done(n); }, ms);
            })""",
            LAB_VIEW_SECONDS * 1000,
        )
        browser.close()
    return changes / LAB_VIEW_SECONDS


def sample_p95_ms(client: Client, seeds: itertools.count) -> float:
    def call() -> object:
        return client.predict(DCGAN_MODEL, next(seeds), 16, 1.0, api_name="/sample")

    return ms(time_calls(call, LAB_SAMPLE_CALLS))["p95_ms"]


def bench_lab(extra_models: Path | None) -> list[Row]:
    import threading

    from gradio_client import Client

    log("lab: 2D steps/s in-process ...")
    cores = os.cpu_count() or 1
    rates = {threads: lab_2d_steps_per_s(threads) for threads in (cores, 1)}
    rows = [
        Row(
            "lab 2D playground: training steps/s in-process (default MLPs 2 x 64, batch 256, Adam)",
            f"{cores} torch threads: {rates[cores]:.0f} steps/s",
            f"1 torch thread (what the lab uses): {rates[1]:.0f} steps/s",
            f"{rates[1] / rates[cores]:.1f}x: tiny matrices gain nothing from more threads but their synchronisation",
            f">= {LAB_2D_TARGET:.0f}",
            rates[1] >= LAB_2D_TARGET,
            {f"steps_per_s_{t}_threads": r for t, r in rates.items()},
        )
    ]
    os.environ["GAN_DEMO_LAB_RUNS"] = str(LAB_RUNS)
    with tempfile.TemporaryDirectory() as workdir, running_app(extra_models, Path(workdir)) as url:
        log("lab: view updates/s in chromium ...")
        updates = lab_view_updates_per_s(url)
        rows.append(
            Row(
                f"lab 2D playground: view updates/s delivered to chromium while playing ({LAB_VIEW_SECONDS:.0f} s)",
                "",
                f"{updates:.1f} updates/s",
                "",
                f">= {LAB_VIEW_TARGET:.0f}",
                updates >= LAB_VIEW_TARGET,
                {"updates_per_s": updates},
            )
        )
        client = Client(url, verbose=False, download_files=str(Path(workdir) / "downloads"), analytics_enabled=False)
        seeds = itertools.count(2000)
        log("lab: /sample p95 idle ...")
        client.predict(DCGAN_MODEL, 1, 16, 1.0, api_name="/sample")  # loads the model
        idle = sample_p95_ms(client, seeds)
        stop = threading.Event()

        def train_forever() -> None:  # one lab run after another, through the API: each holds a slot while it trains
            trainer = Client(url, verbose=False, download_files=str(Path(workdir) / "lab"), analytics_enabled=False)
            while not stop.is_set():
                trainer.predict("", "", 0, 1000, ["real"], api_name="/lab_2d")

        threads = [threading.Thread(target=train_forever, daemon=True) for _ in range(LAB_RUNS)]
        for thread in threads:
            thread.start()
        time.sleep(5)  # all four are training
        log(f"lab: /sample p95 while {LAB_RUNS} lab runs train ...")
        busy = sample_p95_ms(client, seeds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    rows.append(
        Row(
            f"/sample (dcgan-fashion, 16 images) p95 while {LAB_RUNS} lab runs train at once",
            f"idle: {idle:.0f} ms",
            f"{busy:.0f} ms",
            f"{busy / idle:.2f}x",
            f"< {LAB_SAMPLE_RATIO:.0f}x",
            busy / idle < LAB_SAMPLE_RATIO,
            {"idle_p95_ms": idle, "busy_p95_ms": busy},
        )
    )
    return rows
