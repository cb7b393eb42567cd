"""The style-mixing tab: StyleGAN's figure of row and column sources, where each cell is its row's image with
some layers' styles taken from its column.

Endpoint `/style_mix` (model, row_seeds, column_seeds, layers, from_layer, to_layer, truncation, noise_mode)
-> (grid png, caption); see docs/api.md.
"""

from __future__ import annotations

import random
from typing import Any

import gradio as gr

from .. import imaging, ops
from ..checkpoint import LoadedModel, ModelRegistry
from ..errors import UserError
from ..kind import NOISE_TO_IMAGE, Kind
from ..models.stylegan import NOISE_MODES
from . import checks, widgets
from .serving import remembered, stored
from .tab import Tab
from .text import TEXT, Label, field_name, i18n, language, note, user_errors

MAX_SEEDS = 8  # per side: an 8 x 8 grid is 80 images, about a second on a 2-core CPU at 64 px
PRESETS = tuple(ops.STYLE_GROUPS)  # ("coarse", "middle", "fine")
LAYER_CHOICES = (*PRESETS, "custom")
DEFAULT_ROWS, DEFAULT_COLUMNS = "11, 22, 33, 44", "55, 66, 77, 88"
GRID_MIN_SIDE = 640  # the grid is enlarged (nearest neighbour, by a whole factor) to at least this
DICE_SEEDS = 100_000  # the dice draw seeds below this: short enough to read in a list and to retype
# (model-independent) examples: row seeds, column seeds, layers, ψ, noise
EXAMPLES = (
    ("11, 22, 33, 44", "55, 66, 77, 88", "coarse", 1.0, "const"),
    ("1, 2, 3", "4, 5, 6, 7", "middle", 0.8, "random"),
    ("100, 200, 300", "400, 500, 600", "fine", 0.7, "none"),
)


def spans(layers: list[int]) -> str:
    """[0, 1, 2, 5] -> "0–2, 5": runs of consecutive layers."""
    runs: list[list[int]] = []
    for layer in layers:
        if runs and layer == runs[-1][-1] + 1:
            runs[-1].append(layer)
        else:
            runs.append([layer])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


