"""Shared fixtures: tiny checkpoints made by real 2-step scripts/train.py runs, and the app serving them."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client
from PIL import Image, ImageDraw

from gan_demo.checkpoint import ModelRegistry
from gan_demo.ui.conditional import ConditionalTab
from gan_demo.ui.cyclegan import CycleGANTab
from gan_demo.ui.interpolate import InterpolateTab
from gan_demo.ui.sample import SWEEP_PSIS, SampleTab
from gan_demo.ui.stylemix import StyleMixTab
from gan_demo.ui.superres import SuperResolutionTab
from gan_demo.ui.translate import TranslationTab

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import train as train_script  # noqa: E402  (scripts/train.py)
from served_app import running_process  # noqa: E402  (scripts/served_app.py)

import app as app_module  # noqa: E402  (app.py)

TINY = ["--g-channels", "4", "--d-channels", "8", "--batch-size", "8", "--latent-dim", "16", "--log-every", "1"]
# Image-to-image models: 32 px, a few channels. fp32: on a CPU, bf16 autocast makes the U-Net's
# transposed convolutions several times slower, and these runs are about wiring, not speed.
TINY_SR = ["--family", "srgan", "--image-size", "32", "--g-channels", "4", "--g-blocks", "1", "--d-channels", "4"]
TINY_PIX2PIX = ["--family", "pix2pix", "--image-size", "32", "--g-channels", "4", "--g-max-channels", "8"]
TINY_PAIRED = ["--d-channels", "4", "--batch-size", "2", "--log-every", "1", "--precision", "fp32", "--steps", "2"]
TINY_CYCLEGAN = [
    "--family",
    "cyclegan",
    "--dataset",
    "folder",
    "--image-size",
    "32",
    "--g-channels",
    "4",
    "--g-blocks",
    "1",
]
TINY_STYLEGAN = ["--dataset", "folder", "--image-size", "16", "--g-max-channels", "8", "--mapping-layers", "2"]
TINY_SIDE = 32  # the tiny pix2pix models' input and output size
CALL_TIMEOUT_S = 120  # per request through the served app; the CPU is shared with training runs
ZH = {"accept-language": "zh-CN,zh;q=0.9"}
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, driven by Playwright
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def run_train(out: Path, family: str, *extra: str, steps: int = 2) -> Path:
    """Run scripts/train.py in-process with a tiny model; returns the exported checkpoint directory."""
    export = out / f"tiny-{family}"
    argv = ["--family", family, "--out", str(out / f"run-{family}"), "--export", str(export), "--steps", str(steps)]
    assert train_script.main([*argv, *TINY, *extra]) == 0
    return export


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with tiny-dcgan, tiny-wgan-gp and tiny-cgan, each trained 2 steps on Fashion-MNIST, and
    tiny-stylegan (16 px, 6 style layers: coarse 0-3, middle 4-5) trained 2 steps on synthetic photos.
    tiny-dcgan saved a sample grid at each step, so it alone has a timelapse.gif."""
    runs = tmp_path_factory.mktemp("runs")
    models = tmp_path_factory.mktemp("models")
    for family, extra in (("dcgan", ["--sample-every", "1"]), ("wgan-gp", []), ("cgan", [])):
        run_train(runs, family, *extra).rename(models / f"tiny-{family}")
    photos = _photos(tmp_path_factory.mktemp("stylegan_data") / "photos", count=8)
    run_train(runs, "stylegan", *TINY_STYLEGAN, "--data-root", str(photos)).rename(models / "tiny-stylegan")
    return models


