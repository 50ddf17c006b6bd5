#!/usr/bin/env bash
# One command: install what is missing, build the page, and serve it on http://127.0.0.1:8080
# (GRAFT_PORT changes the port). Each step prints its duration, then the total.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build cache for every clone and for CI (a cold burn build for wasm takes ~15 min).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
steps_tag=serve
source scripts/steps.sh

steps_current=set-up
scripts/setup.sh
steps_current=
step "page build (wasm32, release)" scripts/build-web.sh
steps_summary
exec node scripts/static-server.mjs dist "${GRAFT_PORT:-8080}"
