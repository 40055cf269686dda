#!/usr/bin/env bash
# Builds the npm package `imagemint` into imagemint-wasm/pkg/: the WebAssembly modules,
# their JS bindings and TypeScript declarations. Installs what it needs on the way
# (wasm32 target, clang/lld/wasi-libc headers, wasm-bindgen-cli, binaryen from npm);
# `--prerequisites-only` stops there.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd .. && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

# The C codecs need clang and wasi-libc's headers (not its library; see wasm_libc.rs).
missing=()
command -v clang >/dev/null || missing+=(clang)
command -v wasm-ld >/dev/null || missing+=(lld)
[ -d /usr/include/wasm32-wasi ] || missing+=(wasi-libc)
bash "$root/scripts/apt-install.sh" ${missing[@]+"${missing[@]}"}
rustup target list --installed | grep -qx wasm32-unknown-unknown ||
  rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the wasm-bindgen crate exactly.
bindgen_version="$(sed -n '/^name = "wasm-bindgen"$/{n;s/version = "\(.*\)"/\1/p}' "$root/Cargo.lock")"
tools="${IMAGEMINT_TOOLS:-$HOME/.cache/imagemint-tools}"
if [ "$("$tools/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
  cargo install --quiet --root "$tools" wasm-bindgen-cli --version "$bindgen_version"
fi
# Debian's binaryen (108) breaks wasm-bindgen's glue; npm's is current.
[ -x node_modules/.bin/wasm-opt ] || npm ci --silent --no-audit --no-fund
[ "${1:-}" = --prerequisites-only ] && exit 0

# Three modules, so a page downloads only what it uses: `imagemint` (JPEG, PNG and WebP
# in and out: the formats every browser shows), `imagemint/all` (also AVIF output and
# GIF, BMP and TIFF input) and `imagemint/mask` (everything plus tract for background
# removal). Their sizes: benches/README.md.
rm -rf pkg
build() { # features out-name
  cargo build --locked -p imagemint-wasm --target wasm32-unknown-unknown --profile wasm \
    --no-default-features ${1:+--features "$1"}
  "$tools/bin/wasm-bindgen" --target web --out-dir pkg --out-name "$2" --remove-name-section \
    "$target_dir/wasm32-unknown-unknown/wasm/imagemint_wasm.wasm"
  # A C function the codecs call but wasm_libc.rs lacks would surface as an import from
  # "env" that nothing provides: fail here, not in the user's page.
  if grep -q 'from "env"' "pkg/$2.js"; then
    echo "pkg/$2_bg.wasm imports C functions nobody provides (add them to wasm_libc.rs)" >&2
    exit 1
  fi
}
size() { echo "$(stat -c %s "$1") bytes, $(gzip -9c "$1" | wc -c) gzipped"; }
# On the mask module wasm-opt saved 0.1% gzipped (6% raw), took 4.5 minutes, and
# inference ran no faster (benches/README.md), so only the codecs' modules go through it.
wasm_opt() {
  echo "$1 before wasm-opt: $(size "$1")"
  node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-sign-ext \
    --enable-nontrapping-float-to-int --enable-mutable-globals --enable-reference-types \
    "$1" -o "$1"
}
build "" imagemint
wasm_opt pkg/imagemint_bg.wasm
build all-formats imagemint_all
wasm_opt pkg/imagemint_all_bg.wasm
build mask imagemint_mask

cp js/*.js js/*.d.ts README.md pkg/
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" package.template.json >pkg/package.json
rm -f pkg/.gitignore
for wasm in pkg/*.wasm; do
  echo "$wasm: $(size "$wasm")"
done
