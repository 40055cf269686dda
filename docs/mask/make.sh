#!/usr/bin/env bash
# Regenerates the edge-refinement pictures in this folder and prints the error table
# (needs the model: bash scripts/fetch-model.sh).
#
#   bash docs/mask/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run -q --release -p imagemint-core --example edge_refinement -- docs/mask "$@"
