#!/usr/bin/env bash
# One command: install what is missing, then run every check CI runs, in CI's order.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build cache for every clone and for CI (a cold burn build for wasm takes ~15 min).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
scripts/setup.sh --test

step() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*"; }
start=$SECONDS

step "formatting"
cargo fmt --all -- --check

step "clippy (native, -D warnings)"
cargo clippy --locked --all-targets -- -D warnings

step "clippy (wasm32, -D warnings)"
cargo clippy --locked --target wasm32-unknown-unknown --lib --bins -- -D warnings

step "native tests (Flex, and wgpu on Vulkan: lavapipe where there is no GPU)"
GRAFT_REQUIRE_GPU=1 cargo test --locked

step "native wgpu self-test"
cargo run --locked --quiet --bin graft -- selftest --device gpu

step "wasm build (trunk)"
trunk build --release

step "browser tests (headless Chromium)"
(cd tests/browser && npm test)

step "all passed in $((SECONDS - start)) s"
