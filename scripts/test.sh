#!/usr/bin/env bash
# Runs every test: unit, integration (real photos, hostile input, limits), CLI and doc
# tests, with every feature on. The same command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo test --workspace --all-features --locked