class StyleMixTab(Tab):
    """Handlers and layout of the tab; its models are the registry's StyleGANs."""

    title_key = "tab_stylemix"

    def __init__(self, registry: ModelRegistry) -> None:
        super().__init__(registry)
        self.names = registry.names(kind=Kind.STYLEGAN)

    def available(self) -> bool:
        return bool(self.names)

    def num_ws(self, name: str) -> int:
        """How many style layers (one w each) model `name` has."""
        return self.registry.get(name).model.num_ws

    # -- validation ----------------------------------------------------------------------------------------------

    def model(self, name: object) -> LoadedModel:
        """The loaded StyleGAN `name`; another noise-to-image model is refused as "not a StyleGAN model"."""
        if isinstance(name, str) and name not in self.names and name in self.registry.names(kind=NOISE_TO_IMAGE):
            raise UserError("needs_stylegan", value=name, choices=", ".join(self.names))
        return checks.model(self.registry, name, self.names)

    def layer_range(
        self, loaded: LoadedModel, layers: object, from_layer: object, to_layer: object, request: gr.Request | None
    ) -> range:
        """The style layers that take the column's w: a preset group of the model, or from_layer..to_layer."""
        model = loaded.model
        if layers == "custom":
            start = checks.integer(from_layer, "sm_from", 0, model.num_ws - 1)
            stop = checks.integer(to_layer, "sm_to", 0, model.num_ws - 1)
            if start > stop:
                raise UserError("reversed_layers", start=start, stop=stop)
            return range(start, stop + 1)
        if layers not in PRESETS:
            raise UserError("unknown_layers", value=layers, choices=", ".join(LAYER_CHOICES))
        span = ops.style_group_layers(model, str(layers))
        if not span:
            groups = [(g, ops.style_group_layers(model, g)) for g in PRESETS]
            joiner = "，" if language(request) == "zh" else ", "
            described = joiner.join(f"{field_name(f'sm_group_{g}', request)} {spans(list(r))}" for g, r in groups if r)
            raise UserError(
                "empty_group",
                model=loaded.name,
                size=model.image_size,
                group=Label(f"sm_group_{layers}"),
                pixels=_group_pixels(str(layers), request),
                count=model.num_ws,
                layers=described,
            )
        return span

    # -- the endpoint --------------------------------------------------------------------------------------------

    @remembered
    @user_errors
    def style_mix(
        self,
        model: str,
        row_seeds: str,
        column_seeds: str,
        layers: str,
        from_layer: int,
        to_layer: int,
        truncation: float,
        noise_mode: str,
        request: gr.Request,
    ) -> tuple[str, str]:
        """Mix the styles of StyleGAN images: each cell is its row source with some layers' w taken from its column.

        Args:
            model: a StyleGAN model's name.
            row_seeds: 1 to 8 seeds separated by commas, e.g. "1, 2, 3": the sources down the left, whose w
                every layer not taken from the column keeps (and, with random noise, whose noise the cells use).
            column_seeds: 1 to 8 seeds separated by commas: the sources along the top.
            layers: the layers that take the column's w: "coarse" (4-8 px), "middle" (16-32 px), "fine"
                (64 px and up), or "custom" (from_layer to to_layer).
            from_layer: with "custom", the first layer taken from the column (0 to the model's layers - 1).
            to_layer: with "custom", the last layer taken from the column (inclusive; not below from_layer).
            truncation: ψ from 0 to 2; every w is pulled towards the mean w (0: all the mean image).
            noise_mode: "random" (drawn from each image's seed), "const" (the model's fixed noise maps) or "none".

        Returns:
            the grid (PNG: column sources along the top, row sources down the left, the mixes inside) and a
            caption in Markdown saying which layers came from the columns.
        """
        loaded = self.model(model)
        rows = checks.seed_list(row_seeds, "sm_rows", MAX_SEEDS)
        columns = checks.seed_list(column_seeds, "sm_columns", MAX_SEEDS)
        span = self.layer_range(loaded, layers, from_layer, to_layer, request)
        psi = checks.truncation(truncation)
        if noise_mode not in NOISE_MODES:
            raise UserError("unknown_noise", value=noise_mode)
        row_images, column_images, mixed = ops.style_mix(loaded.model, rows, columns, span, psi, noise_mode)
        grid = imaging.enlarge(imaging.style_mix_grid(row_images, column_images, mixed), GRID_MIN_SIDE)
        return stored([grid])[0], self.caption(loaded, span, str(layers), rows, columns, psi, noise_mode, request)

    def caption(
        self,
        loaded: LoadedModel,
        span: range,
        layers: str,
        rows: list[int],
        columns: list[int],
        psi: float,
        noise_mode: str,
        request: gr.Request | None,
    ) -> str:
        """Which layers came from the columns and which from the rows, in the request's language."""
        low, high = ops.layer_resolution(span.start), ops.layer_resolution(span.stop - 1)
        pixels = note("sm_pixel", request, low=low) if low == high else note("sm_pixels", request, low=low, high=high)
        group = note("sm_group", request, group=field_name(f"sm_group_{layers}", request)) if layers in PRESETS else ""
        rest = [i for i in range(loaded.model.num_ws) if i not in span]
        rest_text = note("sm_rest", request, layers=spans(rest)) if rest else note("sm_rest_none", request)
        return note(
            "sm_caption",
            request,
            layers=spans(list(span)),
            pixels=pixels,
            group=group,
            rest=rest_text,
            rows=", ".join(map(str, rows)),
            columns=", ".join(map(str, columns)),
            psi=psi,
            noise=noise_mode,
        )

    # -- UI-only events ------------------------------------------------------------------------------------------

    def layer_controls(
        self, model: str, layers: str, from_layer: float, to_layer: float
    ) -> tuple[gr.Slider, gr.Slider]:
        """The from/to sliders for `model`: sized to its layers, showing a preset's range (locked) or, for
        "custom", the chosen range (live)."""
        if model not in self.names:
            return gr.Slider(), gr.Slider()
        last = self.num_ws(model) - 1

        def clamp(value: object, default: int) -> int:
            try:
                return min(max(int(value), 0), last)  # type: ignore[call-overload]
            except (TypeError, ValueError, OverflowError):
                return default

        start, stop = clamp(from_layer, 0), clamp(to_layer, last)
        info = "sm_custom_info"
        if layers != "custom":
            span = ops.style_group_layers(self.registry.get(model).model, layers) if layers in PRESETS else range(0)
            start, stop, info = (span.start, span.stop - 1, "sm_range_info") if span else (start, stop, "sm_empty_info")
        live = layers == "custom"
        return (
            gr.Slider(maximum=last, value=start, interactive=live, info=i18n(info)),
            gr.Slider(maximum=last, value=stop, interactive=live),
        )

    @staticmethod
    def roll_seeds(current: str) -> str:
        """As many new random seeds as the box holds now (4 if it holds no valid list)."""
        try:
            count = len(checks.seed_list(current, "sm_rows", MAX_SEEDS))
        except UserError:
            count = 4
        return ", ".join(str(random.randrange(DICE_SEEDS)) for _ in range(count))

    # -- layout --------------------------------------------------------------------------------------------------

    def examples(self, name: str | None) -> list[list[Any]]:
        """EXAMPLES for model `name`, leaving out groups it has no layers in."""
        if name is None:
            return []
        model = self.registry.get(name).model
        return [[name, *example] for example in EXAMPLES if ops.style_group_layers(model, example[2])]

    def build(self) -> None:
        gr.Markdown(i18n("stylemix_explain"))
        if not self.names:
            gr.Markdown(i18n("sm_none"))
        default = self.names[0] if self.names else None
        # The sliders' own bound is the largest model's (Gradio checks API calls against it); the handler
        # checks each model's, and layer_controls sizes the sliders to the chosen one.
        last = max((self.num_ws(n) for n in self.names), default=2) - 1
        first = ops.style_group_layers(self.registry.get(default).model, "coarse") if default else range(0, last + 1)
        with gr.Row():
            with gr.Column(scale=1):
                model = widgets.model_dropdown(self.registry, self.names)
                rows, row_dice = _seed_list_row("sm_rows", DEFAULT_ROWS)
                columns, column_dice = _seed_list_row("sm_columns", DEFAULT_COLUMNS)
                layers = gr.Radio(
                    [(i18n(f"sm_{c}"), c) for c in LAYER_CHOICES], value="coarse", label=i18n("sm_layers")
                )
                ranges = dict(minimum=0, maximum=last, step=1, interactive=False)
                from_layer = gr.Slider(value=first.start, label=i18n("sm_from"), info=i18n("sm_range_info"), **ranges)
                to_layer = gr.Slider(value=first.stop - 1, label=i18n("sm_to"), **ranges)
                psi = widgets.truncation_slider()
                noise = gr.Radio(list(NOISE_MODES), value="const", label=i18n("sm_noise"), info=i18n("sm_noise_info"))
                go = gr.Button(i18n("sm_go"), variant="primary")
                gr.Markdown(i18n("sm_limits"))
            with gr.Column(scale=2):
                gr.Markdown(i18n("sm_grid"))
                grid = gr.Image(
                    label="grid",  # names the API output; the Markdown above is the visible caption
                    show_label=False,
                    type="filepath",
                    interactive=False,
                    buttons=["download", "fullscreen"],
                    elem_id="sm-grid",
                )
                caption = gr.Markdown(label="caption", show_label=False, elem_id="sm-caption")
        examples = self.examples(default)
        if examples:
            gallery = gr.Examples(
                examples=examples,
                inputs=[model, rows, columns, layers, psi, noise],
                label=i18n("sm_examples"),
                # Labels instead of a table, whose headers would show the i18n keys of the controls' labels.
                # Plain strings (Gradio does not translate these): the group in both languages.
                example_labels=[f"{' · '.join(TEXT[f'sm_group_{e[3]}'])}: ψ = {e[4]:g}, {e[5]}" for e in examples],
            )
        self.inputs = [model, rows, columns, layers, from_layer, to_layer, psi, noise]
        self.outputs = [grid, caption]
        self.controls = ([model, layers, from_layer, to_layer], [from_layer, to_layer])
        go.click(self.style_mix, self.inputs, self.outputs, api_name="style_mix")
        for dice, box in ((row_dice, rows), (column_dice, columns)):
            dice.click(self.roll_seeds, box, box, api_visibility="private", queue=False).then(
                self.style_mix, self.inputs, self.outputs, api_visibility="private"
            )
        model.change(self.layer_controls, *self.controls, api_visibility="private", queue=False)
        layers.input(self.layer_controls, *self.controls, api_visibility="private", queue=False).then(
            self.style_mix, self.inputs, self.outputs, api_visibility="private"
        )
        for slider in (from_layer, to_layer):
            slider.release(self.style_mix, self.inputs, self.outputs, api_visibility="private")
        if examples:
            gallery.load_input_event.then(
                self.layer_controls, *self.controls, api_visibility="private", queue=False
            ).then(self.style_mix, self.inputs, self.outputs, api_visibility="private")

    def load(self, demo: gr.Blocks) -> None:
        """Open on a grid: size the sliders to the default model, then mix."""
        demo.load(self.layer_controls, *self.controls, api_visibility="private", queue=False).then(
            self.style_mix, self.inputs, self.outputs, api_visibility="private"
        )


def _group_pixels(group: str, request: gr.Request | None) -> str:
    """The resolutions a preset group styles: "4–8 px", or "64 px and up" for the open-ended fine group."""
    low, high = ops.STYLE_GROUPS[group]
    if group == PRESETS[-1]:
        return note("sm_pixels_up", request, low=low)
    return note("sm_pixels", request, low=low, high=high)


def _seed_list_row(key: str, value: str) -> tuple[gr.Textbox, gr.Button]:
    with gr.Row(equal_height=True):
        # Free text: seed_list reads it and answers a bad list in the user's language.
        box = gr.Textbox(value=value, label=i18n(key), info=i18n(f"{key}_info"), max_lines=1, scale=3)
        dice = gr.Button(i18n("sm_dice"), scale=1, size="sm")
    return box, dice
