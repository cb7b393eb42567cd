"""gan_demo: an interactive GAN playground (Gradio Blocks).

Run `python app.py` and open http://127.0.0.1:7860. Extra checkpoint folders or Hugging Face Hub repo ids can be
added with GAN_DEMO_MODELS="path/one:user/repo". Each tab's main action is a public API endpoint; with
`from gradio_client import Client, handle_file` and `client = Client("http://127.0.0.1:7860/")`:

/sample (model, seed, count, truncation) -> gallery
    client.predict("dcgan-fashion", 42, 16, 1.0, api_name="/sample")
    -> [{"image": png path, "caption": "seed 42"}, ...]
    For a StyleGAN model, truncation pulls w towards the mean w (and the page shows a ψ sweep of the first seed).
/interpolate (model, seed_a, seed_b, steps, method "lerp"|"slerp", truncation, space "z"|"w" = "z")
    -> (gallery of frames, gif path)
    client.predict("stylegan-avatars", 1, 2, 12, "lerp", 1.0, "w", api_name="/interpolate")
    space "w" (StyleGAN models only) walks between the two seeds' w's instead of their z's; without it, "z".
/conditional (model, class_name, seed, count, truncation) -> (gallery, class x seed grid png path)
/style_mix (model, row_seeds, column_seeds, layers, from_layer, to_layer, truncation, noise_mode)
    -> (grid png path, caption)
    client.predict("stylegan-avatars", "1, 2, 3, 4", "5, 6, 7, 8", "coarse", 0, 3, 1.0, "const", api_name="/style_mix")
    StyleGAN models only. row_seeds and column_seeds: 1 to 8 seeds each, separated by commas. layers: the
    layers that take the column's w, "coarse" (4-8 px), "middle" (16-32 px), "fine" (64 px and up) or
    "custom": from_layer to to_layer, both included (ignored for the presets). noise_mode: "random" (drawn
    from each image's seed), "const" (the model's fixed noise maps) or "none". The grid has the column sources
    along the top, the row sources down the left, and each mix (its row's w, with the chosen layers' w from
    its column) inside; the caption (Markdown) says which layers came from where.
/super_resolve (image, model, alpha, known_answer) -> ((bicubic png, model png), full-resolution png path, notes)
    client.predict(handle_file("photo.jpg"), "srgan-photo-x4", 1.0, False, api_name="/super_resolve")
    image: PNG/JPEG/GIF/WebP/BMP/TIFF, at most 2048 x 2048 pixels; alpha in [0, 1] blends the GAN model's weights
    with those of the PSNR-oriented model it was fine-tuned from (0 = PSNR model, 1 = GAN model; no effect for a
    model without a base_model); known_answer=True shrinks the image x4 first and the notes (Markdown) end with
    a table of PSNR/SSIM of bicubic and of the model against the original. The slider's pair is reduced to
    2048 px at most for display; the png path is the full-size result.
/translate (model, source, sketch, upload) -> (drawing as the model sees it, picture, L1-only picture or None, notes)
    client.predict("pix2pix-edges2avatars", "drawing", None, handle_file("edges.png"), api_name="/translate")
    client.predict("pix2pix-edges2avatars", "picture", None, handle_file("photo.jpg"), api_name="/translate")
    client.predict("pix2pix-edges2avatars", "sketch",
                   {"background": None, "layers": [], "composite": handle_file("drawing.png")}, None,
                   api_name="/translate")
    source: "sketch" uses the sketchpad's composite (transparent = paper, any ink colour), "drawing" the
    uploaded drawing, "picture" the edges extracted from the uploaded picture. The three images are enlarged
    (nearest neighbour) to at least 256 px; the L1-only image is None when no L1-only model of the same size
    and dataset is installed.
/cyclegan (image, direction "AtoB"|"BtoA", model = the first CycleGAN) -> (translated, reconstructed, notes)
    client.predict(handle_file("avatar.png"), "AtoB", api_name="/cyclegan")   # black hair -> blonde hair
    client.predict(handle_file("avatar.png"), "BtoA", "cyclegan-hair-avatars", api_name="/cyclegan")
    The image (PNG/JPEG/GIF/WebP/BMP/TIFF, at most 2048 x 2048 pixels; transparent = white) is centre-cropped to a
    square and resized to the model's size (64 px); "reconstructed" is the translation translated back (the cycle).
    Both images are enlarged (nearest neighbour) to at least 256 px. The notes (Markdown) give the cycle's PSNR,
    and for a shipped held-out example also the PSNR against its true counterpart.

Bad values are answered with a gr.Error (gradio_client raises AppError) in English, or in Chinese when the
request's Accept-Language starts with zh; the server keeps serving.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from gan_demo import imaging, ops
from gan_demo.checkpoint import DEFAULT_CHECKPOINT_DIR, LoadedModel, ModelRegistry
from gan_demo.ui import checks
from gan_demo.ui.cyclegan import CycleGANTab
from gan_demo.ui.stylemix import StyleMixTab
from gan_demo.ui.superres import SuperResolutionTab
from gan_demo.ui.text import class_label, error, i18n
from gan_demo.ui.translate import TranslationTab

MAX_IMAGES = 64
MAX_FRAMES = 48
MAX_TRUNCATION = checks.MAX_TRUNCATION
SWEEP_PSIS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)  # the sampling tab's truncation sweep (StyleGAN models)
MAX_FILE_SIZE = "50mb"  # per upload; the pixel limit (imaging.MAX_UPLOAD_PIXELS) is checked on decoding
GRID_COLUMNS = 8
GIF_DIR = Path(tempfile.gettempdir()) / "gan_demo_gifs"

registry = ModelRegistry([DEFAULT_CHECKPOINT_DIR])
for extra in filter(None, os.environ.get("GAN_DEMO_MODELS", "").split(os.pathsep)):
    registry.add(extra)

UNCONDITIONAL = registry.names(conditional=False)
CONDITIONAL = registry.names(conditional=True)
superres = SuperResolutionTab(registry)
translation = TranslationTab(registry)
stylemix = StyleMixTab(registry)
cyclegan = CycleGANTab(registry)
# Whether the sampling tabs open on a StyleGAN (then the ψ sweep shows and W space can be chosen).
STYLE_FIRST = bool(UNCONDITIONAL) and UNCONDITIONAL[0] in stylemix.names


# -- validation at the edge: every API argument may be anything (gan_demo.ui.checks) -----------------------------

_integer = checks.integer


def _model(name: object, choices: list[str], request: gr.Request | None) -> LoadedModel:
    return checks.model(registry, name, choices, request)


def _seeds(seed: object, count: object, request: gr.Request | None) -> list[int]:
    first = _integer(seed, "seed", 0, ops.MAX_SEED, request)
    n = _integer(count, "count", 1, MAX_IMAGES, request)
    return [(first + i) % (ops.MAX_SEED + 1) for i in range(n)]


_truncation = checks.truncation


# -- handlers: validate, one call into gan_demo, convert for display -------------------------------------------


def sample(model: str, seed: int, count: int, truncation: float, request: gr.Request) -> list[tuple[Image.Image, str]]:
    loaded = _model(model, UNCONDITIONAL, request)
    seeds = _seeds(seed, count, request)
    images = ops.sample(loaded.model, seeds, _truncation(truncation, request))
    return [(img, f"seed {s}") for img, s in zip(imaging.to_pil_list(images), seeds, strict=True)]


def truncation_sweep(model: str, seed: int, request: gr.Request) -> list[tuple[Image.Image, str]]:
    """The first seed at each of SWEEP_PSIS (StyleGAN models; for others the strip is hidden and left empty)."""
    if model not in stylemix.names:
        return []
    loaded = _model(model, UNCONDITIONAL, request)
    first = _integer(seed, "seed", 0, ops.MAX_SEED, request)
    images = ops.truncation_sweep(loaded.model, first, SWEEP_PSIS)
    return [(img, f"ψ = {psi:g}") for img, psi in zip(imaging.to_pil_list(images), SWEEP_PSIS, strict=True)]


def sweep_visibility(model: str) -> tuple[gr.Column, gr.Markdown]:
    style = model in stylemix.names
    return gr.Column(visible=style), gr.Markdown(visible=not style)


def interpolate(
    model: str,
    seed_a: int,
    seed_b: int,
    steps: int,
    method: str,
    truncation: float,
    request: gr.Request,
    space: str = "z",
) -> tuple[list[tuple[Image.Image, str]], str]:
    loaded = _model(model, UNCONDITIONAL, request)
    a = _integer(seed_a, "seed_a", 0, ops.MAX_SEED, request)
    b = _integer(seed_b, "seed_b", 0, ops.MAX_SEED, request)
    n = _integer(steps, "steps", 2, MAX_FRAMES, request)
    if method not in ("lerp", "slerp"):
        raise error("unknown_method", request, value=method)
    if space not in ("z", "w"):
        raise error("unknown_space", request, value=space)
    if space == "w" and loaded.name not in stylemix.names:
        raise error("w_needs_stylegan", request, value=loaded.name, choices=", ".join(stylemix.names))
    psi = _truncation(truncation, request)
    frames = imaging.to_pil_list(ops.interpolate(loaded.model, a, b, n, method, psi, space=space))
    gif = imaging.gif_bytes(frames)
    gif_path = _store_gif(gif)
    captions = [f"t = {i / (n - 1):.2f}" for i in range(n)]
    return list(zip(frames, captions, strict=True)), str(gif_path)


def _store_gif(gif: bytes) -> Path:
    """Write the GIF where Gradio can serve it; files older than an hour are removed."""
    GIF_DIR.mkdir(exist_ok=True)
    for old in GIF_DIR.glob("*.gif"):
        if time.time() - old.stat().st_mtime > 3600:
            old.unlink(missing_ok=True)
    path = GIF_DIR / f"{hashlib.sha1(gif).hexdigest()}.gif"  # same request, same file
    path.write_bytes(gif)
    return path


def conditional(
    model: str, class_name: str, seed: int, count: int, truncation: float, request: gr.Request
) -> tuple[list[tuple[Image.Image, str]], Image.Image]:
    loaded = _model(model, CONDITIONAL, request)
    if class_name not in loaded.class_names:
        raise error("unknown_class", request, value=class_name, choices=", ".join(loaded.class_names))
    seeds = _seeds(seed, count, request)
    psi = _truncation(truncation, request)
    images = ops.sample_class(loaded.model, loaded.class_names.index(class_name), seeds, psi)
    grid = ops.class_grid(loaded.model, seeds[:GRID_COLUMNS], psi)
    grid_image = imaging.labelled_grid(grid, loaded.class_names, ncol=min(len(seeds), GRID_COLUMNS), cell=56)
    gallery = [(img, f"seed {s}") for img, s in zip(imaging.to_pil_list(images), seeds, strict=True)]
    return gallery, grid_image


def space_control(model: str) -> gr.Radio:
    """The Z/W choice: live for a StyleGAN model, else locked on Z."""
    if model in stylemix.names:
        return gr.Radio(interactive=True, info=i18n("space_info"))
    return gr.Radio(value="z", interactive=False, info=i18n("space_off_info"))


def random_seed() -> int:
    return random.randint(0, ops.MAX_SEED)


def class_choices(model: str) -> gr.Dropdown:
    names = registry.config(model).get("class_names", []) if model in CONDITIONAL else []
    # allow_custom_value: each model has its own classes, and conditional() checks the class itself.
    choices = [(class_label(n), n) for n in names]
    return gr.Dropdown(choices=choices, value=names[0] if names else None, label=i18n("class"), allow_custom_value=True)


# -- layout ----------------------------------------------------------------------------------------------------


def _model_choices(names: list[str]) -> list[tuple[str, str]]:
    return [(registry.config(n).get("title", n), n) for n in names]


def _model_dropdown(names: list[str]) -> gr.Dropdown:
    return gr.Dropdown(choices=_model_choices(names), value=names[0] if names else None, label=i18n("model"))


def _seed_row(label_key: str = "seed", value: int = 42) -> tuple[gr.Number, gr.Button]:
    with gr.Row(equal_height=True):
        # No minimum/maximum here: the handler's own check answers in the user's language.
        seed = gr.Number(value=value, label=i18n(label_key), info=i18n("seed_info"), precision=0, scale=3)
        dice = gr.Button(i18n("dice"), scale=1, size="sm")
    return seed, dice


def _count_slider(value: int) -> gr.Slider:
    return gr.Slider(1, MAX_IMAGES, value=value, step=1, label=i18n("count"), info=i18n("count_info"))


def _truncation_slider() -> gr.Slider:
    return gr.Slider(0.0, MAX_TRUNCATION, value=1.0, step=0.05, label=i18n("truncation"), info=i18n("truncation_info"))


def _gallery(label_key: str) -> gr.Gallery:
    # The caption goes above as Markdown: Gradio's floating label would cover the first row of images.
    gr.Markdown(i18n(label_key))
    return gr.Gallery(
        show_label=False,
        columns=6,
        height="auto",
        format="png",
        object_fit="contain",
        buttons=["download", "fullscreen"],
    )


with gr.Blocks(title="GAN Playground · GAN 实验室") as demo:
    gr.Markdown(i18n("title"))
    gr.Markdown(i18n("subtitle"))
    with gr.Tabs():
        with gr.Tab(i18n("tab_overview")):
            gr.Markdown(i18n("overview"), latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])

        with gr.Tab(i18n("tab_sample")):
            gr.Markdown(i18n("sample_explain"))
            with gr.Row():
                with gr.Column(scale=1):
                    s_model = _model_dropdown(UNCONDITIONAL)
                    s_seed, s_dice = _seed_row()
                    s_count = _count_slider(16)
                    s_psi = _truncation_slider()
                    s_go = gr.Button(i18n("generate"), variant="primary")
                    gr.Markdown(i18n("limits"))
                with gr.Column(scale=2):
                    s_out = _gallery("images")
                    with gr.Column(visible=STYLE_FIRST) as s_sweep_box:
                        gr.Markdown(i18n("sweep_explain"))
                        s_sweep = gr.Gallery(
                            show_label=False, columns=len(SWEEP_PSIS), height="auto", format="png",
                            object_fit="contain", buttons=["download", "fullscreen"], elem_id="s-sweep",
                        )  # fmt: skip
                    s_sweep_off = gr.Markdown(i18n("sweep_off"), visible=not STYLE_FIRST)
            s_inputs = [s_model, s_seed, s_count, s_psi]
            # The sweep is a second, private event after /sample: the public API keeps its one output.
            s_go.click(sample, s_inputs, s_out, api_name="sample").success(
                truncation_sweep, [s_model, s_seed], s_sweep, api_visibility="private"
            )
            s_dice.click(random_seed, None, s_seed, api_visibility="private").then(
                sample, s_inputs, s_out, api_visibility="private"
            ).success(truncation_sweep, [s_model, s_seed], s_sweep, api_visibility="private")
            s_model.change(
                sweep_visibility, s_model, [s_sweep_box, s_sweep_off], api_visibility="private", queue=False
            ).then(truncation_sweep, [s_model, s_seed], s_sweep, api_visibility="private")

        with gr.Tab(i18n("tab_interpolate")):
            gr.Markdown(i18n("interpolate_explain"))
            with gr.Row():
                with gr.Column(scale=1):
                    i_model = _model_dropdown(UNCONDITIONAL)
                    i_a, i_dice_a = _seed_row("seed_a", 1)
                    i_b, i_dice_b = _seed_row("seed_b", 2)
                    i_steps = gr.Slider(2, MAX_FRAMES, value=12, step=1, label=i18n("steps"), info=i18n("steps_info"))
                    i_method = gr.Radio(["slerp", "lerp"], value="slerp", label=i18n("method"))
                    i_psi = _truncation_slider()
                    i_space = gr.Radio(
                        [("Z", "z"), ("W", "w")],
                        value="z",
                        label=i18n("space"),
                        info=i18n("space_info" if STYLE_FIRST else "space_off_info"),
                        interactive=STYLE_FIRST,
                    )
                    i_go = gr.Button(i18n("generate"), variant="primary")
                with gr.Column(scale=2):
                    i_frames = _gallery("frames")
                    i_gif = gr.Image(label=i18n("gif"), type="filepath", height=220, buttons=["download"])
            i_inputs = [i_model, i_a, i_b, i_steps, i_method, i_psi, i_space]
            i_go.click(interpolate, i_inputs, [i_frames, i_gif], api_name="interpolate")
            i_model.change(space_control, i_model, i_space, api_visibility="private", queue=False)
            for dice, target in ((i_dice_a, i_a), (i_dice_b, i_b)):
                dice.click(random_seed, None, target, api_visibility="private").then(
                    interpolate, i_inputs, [i_frames, i_gif], api_visibility="private"
                )

        with gr.Tab(i18n("tab_conditional")):
            gr.Markdown(i18n("conditional_explain"))
            with gr.Row():
                with gr.Column(scale=1):
                    c_model = _model_dropdown(CONDITIONAL)
                    c_class = class_choices(CONDITIONAL[0] if CONDITIONAL else "")
                    c_seed, c_dice = _seed_row(value=7)
                    c_count = _count_slider(8)
                    c_psi = _truncation_slider()
                    c_go = gr.Button(i18n("generate"), variant="primary")
                with gr.Column(scale=2):
                    c_out = _gallery("class_gallery")
                    gr.Markdown(i18n("class_grid"))
                    c_grid = gr.Image(show_label=False, type="pil", format="png", buttons=["download", "fullscreen"])
            c_inputs = [c_model, c_class, c_seed, c_count, c_psi]
            c_go.click(conditional, c_inputs, [c_out, c_grid], api_name="conditional")
            c_model.change(class_choices, c_model, c_class, api_visibility="private")
            c_dice.click(random_seed, None, c_seed, api_visibility="private").then(
                conditional, c_inputs, [c_out, c_grid], api_visibility="private"
            )

        with gr.Tab(i18n("tab_stylemix")):
            stylemix.build(_model_choices, _truncation_slider)

        with gr.Tab(i18n("tab_superres")):
            superres.build(_model_choices)

        with gr.Tab(i18n("tab_translate")) as translate_tab:
            translation.build(_model_choices, translate_tab)

        if cyclegan.available():
            with gr.Tab(i18n(cyclegan.title_key)):
                cyclegan.build()

    # A workshop opens on results, not on empty boxes.
    if UNCONDITIONAL:
        demo.load(sample, s_inputs, s_out, api_visibility="private").success(
            truncation_sweep, [s_model, s_seed], s_sweep, api_visibility="private"
        )
        demo.load(interpolate, i_inputs, [i_frames, i_gif], api_visibility="private")
    if CONDITIONAL:
        demo.load(conditional, c_inputs, [c_out, c_grid], api_visibility="private")
    stylemix.load(demo)
    if translation.opens_on_result:  # (super-resolution waits for a click: seconds of CPU per visitor)
        demo.load(translation.translate, translation.inputs, translation.outputs, api_visibility="private")
    if cyclegan.available():
        cyclegan.load(demo)


# show_error: Gradio's own input checks (e.g. text sent for a number) reach the client as a message.
LAUNCH_OPTIONS = {"i18n": i18n, "theme": gr.themes.Soft(), "show_error": True, "max_file_size": MAX_FILE_SIZE}

if __name__ == "__main__":
    demo.queue(max_size=64).launch(**LAUNCH_OPTIONS)
