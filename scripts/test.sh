#!/usr/bin/env bash
# Runs every test: unit, integration (real photos, hostile input, limits, background
# removal checked against ONNX Runtime), CLI and doc tests, with every feature on; the
# Python package's tests; then builds the npm package (WebAssembly) and runs its tests in Node (against the native
# command) and in headless Chromium (the demo page). The same command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The background-removal tests need the models, and ONNX Runtime as the reference.
for model in medium u2netp u2net; do
  bash scripts/fetch-model.sh "$model" >/dev/null
done
python3 -c "import onnxruntime, numpy" 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check onnxruntime numpy
# imagemint-wasm is a cdylib for wasm32 (tested in Node below); natively it would not even
# link (rav1d's assembly is not position-independent). imagemint-py is tested from Python.
cargo test --workspace --exclude imagemint-wasm --exclude imagemint-py --all-features --locked
# The Python package: `pip install ./imagemint-py` (a release build through maturin) into
# a virtual environment, then its pytest suite (the same bytes as the `imagemint` command
# cargo test just built, numpy and Pillow, the GIL, the stubs under mypy) and the example.
venv="${IMAGEMINT_VENV:-$HOME/.cache/imagemint-py-venv}"
# Debian's python3 needs python3-venv for a venv with pip; a failed try leaves a venv
# without pip behind, so that is what is checked.
if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv" 2>/dev/null ||
    { rm -rf "$venv" && bash scripts/apt-install.sh python3-venv && python3 -m venv "$venv"; }
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" pytest numpy Pillow mypy
# Rebuilt every time: an imagemint already in the environment may be an older build.
"${pip[@]}" --force-reinstall --no-deps ./imagemint-py
"$venv/bin/python" -m pytest -q imagemint-py/tests
"$venv/bin/python" examples/python/batch.py tests/fixtures "$(mktemp -d)" --format webp
# The npm package: built for wasm32, then checked in Node against the `imagemint` command
# that cargo test just built, installed from its `npm pack` tarball, and run with the demo
# page (examples/web/) in headless Chromium.
bash imagemint-wasm/build.sh
command -v chromium >/dev/null || bash scripts/apt-install.sh chromium
IMAGEMINT_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/imagemint" npm --prefix imagemint-wasm test
echo "Screenshots of the demo page: test-artifacts/"
