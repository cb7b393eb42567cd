"""The page in a real browser: Debian's chromium driven by Playwright, against `python app.py` on loopback.

Only the tiny-* checkpoints are relied on (tests/conftest.py; the session's `server` fixture serves them).
Requests that leave 127.0.0.1 (web fonts) are aborted, so the tests neither need nor use the network.
"""

from __future__ import annotations

import io
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from gan_demo import imaging
from gan_demo.ui.stylemix import GRID_MIN_SIDE

pytestmark = pytest.mark.slow

TIMEOUT_MS = 60_000  # each wait; the CPU is shared with training runs
VIEWPORT = {"width": 1600, "height": 900}  # wide enough for every tab without the overflow menu


def _loopback_only(route: Route) -> None:
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def open_page(browser: Browser, url: str, locale: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale=locale, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", _loopback_only)
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    return context, page


@pytest.fixture()
def page_en(browser: Browser, server: str) -> Iterator[Page]:
    context, page = open_page(browser, server, "en-US")
    yield page
    context.close()


@pytest.fixture()
def page_zh(browser: Browser, server: str) -> Iterator[Page]:
    context, page = open_page(browser, server, "zh-CN")
    yield page
    context.close()


def visible_panel(page: Page):
    return page.get_by_role("tabpanel").filter(visible=True)


def thumbnails(page: Page):
    return visible_panel(page).locator("button.thumbnail-item img")


def wait_images_loaded(page: Page, count: int) -> None:
    """Every gallery thumbnail in the visible tab has a src and has finished loading."""
    expect(thumbnails(page)).to_have_count(count, timeout=TIMEOUT_MS)
    page.wait_for_function(
        """n => {
            const panel = [...document.querySelectorAll('[role=tabpanel]')].find(p => p.offsetParent !== null);
            const imgs = panel ? [...panel.querySelectorAll('button.thumbnail-item img')] : [];
            return imgs.length === n && imgs.every(i => i.getAttribute('src') && i.complete && i.naturalWidth > 0);
        }""",
        arg=count,
        timeout=TIMEOUT_MS,
    )


def test_generate_in_the_random_sampling_tab(page_en: Page, server: str) -> None:
    page = page_en
    page.get_by_role("tab", name="Random sampling").click()
    panel = visible_panel(page)
    # The page opens on results (demo.load samples seeds 42..57); let that finish so it cannot overwrite ours.
    wait_images_loaded(page, 16)

    panel.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name="tiny-dcgan", exact=True).click()
    expect(panel.get_by_role("combobox", name="Model")).to_have_value("tiny-dcgan")
    panel.get_by_role("spinbutton", name="Seed", exact=True).fill("2024")
    count = panel.get_by_role("spinbutton", name="number input for Number of images")
    count.fill("3")
    count.press("Enter")
    panel.get_by_role("button", name="Generate", exact=True).click()

    wait_images_loaded(page, 3)
    images = thumbnails(page)
    assert [images.nth(i).get_attribute("alt") for i in range(3)] == ["seed 2024", "seed 2025", "seed 2026"]
    for i in range(3):
        assert images.nth(i).get_attribute("src").startswith(server), "images are served by the app itself"
    assert panel.locator(".caption-label").all_inner_texts() == ["seed 2024", "seed 2025", "seed 2026"]


def test_chinese_browser_gets_chinese_page(page_zh: Page, tmp_path: Path) -> None:
    page = page_zh
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(9, timeout=TIMEOUT_MS)
    expect(tabs.filter(has_text="随机采样")).to_have_count(1)
    assert [t.strip() for t in tabs.all_inner_texts()][1:] == [
        "随机采样",
        "潜在空间插值",
        "条件生成",
        "风格混合",
        "超分辨率",
        "图像到图像翻译",
        "训练实验室",
        "非配对翻译（CycleGAN）",
    ]
    assert "Random sampling" not in page.locator("body").inner_text()  # (the config script holds both languages)
    expect(page.get_by_role("heading", level=1)).to_contain_text("GAN 实验室")

    page.get_by_role("tab", name="随机采样").click()
    panel = visible_panel(page)
    expect(panel.get_by_role("button", name="生成", exact=True)).to_be_visible()
    expect(panel.get_by_role("combobox", name="模型")).to_be_visible()
    wait_images_loaded(page, 16)
    page.screenshot(path=tmp_path / "sample_tab_zh.png", full_page=True)


