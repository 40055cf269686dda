#!/usr/bin/env bash
# Runs every test: unit, integration (real photos, hostile input, limits, background
# removal checked against ONNX Runtime), CLI and doc tests, with every format, the mask
# stage and serde on (only `typescript`, for the npm package, is left to its build); the
# Python package's tests; the C ABI's header, example and C tests under valgrind; then
# builds the npm package (WebAssembly) and runs its tests in Node (against the native
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
# Default features (the CLI and the C library turn on core's `serde`); not --all-features,
# whose `typescript` would put wasm-bindgen's exports into libimagemint.so, built below
# with these same flags.
cargo test --workspace --exclude imagemint-wasm --exclude imagemint-py --locked
# Core without its optional formats, as the npm package's small module is built: what it
# leaves out is Error::FormatNotBuilt, before any work.
cargo test -p imagemint-core --no-default-features --locked --test formats_not_built
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
# The C ABI (its Rust tests ran with cargo test above): the committed header must be what
# cbindgen makes of the source; the C example and a C test program build against it and
# libimagemint (shared and static), and the test program runs, then runs clean under
# valgrind (no leaks, no invalid reads or writes).
# libimagemint.so built with cargo test's flags, so nothing is compiled again: a plain
# `cargo build -p imagemint-capi` resolves dependency features without the
# dev-dependencies and recompiled 37 crates, 12 minutes on a fresh machine.
cargo build --workspace --exclude imagemint-wasm --exclude imagemint-py --locked --lib --tests
tools="${IMAGEMINT_TOOLS:-$HOME/.cache/imagemint-tools}"
if [ "$("$tools/bin/cbindgen" --version 2>/dev/null)" != "cbindgen 0.29.4" ]; then
  cargo install --quiet --locked --root "$tools" cbindgen --version 0.29.4
fi
header="$(mktemp)"
"$tools/bin/cbindgen" --quiet --config imagemint-capi/cbindgen.toml --crate imagemint-capi \
  --output "$header" imagemint-capi
diff -u imagemint-capi/include/imagemint.h "$header" ||
  { echo "imagemint.h is stale: regenerate it (imagemint-capi/cbindgen.toml says how)" >&2; exit 1; }
command -v valgrind >/dev/null || bash scripts/apt-install.sh valgrind
command -v c++ >/dev/null || bash scripts/apt-install.sh g++
c++ -fsyntax-only -x c++ -Wall -Werror imagemint-capi/include/imagemint.h # C++ compatible
# libimagemint.so exports imagemint_* and nothing else (imagemint-capi/symbols.map; this
# machine is x86_64 Linux, where build.rs uses it).
lib="${CARGO_TARGET_DIR:-$PWD/target}/debug/libimagemint.so"
exports="$(nm -D --defined-only "$lib" | awk '{print $3}')"
grep -qx imagemint_process <<<"$exports"
if grep -v '^imagemint_' <<<"$exports"; then
  echo "libimagemint.so exports the symbols above: add them to imagemint-capi/symbols.map" >&2
  exit 1
fi
# The example, linked against the shared library and, as a second program, the static one.
make -s -C examples/c compress compress-static
out="$(mktemp -d)"
for program in compress compress-static; do
  examples/c/$program examples/sample.jpg "$out/$program.webp" 60
  [ "$(head -c 4 "$out/$program.webp")$(tail -c +9 "$out/$program.webp" | head -c 4)" = RIFFWEBP ] ||
    { echo "examples/c/$program did not write a WebP file" >&2; exit 1; }
done
cmp "$out/compress.webp" "$out/compress-static.webp"
readelf -d examples/c/compress | grep -q 'NEEDED.*libimagemint'
if readelf -d examples/c/compress-static | grep 'NEEDED.*libimagemint'; then
  echo "examples/c/compress-static is linked to the shared library" >&2
  exit 1
fi
make -s -C imagemint-capi/tests run valgrind
# The npm package: built for wasm32, then checked in Node against the `imagemint` command
# that cargo test just built, installed from its `npm pack` tarball, and run with the demo
# page (examples/web/) in headless Chromium.
bash imagemint-wasm/build.sh
command -v chromium >/dev/null || bash scripts/apt-install.sh chromium
IMAGEMINT_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/imagemint" npm --prefix imagemint-wasm test
echo "Screenshots of the demo page: test-artifacts/"
