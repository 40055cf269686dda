#!/usr/bin/env bash
# First run on a fresh machine: install prerequisites, build the `imagemint` command, and
# convert the bundled sample photo to WebP, printing the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release --locked -p imagemint-cli
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target/demo"
"$target/release/imagemint" examples/sample.jpg --format webp -o "$target/demo/sample.webp"