def _photos(folder: Path, count: int = 3, side: int = 64) -> Path:
    """Synthetic 'photos': smooth colour gradients with a few shapes, seeded."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, side)
    for i in range(count):
        low, high = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        pixels = low + (high - low) * ramp[None, :, None] * ramp[:, None, None]
        image = Image.fromarray(pixels.astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(3):
            x, y = rng.integers(0, side - 16, 2)
            draw.ellipse((x, y, x + 16, y + 12), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
        image.save(folder / f"photo-{i}.png")
    return folder


def _pairs(folder: Path, count: int = 10, side: int = TINY_SIDE) -> Path:
    """Synthetic pix2pix pairs A|B: a black outline on white | the same shape filled with colour."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(count):
        pair = Image.new("RGB", (2 * side, side), "white")
        draw = ImageDraw.Draw(pair)
        x, y = (int(v) for v in rng.integers(2, side // 2, 2))
        w, h = (int(v) for v in rng.integers(8, side // 2, 2))
        draw.rectangle((x, y, x + w, y + h), outline="black", width=2)
        draw.rectangle((side + x, y, side + x + w, y + h), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
        pair.save(folder / f"pair-{i}.png")
    return folder


def unpaired_domains(root: Path, n: int = 6) -> Path:
    """CycleGAN's layout with a red square as domain A and a blue one as B; the test images have counterparts
    (the square in the other colour)."""
    rng = np.random.default_rng(0)
    for folder, count, channel in (("trainA", n, 0), ("trainB", n, 2), ("testA", 2, 0), ("testB", 2, 2)):
        (root / folder).mkdir(parents=True)
        for i in range(count):
            image = rng.integers(0, 80, (40, 40, 3), dtype=np.uint8)
            x, y = rng.integers(0, 20, 2)
            image[y : y + 16, x : x + 16, channel] = 230
            Image.fromarray(image).save(root / folder / f"{i}.png")
            if folder.startswith("test"):
                (root / f"{folder}_counterpart").mkdir(exist_ok=True)
                image[y : y + 16, x : x + 16] = image[y : y + 16, x : x + 16, ::-1]
                Image.fromarray(image).save(root / f"{folder}_counterpart" / f"{i}.png")
    return root


def _cyclegan_examples(domains: Path, model: Path, side: int) -> None:
    """The app's example layout: examples/A_<name>.png, examples/B_<name>.png, counterparts/ beside them."""
    (model / "examples" / "counterparts").mkdir(parents=True)
    for domain in "AB":
        for path in sorted((domains / f"test{domain}").glob("*.png")):
            for source, target in ((path, model / "examples"), (domains / f"test{domain}_counterpart" / path.name,
                                   model / "examples" / "counterparts")):  # fmt: skip
                with Image.open(source) as img:
                    img.resize((side, side), Image.BICUBIC).save(target / f"{domain}_{path.name}")


def _train_paired(runs: Path, models: Path, name: str, *args: str) -> Path:
    export = models / name
    argv = ["--out", str(runs / f"run-{name}"), "--export", str(export), *args, *TINY_PAIRED]
    assert train_script.main(argv) == 0
    return export


@pytest.fixture(scope="session")
def tiny_image_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Image-to-image models, each trained 2 steps on synthetic data:
    tiny-srresnet (x4 super-resolution, L1 only: the PSNR-oriented model), tiny-srgan (fine-tuned from it with
    the adversarial loss; config base_model = "tiny-srresnet"), tiny-pix2pix (32 px U-Net, L1 + GAN) and
    tiny-l1 (the same U-Net, L1 only), and tiny-cyclegan (32 px, red <-> blue squares, with two held-out examples
    of each domain and their counterparts in examples/). The folder pix2pix data are RGB, so the tiny U-Nets take 3
    channels."""
    data = tmp_path_factory.mktemp("image_data")
    runs = tmp_path_factory.mktemp("image_runs")
    models = tmp_path_factory.mktemp("image_models")
    photos, pairs = _photos(data / "photos"), _pairs(data / "pairs")
    sr_data = ["--dataset", "folder", "--data-root", str(photos), *TINY_SR]
    psnr = _train_paired(runs, models, "tiny-srresnet", *sr_data)
    _train_paired(runs, models, "tiny-srgan", *sr_data, "--adv-weight", "0.01", "--init-from", str(psnr))
    p2p_data = ["--dataset", "folder", "--data-root", str(pairs), *TINY_PIX2PIX]
    _train_paired(runs, models, "tiny-pix2pix", *p2p_data)
    _train_paired(runs, models, "tiny-l1", *p2p_data, "--adv-weight", "0")
    domains = unpaired_domains(data / "domains")
    cyclegan = _train_paired(runs, models, "tiny-cyclegan", "--data-root", str(domains), *TINY_CYCLEGAN)
    _cyclegan_examples(domains, cyclegan, side=TINY_SIDE)
    return models


@pytest.fixture(scope="session")
def app_checkpoints(
    tiny_checkpoints: Path, tiny_image_checkpoints: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One folder holding every tiny model (as links), for GAN_DEMO_MODELS."""
    folder = tmp_path_factory.mktemp("app_models")
    for source in (tiny_checkpoints, tiny_image_checkpoints):
        for model in sorted(p for p in source.iterdir() if p.is_dir()):
            (folder / model.name).symlink_to(model, target_is_directory=True)
    return folder


@pytest.fixture(scope="session")
def served(app_checkpoints: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """`python app.py` with every tiny model added, on a free loopback port (one for the whole session): its `url`,
    `pid` (for its memory) and `tmp` (its temporary folder)."""
    workdir = tmp_path_factory.mktemp("app_server")
    with running_process(app_checkpoints, workdir) as (url, proc):
        yield SimpleNamespace(url=url, pid=proc.pid, tmp=workdir / "tmp")


@pytest.fixture(scope="session")
def server(served: SimpleNamespace) -> str:
    return served.url


@pytest.fixture(scope="session")
def app(app_checkpoints: Path) -> SimpleNamespace:
    """The app's tabs over a registry of every tiny model, for calling handlers in-process: `app.sample` etc.
    are the tabs' handlers, `app.stylemix`, `app.superres`, `app.translation` and `app.cyclegan` the tabs themselves."""
    registry = ModelRegistry([app_checkpoints], device="cpu")
    assert isinstance(app_module.build_demo(registry), gr.Blocks)
    sampling, interpolation, conditional = SampleTab(registry), InterpolateTab(registry), ConditionalTab(registry)
    app = SimpleNamespace(
        registry=registry,
        sample=sampling.sample,
        truncation_sweep=sampling.truncation_sweep,
        SWEEP_PSIS=SWEEP_PSIS,
        interpolate=interpolation.interpolate,
        conditional=conditional.conditional,
        stylemix=StyleMixTab(registry),
        superres=SuperResolutionTab(registry),
        translation=TranslationTab(registry),
        cyclegan=CycleGANTab(registry),
    )
    assert {"tiny-dcgan", "tiny-wgan-gp", "tiny-stylegan"} <= set(sampling.names)
    assert "tiny-cgan" in conditional.names
    assert {"tiny-srresnet", "tiny-srgan"} <= set(app.superres.names)
    assert {"tiny-pix2pix", "tiny-l1"} <= set(app.translation.names)
    assert "tiny-cyclegan" in app.cyclegan.names
    return app


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("client_downloads")


def make_client(url: str, downloads: Path, headers: dict[str, str] | None = None) -> Client:
    return Client(url, verbose=False, download_files=str(downloads), headers=headers, analytics_enabled=False)


@pytest.fixture(scope="session")
def client(server: str, downloads: Path) -> Client:
    return make_client(server, downloads)


@pytest.fixture(scope="session")
def recomputing_client(server: str, downloads: Path) -> Client:
    """A client whose requests the server computes afresh: it asks in Chinese, and the app remembers answers per
    language (serving.remembered), so comparing its images with `client`'s compares two computations."""
    return make_client(server, downloads, headers=ZH)


def call(client: Client, api_name: str, *args: Any, **kwargs: Any) -> Any:
    """One request through gradio_client, waiting at most CALL_TIMEOUT_S."""
    return client.submit(*args, api_name=api_name, **kwargs).result(timeout=CALL_TIMEOUT_S)


def concurrently(
    url: str, downloads: Path, requests: list[Callable[[Client], Any]], timeout_s: float = CALL_TIMEOUT_S + 60
) -> list[Any]:
    """Each request on its own client and thread, all let go at once; their results in order (any error raised)."""
    clients = [make_client(url, downloads) for _ in requests]
    results: dict[int, Any] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(requests))

    def worker(i: int) -> None:
        try:
            start.wait(timeout=60)
            results[i] = requests[i](clients[i])
        except BaseException as err:  # noqa: BLE001 (reported by the main thread)
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout_s)
    assert not errors, errors
    assert sorted(results) == list(range(len(requests)))
    return [results[i] for i in range(len(requests))]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium (playwright.sync_api.Browser) for one test module; skips where chromium is missing."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def write_uploads(folder: Path, images: dict[str, Image.Image]) -> dict[str, str]:
    """Each image saved as folder/<name>.png, plus a text file ("text"): name -> path, for the upload tests."""
    paths = {}
    for name, image in images.items():
        image.save(folder / f"{name}.png")
        paths[name] = str(folder / f"{name}.png")
    (folder / "notes.txt").write_text("not an image\n", encoding="utf-8")
    paths["text"] = str(folder / "notes.txt")
    return paths


def shown(path: str) -> Image.Image:
    """An image a handler answered with (handlers write their images and answer with the files' paths)."""
    with Image.open(path) as image:
        return image.copy()


def png(pixels: np.ndarray) -> bytes:
    """A sketchpad layer as the handler receives it: the file's bytes (checks.sketchpad hands files on)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()
