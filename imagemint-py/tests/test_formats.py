"""Every output format from real photos, every input format, and the same bytes as the
native command for the same options."""

from __future__ import annotations

import io

import pytest
from conftest import FIXTURES, SIGNATURES, fixture, native
from PIL import Image as PILImage

import imagemint


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "avif"])
def test_each_output_format_round_trips(fmt: str) -> None:
    data = fixture("chelsea.png")
    out = imagemint.process(data, format=fmt)
    assert SIGNATURES[fmt](out.data)
    assert out.format == fmt
    assert (out.width, out.height) == (451, 300)
    assert out.report["output_format"] == fmt
    assert out.report["input_format"] == "png"
    assert out.report["input_bytes"] == len(data)
    assert out.report["output_bytes"] == len(out.data) == len(out)
    back = imagemint.decode(out.data)
    assert (back.width, back.height) == (451, 300)
    if fmt != "png":
        assert len(out.data) < len(data) / 3, "lossy output of a photo is much smaller"


@pytest.mark.parametrize(
    "name",
    [
        "rocket.jpg",
        "chelsea.png",
        "chelsea-16bit.png",
        "horse-palette.png",
        "chelsea-lossy.webp",
        "chelsea-lossless.webp",
        "chelsea.avif",
        "chelsea.gif",
        "chelsea.bmp",
        "chelsea.tiff",
    ],
)
def test_every_input_format_decodes(name: str) -> None:
    out = imagemint.process(FIXTURES / name, format="webp", quality=70)
    assert SIGNATURES["webp"](out.data)
    opened = PILImage.open(io.BytesIO(out.data))
    assert opened.size == (out.width, out.height)


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("jpeg", {"quality": 80}),
        ("webp", {"quality": 75}),
        ("png", {"effort": 2}),
    ],
)
def test_same_bytes_as_the_native_command(fmt: str, options: dict) -> None:
    resize = {"width": 300}
    ours = imagemint.process(fixture("rocket.jpg"), format=fmt, resize=(300, None), **options)
    theirs = native("rocket.jpg", {"encode": {"format": fmt, **options}, "transform": {"resize": resize}})
    assert ours.data == theirs


def test_resize_fit_and_save(tmp_path) -> None:
    out = imagemint.process(fixture("rocket.jpg"), format="jpeg", resize=(200, 200), fit="cover")
    assert (out.width, out.height) == (200, 200)
    path = tmp_path / "out.jpg"
    out.save(path)
    assert path.read_bytes() == out.data
    out.save(str(path))  # str paths too
    assert PILImage.open(path).size == (200, 200)


def test_bytearray_memoryview_and_path_inputs_agree() -> None:
    data = fixture("chelsea.png")
    want = imagemint.process(data, format="webp").data
    assert imagemint.process(bytearray(data), format="webp").data == want
    assert imagemint.process(memoryview(data), format="webp").data == want
    assert imagemint.process(FIXTURES / "chelsea.png", format="webp").data == want
    assert imagemint.process(str(FIXTURES / "chelsea.png"), format="webp").data == want


def test_metadata_strip_removes_gps() -> None:
    data = fixture("rocket-gps.jpg")
    assert b"GPS" in data or PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    kept = imagemint.process(data, format="jpeg", metadata="keep")
    assert PILImage.open(io.BytesIO(kept.data)).getexif().get_ifd(0x8825), "GPS kept on request"
    for metadata in (None, "strip"):
        extra = {} if metadata is None else {"metadata": metadata}
        out = imagemint.process(data, format="jpeg", **extra)
        assert not PILImage.open(io.BytesIO(out.data)).getexif().get_ifd(0x8825), metadata
