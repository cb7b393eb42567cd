"""Avatar rendering, dataset preparation, and the sketch functions (edges, augmentation, cleaning)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_demo.data import avatars
from gan_demo.data.avatars import ATTRIBUTES, load_avatars, prepare_avatars, render_avatar
from gan_demo.data.sketch import clean_drawing, drawing_from_avatar, extract_edges

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def renderer():
    pytest.importorskip("python_avatars")
    pytest.importorskip("resvg_py")


def square_picture(size: int = 64) -> np.ndarray:
    """A dark blue square on a white ground: one clean outline expected."""
    image = np.full((size, size, 3), 255, np.uint8)
    image[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = (20, 40, 160)
    return image


# --- rendering ---------------------------------------------------------------------------------


def test_attribute_names_resolve_in_the_installed_library(renderer):
    options = avatars._library_options()
    assert {k: len(v) for k, v in options.items()} == {k: len(v) for k, v in ATTRIBUTES.items()}
    for values in ATTRIBUTES.values():
        assert len(set(values)) == len(values)


def test_render_avatar_is_deterministic_and_well_formed(renderer):
    image, labels = render_avatar(3, size=32)
    again, labels_again = render_avatar(3, size=32)
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    assert image.tobytes() == again.tobytes() and labels == labels_again
    assert list(labels) == list(ATTRIBUTES)
    assert all(0 <= labels[k] < len(ATTRIBUTES[k]) for k in ATTRIBUTES)
    assert not np.array_equal(image, render_avatar(4, size=32)[0])


def test_render_avatar_is_the_same_in_another_process(renderer):
    code = (
        "import hashlib; from gan_demo.data.avatars import render_avatar; "
        "print(hashlib.sha256(render_avatar(11, 48)[0].tobytes()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == hashlib.sha256(render_avatar(11, 48)[0].tobytes()).hexdigest()


# --- dataset preparation -----------------------------------------------------------------------


def test_prepare_avatars_writes_loads_and_caches(renderer, tmp_path, monkeypatch):
    out = prepare_avatars(tmp_path / "av", first_seed=10, count=5, size=32)
    images, sketches, labels = (np.load(out / f"{n}.npy") for n in ("images", "sketches", "attributes"))
    assert images.shape == (5, 32, 32, 3) and images.dtype == np.uint8
    assert sketches.shape == (5, 32, 32) and sketches.dtype == np.uint8
    assert labels.shape == (5, len(ATTRIBUTES)) and labels.dtype == np.int16
    meta = json.loads((out / "dataset.json").read_text())
    assert meta["seeds"] == [10, 15] and meta["size"] == 32 and meta["attributes"] == ATTRIBUTES
    assert not list(out.glob("*.tmp*"))
    image, attributes = render_avatar(12, 32)
    assert np.array_equal(images[2], image) and labels[2].tolist() == list(attributes.values())
    silhouette = avatars._render(12, 32)[1]
    assert np.array_equal(sketches[2], drawing_from_avatar(image, np.random.default_rng(12), silhouette=silhouette))

    data = load_avatars(out)
    assert data.images.shape == (5, 3, 32, 32) and data.sketches.shape == (5, 1, 32, 32)
    assert data.attributes.dtype.is_floating_point is False and data.attributes.shape == (5, len(ATTRIBUTES))
    assert data.seeds == range(10, 15) and len(data) == 5
    assert np.array_equal(data.images[2].permute(1, 2, 0).numpy(), image)

    def no_rendering(job):
        raise AssertionError("the cached dataset was rendered again")

    monkeypatch.setattr(avatars, "_render_chunk", no_rendering)
    assert prepare_avatars(out, first_seed=10, count=5, size=32) == out
    with pytest.raises(AssertionError, match="rendered again"):  # a different request does render
        prepare_avatars(out, first_seed=10, count=6, size=32)


def test_prepare_avatars_with_workers_equals_one_process(renderer, tmp_path):
    one = prepare_avatars(tmp_path / "one", first_seed=0, count=6, size=32, workers=1)
    two = prepare_avatars(tmp_path / "two", first_seed=0, count=6, size=32, workers=2)
    for name in ("images", "sketches", "attributes"):
        assert np.array_equal(np.load(one / f"{name}.npy"), np.load(two / f"{name}.npy")), name


def test_load_avatars_explains_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="prepare_avatars"):
        load_avatars(tmp_path)


# --- edges -------------------------------------------------------------------------------------


def test_extract_edges_outlines_a_shape_in_black_on_white():
    edges = extract_edges(square_picture(64))
    assert edges.shape == (64, 64) and edges.dtype == np.uint8
    assert edges.min() == 0 and edges[:10].min() == 255 and edges[24:40, 24:40].min() == 255  # only the outline
    assert 0.03 < (edges < 128).mean() < 0.2
    assert np.array_equal(edges, extract_edges(square_picture(64)))


def test_extract_edges_on_blank_grey_odd_sized_and_transparent_pictures():
    assert (extract_edges(np.full((40, 30, 3), 200, np.uint8)) == 255).all()
    grey = square_picture(64).mean(-1).astype(np.uint8)
    assert np.array_equal(extract_edges(grey), extract_edges(np.repeat(grey[..., None], 3, -1)))
    odd = np.asarray(np.random.default_rng(0).integers(0, 256, (37, 53, 3)), np.uint8)
    assert extract_edges(odd).shape == (37, 53)
    rgba = np.concatenate([square_picture(32), np.full((32, 32, 1), 255, np.uint8)], -1)
    assert np.array_equal(extract_edges(rgba), extract_edges(square_picture(32)))
    with pytest.raises(ValueError, match="uint8"):
        extract_edges(np.zeros((8, 8, 3), np.float32))


def test_drawing_from_avatar_is_deterministic_given_the_rng():
    image = square_picture(64)
    first = drawing_from_avatar(image, np.random.default_rng(7))
    assert first.shape == (64, 64) and first.dtype == np.uint8
    assert np.array_equal(first, drawing_from_avatar(image, np.random.default_rng(7)))
    others = [drawing_from_avatar(image, np.random.default_rng(seed)) for seed in range(8, 12)]
    assert any(not np.array_equal(first, other) for other in others)
    assert first.min() == 0 and (first == 255).mean() > 0.7


def test_drawing_from_avatar_outlines_the_silhouette_on_a_same_coloured_background():
    flat = np.full((64, 64, 3), 40, np.uint8)  # black clothes on the black background: no colour edge
    silhouette = np.zeros((64, 64), np.uint8)
    silhouette[16:48, 16:48] = 255
    assert (drawing_from_avatar(flat, np.random.default_rng(0)) == 255).all()
    assert (drawing_from_avatar(flat, np.random.default_rng(0), silhouette=silhouette) < 128).mean() > 0.03


# --- cleaning user drawings --------------------------------------------------------------------


def test_clean_drawing_turns_transparent_coloured_strokes_into_black_on_white():
    rgba = np.zeros((32, 32, 4), np.uint8)  # transparent black: the sketchpad's empty layer
    rgba[10:13, 4:28] = (230, 30, 30, 255)  # a red stroke
    clean = clean_drawing(rgba)
    assert clean.shape == (32, 32) and clean.dtype == np.uint8
    assert (clean[10:13, 4:28] == 0).all() and (clean[20:] == 255).all()


def test_clean_drawing_handles_light_colours_inverted_and_grey_drawings():
    yellow = np.full((32, 32, 3), 255, np.uint8)
    yellow[16, 2:30] = (255, 230, 0)  # bright yellow: luminance alone would call it paper
    assert (clean_drawing(yellow)[16, 2:30] == 0).all() and (clean_drawing(yellow)[:10] == 255).all()
    chalk = np.zeros((32, 32, 3), np.uint8)  # white lines on a blackboard
    chalk[:, 15:17] = 240
    assert (clean_drawing(chalk)[:, 15:17] == 0).all() and (clean_drawing(chalk)[:, :10] == 255).all()
    grey = np.full((32, 32), 235, np.uint8)  # grey paper, pencil line
    grey[5:25, 8] = 90
    assert (clean_drawing(grey)[5:25, 8] == 0).all() and (clean_drawing(grey)[:, 20:] == 255).all()


@pytest.mark.parametrize("canvas", [np.zeros((24, 24, 4), np.uint8), np.full((24, 24, 3), 255, np.uint8)])
def test_clean_drawing_of_an_empty_canvas_is_white(canvas):
    assert (clean_drawing(canvas) == 255).all()
