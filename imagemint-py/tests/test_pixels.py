"""Pixels in and out: numpy arrays, Pillow images and imagemint.Image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import FIXTURES, SIGNATURES, fixture
from PIL import Image as PILImage

import imagemint


def test_decode_to_numpy_matches_pillow() -> None:
    image = imagemint.decode(fixture("chelsea.png"))
    assert (image.width, image.height, image.has_alpha) == (451, 300, False)
    pixels = image.to_numpy()
    assert pixels.shape == (300, 451, 3) and pixels.dtype == np.uint8
    assert pixels.flags.writeable
    want = np.asarray(PILImage.open(FIXTURES / "chelsea.png").convert("RGB"))
    assert np.array_equal(pixels, want), "lossless PNG: the same pixels as Pillow reads"


def test_alpha_gives_four_channels() -> None:
    pixels = imagemint.decode(fixture("logo-cutout.png")).to_numpy()
    assert pixels.shape[2] == 4
    assert pixels[..., 3].min() == 0 and pixels[..., 3].max() == 255


def test_numpy_in_encoded_out() -> None:
    rgb = np.asarray(PILImage.open(FIXTURES / "chelsea.png").convert("RGB"))
    out = imagemint.process(rgb, format="png")
    assert SIGNATURES["png"](out.data)
    assert np.array_equal(out.to_numpy(), rgb), "PNG is lossless"
    assert out.report["input_format"] is None, "pixels have no file format"
    assert out.report["input_bytes"] == rgb.nbytes
    # A non-contiguous view (every other column) is read as its values, not its memory.
    half = rgb[:, ::2]
    assert np.array_equal(imagemint.process(half, format="png").to_numpy(), half)


def test_rgba_numpy_through_image_class() -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[5:15, 10:20] = (255, 0, 0, 255)
    image = imagemint.Image.from_numpy(rgba)
    assert (image.width, image.height, image.has_alpha) == (30, 20, True)
    out = imagemint.process(image, format="webp", lossless=True)
    assert np.array_equal(out.to_numpy(), rgba)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((10, 10, 3), np.float32), "uint8"),
        (np.zeros((10, 10, 2), np.uint8), "3 .RGB. or 4"),
        (np.zeros((10, 10), np.uint8) + 1, "height × width"),
        (np.zeros((0, 10, 3), np.uint8), "at least 1"),
    ],
)
def test_bad_arrays_are_refused(array: np.ndarray, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        imagemint.process(array)


def test_pillow_in_and_out() -> None:
    pil = PILImage.open(FIXTURES / "chelsea.png")
    out = imagemint.process(pil, format="jpeg", quality=85)
    opened = out.to_pil()
    assert opened.format == "JPEG" and opened.size == pil.size
    back = imagemint.Image.from_pil(pil).to_pil()
    assert back.mode == "RGB" and back.tobytes() == pil.convert("RGB").tobytes()
    # Palette with transparency keeps its alpha.
    palette = PILImage.open(FIXTURES / "logo-cutout.png").convert("RGBA").quantize()
    palette.info["transparency"] = 0
    assert imagemint.Image.from_pil(palette).has_alpha


def test_one_dimensional_array_is_a_file() -> None:
    data = np.frombuffer(fixture("chelsea.png"), np.uint8)
    out = imagemint.process(data, format="webp")
    assert (out.width, out.height) == (451, 300)
    assert PILImage.open(io.BytesIO(out.data)).size == (451, 300)


def test_limits_apply_to_pixel_input() -> None:
    rgb = np.zeros((100, 100, 3), np.uint8)
    with pytest.raises(imagemint.LimitsError):
        imagemint.process(rgb, resize=(1000, 1000), enlarge=True, max_pixels=500_000)
    assert imagemint.process(rgb, resize=(200, 200), enlarge=True, max_pixels=500_000).width == 200
