#!/usr/bin/env bash
# One command: install what is missing, then run every check CI runs, in CI's order. Each
# step prints its duration; the last lines say where the time went and the total.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build cache for every clone and for CI (a cold burn build for wasm takes ~15 min).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
steps_tag=test
source scripts/steps.sh

steps_current=set-up
scripts/setup.sh --test
steps_current=

step "formatting" cargo fmt --all -- --check

# Clippy runs inside the builds rather than as builds of its own: as RUSTC_WORKSPACE_WRAPPER
# it lints graft's crates (-D warnings) while compiling them for real, and dependencies are
# compiled once, by rustc, for both the lint and the tests. Every later cargo call in this
# script keeps the same environment, so nothing is rebuilt.
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver)
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

step "native build with clippy (lib, CLI, tests, examples)" \
  cargo test --locked --all-targets --no-run

step "native tests (Flex, and wgpu on Vulkan: lavapipe where there is no GPU)" \
  env GRAFT_REQUIRE_GPU=1 cargo test --locked --all-targets

step "native wgpu self-test" "$CARGO_TARGET_DIR/debug/graft" selftest --device gpu

step "page build with clippy (wasm32, release)" env GRAFT_LINT=1 scripts/build-web.sh

step "browser tests (headless Chromium)" bash -c 'cd tests/browser && npm test'
