"""app.build_demo composes the tabs of gan_demo/ui/, each of one shape (Tab), with or without models."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

import app as app_module
from gan_demo.checkpoint import ModelRegistry
from gan_demo.ui import lab_images
from gan_demo.ui.tab import Tab


def test_every_tab_has_the_tab_shape() -> None:
    for tab in app_module.TABS:
        assert issubclass(tab, Tab) and tab.title_key.startswith("tab_"), tab
        assert tab.__module__ == f"gan_demo.ui.{tab.__module__.rsplit('.', 1)[1]}"  # one module per tab
    assert len({tab.__module__ for tab in app_module.TABS}) == len(app_module.TABS)


def test_without_models_every_tab_still_explains_itself_and_nothing_runs_on_load(tmp_path: Path) -> None:
    registry = ModelRegistry([tmp_path], device="cpu")
    tabs = [tab(registry) for tab in app_module.TABS]
    # The training lab trains its own networks: it needs no checkpoint.
    assert [type(t).__name__ for t in tabs if t.available()] == ["OverviewTab", "LabTab"]
    demo = app_module.build_demo(registry)
    assert isinstance(demo, gr.Blocks)
    loads = [fn for fn in demo.fns.values() if any(target[1] == "load" for target in fn.targets)]
    # The overview has nothing to open on; only the lab opens (no model needed): the 2D playground on its first frame
    # and its limits, the image lab on its untrained generators where a dataset is installed.
    opening = {"LabTab", "ImageLab"} if lab_images.images.available_datasets() else {"LabTab"}
    assert {type(getattr(fn.fn, "__self__", None)).__name__ for fn in loads} == opening
    assert {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"} == {
        "sample", "interpolate", "conditional", "style_mix", "super_resolve", "translate", "lab_2d", "cyclegan",
    }  # fmt: skip
