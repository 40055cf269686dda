"""Options from keywords, nested sections and Options objects, all read by core."""

from __future__ import annotations

import json

import pytest
from conftest import fixture

import imagemint


def test_keywords_land_in_their_sections() -> None:
    o = imagemint.Options(format="webp", quality=75, resize=(1200, None), fit="cover", metadata="strip")
    d = o.to_dict()
    assert d["encode"]["format"] == "webp"
    assert d["encode"]["quality"] == 75
    assert d["encode"]["metadata"] == "strip"
    assert d["transform"]["resize"]["width"] == 1200
    assert d["transform"]["resize"]["height"] is None
    assert d["transform"]["resize"]["fit"] == "cover"


def test_keyword_order_does_not_matter_for_resize_and_fit() -> None:
    a = imagemint.Options(fit="contain", resize=(300, 200))
    b = imagemint.Options(resize=(300, 200), fit="contain")
    assert a == b
    assert a.to_dict()["transform"]["resize"] == b.to_dict()["transform"]["resize"]


def test_defaults_are_core_defaults() -> None:
    d = imagemint.Options().to_dict()
    assert d["decode"]["auto_orient"] is True
    assert d["encode"]["metadata"] == "icc"
    assert d["mask"] is None
    assert imagemint.Options.from_dict(d) == imagemint.Options()


def test_nested_sections_snake_or_camel_case() -> None:
    a = imagemint.Options(decode={"limits": {"max_pixels": 1000}})
    b = imagemint.Options(decode={"limits": {"maxPixels": 1000}})
    c = imagemint.Options(max_pixels=1000)
    assert a == b == c
    assert a.to_dict()["decode"]["limits"]["max_pixels"] == 1000
    # Sections merge: the other limits keep their defaults.
    assert a.to_dict()["decode"]["limits"]["max_width"] == imagemint.Options().to_dict()["decode"]["limits"]["max_width"]


def test_json_round_trip_is_the_cli_form() -> None:
    o = imagemint.Options(format="avif", quality=50, flip_horizontal=True)
    j = json.loads(o.to_json())
    assert j["encode"]["format"] == "avif"
    assert j["transform"]["flipHorizontal"] is True
    assert imagemint.Options.from_json(o.to_json()) == o
    assert "Options.from_json" in repr(o)


def test_replace_and_presets() -> None:
    web = imagemint.Options.preset("web")
    assert web.to_dict()["encode"]["format"] == "webp"
    smaller = web.replace(quality=50)
    assert smaller.to_dict()["encode"]["quality"] == 50
    assert smaller.to_dict()["transform"]["resize"]["width"] == 2560, "rest of the preset kept"
    assert web.to_dict()["encode"]["quality"] == 75, "frozen: replace copies"
    with pytest.raises(ValueError):
        imagemint.Options.preset("fastest")


def test_options_object_and_keywords_together() -> None:
    base = imagemint.Options(format="webp", quality=90)
    out_base = imagemint.process(fixture("chelsea.png"), base)
    out_lower = imagemint.process(fixture("chelsea.png"), base, quality=40)
    assert out_lower.format == "webp"
    assert out_lower.report["quality"] == 40
    assert len(out_lower.data) < len(out_base.data)


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="qualty"):
        imagemint.process(fixture("chelsea.png"), qualty=80)
    with pytest.raises(TypeError, match="qualty"):
        imagemint.Options(qualty=80)


def test_ambiguous_keyword_names_its_places() -> None:
    with pytest.raises(TypeError, match=r"transform\.resize\.width"):
        imagemint.Options(width=100)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quality": 101}, "encode.quality"),
        ({"quality": "high"}, "encode.quality"),
        ({"format": "jpg2000"}, "encode.format"),
        ({"fit": "squash", "resize": (10, 10)}, "transform.resize.fit"),
        ({"encode": {"qualty": 5}}, "encode.qualty"),
        ({"max_pixels": -1}, "decode.limits.max_pixels"),
        ({"rotate": 45}, "transform.rotate"),
    ],
)
def test_bad_value_is_a_value_error_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError) as caught:
        imagemint.process(fixture("chelsea.png"), **kwargs)
    assert isinstance(caught.value, imagemint.InvalidOptionsError)
    assert isinstance(caught.value, imagemint.ImageMintError)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_resize_tuple_needs_two_items() -> None:
    with pytest.raises(ValueError, match="2 items"):
        imagemint.Options(resize=(100,))


def test_option_keywords_lists_the_flat_names() -> None:
    k = imagemint.option_keywords()
    assert k["quality"] == "encode.quality"
    assert k["fit"] == "transform.resize.fit"
    assert k["max_pixels"] == "decode.limits.max_pixels"
    assert "width" not in k
    for name in k:
        # Every listed name is a keyword (None may still be a bad value for it).
        try:
            imagemint.Options(**{name: None})
        except imagemint.InvalidOptionsError:
            pass


def test_a_new_mask_output_replaces_the_old_one() -> None:
    # Both forms are one-key dicts in core's serde form; they must not be merged.
    green = imagemint.Options(output={"background": "#00ff00"})
    blurred = green.replace(output={"blur": 8})
    assert blurred.to_dict()["mask"]["output"] == {"blur": 8}
    assert imagemint.Options(mask={"output": {"blur": 3}}).replace(output="mask_only").to_dict()["mask"]["output"] == "maskOnly"


def test_numpy_scalars_are_numbers() -> None:
    np = pytest.importorskip("numpy")
    assert imagemint.Options(quality=np.int64(80)) == imagemint.Options(quality=80)
    assert imagemint.Options(threshold=np.float32(0.5)) == imagemint.Options(threshold=0.5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quality": 10**30}, "encode.quality"),
        ({"threshold": float("inf")}, "mask.threshold"),
        ({"resize": (1, 2, 3)}, "transform.resize"),
    ],
)
def test_values_python_cannot_pass_on_are_invalid_options(kwargs: dict, field: str) -> None:
    with pytest.raises(imagemint.InvalidOptionsError) as caught:
        imagemint.Options(**kwargs)
    assert caught.value.field == field


def test_from_dict_and_from_json_are_checked_like_keywords() -> None:
    with pytest.raises(imagemint.InvalidOptionsError) as caught:
        imagemint.Options.from_json('{"encode": {"quality": 0}}')
    assert caught.value.field == "encode.quality"
    with pytest.raises(imagemint.InvalidOptionsError):
        imagemint.Options.from_dict({"encode": {"quality": 0}})
    # A syntax error in the user's own JSON says where it is.
    with pytest.raises(imagemint.InvalidOptionsError, match="column"):
        imagemint.Options.from_json('{"encode": ')


def test_messages_name_fields_as_python_does() -> None:
    with pytest.raises(imagemint.InvalidOptionsError) as caught:
        imagemint.Options(decode={"limits": {"max_pixelz": 5}})
    message = str(caught.value)
    assert "max_pixels" in message and "maxPixels" not in message
    assert "line 1" not in message, "no position in JSON the user never wrote"


def test_options_and_errors_pickle() -> None:
    import pickle

    o = imagemint.Options(format="avif", quality=40, resize=(640, None))
    assert pickle.loads(pickle.dumps(o)) == o
    try:
        imagemint.Options(quality=500)
    except imagemint.InvalidOptionsError as e:
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is imagemint.InvalidOptionsError
        assert again.field == "encode.quality" and str(again) == str(e)
