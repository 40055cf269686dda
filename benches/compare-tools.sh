#!/usr/bin/env bash
# Times imagemint's encoders against each codec's own command-line tool at matching
# settings, on the same 1200×900 photo, whole command against whole command (hyperfine).
#
#   bash benches/compare-tools.sh
#
# Needs (Debian): hyperfine, webp (cwebp), libavif-bin (avifenc), imagemagick, gcc.
# mozjpeg's cjpeg is not packaged, so it is compiled here from the very sources that
# mozjpeg-sys vendors and links into imagemint.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine cwebp avifenc convert gcc python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
target="${CARGO_TARGET_DIR:-target}"
work="$target/compare-tools"
mkdir -p "$work"
cargo build --release --locked -p imagemint-cli
im="$target/release/imagemint"

# cjpeg from mozjpeg-sys's vendored sources, linked with the static library it built.
vendor=$(cargo metadata --format-version 1 --locked | python3 -c '
import json, os, sys
pkgs = json.load(sys.stdin)["packages"]
print(next(os.path.dirname(p["manifest_path"]) for p in pkgs if p["name"] == "mozjpeg-sys") + "/vendor")')
built=$(ls -td "$target"/release/build/mozjpeg-sys-*/out | head -1)
gcc -O2 -I"$built/include" -I"$vendor" -DPPM_SUPPORTED -o "$work/cjpeg-mozjpeg" \
  "$vendor"/{cjpeg,cdjpeg,rdppm,rdswitch,rdbmp,rdgif,rdtarga,rdjpeg}.c "$built"/libmozjpeg*.a -lm

# One input in three containers: PNG for cwebp/avifenc, PPM for cjpeg, BMP for imagemint
# (reading BMP or PPM costs next to nothing, so JPEG is compared on encoding alone).
"$im" examples/sample.jpg --resize 1200x900 --fit fill --enlarge -f png -e 0 -m strip \
  -o "$work/in.png"
convert "$work/in.png" "$work/in.ppm"
convert "$work/in.png" BMP3:"$work/in.bmp"

# ravif quality 60 is rav1e quantizer 147 of 255, i.e. avifenc's 37 of 63; both use
# 10-bit 4:4:4 (ravif does not subsample chroma), speed 6 and two threads.
hyperfine --warmup 3 --runs 20 --export-markdown "$work/results.md" \
  -n "imagemint jpeg q75" "$im $work/in.bmp -f jpeg -q 75 -m strip -o $work/im.jpg" \
  -n "mozjpeg cjpeg q75" "$work/cjpeg-mozjpeg -quality 75 -outfile $work/moz.jpg $work/in.ppm" \
  -n "imagemint webp q75" "$im $work/in.png -f webp -q 75 -m strip -o $work/im.webp" \
  -n "cwebp q75 m4" "cwebp -quiet -q 75 -m 4 -alpha_q 100 $work/in.png -o $work/cwebp.webp" \
  -n "imagemint avif q60" "$im $work/in.png -f avif -q 60 -m strip -o $work/im.avif" \
  -n "avifenc rav1e s6 q37" "avifenc -c rav1e -s 6 -j 2 -d 10 -y 444 --min 37 --max 37 $work/in.png $work/avifenc.avif"

echo
echo "Output sizes (bytes):"
for f in im.jpg moz.jpg im.webp cwebp.webp im.avif avifenc.avif; do
  printf '  %-14s %s\n' "$f" "$(stat -c %s "$work/$f")"
done
echo "Table: $work/results.md"