def test_screenshot_of_the_page(page_en: Page, tmp_path: Path) -> None:
    page = page_en
    page.get_by_role("tab", name="Random sampling").click()
    wait_images_loaded(page, 16)
    shot = tmp_path / "sample_tab.png"
    page.screenshot(path=shot, full_page=True)
    print(f"screenshot: {shot}")
    with Image.open(shot) as image:
        assert image.format == "PNG"
        assert image.width == VIEWPORT["width"] and image.height >= 400
        assert len(image.convert("L").getcolors(256) or []) > 16, "the screenshot is not a blank page"


# -- the image-to-image tabs -----------------------------------------------------------------------------------


def choose_model(page: Page, name: str) -> None:
    panel = visible_panel(page)
    panel.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(panel.get_by_role("combobox", name="Model")).to_have_value(name)


def loaded_image_src(page: Page, selector: str) -> str | None:
    """The src of the first fully loaded <img> under `selector`, or None."""
    return page.evaluate(
        """sel => {
            const img = [...document.querySelectorAll(sel + ' img')].find(i => i.complete && i.naturalWidth > 0);
            return img ? img.getAttribute('src') : null;
        }""",
        selector,
    )


def wait_new_image(page: Page, selector: str, before: str | None) -> str:
    page.wait_for_function(
        """([sel, before]) => [...document.querySelectorAll(sel + ' img')].some(
            i => i.complete && i.naturalWidth > 0 && i.getAttribute('src') !== before)""",
        arg=[selector, before],
        timeout=TIMEOUT_MS,
    )
    return loaded_image_src(page, selector)


