#!/usr/bin/env bash
# Installs what building imagemint needs beyond Rust: nasm (SIMD assembly in mozjpeg,
# rav1e and rav1d) and a C compiler (mozjpeg, libwebp, libdeflate are built from source).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

missing=()
command -v nasm >/dev/null || missing+=(nasm)
command -v cc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
bash "$(dirname "$0")/apt-install.sh" ${missing[@]+"${missing[@]}"}
if ! command -v cargo >/dev/null; then
  echo "Rust is needed: https://rustup.rs (then run this again)" >&2
  exit 1
fi
if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
