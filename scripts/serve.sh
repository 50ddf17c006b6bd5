#!/usr/bin/env bash
# One command: install what is missing, build the app, and serve it on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build cache for every clone and for CI (a cold burn build for wasm takes ~15 min).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
scripts/setup.sh
echo
echo "graft: building, then serving at http://127.0.0.1:8080 (Ctrl-C stops)"
exec trunk serve --release --address 127.0.0.1 --port "${GRAFT_PORT:-8080}"
