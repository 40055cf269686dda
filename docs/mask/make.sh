#!/usr/bin/env bash
# Regenerates the edge-refinement comparison pictures in this folder with the
# imagemint command (needs the model: bash scripts/fetch-model.sh).
#
#   bash docs/mask/make.sh
#
# Each photo is enlarged 4× (the case refinement is for: a mask upsampled from the
# model's 1024² to a bigger image), put on pure green, with and without
# --refine-edges, then the same detail is cut out of both.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --release -p imagemint-cli
imagemint="${CARGO_TARGET_DIR:-target}/release/imagemint"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name, enlarged width, detail (WxH+X+Y in the enlarged picture)
while read -r name width detail; do
  stem=${name%.*}
  for mode in raw refined; do
    flags=()
    [[ $mode == refined ]] && flags=(--refine-edges)
    "$imagemint" "tests/fixtures/$name" --resize "${width}x" --enlarge --replace-bg '#00c800' \
      "${flags[@]}" -f png --effort 0 -o "$tmp/$stem-$mode.png" >/dev/null
    "$imagemint" "$tmp/$stem-$mode.png" --crop "$detail" -f png -o "docs/mask/$stem-$mode.png" >/dev/null
  done
done <<'LIST'
astronaut.png 2048 640x480+590+40
chelsea.png 1804 600x480+1200+0
LIST
echo "wrote docs/mask/*-raw.png and *-refined.png"
