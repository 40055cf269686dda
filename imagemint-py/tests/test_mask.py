"""Background removal from Python: the same mask as the native command, one model shared
by calls and threads. U²-Netp (4.6 MB) keeps it quick; tests/mask.rs compares the models
with ONNX Runtime."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import fixture, model_path, native

import imagemint


@pytest.fixture(scope="module")
def model() -> imagemint.MaskModel:
    return imagemint.MaskModel.load(model_path("u2netp.onnx"), "u2netp")


def test_cutout_matches_the_native_command(model: imagemint.MaskModel) -> None:
    out = imagemint.process(fixture("chelsea.png"), model=model, format="png", effort=1)
    path = str(model_path("u2netp.onnx"))
    want = native(
        "chelsea.png",
        {"encode": {"format": "png", "effort": 1}},
        "--remove-bg", "--model", path, "--model-spec", "u2netp",
    )
    assert out.data == want
    alpha = out.to_numpy()[..., 3]
    assert out.report["timings"]["mask_ms"] > 0
    # The cat fills the middle of the picture; the corners are background.
    assert alpha[150, 225] > 200
    assert alpha[5, 5] < 30 and alpha[-5, -5] < 30


def test_mask_options(model: imagemint.MaskModel) -> None:
    data = fixture("chelsea.png")
    mask = imagemint.process(data, model=model, format="png", mask={"output": "mask_only"}).to_numpy()
    assert mask.ndim == 3 and mask.shape[2] == 3 and np.array_equal(mask[..., 0], mask[..., 1])
    cropped = imagemint.process(data, model=model, format="png", crop_to_subject=True, padding=4)
    assert cropped.width < 451 or cropped.height < 300
    # Any padding, however large, is clamped to the picture.
    whole = imagemint.process(data, model=model, format="png", crop_to_subject=True, padding=2**32 - 1)
    assert (whole.width, whole.height) == (451, 300)
    green = imagemint.process(data, model=model, format="jpeg", output={"background": "#00ff00"})
    corner = green.to_numpy()[3, 3]
    assert corner[1] > 200 and corner[0] < 60 and corner[2] < 60


def test_spec_round_trips_as_a_dict(model: imagemint.MaskModel) -> None:
    spec = imagemint.MaskModel.builtin_spec("u2netp")
    assert spec == model.spec
    assert spec["input_width"] == 320
    again = imagemint.MaskModel.load(model_path("u2netp.onnx"), spec)
    assert again.spec == spec


def test_one_model_serves_threads(model: imagemint.MaskModel) -> None:
    data = fixture("chelsea.png")
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: imagemint.process(data, model=model, format="png").data, range(4)))
    assert all(o == outs[0] for o in outs)
