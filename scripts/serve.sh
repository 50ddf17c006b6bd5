#!/usr/bin/env bash
# One command: install what is missing, build the app, and serve it on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
echo "graft: building, then serving at http://127.0.0.1:8080 (Ctrl-C stops)"
exec trunk serve --release --address 127.0.0.1 --port "${GRAFT_PORT:-8080}"
