"""Shared helpers: the repository's fixture photos, the models scripts/fetch-model.sh
fetches, and the native `imagemint` command to compare with."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

SIGNATURES = {
    "jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "png": lambda b: b[1:4] == b"PNG",
    "webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "avif": lambda b: b[4:12] == b"ftypavif",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def model_path(file: str) -> Path:
    """A model in the cache; missing is a failure, not a skip (scripts/test.sh fetches)."""
    default = Path.home() / ".cache" / "imagemint" / "models"
    path = Path(os.environ.get("IMAGEMINT_MODEL_DIR", default)) / file
    if not path.exists():
        pytest.fail(f"{path} is missing: run bash scripts/fetch-model.sh")
    return path


def native_bin() -> Path:
    """The `imagemint` command that `cargo test` builds (or IMAGEMINT_BIN)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = Path(os.environ.get("IMAGEMINT_BIN", target / "debug" / "imagemint"))
    if not path.exists():
        pytest.fail(f"native imagemint not found at {path}: run cargo build -p imagemint-cli")
    return path


def native(name: str, options: dict, *args: str) -> bytes:
    """The native command's output for fixture `name` with `options` (camelCase JSON),
    on one thread (ravif tiles an AVIF by thread count)."""
    with tempfile.TemporaryDirectory() as tmp:
        opts = Path(tmp) / "options.json"
        opts.write_text(json.dumps(options))
        out = Path(tmp) / "out"
        env = {**os.environ, "RAYON_NUM_THREADS": "1"}
        subprocess.run(
            [native_bin(), FIXTURES / name, "--options", opts, "-o", out, *args],
            check=True,
            env=env,
            capture_output=True,
        )
        return out.read_bytes()
