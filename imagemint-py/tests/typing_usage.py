"""Checked by mypy --strict in test_stubs.py: how the README uses imagemint."""

from pathlib import Path

import numpy as np
import numpy.typing as npt

import imagemint


def main(photo: Path) -> int:
    out = imagemint.process(photo, format="webp", quality=75, resize=(1200, None), fit="cover", metadata="strip")
    out.save(photo.with_suffix(".webp"))
    saved: int = out.report["input_bytes"] - out.report["output_bytes"]
    options = imagemint.Options(encode={"format": "avif", "quality": 50}, max_pixels=50_000_000)
    again = imagemint.process(out.data, options.replace(effort=3))
    pixels: npt.NDArray[np.uint8] = imagemint.decode(again.data).to_numpy()
    model = imagemint.MaskModel.load("u2netp.onnx", "u2netp")
    cut = imagemint.process(pixels, model=model, format="png", mask={"output": {"background": "#00ff00"}})
    try:
        imagemint.process(b"not an image")
    except imagemint.UnsupportedFormatError as e:
        print(e.field)
    return saved + cut.width


def pillow(path: Path) -> None:
    from PIL import Image as PILImage

    with PILImage.open(path) as photo:
        imagemint.process(photo, format="jpeg")
        imagemint.Image.from_pil(photo)
