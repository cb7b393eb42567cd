"""gan_demo: an interactive GAN playground (Gradio Blocks).

Run `python app.py` and open http://127.0.0.1:7860. Extra checkpoint folders or Hugging Face Hub repo ids can be
added with GAN_DEMO_MODELS="path/one:user/repo", and official checkpoint files of other projects
(RealESRGAN_x4plus.pth, latest_net_G.pth, ...; see scripts/convert.py) with GAN_DEMO_MODELS="file.pth": they are
converted once into ~/.cache/gan_demo/converted/. Each tab's main action is a public API endpoint (/sample,
/interpolate, /conditional, /style_mix, /super_resolve, /translate, /lab_2d, /cyclegan): docs/api.md lists their
inputs and outputs.
This file only composes the tabs of gan_demo/ui/ (one module each) and launches; docs/architecture.md has the map.
"""

from __future__ import annotations

import os

import gradio as gr
from starlette.middleware import Middleware

from gan_demo.checkpoint import DEFAULT_CHECKPOINT_DIR, ModelRegistry
from gan_demo.ui import serving
from gan_demo.ui.conditional import ConditionalTab
from gan_demo.ui.cyclegan import CycleGANTab
from gan_demo.ui.interpolate import InterpolateTab
from gan_demo.ui.lab import LabTab
from gan_demo.ui.overview import OverviewTab
from gan_demo.ui.sample import SampleTab
from gan_demo.ui.stylemix import StyleMixTab
from gan_demo.ui.superres import SuperResolutionTab
from gan_demo.ui.tab import Tab
from gan_demo.ui.text import i18n
from gan_demo.ui.translate import TranslationTab

# The tabs, in the order the page shows them.
TABS: tuple[type[Tab], ...] = (
    OverviewTab,
    SampleTab,
    InterpolateTab,
    ConditionalTab,
    StyleMixTab,
    SuperResolutionTab,
    TranslationTab,
    LabTab,
    CycleGANTab,
)
MAX_FILE_SIZE = "50mb"  # per upload; the pixel limit (imaging.MAX_UPLOAD_PIXELS) is checked on decoding
# show_error: Gradio's own input checks (e.g. text sent for a number) reach the client as a message.
# app_kwargs: the app's result files are served before Gradio's file route (serving.ResultFiles).
LAUNCH_OPTIONS = {
    "i18n": i18n,
    "theme": gr.themes.Soft(),
    "show_error": True,
    "max_file_size": MAX_FILE_SIZE,
    "app_kwargs": {"middleware": [Middleware(serving.ResultFiles)]},
}


def default_registry() -> ModelRegistry:
    """The shipped checkpoints, and those GAN_DEMO_MODELS adds (folders or Hub repo ids, separated by os.pathsep)."""
    registry = ModelRegistry([DEFAULT_CHECKPOINT_DIR])
    for extra in filter(None, os.environ.get("GAN_DEMO_MODELS", "").split(os.pathsep)):
        registry.add(extra)
    return registry


def build_demo(registry: ModelRegistry, tabs: tuple[type[Tab], ...] = TABS) -> gr.Blocks:
    """The page: every tab built in its gr.Tab, then each one with models opens on a result."""
    built = [tab(registry) for tab in tabs]
    with serving.Demo(title="GAN Playground · GAN 实验室", delete_cache=serving.DELETE_CACHE) as demo:
        gr.Markdown(i18n("title"))
        gr.Markdown(i18n("subtitle"))
        with gr.Tabs():
            for tab in built:
                with gr.Tab(i18n(tab.title_key)):
                    tab.build()
        for tab in built:  # a workshop opens on results, not on empty boxes
            if tab.available():
                tab.load(demo)
    return serving.serve(demo)  # lanes, lenient inputs, torch threads, the queue (gan_demo/ui/serving.py)


if __name__ == "__main__":
    registry = default_registry()
    demo = build_demo(registry)
    serving.start_process(demo)
    # GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (set by a Space, or by hand) are read by launch() itself.
    demo.launch(**LAUNCH_OPTIONS, prevent_thread_lock=True)
    serving.preload(registry)
    demo.block_thread()