def test_draw_on_the_sketchpad_and_translate(page_en: Page, server: str, tmp_path: Path) -> None:
    page = page_en
    page.get_by_role("tab", name="Image-to-image translation").click()
    choose_model(page, "tiny-pix2pix")
    panel = visible_panel(page)
    # The tab picks the brush by itself (Gradio's sketchpad starts with no tool): a drag draws at once.
    brush = panel.get_by_role("button", name="Brush", exact=True)  # picked once the sketchpad mounts: late when busy
    expect(brush).to_have_class(re.compile(r"\bhighlight\b"), timeout=TIMEOUT_MS)
    before = loaded_image_src(page, "#tr-seen")  # a result may be there already when examples are installed
    canvas = panel.locator("#tr-sketch canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + box["width"] * 0.5, y + box["height"] * 0.1, steps=20)
    page.mouse.up()
    panel.get_by_role("button", name="Turn it into a picture", exact=True).click()

    seen = wait_new_image(page, "#tr-seen", before)
    assert seen.startswith(server)
    for output in ("#tr-result", "#tr-l1"):
        page.wait_for_function(
            "sel => [...document.querySelectorAll(sel + ' img')].some(i => i.complete && i.naturalWidth === 256)",
            arg=output,
            timeout=TIMEOUT_MS,
        )
    # The stroke reached the model: the drawing it saw is not blank (downloaded from the app itself). On the
    # tiny 32 px model a 512 px canvas is shrunk 16 times, so the 8 px stroke arrives as a grey line.
    with urllib.request.urlopen(seen, timeout=30) as response:
        drawing = np.asarray(Image.open(io.BytesIO(response.read())).convert("L"))
    assert drawing.shape == (256, 256) and drawing.min() < 200, drawing.min()
    expect(panel.get_by_text("the drawing was resized to 32 × 32 pixels")).to_be_visible()
    page.screenshot(path=tmp_path / "translate_tab.png", full_page=True)


def test_empty_canvas_shows_an_error(page_zh: Page) -> None:
    page = page_zh
    page.get_by_role("tab", name="图像到图像翻译").click()
    choose_model_zh = visible_panel(page).get_by_role("combobox", name="模型")
    choose_model_zh.click()
    page.get_by_role("option", name="tiny-pix2pix", exact=True).click()
    # The sketchpad mounts when its tab opens and then loads its example drawing; clearing before that
    # load ends would let the drawing arrive afterwards. Wait for the page's first result, then a moment.
    expect(page.locator("#tr-result img")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#tr-sketch canvas").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)
    visible_panel(page).get_by_role("button", name="Clear canvas").click()
    visible_panel(page).get_by_role("button", name="生成图片", exact=True).click()
    expect(page.get_by_text("画布是空的：请先画点什么")).to_be_visible(timeout=TIMEOUT_MS)


def test_upload_and_super_resolve_shows_the_slider(page_en: Page, server: str, tmp_path: Path) -> None:
    page = page_en
    page.get_by_role("tab", name="Super-resolution").click()
    choose_model(page, "tiny-srgan")
    picture = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)).save(picture)
    page.locator("#sr-upload input[type=file]").set_input_files(str(picture))
    expect(page.locator("#sr-upload img")).to_have_count(1, timeout=TIMEOUT_MS)
    visible_panel(page).get_by_role("button", name="Enlarge ×4", exact=True).click()

    # The slider holds the two images, bicubic and model, both 4x the upload.
    page.wait_for_function(
        """() => {
            const imgs = [...document.querySelectorAll('#sr-slider img')];
            return imgs.length >= 2 && imgs.every(i => i.complete && i.naturalWidth === 160 && i.naturalHeight === 120);
        }""",
        timeout=TIMEOUT_MS,
    )
    download = page.locator("#sr-download a").first  # Gradio's File shows the name as "stem .png"
    expect(download).to_have_attribute(
        "href", re.compile(r"^" + re.escape(server) + r".*/small_x4_tiny-srgan_alpha0\.70\.png$")
    )
    expect(visible_panel(page).get_by_text("Input 40 × 30 → result 160 × 120 (×4).")).to_be_visible()
    page.screenshot(path=tmp_path / "superres_tab.png", full_page=True)


# -- style mixing ------------------------------------------------------------------------------------------------


def test_style_mixing_tab_mixes_and_shows_the_grid(page_en: Page, server: str, tmp_path: Path) -> None:
    page = page_en
    page.get_by_role("tab", name="Style mixing").click()
    choose_model(page, "tiny-stylegan")
    panel = visible_panel(page)
    panel.get_by_role("textbox", name="Row seeds").fill("1, 2, 3")
    panel.get_by_role("textbox", name="Column seeds").fill("4, 5")
    panel.get_by_role("button", name="Mix styles", exact=True).click()

    # tiny-stylegan's 3 x 2 grid, as the tab enlarges it (the page may first show the default model's grid)
    rows, cols = torch.zeros(3, 3, 16, 16), torch.zeros(2, 3, 16, 16)
    width, height = imaging.enlarge(
        imaging.style_mix_grid(rows, cols, torch.zeros(3, 2, 3, 16, 16)), GRID_MIN_SIDE
    ).size
    page.wait_for_function(
        """([w, h]) => [...document.querySelectorAll('#sm-grid img')].some(
            i => i.complete && i.naturalWidth === w && i.naturalHeight === h)""",
        arg=[width, height],
        timeout=TIMEOUT_MS,
    )
    assert loaded_image_src(page, "#sm-grid").startswith(server)
    expect(panel.get_by_text("Row seeds: 1, 2, 3 · column seeds: 4, 5")).to_be_visible()
    page.screenshot(path=tmp_path / "stylemix_tab.png", full_page=True)


