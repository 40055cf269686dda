"""Bad input raises the right exception and never takes the interpreter down."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, fixture

import imagemint


def test_hierarchy() -> None:
    for cls in (
        imagemint.UnsupportedFormatError,
        imagemint.DecodeError,
        imagemint.LimitsError,
        imagemint.InvalidOptionsError,
        imagemint.ModelError,
        imagemint.InferenceError,
        imagemint.EncodeError,
    ):
        assert issubclass(cls, imagemint.ImageMintError)
    assert issubclass(imagemint.InvalidOptionsError, ValueError)


def test_not_an_image() -> None:
    with pytest.raises(imagemint.UnsupportedFormatError):
        imagemint.process(b"hello, this is text and not a photo")
    with pytest.raises(imagemint.UnsupportedFormatError):
        imagemint.process(b"")


@pytest.mark.parametrize("name", ["rocket.jpg", "chelsea.png", "chelsea-lossy.webp", "chelsea.avif", "chelsea.gif"])
def test_truncated_and_corrupt_files(name: str) -> None:
    data = fixture(name)
    with pytest.raises((imagemint.DecodeError, imagemint.UnsupportedFormatError)):
        imagemint.process(data[:40], format="png")
    # Decoders may recover part of a damaged picture (a JPEG cut in half shows its top
    # half), so these either give an image or raise imagemint's error: never anything else.
    for damaged in (data[: len(data) // 2], data[:64] + bytes(range(256)) * 40):
        try:
            out = imagemint.process(damaged, format="png")
        except imagemint.ImageMintError:
            continue
        assert out.width > 0 and out.data.startswith(b"\x89PNG")


def test_a_png_cut_short_is_a_decode_error() -> None:
    data = fixture("chelsea.png")
    with pytest.raises(imagemint.DecodeError, match="PNG"):
        imagemint.process(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_allocating() -> None:
    with pytest.raises(imagemint.LimitsError, match="limits"):
        imagemint.process(fixture("chelsea.png"), max_pixels=1000)
    with pytest.raises(imagemint.LimitsError):
        imagemint.decode(fixture("rocket.jpg"), max_width=100)


def test_missing_file_is_an_os_error() -> None:
    with pytest.raises(FileNotFoundError):
        imagemint.process(FIXTURES / "no-such-photo.jpg")


def test_wrong_input_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="data must be"):
        imagemint.process(12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        imagemint.process(fixture("chelsea.png"), resize=object())


def test_mask_without_a_model_is_a_model_error() -> None:
    with pytest.raises(imagemint.ModelError, match=r"model=imagemint\.MaskModel"):
        imagemint.process(fixture("chelsea.png"), mask={})
    with pytest.raises(imagemint.ModelError):
        imagemint.process(fixture("chelsea.png"), output="mask_only")


def test_model_must_be_a_mask_model() -> None:
    with pytest.raises(TypeError, match="MaskModel"):
        imagemint.process(fixture("chelsea.png"), model="u2netp.onnx")  # type: ignore[arg-type]


def test_bad_model_bytes_are_a_model_error() -> None:
    with pytest.raises(imagemint.ModelError):
        imagemint.MaskModel.from_bytes(b"not an onnx file at all")
    with pytest.raises(imagemint.ModelError):
        imagemint.MaskModel.from_bytes(fixture("chelsea.png"), "u2netp")
    with pytest.raises(imagemint.InvalidOptionsError, match="no-such-spec") as caught:
        imagemint.MaskModel.load(FIXTURES / "chelsea.png", spec="no-such-spec")
    assert caught.value.field == "spec"
    with pytest.raises(imagemint.InvalidOptionsError) as caught:
        imagemint.MaskModel.load(FIXTURES / "chelsea.png", spec={"input_widht": 320})
    assert caught.value.field == "input_widht"


def test_decode_takes_decode_options_only() -> None:
    with pytest.raises(TypeError, match="decode options only"):
        imagemint.decode(fixture("chelsea.png"), quality=50)
