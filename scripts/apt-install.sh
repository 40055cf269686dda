#!/usr/bin/env bash
# Installs the given Debian/Ubuntu packages with apt (sudo when not root); elsewhere asks
# the person to install them. Shared by install-deps.sh, imagemint-wasm/build.sh, test.sh.
set -euo pipefail
[ $# -gt 0 ] || exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install: $* (with your system's package manager)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
