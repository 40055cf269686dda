#!/usr/bin/env bash
# Installs what building imagemint needs beyond Rust: nasm (SIMD assembly in mozjpeg,
# rav1e and rav1d) and a C compiler (mozjpeg, libwebp, libdeflate are built from source).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

missing=()
command -v nasm >/dev/null || missing+=(nasm)
command -v cc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Please install: ${missing[*]} (with your system's package manager)" >&2
    exit 1
  fi
fi
if ! command -v cargo >/dev/null; then
  echo "Rust is needed: https://rustup.rs (then run this again)" >&2
  exit 1
fi
if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