def test_models_view_shows_each_checkpoints_card(page_zh: Page) -> None:
    page = page_zh
    page.get_by_role("tab", name="什么是 GAN?").click()
    panel = page.locator("#models")
    card, metrics = panel.locator("#model-card"), panel.locator("#model-metrics")
    expect(card).to_contain_text("scripts/train.py", timeout=TIMEOUT_MS)  # the first model's README, rendered
    expect(panel.locator("#model-command")).to_contain_text("scripts/train.py")
    expect(panel.get_by_role("heading", name="重新训练")).to_be_visible()  # headings in the page's language
    first = card.inner_text()
    expect(panel.get_by_text("模型：每个模型是怎样训练出来的")).to_be_visible()
    panel.get_by_role("combobox").first.click()
    page.get_by_role("option").nth(1).click()
    expect(card).not_to_have_text(first)  # another model, another card
    expect(metrics).to_be_visible()


def test_models_view_shows_the_loss_curve_and_the_timelapse(page_en: Page, server: str) -> None:
    page = page_en
    page.get_by_role("tab", name="What is a GAN?").click()
    panel = page.locator("#models")
    panel.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name="tiny-dcgan", exact=True).click()  # saved a sample grid at each of its steps
    expect(panel.locator("#model-card")).to_contain_text("tiny-dcgan", timeout=TIMEOUT_MS)
    for output, file in (("#model-losses", "losses.png"), ("#model-timelapse", "timelapse.gif")):
        page.wait_for_function(
            """([sel, file]) => [...document.querySelectorAll(sel + ' img')].some(
                i => i.complete && i.naturalWidth > 0 && i.getAttribute('src').endsWith(file))""",
            arg=[output, file],
            timeout=TIMEOUT_MS,
        )
        assert loaded_image_src(page, output).startswith(server)
    expect(panel.locator("#model-missing")).to_have_text("")

    panel.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name="tiny-wgan-gp", exact=True).click()  # no grids saved: no timelapse
    expect(panel.locator("#model-missing")).to_contain_text("timelapse.gif", timeout=TIMEOUT_MS)
    expect(panel.locator("#model-timelapse img")).to_have_count(0)
    expect(panel.locator("#model-losses img")).to_have_count(1)


# Each tab and a result it opens on: what the selector holds once the page's load events have answered.
OPENING_RESULTS = (
    (["What is a GAN?"], "#model-losses"),
    (["Random sampling"], "button.thumbnail-item"),
    (["Latent interpolation"], "button.thumbnail-item"),
    (["Conditional generation"], "button.thumbnail-item"),
    (["Style mixing"], "#sm-grid"),
    (["Super-resolution"], "#sr-slider"),
    (["Image-to-image translation"], "#tr-result"),
    (["Training lab", "2D playground"], "#lab-view"),
    (["Training lab", "Images"], "#li-grid-a"),
    (["Unpaired (CycleGAN)"], "#cg-translated"),
)


def open_tab(page: Page, name: str) -> None:
    """Click tab `name`, through Gradio's "More tabs" menu where the tab bar has no room for it (the English one
    at 1600 px)."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.count():
        tab.click()
    else:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()


def test_every_tab_opens_on_a_result_without_a_click(page_en: Page, tmp_path: Path) -> None:
    page = page_en
    expect(page.get_by_role("tab", name="What is a GAN?")).to_be_visible()  # the tab bar is laid out
    for tabs, selector in OPENING_RESULTS:
        for name in tabs:  # only tabs are clicked: nothing that asks for a result
            open_tab(page, name)
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel + ' img')].some(
                i => i.offsetParent !== null && i.complete && i.naturalWidth > 0)""",
            arg=selector,
            timeout=TIMEOUT_MS,
        )
        page.screenshot(path=tmp_path / f"opening_{'_'.join(tabs)}.png")
    expect(page.locator(".toast-body")).to_have_count(0)  # no load event failed
