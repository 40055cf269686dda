"""The type stubs agree with core's options, and mypy uses them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import imagemint

HERE = Path(__file__).parent
STUB = Path(imagemint.__file__).parent / "_imagemint.pyi"


def typed_dicts() -> dict[str, set[str]]:
    """Each TypedDict's keys, inherited ones included."""
    tree = ast.parse(STUB.read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def keys(name: str) -> set[str]:
        node = classes[name]
        own = {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                own |= keys(base.id)
        return own

    def is_typed_dict(name: str) -> bool:
        return any(
            isinstance(b, ast.Name) and (b.id == "TypedDict" or (b.id in classes and is_typed_dict(b.id)))
            for b in classes[name].bases
        )

    return {name: keys(name) for name in classes if is_typed_dict(name)}


def literals() -> dict[str, set[object]]:
    tree = ast.parse(STUB.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            if getattr(node.value.value, "id", "") == "Literal":
                elts = node.value.slice.elts if isinstance(node.value.slice, ast.Tuple) else [node.value.slice]
                out[node.targets[0].id] = {ast.literal_eval(e) for e in elts}
    return out


def test_keywords_are_the_ones_core_has() -> None:
    assert typed_dicts()["OptionKeywords"] == set(imagemint.option_keywords())


def test_sections_have_core_fields() -> None:
    full = imagemint.Options(resize=(1, None), crop=(0, 0, 1, 1), mask={}).to_dict()
    stubs = typed_dicts()
    sections = {
        "DecodeOptions": full["decode"],
        "Limits": full["decode"]["limits"],
        "TransformOptions": full["transform"],
        "Resize": full["transform"]["resize"],
        "Rect": full["transform"]["crop"],
        "EncodeOptions": full["encode"],
        "JpegOptions": full["encode"]["jpeg"],
        "WebpOptions": full["encode"]["webp"],
        "AvifOptions": full["encode"]["avif"],
        "MaskOptions": full["mask"],
    }
    for name, fields in sections.items():
        assert stubs[name] == set(fields), name
    report = imagemint.process(Path(__file__).parents[2] / "tests/fixtures/chelsea.png", format="png", effort=0).report
    assert stubs["Report"] == set(report)
    assert stubs["Timings"] == set(report["timings"])


@pytest.mark.parametrize(
    ("alias", "keyword"),
    [
        ("Format", "format"),
        ("Fit", "fit"),
        ("Filter", "filter"),
        ("Metadata", "metadata"),
        ("Chroma", "chroma_subsampling"),
    ],
)
def test_literal_values_are_the_ones_core_takes(alias: str, keyword: str) -> None:
    values = literals()[alias]
    extra = {"resize": (10, 10)} if keyword in ("fit", "filter") else {}
    for value in values:
        imagemint.Options(**{keyword: value}, **extra)
    with pytest.raises(imagemint.InvalidOptionsError) as caught:
        imagemint.Options(**{keyword: "no-such-value"}, **extra)
    names = re.search(r"expected one of: ([^)]*)\)", str(caught.value)).group(1).split(", ")
    assert set(names) <= values, f"core takes {names}; the stub's {alias} misses some"


def test_mypy_accepts_correct_use_and_rejects_mistakes(tmp_path: Path) -> None:
    good = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(HERE / "typing_usage.py")],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import imagemint\n"
        "imagemint.process(b'', qualty=80)\n"
        "imagemint.process(b'', format='gif')\n"
        "w: str = imagemint.decode(b'').width\n"
    )
    wrong = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(bad)], capture_output=True, text=True
    )
    assert wrong.returncode == 1
    assert "qualty" in wrong.stdout
    assert "bad.py:3" in wrong.stdout  # 'gif' is no output format
    assert "bad.py:4" in wrong.stdout


def test_the_package_ships_its_types() -> None:
    package = Path(imagemint.__file__).parent
    assert (package / "py.typed").exists()
    assert STUB.exists()
